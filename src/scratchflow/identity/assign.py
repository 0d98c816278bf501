"""Which track carries which colour, frame by frame, and which body part belongs to whom.

Two passes, each a Viterbi search over the permutations of tracks to colours with a fixed
cost for changing permutation:

1. Whole animals. A track's colour evidence is the mean of its keypoints' votes; a switch
   of identities (the tracker swapping two mice for seconds) shows as a stretch in which the
   other permutation explains the colours better by more than the switching cost.
2. Body parts. For each keypoint, the points of all animals are permuted again, scored by
   their own colour and by how far each lies from where that animal's other keypoints put it
   (an affine skeleton model fitted on the tracks). This undoes drift and jumps: a few body
   parts carried by the wrong animal for a few frames.

Where colour is hidden (mice overlapping) the evidence is weak and the Viterbi keeps the
assignment it had; the confidence then says how sure the colour is.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from scratchflow.identity.params import IdentityParams

# The skeleton term saturates: a point two body lengths away is simply elsewhere.
MAX_SKELETON_BL = 2.0
# Ties between permutations are broken towards the tracker's own assignment.
TIE_BREAK = 1e-6


@dataclass(frozen=True)
class Repair:
    """``source[t, c, k]``: the input track whose keypoint k becomes colour c's at frame t."""

    source: np.ndarray  # (time, colour, keypoint) int
    animal_source: np.ndarray  # (time, colour): after the whole-animal pass only
    bodypart_state: np.ndarray  # (time, keypoint): index into permutations; 0 is unchanged
    evidence: np.ndarray  # (time, colour, colour) track evidence of colour c's output track
    body_length_px: float


def permutations(n: int) -> np.ndarray:
    """(n!, n): row s maps track j to colour ``perms[s, j]``; row 0 is the identity."""
    return np.array(list(itertools.permutations(range(n))), dtype=np.int64)


def viterbi(emission: np.ndarray, switch_cost: float) -> np.ndarray:
    """The state path maximising the summed emission (time, ..., state) minus
    ``switch_cost`` per change of state, independently for every leading index."""
    n_time, n_states = emission.shape[0], emission.shape[-1]
    score = emission[0].astype(np.float64)
    came_from = np.empty(emission.shape, np.int32)
    stay = np.arange(n_states, dtype=np.int32)
    for t in range(1, n_time):
        best = score.argmax(-1)
        jump = np.take_along_axis(score, best[..., None], -1) - switch_cost
        switch = jump > score
        came_from[t] = np.where(switch, best[..., None], stay)
        score = np.where(switch, jump, score) + emission[t]
    path = np.empty(emission.shape[:-1], np.int64)
    path[-1] = score.argmax(-1)
    for t in range(n_time - 1, 0, -1):
        path[t - 1] = np.take_along_axis(came_from[t], path[t][..., None], -1)[..., 0]
    return path


def keypoint_votes(counts: np.ndarray, n_samples: int, params: IdentityParams) -> np.ndarray:
    """(time, track, keypoint, colour) votes in 0-1: the colour shares of a keypoint's
    coloured samples, scaled down where few samples were coloured."""
    total = counts.sum(-1, dtype=np.float32)
    weight = np.minimum(1.0, total / (params.full_evidence_fraction * n_samples))
    return counts / np.maximum(total, 1.0)[..., None] * weight[..., None]


def estimate_body_length(position: np.ndarray) -> float:
    """Median over frames and animals of the largest distance between two keypoints."""
    gaps = np.linalg.norm(position[:, :, :, None] - position[:, :, None], axis=-1)
    widest = np.nanmax(np.where(np.isnan(gaps), -np.inf, gaps), axis=(-1, -2))
    widest = widest[np.isfinite(widest) & (widest > 0)]
    return float(np.median(widest)) if len(widest) else float("nan")


def repair_identity(position: np.ndarray, votes: np.ndarray, fps: float,
                    params: IdentityParams, body_length_px: float) -> Repair:
    """Assign colours to tracks (whole animals), then body parts to animals."""
    n_time, n_tracks, n_keypoints = votes.shape[:3]
    perms = permutations(n_tracks)
    inverse = np.argsort(perms, axis=1)  # inverse[s, c]: the track that gets colour c
    tracks = np.arange(n_tracks)

    track_evidence = votes.mean(axis=2)  # (time, track, colour)
    emission = track_evidence[:, tracks, perms].sum(-1)  # (time, state)
    emission[:, 0] += TIE_BREAK
    animal_state = viterbi(emission, params.min_switch_s * fps)
    animal_source = inverse[animal_state]  # (time, colour)

    rows = np.arange(n_time)[:, None]
    relabelled = position[rows, animal_source]  # (time, colour, keypoint, 2)
    relabelled_votes = votes[rows, animal_source]  # (time, colour, keypoint, colour)
    skeleton = _skeleton_cost(relabelled, body_length_px)  # (time, keypoint, from, to)
    score = (np.moveaxis(relabelled_votes, 1, 2)  # (time, keypoint, from colour, to colour)
             - params.skeleton_weight * skeleton)
    part_emission = score[:, :, tracks, perms].sum(-1)  # (time, keypoint, state)
    part_emission[..., 0] += TIE_BREAK
    bodypart_state = viterbi(part_emission, params.min_bodypart_s * fps)
    source = np.take_along_axis(animal_source[:, :, None],
                                inverse[bodypart_state].transpose(0, 2, 1), axis=1)
    evidence = votes.mean(axis=2)[rows, animal_source]
    return Repair(source, animal_source, bodypart_state, evidence, body_length_px)


def _skeleton_cost(position: np.ndarray, body_length_px: float) -> np.ndarray:
    """(time, keypoint, from, to): how far, in body lengths (capped), animal ``from``'s point
    lies from where animal ``to``'s other keypoints predict that body part."""
    predicted = _predict_from_others(position)  # (time, animal, keypoint, 2)
    gap = np.linalg.norm(position[:, :, None] - predicted[:, None], axis=-1) / body_length_px
    gap = np.nan_to_num(np.minimum(gap, MAX_SKELETON_BL), nan=0.0)  # no prediction: no say
    return gap.transpose(0, 3, 1, 2)  # (time, from, to, keypoint) -> (time, keypoint, from, to)


def _predict_from_others(position: np.ndarray) -> np.ndarray:
    """Each keypoint as an affine combination (weights summing to one, so the prediction
    moves and turns with the body) of the same animal's other keypoints, fitted by least
    squares on every frame and animal where all are tracked."""
    n_keypoints = position.shape[2]
    flat = position.reshape(-1, n_keypoints, 2)
    complete = flat[np.isfinite(flat).all(axis=(1, 2))]
    predicted = np.full(position.shape, np.nan)
    if len(complete) < 2 * n_keypoints:
        return predicted
    for k in range(n_keypoints):
        others = [j for j in range(n_keypoints) if j != k]
        # weights w over the others with sum(w) = 1: fit relative to the first other keypoint
        anchor = complete[:, others[0]]
        target = (complete[:, k] - anchor).reshape(-1)
        design = np.stack([complete[:, j] - anchor for j in others[1:]], axis=-1)  # (M, 2, O)
        design = design.reshape(-1, len(others) - 1)
        weights, *_ = np.linalg.lstsq(design, target, rcond=None)
        relative = np.stack([position[:, :, j] - position[:, :, others[0]]
                             for j in others[1:]], axis=-1)  # (T, A, 2, O)
        predicted[:, :, k] = position[:, :, others[0]] + relative @ weights
    return predicted
