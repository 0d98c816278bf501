"""Per-mouse summary and time-binned counts from detected bouts and strokes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scratchflow.quantify.detect import ScratchResult


def summary_table(results: list[ScratchResult]) -> pd.DataFrame:
    """One row per mouse: bouts, strokes, scratching time and left/right split."""
    rows = []
    for result in results:
        bouts = result.bouts
        minutes = result.duration_s / 60
        by_limb = bouts.groupby("limb")["n_strokes"].agg(["count", "sum"])
        rows.append({
            "individual": result.individual,
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
        })
    return pd.DataFrame(rows)


def timebin_table(results: list[ScratchResult], bin_s: float) -> pd.DataFrame:
    """Counts per time bin: bouts by start time, strokes by time, scratching seconds by overlap."""
    rows = []
    for result in results:
        edges = np.append(np.arange(0, result.duration_s, bin_s), result.duration_s)
        starts = result.bouts["start_s"].to_numpy()
        ends = result.bouts["end_s"].to_numpy()
        stroke_times = result.strokes["time_s"].to_numpy()
        for lo, hi in zip(edges[:-1], edges[1:], strict=True):
            overlap = np.clip(np.minimum(ends, hi) - np.maximum(starts, lo), 0, None)
            rows.append({
                "individual": result.individual,
                "bin_start_s": lo,
                "bin_end_s": hi,
                "n_bouts": int(((starts >= lo) & (starts < hi)).sum()),
                "n_strokes": int(((stroke_times >= lo) & (stroke_times < hi)).sum()),
                "scratching_s": float(overlap.sum()),
            })
    return pd.DataFrame(rows)
