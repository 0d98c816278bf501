"""What ``scratchflow quantify`` writes per pose file, by name and column.

Per pose file ``<stem>.h5``, in the output folder: ``<stem>_scratch_bouts.csv`` (one row per
bout), ``_scratch_strokes.csv`` (one row per stroke), ``_scratch_summary.csv`` (one row per
individual), ``_scratch_timebins.csv`` (counts per time bin) and ``_scratch_provenance.json``
(parameters, versions, input checksum, fps, body parts). The columns below are those other
steps rely on; the writers (``detect``, ``tables``) add more.
"""

from __future__ import annotations

from pathlib import Path

STEP = "quantify"
SUFFIXES = {
    "bouts": "_scratch_bouts.csv",
    "strokes": "_scratch_strokes.csv",
    "summary": "_scratch_summary.csv",
    "timebins": "_scratch_timebins.csv",
    "provenance": "_scratch_provenance.json",
}
TABLES = ("bouts", "strokes", "summary", "timebins")
ALL = "_scratch_*"  # a glob for every file of one pose file: f"{stem}{ALL}"

# The columns other steps read, by kind.
COLUMNS = {
    "summary": ("individual", "duration_s", "n_bouts", "n_strokes", "scratching_s"),
    "bouts": ("individual", "bout_id", "start_frame", "end_frame", "start_s", "end_s", "limb",
              "n_strokes"),
    "timebins": ("individual", "bin_start_s", "bin_end_s", "n_bouts", "n_strokes",
                 "scratching_s"),
    "strokes": ("individual", "bout_id", "frame"),
}


def paths(out_dir: Path, stem: str) -> dict[str, Path]:
    """Every output of the pose file ``<stem>``, by kind."""
    return {kind: Path(out_dir) / f"{stem}{suffix}" for kind, suffix in SUFFIXES.items()}


def written(out_dir: Path, stem: str) -> list[Path]:
    """The outputs of ``<stem>`` that exist."""
    return sorted(p for p in paths(out_dir, stem).values() if p.is_file())
