"""Scratch quantification: strokes and bouts from hind-paw trajectories.

Modules: ``params`` and ``detect`` (the detector), ``tables`` (summary and time bins),
``step`` (``scratchflow quantify`` on one pose file), ``files`` (what it writes, by name and
column), ``evaluate`` (scoring against annotations) and ``tune`` (parameter search).
"""

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
