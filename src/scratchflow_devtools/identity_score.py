"""Scores of identity against truth: per-keypoint accuracy, IDF1, switches per minute, the
share of each kind of injected error repaired, and errors the repair introduced.

Points are scored by where they came from, not by distance: every tracked point carries the
index of the truth mouse it was made from (``identity_errors``), so a point is right when
the individual it is filed under is that mouse.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

# An injected error counts as repaired when at least this share of its points ends up right.
REPAIRED_SHARE = 0.9


def idf1(truth_ids: np.ndarray, hypothesis_ids: np.ndarray) -> float:
    """IDF1 (Ristani et al. 2016) of detections that each match one truth object.

    ``truth_ids`` and ``hypothesis_ids`` are equal-length integer arrays, one entry per
    matched detection (all frames together); a detection without a match has id -1 on the
    missing side. Each hypothesis identity is mapped to at most one truth identity so that
    the detections agreeing with the mapping (IDTP) are as many as possible; IDF1 =
    2 IDTP / (truth detections + hypothesis detections)."""
    truth_ids, hypothesis_ids = np.asarray(truth_ids), np.asarray(hypothesis_ids)
    both = (truth_ids >= 0) & (hypothesis_ids >= 0)
    n_truth, n_hypothesis = int((truth_ids >= 0).sum()), int((hypothesis_ids >= 0).sum())
    if n_truth + n_hypothesis == 0:
        return 1.0
    truth_index, truth_codes = np.unique(truth_ids[both], return_inverse=True)
    hyp_index, hyp_codes = np.unique(hypothesis_ids[both], return_inverse=True)
    together = np.zeros((len(hyp_index), len(truth_index)), np.int64)
    np.add.at(together, (hyp_codes, truth_codes), 1)
    rows, cols = linear_sum_assignment(together, maximize=True)
    return 2 * together[rows, cols].sum() / (n_truth + n_hypothesis)


def keypoint_ids(animal: np.ndarray) -> np.ndarray:
    """Per point (time, individual, keypoint): an id for the (individual, keypoint) track;
    keypoint tracks of one animal are separate objects for IDF1."""
    _, n_individuals, n_keypoints = animal.shape
    ids = np.arange(n_individuals)[:, None] * n_keypoints + np.arange(n_keypoints)
    return np.broadcast_to(ids, animal.shape)


def switches_per_minute(animal: np.ndarray, fps: float) -> float:
    """Changes of a track's majority truth mouse (over its keypoints) from one frame to the
    next, summed over tracks, per minute of video."""
    n_time, n_tracks, _ = animal.shape
    votes = (animal[..., None] == np.arange(n_tracks)).sum(axis=2)  # (time, track, mouse)
    majority = votes.argmax(-1)
    return float((np.diff(majority, axis=0) != 0).sum() / (n_time / fps / 60))


def score(source: np.ndarray, track_animal: np.ndarray, filed_under: np.ndarray,
          errors: pd.DataFrame, fps: float) -> dict:
    """Before and after repair.

    ``source`` (time, track, keypoint): the truth mouse of each input point;
    ``track_animal`` (track,): the mouse each track carries when right (the best static
    naming, so 'before' is as kind to the tracker as it can be); ``filed_under`` (time,
    track, keypoint): the truth mouse (colour) the repair filed each input point under."""
    right_before = source == track_animal[None, :, None]
    right_after = source == filed_under
    n_keypoints = source.shape[2]
    keypoint = np.broadcast_to(np.arange(n_keypoints), source.shape)
    truth_ids = (source * n_keypoints + keypoint).ravel()
    output_animal = np.empty_like(source)  # (time, colour, keypoint): the mouse filed there
    t, _, k = np.indices(source.shape)
    output_animal[t, filed_under, k] = source
    result = {
        "frames": source.shape[0],
        "points": int(source.size),
        "accuracy_before": float(right_before.mean()),
        "accuracy_after": float(right_after.mean()),
        "newly_wrong": float((right_before & ~right_after).mean()),
        "idf1_before": idf1(truth_ids, keypoint_ids(source).ravel()),
        "idf1_after": idf1(truth_ids, (filed_under * n_keypoints + keypoint).ravel()),
        "switches_per_min_before": switches_per_minute(source, fps),
        "switches_per_min_after": switches_per_minute(output_animal, fps),
    }
    for kind, group in errors.groupby("kind"):
        shares = [_repaired_share(row, source, track_animal, right_after)
                  for row in group.itertuples()]
        result[f"{kind}_errors"] = len(shares)
        result[f"{kind}_repaired"] = float(np.mean([s >= REPAIRED_SHARE for s in shares]))
        result[f"{kind}_points_repaired"] = float(np.mean(shares))
    return result


def _repaired_share(row, source, track_animal, right_after) -> float:
    span = slice(row.start_frame, row.end_frame + 1)
    wrong_before = source[span] != track_animal[None, :, None]
    return float(right_after[span][wrong_before].mean())
