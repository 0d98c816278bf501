"""The repairs as a table (one row per repair) and the per-frame confidence of each colour."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from scratchflow.identity.assign import Repair
from scratchflow.identity.files import EVENT_COLUMNS


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) frame ranges, end inclusive, where the 1-D ``mask`` is true."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1, strict=True))


def confidence(repair: Repair, fps: float, window_s: float) -> np.ndarray:
    """(time, colour) in 0-1: how much better colour c's track shows c than any other colour,
    averaged over ``window_s`` and relative to the video's typical clear frame (1 = as clear
    as the median frame where the colour is seen, 0 = no margin or the wrong colour)."""
    evidence = repair.evidence  # (time, colour track, colour)
    n_colours = evidence.shape[1]
    own = evidence[:, np.arange(n_colours), np.arange(n_colours)]
    others = np.where(np.eye(n_colours, dtype=bool), -np.inf, evidence).max(-1)
    margin = own - others
    width = max(1, round(window_s * fps))
    kernel = np.ones(width)
    covered = np.convolve(np.ones(len(margin)), kernel, mode="same")  # fewer at the ends
    smoothed = np.stack([np.convolve(margin[:, c], kernel, mode="same") / covered
                         for c in range(n_colours)], axis=1)
    typical = np.median(margin[margin > 0]) if (margin > 0).any() else 1.0
    return np.clip(smoothed / typical, 0.0, 1.0)


def event_table(repair: Repair, position: np.ndarray, colours: list[str],
                keypoints: tuple[str, ...], fps: float, touch_distance_bl: float,
                frame_confidence: np.ndarray) -> pd.DataFrame:
    """One row per repair: whole-animal switches first, then body-part repairs, which are
    'drift' where the mice involved touch and 'jump' where they are apart."""
    rows = []
    usual = _modal_rows(repair.animal_source)
    changed_animals = repair.animal_source != usual  # (time, colour)
    for start, end in runs(changed_animals.any(1)):
        for segment in _constant_segments(repair.animal_source, start, end):
            involved = np.flatnonzero(changed_animals[segment[0]])
            rows.append(_row("switch", segment, involved, list(range(len(keypoints))),
                             frame_confidence))
    moved = repair.source != repair.animal_source[:, :, None]  # (time, colour, keypoint)
    with warnings.catch_warnings():  # a mouse with no tracked keypoint has no centre
        warnings.simplefilter("ignore", RuntimeWarning)
        centre = np.nanmedian(position, axis=2)  # (time, track, 2)
    for start, end in runs(moved.any(axis=(1, 2))):
        span = slice(start, end + 1)
        involved = np.flatnonzero(moved[span].any(axis=(0, 2)))
        parts = np.flatnonzero(moved[span].any(axis=(0, 1)))
        kind = "drift" if _touching(centre[span], involved, repair.body_length_px,
                                    touch_distance_bl) else "jump"
        rows.append(_row(kind, (start, end), involved, parts, frame_confidence))
    table = pd.DataFrame(rows, columns=[c for c in EVENT_COLUMNS if c != "event_id"])
    if len(table):
        table["start_s"] = table["start_frame"] / fps
        table["end_s"] = (table["end_frame"] + 1) / fps
        table["individuals"] = table["individuals"].map(lambda ids: ";".join(colours[i]
                                                                             for i in ids))
        table["bodyparts"] = table["bodyparts"].map(lambda ids: ";".join(keypoints[i]
                                                                         for i in ids))
    table.insert(0, "event_id", np.arange(1, len(table) + 1))
    return table


def _row(kind, frames, involved, parts, frame_confidence) -> dict:
    start, end = int(frames[0]), int(frames[1])
    sure = frame_confidence[start:end + 1][:, list(involved)]
    return {"kind": kind, "start_frame": start, "end_frame": end, "individuals": list(involved),
            "bodyparts": list(parts), "confidence": round(float(sure.mean()), 3)}


def _modal_rows(assignment: np.ndarray) -> np.ndarray:
    """The assignment (a row) that holds in most frames."""
    values, counts = np.unique(assignment, axis=0, return_counts=True)
    return values[counts.argmax()]


def _constant_segments(assignment, start, end):
    """Sub-ranges of [start, end] over which the whole-animal assignment does not change."""
    change = np.flatnonzero((np.diff(assignment[start:end + 1], axis=0) != 0).any(1)) + start
    bounds = [start, *(change + 1), end + 1]
    return [(a, b - 1) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def _touching(centre: np.ndarray, involved: np.ndarray, body_length_px: float,
              touch_distance_bl: float) -> bool:
    """Whether any two of the involved mice come within the touching distance."""
    if len(involved) < 2:
        involved = np.arange(centre.shape[1])
    points = centre[:, involved]
    gaps = np.linalg.norm(points[:, :, None] - points[:, None], axis=-1)
    gaps[:, np.arange(len(involved)), np.arange(len(involved))] = np.inf
    return bool(np.nanmin(gaps) < touch_distance_bl * body_length_px)
