"""Scratch quantification: strokes and bouts from hind-paw trajectories."""

from scratchflow.scratch.detect import REQUIRED_ROLES, ScratchResult, detect_scratching
from scratchflow.scratch.params import ScratchParams
from scratchflow.scratch.quantify import resolve_fps
from scratchflow.scratch.tables import summary_table, timebin_table

__all__ = [
    "REQUIRED_ROLES",
    "ScratchParams",
    "ScratchResult",
    "detect_scratching",
    "resolve_fps",
    "summary_table",
    "timebin_table",
]
