"""The report's figures, drawn with matplotlib's Agg renderer into PNG bytes.

Figures are built as bare ``matplotlib.figure.Figure`` objects (no pyplot): no display, no
global state, and nothing kept alive between figures of a large experiment.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.image import imread
from matplotlib.patches import Patch

LIMB_COLOURS = {"left": "#0072B2", "right": "#D55E00"}  # Okabe-Ito: safe for colour-blindness
# Groups get the other Okabe-Ito colours, so a group is never mistaken for a limb.
GROUP_COLOURS = ("#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
GROUP_MARKERS = ("o", "s", "^", "D", "v", "P")  # shapes tell groups apart without colour
MEASURE_NAMES = {"n_bouts": ("bouts", ""), "n_strokes": ("strokes", ""),
                 "scratching_s": ("scratching time", " (s)")}  # name, unit
WIDTH_IN, DPI = 11.0, 100
PREVIEW_WIDTH_PX = 380  # three crop previews side by side on the page


def png_bytes(fig: Figure, tight: bool = True) -> bytes:
    buffer = io.BytesIO()
    # No "Software" text chunk: the report must not mention any web address.
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight" if tight else None,
                metadata={"Software": None})
    return buffer.getvalue()


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def axis_label(measure: str, qualifier: str) -> str:
    """E.g. ``scratching time per 5-min bin (s)``: the unit always comes last."""
    name, unit = MEASURE_NAMES[measure]
    return f"{name} {qualifier}{unit}"


def group_colour(groups: list[str], group: str) -> str:
    return GROUP_COLOURS[sorted(groups).index(group) % len(GROUP_COLOURS)]


def zero_based(ax) -> None:
    """Counts start at zero; a little room below keeps a mouse at zero visible."""
    top = max(ax.get_ylim()[1], 1e-9)
    ax.set_ylim(-0.04 * top, top)


def time_unit(longest_s: float) -> tuple[float, str]:
    """Seconds for short recordings, minutes from 5 min on (divisor, unit)."""
    return (60.0, "min") if longest_s >= 300 else (1.0, "s")


def bin_length_text(bin_s: float) -> str:
    return f"{bin_s / 60:g}-min" if bin_s % 60 == 0 else f"{bin_s:g}-s"


def mouse_rows_height(n_mice: int) -> float:
    return max(2.2, 0.32 * n_mice + 1.3)


def bout_raster(mice: pd.DataFrame, bouts: pd.DataFrame) -> Figure:
    """One row per mouse (``label``, ``duration_s``): a bar per bout, coloured by limb."""
    scale, unit = time_unit(float(mice["duration_s"].max()))
    fig = Figure(figsize=(WIDTH_IN, mouse_rows_height(len(mice))))
    ax = fig.add_subplot()
    for row, mouse in enumerate(mice.itertuples(index=False)):
        ax.broken_barh([(0, mouse.duration_s / scale)], (row - 0.42, 0.84), facecolors="#eeeeee")
        own = bouts[bouts["label"] == mouse.label] if not bouts.empty else bouts
        if own.empty:
            ax.text(0.005 * mouse.duration_s / scale, row, "no bouts", va="center",
                    color="#777777", fontsize=9)
        for limb, colour in LIMB_COLOURS.items():
            spans = [(b.start_s / scale, (b.end_s - b.start_s) / scale)
                     for b in own.itertuples() if b.limb == limb]
            # An edge as wide as a line keeps a 0.3 s bout visible on a 30-min axis.
            ax.broken_barh(spans, (row - 0.35, 0.7), facecolors=colour, edgecolors=colour,
                           linewidth=0.8)
    ax.set_yticks(range(len(mice)), labels=mice["label"])
    ax.set_ylim(len(mice) - 0.5, -0.5)
    ax.set_xlim(0, mice["duration_s"].max() / scale)
    ax.set_xlabel(f"time since the start of the recording ({unit})")
    handles = [Patch(color=c, label=f"{limb} hind paw") for limb, c in LIMB_COLOURS.items()]
    ax.legend(handles=handles, loc="lower right", bbox_to_anchor=(1, 1), ncols=2,
              frameon=False)
    ax.set_title("Scratch bouts per mouse", loc="left")
    return fig


def bin_matrix(mice: pd.DataFrame, timebins: pd.DataFrame, measure: str,
               bin_s: float) -> np.ndarray:
    """Mice x bins; NaN where a recording has no such bin (it ended earlier)."""
    index = (timebins["bin_start_s"] / bin_s).round().astype(int)
    n_bins = int(index.max()) + 1 if len(index) else 1
    matrix = np.full((len(mice), n_bins), np.nan)
    rows = {label: i for i, label in enumerate(mice["label"])}
    for label, column, value in zip(timebins["label"], index, timebins[measure], strict=True):
        matrix[rows[label], column] = value
    return matrix


def timebin_heatmaps(mice: pd.DataFrame, timebins: pd.DataFrame, bin_s: float) -> Figure:
    fig = Figure(figsize=(WIDTH_IN, mouse_rows_height(len(mice))), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    for ax, measure, cmap in zip(axes, ("n_bouts", "scratching_s"), ("Blues", "Oranges"),
                                 strict=True):
        matrix = bin_matrix(mice, timebins, measure, bin_s)
        image = ax.imshow(matrix, aspect="auto", cmap=cmap, vmin=0,
                          vmax=max(1.0, float(np.nanmax(matrix, initial=0))))
        annotate_cells(ax, matrix, "{:.0f}" if measure == "n_bouts" else "{:.1f}")
        starts = np.arange(matrix.shape[1]) * bin_s
        scale, unit = time_unit(starts[-1] + bin_s)
        ax.set_xticks(range(matrix.shape[1]),
                      labels=[f"{s / scale:g}-{(s + bin_s) / scale:g}" for s in starts],
                      rotation=45 if matrix.shape[1] > 8 else 0)
        ax.set_xlabel(f"time bin ({unit})")
        fig.colorbar(image, ax=ax, label=axis_label(measure, f"per {bin_length_text(bin_s)} bin"))
    axes[0].set_yticks(range(len(mice)), labels=mice["label"])
    axes[0].set_title("Bouts per time bin", loc="left")
    axes[1].set_title("Scratching time per time bin", loc="left")
    return fig


def annotate_cells(ax, matrix: np.ndarray, fmt: str) -> None:
    if matrix.size > 600:  # numbers would be unreadable; the colour still tells
        return
    top = np.nanmax(matrix, initial=0)
    for (row, column), value in np.ndenumerate(matrix):
        if np.isfinite(value):
            ax.text(column, row, fmt.format(value), ha="center", va="center", fontsize=8,
                    color="white" if top and value > 0.6 * top else "black")


def clock(seconds: float, minutes_only: bool) -> str:
    """A time in minutes: ``5`` when every label is whole minutes, else ``m:ss``."""
    if minutes_only:
        return f"{seconds / 60:g}"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}:{rest:02d}"


def bin_labels(starts: np.ndarray, ends: np.ndarray, bin_s: float) -> tuple[list[str], str]:
    """Tick labels of the time bins in minutes, and the axis unit; a bin that the recordings
    end inside says so, rather than passing for a full bin."""
    edges = np.concatenate([starts, ends])
    minutes_only = bool(np.all(np.isclose(edges % 60, 0) | np.isclose(edges % 60, 60)))
    labels = []
    for start, end in zip(starts, ends, strict=True):
        label = f"{clock(start, minutes_only)}–{clock(end, minutes_only)}"
        if end < start + bin_s - 1e-6:
            label += (f"\npartial: a {bin_length_text(bin_s)} bin,\nrecordings end at "
                      f"{clock(end, minutes_only)}")
        labels.append(label)
    return labels, "min" if minutes_only else "min:s"


def group_time_course(stats: pd.DataFrame, bin_s: float) -> Figure:
    """Bouts per time bin: each group's mean ± SEM. Groups sit side by side within a bin, with
    their own marker shapes, so that no marker hides another."""
    bins = stats[(stats["period"] == "bin") & (stats["measure"] == "n_bouts")]
    starts = np.sort(bins["bin_start_s"].unique())
    ends = np.array([bins.loc[bins["bin_start_s"] == s, "bin_end_s"].max() for s in starts])
    groups = sorted(bins["group"].unique())
    fig = Figure(figsize=(WIDTH_IN, 3.8), layout="constrained")
    ax = fig.add_subplot()
    width = min(0.15, 0.6 / len(groups))  # apart by more than a marker, within the bin
    for index, group in enumerate(groups):
        rows = bins[bins["group"] == group].set_index("bin_start_s").reindex(starts)
        offset = (index - (len(groups) - 1) / 2) * width
        n_low, n_high = int(rows["n"].min()), int(rows["n"].max())
        n_text = f"n = {n_high}" if n_low == n_high else f"n = {n_low}–{n_high}"
        ax.errorbar(np.arange(len(starts)) + offset, rows["mean"], yerr=rows["sem"],
                    marker=GROUP_MARKERS[index % len(GROUP_MARKERS)], markersize=8,
                    markeredgecolor="white", capsize=3, linewidth=1,
                    color=group_colour(groups, group),
                    label=f"{group} ({n_text} {'mouse' if n_high == 1 else 'mice'})")
    labels, unit = bin_labels(starts, ends, bin_s)
    ax.set_xticks(range(len(starts)), labels=labels)
    ax.set_xlim(-0.5, len(starts) - 0.5)
    ax.set_xlabel(f"time bin since the start of the recording ({unit})")
    ax.set_ylabel(f"bouts per {bin_length_text(bin_s)} bin")
    zero_based(ax)
    ax.legend(loc="lower right", bbox_to_anchor=(1, 1), ncols=min(4, len(groups)),
              frameon=False)
    ax.set_title("Bouts per time bin, group mean ± SEM", loc="left")
    return fig


def side_by_side(values: np.ndarray, step: float = 0.07) -> np.ndarray:
    """Horizontal offsets that set mice with (nearly) the same value side by side, centred,
    so that no dot hides another; counts tie often. Same offsets every run."""
    offsets = np.zeros(len(values))
    if not len(values):
        return offsets
    close = max(float(np.ptp(values)), 1.0) / 30  # a dot's height, as a share of the axis
    order = np.argsort(values, kind="stable")
    clusters = np.split(order, np.flatnonzero(np.diff(values[order]) > close) + 1)
    for cluster in clusters:
        offsets[cluster] = (np.arange(len(cluster)) - (len(cluster) - 1) / 2) * step
    return offsets


def group_totals(mice: pd.DataFrame) -> Figure:
    """Per group: a box of the mice's totals with every mouse drawn as a point."""
    groups = sorted(mice["group"].unique())
    fig = Figure(figsize=(WIDTH_IN, 3.8), layout="constrained")
    for ax, measure in zip(fig.subplots(1, 3), MEASURE_NAMES, strict=True):
        data = [mice.loc[mice["group"] == g, measure].astype(float).to_numpy() for g in groups]
        ax.boxplot(data, positions=range(len(groups)), widths=0.5, showfliers=False,
                   medianprops={"color": "black"})
        for position, values in enumerate(data):
            ax.scatter(position + side_by_side(values), values, s=22, zorder=3,
                       color=group_colour(groups, groups[position]))
        ax.set_xticks(range(len(groups)), labels=[f"{g}\n(n={len(d)})"
                                                  for g, d in zip(groups, data, strict=True)],
                      rotation=30 if len(groups) > 4 else 0)
        ax.set_ylabel(axis_label(measure, "in total"))
        zero_based(ax)
    fig.suptitle("Totals per group (box: quartiles and median; dots: mice)", x=0.01, ha="left")
    return fig


def thumbnail(path: Path, max_width_px: int = PREVIEW_WIDTH_PX) -> bytes:
    """A crop preview scaled down for the page; antialiasing keeps thin box lines visible."""
    image = imread(path)
    height, width = image.shape[:2]
    shown = min(width, max_width_px)
    fig = Figure(figsize=(shown / DPI, shown * height / width / DPI))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.imshow(image, interpolation="antialiased")
    ax.set_axis_off()
    return png_bytes(fig, tight=False)


def behaviour_budgets(fractions: pd.DataFrame, classes: list[str]) -> Figure:
    """Mean fraction of time per behaviour class, one bar per group beside the others, with
    the standard error of the mean (``fractions``: group statistics rows ``group``, ``cls``,
    ``n``, ``mean``, ``sem``)."""
    measured = fractions[fractions["n"] > 0]  # a group without budgets has no bar, not 0
    groups = sorted(measured["group"].unique())
    fig = Figure(figsize=(WIDTH_IN, 3.8), layout="constrained")
    ax = fig.add_subplot()
    width = 0.8 / max(len(groups), 1)
    for index, group in enumerate(groups):
        rows = measured[measured["group"] == group].set_index("cls").reindex(classes)
        positions = np.arange(len(classes)) + (index - (len(groups) - 1) / 2) * width
        n_high = int(rows["n"].max())
        ax.bar(positions, rows["mean"], width, yerr=rows["sem"], capsize=2,
               color=group_colour(groups, group), error_kw={"linewidth": 0.8},
               label=f"{group} (n = {n_high} {'mouse' if n_high == 1 else 'mice'})")
    ax.set_xticks(range(len(classes)), labels=classes)
    ax.set_ylabel("fraction of time (group mean)")
    zero_based(ax)
    ax.legend(loc="lower right", bbox_to_anchor=(1, 1), ncols=min(4, len(groups)),
              frameon=False)
    ax.set_title("Time budget per group, mean ± SEM", loc="left")
    return fig
