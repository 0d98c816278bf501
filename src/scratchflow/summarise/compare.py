"""Each group against a named control group: did the treatment change scratching?

For bouts, strokes and scratching time, in total and per time bin, one row per group and
measure (``OUTPUT_NAMES["comparisons"]`` in ``summarise.files``):

- n of each group, the group means and their **difference** (group - control), with a 95 %
  percentile-bootstrap interval;
- **Cliff's delta**, the effect size: the chance that a mouse of the group scratched more
  than a control mouse, minus the chance it scratched less (-1 to 1; 0 is no effect), with a
  95 % percentile-bootstrap interval;
- the **Mann-Whitney U** test, exact when no two mice tie, or when they do and there are at
  most ``EXACT_LIMIT`` relabellings of the mice to enumerate, else the tie-corrected normal
  approximation; and **Welch's t** test as a second opinion;
- a ``note`` that says plainly when n is too small for a test to mean anything.

Only mice with results count. Tests are two-sided and not corrected for the number of
comparisons. The bootstrap is seeded: the same data give the same intervals.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from scratchflow.errors import InputError
from scratchflow.summarise.stats import MEASURES, bin_measures

COMPARISON_COLUMNS = [
    "group", "control", "period", "bin_start_s", "bin_end_s", "measure", "n_group", "n_control",
    "mean_group", "mean_control", "difference", "difference_ci_low", "difference_ci_high",
    "cliffs_delta", "cliffs_delta_ci_low", "cliffs_delta_ci_high", "mann_whitney_u",
    "mann_whitney_p", "mann_whitney_method", "welch_t", "welch_df", "welch_p", "note",
]
BOOTSTRAP_RESAMPLES = 9999
BOOTSTRAP_SEED = 0
# With ties, the exact U test enumerates every relabelling of the mice: 8 vs 8 mice (12,870)
# take half a second; 10 vs 10 (184,756) took 15 s, too long for each time bin and measure.
EXACT_LIMIT = 20_000
ALPHA = 0.05


def mean_difference(group: np.ndarray, control: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(group, axis=axis) - np.mean(control, axis=axis)


def cliffs_delta(group: np.ndarray, control: np.ndarray, axis: int = -1) -> np.ndarray:
    """P(group > control) - P(group < control) over all pairs of mice (vectorised)."""
    group, control = np.moveaxis(group, axis, -1), np.moveaxis(control, axis, -1)
    return np.sign(group[..., :, None] - control[..., None, :]).mean(axis=(-2, -1))


def bootstrap_interval(statistic, group: np.ndarray, control: np.ndarray) -> tuple[float, float]:
    """95 % percentile interval, each group resampled on its own."""
    result = stats.bootstrap((group, control), statistic, vectorized=True, paired=False,
                             n_resamples=BOOTSTRAP_RESAMPLES, method="percentile",
                             rng=np.random.default_rng(BOOTSTRAP_SEED))
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def relabellings(n_group: int, n_control: int) -> int:
    return math.comb(n_group + n_control, n_group)


def smallest_p(n_group: int, n_control: int) -> float:
    """The smallest two-sided p an exact rank test can give with these n (complete separation)."""
    return min(1.0, 2 / relabellings(n_group, n_control))


def mann_whitney(group: np.ndarray, control: np.ndarray) -> tuple[float, float, str]:
    """(U of the group, two-sided p, method). Exact: without ties from U's exact distribution,
    with ties (counts tie often) by enumerating the relabellings; else tie-corrected normal."""
    pooled = np.concatenate([group, control])
    if len(np.unique(pooled)) == len(pooled):
        method, how = "exact", "exact"
    elif relabellings(len(group), len(control)) <= EXACT_LIMIT:
        method, how = stats.PermutationMethod(n_resamples=np.inf), "exact"
    else:
        method, how = "asymptotic", "normal approximation"
    result = stats.mannwhitneyu(group, control, alternative="two-sided", method=method)
    return float(result.statistic), float(result.pvalue), how


def welch(group: np.ndarray, control: np.ndarray) -> tuple[float, float, float]:
    """(t, Welch-Satterthwaite df, two-sided p); NaN when neither group varies."""
    var_g, var_c = np.var(group, ddof=1), np.var(control, ddof=1)
    se_g, se_c = var_g / len(group), var_c / len(control)
    if se_g + se_c == 0:
        return math.nan, math.nan, math.nan
    t = (np.mean(group) - np.mean(control)) / math.sqrt(se_g + se_c)
    df = (se_g + se_c) ** 2 / (se_g ** 2 / (len(group) - 1) + se_c ** 2 / (len(control) - 1))
    return float(t), float(df), float(2 * stats.t.sf(abs(t), df))


def small_n_note(n_group: int, n_control: int) -> str:
    """Why a row's test cannot be read, or '' when it can."""
    if min(n_group, n_control) < 2:
        return (f"n = {n_group} vs {n_control}: too few mice for a test or an interval (each "
                "group needs at least 2)")
    floor = smallest_p(n_group, n_control)
    if floor > ALPHA:
        return (f"n = {n_group} vs {n_control}: too few mice for a test to mean anything; even "
                f"complete separation gives p = {floor:.2g} at best")
    return ""


def compare(group: np.ndarray, control: np.ndarray) -> dict:
    """One row's numbers for two samples of mice."""
    row = {"n_group": len(group), "n_control": len(control),
           "mean_group": float(np.mean(group)) if len(group) else math.nan,
           "mean_control": float(np.mean(control)) if len(control) else math.nan,
           "note": small_n_note(len(group), len(control))}
    row["difference"] = row["mean_group"] - row["mean_control"]
    if min(len(group), len(control)) < 2:
        return row
    row["cliffs_delta"] = float(cliffs_delta(group, control))
    row["difference_ci_low"], row["difference_ci_high"] = bootstrap_interval(
        mean_difference, group, control)
    row["cliffs_delta_ci_low"], row["cliffs_delta_ci_high"] = bootstrap_interval(
        cliffs_delta, group, control)
    row["mann_whitney_u"], row["mann_whitney_p"], row["mann_whitney_method"] = mann_whitney(
        group, control)
    row["welch_t"], row["welch_df"], row["welch_p"] = welch(group, control)
    return row


def values(cells: pd.DataFrame, measure: str) -> np.ndarray:
    return pd.to_numeric(cells[measure], errors="coerce").dropna().to_numpy(dtype=float)


def group_comparisons(summary: pd.DataFrame, timebins: pd.DataFrame,
                      control: str | None, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """Every other group against ``control``: totals, then each time bin (empty without one).
    ``extra``: more per-mouse measures of the summary (behaviour's), compared per time bin too
    where the time bins hold them."""
    if control is None:
        return pd.DataFrame(columns=COMPARISON_COLUMNS)
    ok = summary[summary["status"] == "ok"]
    groups = sorted(set(summary["group"].dropna()))
    if control not in groups:
        raise InputError(None, f"--control {control!r} is not a group of this experiment "
                         f"(groups: {', '.join(groups) or 'none'})",
                         "name one of the groups, as the summary's 'group' column spells it")
    rows = []
    for group in (g for g in groups if g != control):
        key = {"group": group, "control": control}
        for measure in MEASURES + tuple(extra):
            rows.append({**key, "period": "total", "measure": measure,
                         **compare(values(ok[ok["group"] == group], measure),
                                   values(ok[ok["group"] == control], measure))})
        rows += bin_rows(timebins, key, MEASURES + bin_measures(timebins, extra))
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def bin_rows(timebins: pd.DataFrame, key: dict, measures: tuple[str, ...]) -> list[dict]:
    """Per time bin, the mice of both groups whose recording reaches that bin."""
    chosen = timebins[timebins["group"].isin([key["group"], key["control"]])]
    rows = []
    for start, cells in chosen.groupby(chosen["bin_start_s"].round(6), sort=True):
        bin_key = {**key, "period": "bin", "bin_start_s": start,
                   "bin_end_s": float(cells["bin_end_s"].max())}
        for measure in measures:
            rows.append({**bin_key, "measure": measure,
                         **compare(values(cells[cells["group"] == key["group"]], measure),
                                   values(cells[cells["group"] == key["control"]], measure))})
    return rows
