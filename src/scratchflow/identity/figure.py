"""The QC figure: each colour's identity confidence over time, with the repairs marked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from scratchflow import outputs
from scratchflow.identity.colours import HUE_TABLE

# Repairs by kind, drawn as spans under the confidence lines.
KIND_STYLE = {"switch": ("#555555", 0.35), "drift": ("#E69F00", 0.5), "jump": ("#CC79A7", 0.5)}


def timeline(confidence: np.ndarray, colours: list[str], events: pd.DataFrame, fps: float,
             path: Path) -> Path:
    """Write the timeline PNG atomically."""
    n_time, n_colours = confidence.shape
    scale, unit = (60.0, "min") if n_time / fps > 600 else (1.0, "s")
    time = np.arange(n_time) / fps / scale
    fig = Figure(figsize=(11, 1.2 + 0.7 * n_colours))
    axes = fig.subplots(n_colours, 1, sharex=True, squeeze=False)[:, 0]
    for index, (ax, name) in enumerate(zip(axes, colours, strict=True)):
        ax.plot(time, confidence[:, index], lw=0.8, color=_plot_colour(name))
        ax.set_ylim(-0.05, 1.05)
        ax.set_ylabel(name, rotation=0, ha="right", va="center")
        mine = events[events["individuals"].str.split(";").map(lambda ids, n=name: n in ids)]
        for event in mine.itertuples():
            colour, alpha = KIND_STYLE[event.kind]
            ax.axvspan(event.start_s / scale, event.end_s / scale, color=colour, alpha=alpha,
                       lw=0)
    axes[0].set_title("identity confidence by colour; shaded: repairs (grey switch, orange "
                      "drift, pink jump)", fontsize=9)
    axes[-1].set_xlabel(f"time ({unit})")
    with outputs.atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100, bbox_inches="tight")
    return path


def _plot_colour(name: str) -> str:
    """A line in the mouse's own colour where the table knows it (the hue's midpoint)."""
    if name not in HUE_TABLE:
        return "black"
    low, high = HUE_TABLE[name].hue
    hue = ((low + (high - low) % 360 / 2) % 360) / 360
    from matplotlib.colors import hsv_to_rgb

    return hsv_to_rgb((hue, 0.9, 0.8))
