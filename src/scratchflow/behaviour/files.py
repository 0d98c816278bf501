"""What the behaviour step writes, by name: the one place that owns these suffixes.

Per classified video ``<stem>.mp4``, in the output folder:
``<stem>_behaviour.csv`` (per-frame labels, DeepEthoProfile's format),
``<stem>_behaviour_probabilities.csv`` (frame, time_s, one column per class),
``<stem>_behaviour_budget.csv`` (per class: frames, seconds, fraction, bouts),
``<stem>_behaviour_bouts.csv`` (one row per bout), ``<stem>_behaviour_ethogram.png`` (every
class over time) and ``<stem>_behaviour_provenance.json``.

A model folder holds ``settings.json`` (classes and every setting), the weights
(``pixel_model.pt`` or ``pose_model.joblib``) and ``training.json`` (what it was trained on).
``evaluate`` writes ``behaviour_confusion.csv``, ``behaviour_confusion.png``,
``behaviour_scores.json`` and the per-frame ``behaviour_predictions.csv``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from scratchflow.errors import InputError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

STEP = "behaviour"
SUFFIXES = {
    "labels": "_behaviour.csv",
    "probabilities": "_behaviour_probabilities.csv",
    "budget": "_behaviour_budget.csv",
    "bouts": "_behaviour_bouts.csv",
    "ethogram": "_behaviour_ethogram.png",
    "provenance": "_behaviour_provenance.json",
}
# The time budget's columns, in order: per class, its frames, seconds, fraction of the video,
# bouts and mean bout length.
BUDGET_COLUMNS = ("behaviour", "frames", "seconds", "fraction", "n_bouts", "mean_bout_s")
RECLASSIFY = ("re-run `scratchflow behaviour classify` on this video (the file is incomplete "
              "or foreign)")
MODEL_SETTINGS = "settings.json"
MODEL_WEIGHTS = {"pixel": "pixel_model.pt", "pose": "pose_model.joblib"}
MODEL_TRAINING = "training.json"
EVALUATION = {
    "confusion": "behaviour_confusion.csv",
    "figure": "behaviour_confusion.png",
    "scores": "behaviour_scores.json",
    "predictions": "behaviour_predictions.csv",
}


def paths(out_dir: Path, stem: str) -> dict[str, Path]:
    """Every output of the video ``<stem>``, by kind."""
    return {kind: Path(out_dir) / f"{stem}{suffix}" for kind, suffix in SUFFIXES.items()}


def evaluation_paths(out_dir: Path) -> dict[str, Path]:
    return {kind: Path(out_dir) / name for kind, name in EVALUATION.items()}


def read_budget(path: Path) -> pd.DataFrame:
    """A video's time budget (``BUDGET_COLUMNS``): one row per class, named once, with seconds
    >= 0 and a fraction from 0 to 1; an ``InputError`` naming the file otherwise."""
    import pandas as pd  # here: the names above are read without loading pandas

    try:
        table = pd.read_csv(path, keep_default_na=False, na_values=[""],
                            dtype={"behaviour": str})
    except FileNotFoundError as err:
        raise InputError(path, "file not found", RECLASSIFY) from err
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as err:
        raise InputError(path, f"not a readable CSV ({err})", RECLASSIFY) from err
    missing = [c for c in BUDGET_COLUMNS if c not in table.columns]
    if missing:
        raise InputError(path, f"missing column(s) {missing}; the file has "
                         f"{list(table.columns)}", RECLASSIFY)
    for column in BUDGET_COLUMNS[1:]:
        values = pd.to_numeric(table[column], errors="coerce")
        if values.isna().any() or (values < 0).any():
            row = int((values.isna() | (values < 0)).idxmax()) + 2  # header, count from 1
            raise InputError(path, f"column {column!r} line {row}: {table[column][row - 2]!r} "
                             "is not a number >= 0", RECLASSIFY)
        table[column] = values
    names = table["behaviour"].fillna("")
    if (names == "").any() or names.duplicated().any() or (table["fraction"] > 1).any():
        raise InputError(path, "needs one row per class, each named once, with a fraction of "
                         "at most 1", RECLASSIFY)
    return table[list(BUDGET_COLUMNS)]


def read_labels(path: Path, classes: tuple[str, ...], n_frames: int) -> np.ndarray:
    """A video's per-frame labels (indices into ``classes``), as classify wrote them; an
    ``InputError`` naming the file if they are not ``n_frames`` long (its budget's frames)."""
    from scratchflow.behaviour.annotations import read_annotations

    try:  # DeepEthoProfile's per-frame format numbers its frames: no frame rate is needed
        return read_annotations(path, classes, n_frames, fps=1.0)
    except InputError as err:
        raise InputError(path, err.problem, RECLASSIFY) from err
