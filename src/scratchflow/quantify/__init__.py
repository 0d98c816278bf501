"""Scratch quantification: strokes and bouts from hind-paw trajectories.

Modules: ``params`` and ``detect`` (the detector), ``tables`` (summary and time bins),
``step`` (``scratchflow quantify`` on one pose file), ``files`` (what it writes, by name and
column), ``evaluate`` (scoring against annotations) and ``tune`` (parameter search).
"""

from scratchflow import lazy

_EXPORTS = {"scratchflow.quantify.detect": ("REQUIRED_ROLES", "ScratchResult", "detect_scratching"),
            "scratchflow.quantify.params": ("ScratchParams",),
            "scratchflow.quantify.tables": ("summary_table", "timebin_table")}
__getattr__ = lazy.exports(__name__, _EXPORTS)
__all__ = sorted(name for names in _EXPORTS.values() for name in names)
