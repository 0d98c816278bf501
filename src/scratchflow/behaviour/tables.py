"""Per-video tables from per-frame labels: every class's time budget and every bout."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scratchflow.behaviour.annotations import label_runs
from scratchflow.behaviour.files import BUDGET_COLUMNS


def bout_table(labels: np.ndarray, probabilities: np.ndarray, classes: tuple[str, ...],
               fps: float) -> pd.DataFrame:
    """One row per run of one class: where it starts and ends, and its mean probability."""
    rows = [{"behaviour": classes[label], "start_frame": start, "end_frame": end - 1,
             "start_s": round(start / fps, 3), "end_s": round(end / fps, 3),
             "duration_s": round((end - start) / fps, 3),
             "mean_probability": round(float(probabilities[start:end, label].mean()), 3)}
            for label, start, end in label_runs(labels)]
    return pd.DataFrame(rows, columns=["behaviour", "start_frame", "end_frame", "start_s",
                                       "end_s", "duration_s", "mean_probability"])


def budget_table(labels: np.ndarray, classes: tuple[str, ...], fps: float) -> pd.DataFrame:
    """Per class: frames, seconds, fraction of the video, bouts and mean bout length."""
    counts = np.bincount(labels, minlength=len(classes))
    bouts = np.bincount([label for label, _, _ in label_runs(labels)], minlength=len(classes))
    seconds = counts / fps
    return pd.DataFrame({
        "behaviour": classes, "frames": counts, "seconds": seconds.round(3),
        "fraction": (counts / max(len(labels), 1)).round(4), "n_bouts": bouts,
        "mean_bout_s": np.divide(seconds, bouts, out=np.zeros(len(classes)),
                                 where=bouts > 0).round(3)}, columns=list(BUDGET_COLUMNS))


def probability_table(probabilities: np.ndarray, classes: tuple[str, ...],
                      fps: float) -> pd.DataFrame:
    frames = np.arange(len(probabilities))
    table = pd.DataFrame(probabilities.round(4), columns=list(classes))
    table.insert(0, "time_s", (frames / fps).round(3))
    table.insert(0, "frame", frames)
    return table
