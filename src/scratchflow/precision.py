"""How many decimals each number in the CSVs keeps: the precision its measurement has.

Floating-point sums print as ``2.3000000000000025``; the digits past the measurement's
precision are noise that reads as knowledge. Tables are rounded only when written, so no
calculation works on rounded numbers, and a column not listed here is written as it is
(counts, frame numbers, ids and the frame rate, which is exact).

- Times in seconds: 0.001 s. One frame lasts 8.3 ms at 120 fps, 1 ms at 1000 fps, so a bout's
  start and end keep their frame.
- Rates (strokes per second, bouts per minute): 0.01.
- Lengths: 0.1 px for the body length (pose estimates scatter by a pixel or more); 0.001 body
  lengths for stroke amplitudes (0.06 px for a 56-px mouse).
- Group statistics and comparisons of per-mouse values: 0.001; Cliff's delta too (it moves in
  steps of 1 / (n_group x n_control)); Welch's degrees of freedom 0.01; U one decimal (it
  moves in halves, as ties count half).
- p-values: 3 significant digits, so that a small p stays readable (``1.21e-05``).
- A behaviour class's share of a recording or time bin (``fraction_<class>``): 0.0001, a
  hundredth of a percent (0.09 s of a 15-min recording; ``time_<class>_s`` keeps the seconds).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SECONDS, RATE, STATISTIC = 3, 2, 3
DECIMALS = {
    # per-mouse quantify outputs
    "start_s": SECONDS, "end_s": SECONDS, "duration_s": SECONDS, "time_s": SECONDS,
    "scratching_s": SECONDS, "bin_start_s": SECONDS, "bin_end_s": SECONDS,
    "stroke_rate_hz": RATE, "mean_stroke_rate_hz": RATE, "bouts_per_min": RATE,
    "body_length_px": 1, "amplitude_bl": 3, "mean_amplitude_bl": 3, "confidence": 3,
    "hind_paws_usable_fraction": 3,
    # group statistics and comparisons
    "mean": STATISTIC, "sd": STATISTIC, "sem": STATISTIC, "median": STATISTIC,
    "mean_group": STATISTIC, "mean_control": STATISTIC, "difference": STATISTIC,
    "difference_ci_low": STATISTIC, "difference_ci_high": STATISTIC,
    "cliffs_delta": STATISTIC, "cliffs_delta_ci_low": STATISTIC,
    "cliffs_delta_ci_high": STATISTIC, "mann_whitney_u": 1, "welch_t": STATISTIC, "welch_df": 2,
}
SIGNIFICANT = {"mann_whitney_p": 3, "welch_p": 3}
PREFIXES = {"fraction_": 4}  # behaviour's fraction_<class> columns


def significant(values: pd.Series, digits: int) -> pd.Series:
    """``values`` to ``digits`` significant digits (NaN stays NaN)."""
    def one(value: float) -> float:
        return float(f"{value:.{digits}g}") if np.isfinite(value) else value

    return pd.to_numeric(values, errors="coerce").map(one)


def rounded(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` with every listed numeric column rounded to its precision."""
    table = table.copy()
    for column in table.columns:
        if not pd.api.types.is_float_dtype(table[column]):
            continue  # counts and ids are exact, and text is text
        if column in DECIMALS:
            table[column] = table[column].round(DECIMALS[column])
        elif column in SIGNIFICANT:
            table[column] = significant(table[column], SIGNIFICANT[column])
        elif prefix := next((p for p in PREFIXES if column.startswith(p)), None):
            table[column] = table[column].round(PREFIXES[prefix])
    return table
