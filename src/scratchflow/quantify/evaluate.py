"""Score predicted scratch bouts against hand annotations.

Bouts are matched one-to-one by temporal intersection-over-union (IoU >= 0.2 by default)
with an optimal assignment. Scores pool every file given, so a set of videos yields one
figure: bout precision/recall/F1, time-overlap F1, median relative stroke-count error and
limb accuracy.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from scratchflow.errors import InputError

MIN_IOU = 0.2


@dataclass(frozen=True)
class Scores:
    n_true: int
    n_pred: int
    n_matched: int
    bout_precision: float
    bout_recall: float
    bout_f1: float
    time_precision: float
    time_recall: float
    time_f1: float
    median_stroke_error: float  # relative, over matched bouts with a true stroke count
    limb_accuracy: float  # over matched bouts with a true limb

    def to_dict(self) -> dict:
        return asdict(self)


ANNOTATION_COLUMNS = ("start_s", "end_s")
# An experiment's truth (``scratchflow run --truth``) names each bout's mouse by the raw
# video's stem and the position in it.
MOUSE_KEYS = ("video", "position")


def read_annotations(path: str | Path, keys: tuple[str, ...] = ()) -> pd.DataFrame:
    """Read a ``[video,position,]start_s,end_s[,limb][,n_strokes]`` CSV, checking every row;
    ``keys`` are columns it must also have (``MOUSE_KEYS`` for a whole experiment)."""
    try:
        table = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise InputError(path, f"cannot read annotations: {err}", None) from err
    missing = set(keys + ANNOTATION_COLUMNS) - set(table.columns)
    if missing:
        raise InputError(
            path,
            f"annotation columns are {list(table.columns)}; missing {sorted(missing)}",
            f"use a CSV with columns {','.join(keys + ANNOTATION_COLUMNS)} and optionally "
            "limb,n_strokes",
        )
    times = table[["start_s", "end_s"]].apply(pd.to_numeric, errors="coerce")
    bad = times.isna().any(axis=1) | (times["end_s"] <= times["start_s"])
    if bad.any():
        rows = ", ".join(str(i + 2) for i in np.flatnonzero(bad)[:5])  # +2: header, 1-based
        raise InputError(path, f"line(s) {rows}: start_s/end_s not numbers with end > start",
                         None)
    if "limb" in table and not table["limb"].dropna().isin(["left", "right"]).all():
        raise InputError(path, "limb must be 'left' or 'right'", None)
    return table.assign(start_s=times["start_s"], end_s=times["end_s"])


def match_bouts(pred: pd.DataFrame, true: pd.DataFrame, min_iou: float = MIN_IOU):
    """Optimal one-to-one pairs (pred index, true index) with IoU >= ``min_iou``."""
    if pred.empty or true.empty:
        return []
    ps, pe = pred["start_s"].to_numpy()[:, None], pred["end_s"].to_numpy()[:, None]
    ts, te = true["start_s"].to_numpy()[None], true["end_s"].to_numpy()[None]
    inter = np.clip(np.minimum(pe, te) - np.maximum(ps, ts), 0, None)
    iou = inter / (np.maximum(pe, te) - np.minimum(ps, ts))
    rows, cols = linear_sum_assignment(-iou)
    return [(r, c) for r, c in zip(rows, cols, strict=True) if iou[r, c] >= min_iou]


def _union_length(table: pd.DataFrame) -> float:
    return sum(end - start for start, end in _merged(table))


def _intersection_length(a: pd.DataFrame, b: pd.DataFrame) -> float:
    """Total time covered by both interval sets (each set's own overlaps counted once)."""
    total, spans_b = 0.0, _merged(b)
    for s1, e1 in _merged(a):
        for s2, e2 in spans_b:
            total += max(0.0, min(e1, e2) - max(s1, s2))
    return total


def _merged(table: pd.DataFrame) -> list[tuple[float, float]]:
    spans: list[list[float]] = []
    for s, e in sorted(zip(table["start_s"], table["end_s"], strict=True)):
        if spans and s <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], e)
        else:
            spans.append([s, e])
    return [(s, e) for s, e in spans]


def _ratio(num: float, den: float) -> float:
    return num / den if den else float("nan")


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def score(pairs: list[tuple[pd.DataFrame, pd.DataFrame]], min_iou: float = MIN_IOU) -> Scores:
    """Pool the scores of (predicted bouts, true bouts) pairs, one pair per file."""
    n_true = n_pred = n_matched = 0
    overlap = pred_time = true_time = 0.0
    stroke_errors, limb_hits = [], []
    for pred, true in pairs:
        matches = match_bouts(pred, true, min_iou)
        n_true, n_pred, n_matched = n_true + len(true), n_pred + len(pred), n_matched + len(matches)
        overlap += _intersection_length(pred, true)
        pred_time += _union_length(pred)
        true_time += _union_length(true)
        for p, t in matches:
            if "n_strokes" in true and pd.notna(true["n_strokes"].iloc[t]):
                expected = true["n_strokes"].iloc[t]
                stroke_errors.append(abs(pred["n_strokes"].iloc[p] - expected) / expected)
            if "limb" in true and pd.notna(true["limb"].iloc[t]):
                limb_hits.append(pred["limb"].iloc[p] == true["limb"].iloc[t])
    bp, br = _ratio(n_matched, n_pred), _ratio(n_matched, n_true)
    tp, tr = _ratio(overlap, pred_time), _ratio(overlap, true_time)
    return Scores(
        n_true=n_true, n_pred=n_pred, n_matched=n_matched,
        bout_precision=bp, bout_recall=br, bout_f1=_f1(np.nan_to_num(bp), np.nan_to_num(br)),
        time_precision=tp, time_recall=tr, time_f1=_f1(np.nan_to_num(tp), np.nan_to_num(tr)),
        median_stroke_error=float(np.median(stroke_errors)) if stroke_errors else float("nan"),
        limb_accuracy=float(np.mean(limb_hits)) if limb_hits else float("nan"),
    )
