"""Scratching as one more class, taken from the scratch detector's bouts (``scratchflow
quantify``'s bouts table), so that one ethogram shows every behaviour. The detector counts
strokes from the paws' tracks, which the behaviour models cannot match, so its bouts replace
the models' call in their frames: those frames become ``scratch`` with probability 1."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from scratchflow.errors import InputError
from scratchflow.quantify import files as quantify_files

SCRATCH = "scratch"


def with_scratch_bouts(probabilities: np.ndarray, classes: tuple[str, ...],
                       bouts_path: Path) -> tuple[np.ndarray, tuple[str, ...]]:
    """``probabilities`` (T, classes) with every frame of the detector's bouts set to scratch;
    a class list without ``scratch`` gains it as its last class."""
    bouts = _read_bouts(bouts_path, len(probabilities))
    if SCRATCH not in classes:
        classes = (*classes, SCRATCH)
        probabilities = np.column_stack([probabilities, np.zeros(len(probabilities))])
    scratch = classes.index(SCRATCH)
    for start, end in bouts:
        probabilities[start:end + 1] = 0
        probabilities[start:end + 1, scratch] = 1
    return probabilities, classes


def _read_bouts(path: Path, n_frames: int) -> list[tuple[int, int]]:
    try:
        table = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise InputError(path, f"cannot read the scratch bouts: {err}",
                         f"pass the <stem>{quantify_files.SUFFIXES['bouts']} that "
                         "`scratchflow quantify` wrote for this video") from err
    needed = ("start_frame", "end_frame")
    if missing := [c for c in needed if c not in table.columns]:
        raise InputError(path, f"expected the columns {list(needed)}, missing {missing}",
                         "pass a bouts table of `scratchflow quantify`")
    frames = table[list(needed)].to_numpy(np.int64)
    if len(frames) and (frames.max() >= n_frames or frames.min() < 0):
        raise InputError(path, f"bouts run to frame {frames.max()} but the video has "
                         f"{n_frames} frames", "pass the bouts of this video's pose file")
    return [(int(start), int(end)) for start, end in frames]

