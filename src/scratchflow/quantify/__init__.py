"""Scratch quantification: strokes and bouts from hind-paw trajectories."""

from scratchflow.quantify.detect import REQUIRED_ROLES, ScratchResult, detect_scratching
from scratchflow.quantify.params import ScratchParams
from scratchflow.quantify.tables import summary_table, timebin_table

__all__ = [
    "REQUIRED_ROLES",
    "ScratchParams",
    "ScratchResult",
    "detect_scratching",
    "summary_table",
    "timebin_table",
]
