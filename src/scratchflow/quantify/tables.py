"""Per-mouse summary and time-binned counts from detected bouts and strokes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scratchflow.quantify.detect import ScratchResult

NO_TRACKING = "no_tracking"
# Counts that a mouse without usable tracking leaves empty: a zero would read as no scratching.
WHOLE = ("n_bouts", "n_strokes", "bouts_left", "strokes_left", "bouts_right", "strokes_right")
COUNTS = (*WHOLE, "scratching_s", "bouts_per_min", "mean_stroke_rate_hz")


def summary_table(results: list[ScratchResult], usable: list[float],
                  min_usable: float) -> pd.DataFrame:
    """One row per mouse: its status, bouts, strokes, scratching time and left/right split.

    ``usable`` is each mouse's fraction of frames with both hind paws usable; below
    ``min_usable`` the mouse's status is ``no_tracking`` and its counts are left empty.
    """
    rows = []
    for result, fraction in zip(results, usable, strict=True):
        bouts = result.bouts
        minutes = result.duration_s / 60
        by_limb = bouts.groupby("limb")["n_strokes"].agg(["count", "sum"])
        tracked = fraction >= min_usable
        row = {
            "individual": result.individual,
            "status": "ok" if tracked else NO_TRACKING,
            "reason": "" if tracked else no_tracking_reason(fraction, min_usable),
            "hind_paws_usable_fraction": fraction,
            "duration_s": result.duration_s,
            "fps": result.fps,
            "body_length_px": result.body_length_px,
            "n_bouts": len(bouts),
            "n_strokes": int(bouts["n_strokes"].sum()),
            "scratching_s": float(bouts["duration_s"].sum()),
            "bouts_per_min": len(bouts) / minutes if minutes else np.nan,
            "mean_stroke_rate_hz": float(bouts["stroke_rate_hz"].mean()) if len(bouts) else np.nan,
            **{
                f"{what}_{side}": int(by_limb[agg].get(side, 0))
                for side in ("left", "right")
                for what, agg in (("bouts", "count"), ("strokes", "sum"))
            },
        }
        rows.append(row if tracked else row | dict.fromkeys(COUNTS))
    table = pd.DataFrame(rows)
    return table.astype(dict.fromkeys(WHOLE, "Int64")).astype(
        {c: float for c in COUNTS if c not in WHOLE})


def no_tracking_reason(fraction: float, min_usable: float) -> str:
    return (f"hind paws usable in {fraction:.1%} of frames (min_usable_fraction "
            f"{min_usable:g}): not tracked, so no counts; check the pose model and the "
            "--bodypart mapping of hind_left and hind_right")


def timebin_table(results: list[ScratchResult], bin_s: float,
                  tracked: list[bool]) -> pd.DataFrame:
    """Counts per time bin: bouts by start time, strokes by time, scratching seconds by overlap.

    The bins of a mouse that was not ``tracked`` are there with empty counts."""
    rows = []
    for result, counted in zip(results, tracked, strict=True):
        edges = np.append(np.arange(0, result.duration_s, bin_s), result.duration_s)
        starts = result.bouts["start_s"].to_numpy()
        ends = result.bouts["end_s"].to_numpy()
        stroke_times = result.strokes["time_s"].to_numpy()
        for lo, hi in zip(edges[:-1], edges[1:], strict=True):
            overlap = np.clip(np.minimum(ends, hi) - np.maximum(starts, lo), 0, None)
            counts = {
                "n_bouts": int(((starts >= lo) & (starts < hi)).sum()),
                "n_strokes": int(((stroke_times >= lo) & (stroke_times < hi)).sum()),
                "scratching_s": float(overlap.sum()),
            }
            rows.append({"individual": result.individual, "bin_start_s": lo, "bin_end_s": hi,
                         **(counts if counted else dict.fromkeys(counts))})
    return pd.DataFrame(rows).astype({"n_bouts": "Int64", "n_strokes": "Int64"})
