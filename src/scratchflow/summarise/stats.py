"""Per-group statistics of bouts, strokes and scratching time, in total and per time bin.

Only mice with results count (failed mice have no numbers). SD is the sample standard
deviation (n - 1 in the denominator) and SEM the standard error of the mean (SD / sqrt(n)),
both empty for a group of one mouse.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MEASURES = ("n_bouts", "n_strokes", "scratching_s")
STAT_COLUMNS = ["group", "period", "bin_start_s", "bin_end_s", "measure", "n", "mean", "sd",
                "sem", "median"]


def describe(values: pd.Series) -> dict[str, float]:
    values = pd.to_numeric(values, errors="coerce").dropna()
    n = len(values)
    sd = float(values.std(ddof=1)) if n > 1 else np.nan
    return {
        "n": n,
        "mean": float(values.mean()) if n else np.nan,
        "sd": sd,
        "sem": sd / np.sqrt(n) if n > 1 else np.nan,
        "median": float(values.median()) if n else np.nan,
    }


def measure_rows(cells: pd.DataFrame, measures: tuple[str, ...] = MEASURES,
                 **key) -> list[dict]:
    return [{**key, "measure": m, **describe(cells[m])} for m in measures]


def bin_measures(timebins: pd.DataFrame, extra: tuple[str, ...]) -> tuple[str, ...]:
    """The ``extra`` measures the time bins hold."""
    return tuple(m for m in extra if m in timebins.columns)


def group_statistics(summary: pd.DataFrame, timebins: pd.DataFrame,
                     extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """Long table: per group, the totals, then each time bin; one row per measure. ``extra``:
    more per-mouse measures of the summary (behaviour's), per time bin too where the time
    bins hold them (each class's fraction of time)."""
    ok = summary[summary["status"] == "ok"]
    rows = []
    for group, mice in ok.groupby("group", sort=True):
        rows += measure_rows(mice, MEASURES + tuple(extra), group=group, period="total",
                             bin_start_s=np.nan, bin_end_s=np.nan)
        if timebins.empty:
            continue
        bins = timebins[timebins["group"] == group]
        # The last bin of a recording is shorter when it ends within the bin; its end is
        # the longest recording's.
        for start, cells in bins.groupby(bins["bin_start_s"].round(6), sort=True):
            rows += measure_rows(cells, MEASURES + bin_measures(timebins, extra), group=group,
                                 period="bin", bin_start_s=start,
                                 bin_end_s=float(cells["bin_end_s"].max()))
    return pd.DataFrame(rows, columns=STAT_COLUMNS)
