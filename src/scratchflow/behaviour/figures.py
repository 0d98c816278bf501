"""The behaviour step's figures: the confusion matrix of an evaluation and a video's ethogram.
Bare ``matplotlib.figure.Figure`` objects with the Agg renderer (no pyplot, no display), as the
report's figures are drawn."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from scratchflow.behaviour.annotations import label_runs
from scratchflow.outputs import atomic_path

# Okabe-Ito and two greys: safe for colour-blindness, distinct for up to 10 classes.
CLASS_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
                 "#999999", "#000000", "#F0E442", "#666666")


def write_png(figure: Figure, path: Path) -> Path:
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=110, bbox_inches="tight",
                       metadata={"Software": None})
    return path


def confusion_figure(confusion: pd.DataFrame, title: str) -> Figure:
    """Row-normalised confusion matrix: each annotated class's frames sum to 1."""
    totals = confusion.to_numpy().sum(axis=1, keepdims=True)
    share = np.divide(confusion.to_numpy(), totals, out=np.zeros(confusion.shape),
                      where=totals > 0)
    figure = Figure(figsize=(6, 5))
    axes = figure.subplots()
    axes.imshow(share, cmap="Blues", vmin=0, vmax=1)
    names = list(confusion.columns)
    axes.set_xticks(range(len(names)), names, rotation=45, ha="right")
    axes.set_yticks(range(len(names)), names)
    for (row, column), value in np.ndenumerate(share):
        if value >= 0.005:
            axes.text(column, row, f"{value:.2f}", ha="center", va="center", fontsize=7,
                      color="white" if value > 0.5 else "black")
    axes.set_xlabel("predicted")
    axes.set_ylabel("annotated")
    axes.set_title(title, fontsize=9)
    return figure


def ethogram_figure(labels: np.ndarray, classes: tuple[str, ...], fps: float,
                    title: str) -> Figure:
    """One row per class, a bar wherever the video is in that class."""
    figure = Figure(figsize=(10, 0.3 * len(classes) + 1.2))
    axes = figure.subplots()
    runs = label_runs(labels)
    for index in range(len(classes)):
        spans = [(start / fps, (end - start) / fps) for label, start, end in runs
                 if label == index]
        axes.broken_barh(spans, (index - 0.4, 0.8),
                         color=CLASS_COLOURS[index % len(CLASS_COLOURS)])
    axes.set_yticks(range(len(classes)), classes)
    axes.set_ylim(len(classes) - 0.5, -0.5)
    axes.set_xlim(0, len(labels) / fps)
    axes.set_xlabel("time (s)")
    axes.set_title(title, fontsize=9)
    return figure
