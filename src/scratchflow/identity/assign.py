"""Which track carries which colour, frame by frame, and which body part belongs to whom.

Two passes, each a Viterbi search over the permutations of tracks to colours:

1. Whole animals. A track's colour evidence is the mean of its keypoints' votes; a switch
   of identities (the tracker swapping two mice for seconds) shows as a stretch in which
   another permutation explains the colours better by more than the fixed switching cost
   and the jumps it makes the animals take (the median body part's step between frames).
   A keypoint within the sample radius of another animal's body does not count: the fur
   there may be the other's (one mouse lying over another).
2. Body parts. For each keypoint, the points of all animals are permuted again, scored by
   their own colour, by how badly each fits each animal's skeleton and by motion
   continuity: a permutation whose points jump further from one frame to the next costs
   more, and every moved part costs a little per second. This undoes drift and jumps: a
   few body parts carried by the wrong animal for a few frames. Two passes: the first
   measures the skeleton misfit by the part's distances to the animal's other keypoints
   against their usual values (the median over them, so it holds while several parts of
   two touching mice are swapped); the second, on the bodies the first repaired, by how far
   the part lies from where the animal's usual shape, turned and moved onto its other
   keypoints, puts it. Distances alone cannot tell left from right: a touching mouse's
   right paw can lie where this mouse's mirrored right paw would be, at the usual distances.
   Last, a move that the per-second move cost ended where handing the part back makes it
   jump is held on while the evidence without that cost favours it: up to where the
   tracker's own track jumps back, or up to the same move further on.

Where colour is hidden (mice overlapping) the evidence is weak and the Viterbi keeps the
assignment it had; the confidence then says how sure the colour is.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial

import numpy as np

from scratchflow.identity.params import IdentityParams

# The skeleton and motion terms saturate: a point two body lengths away is simply elsewhere.
MAX_SKELETON_BL = 2.0
MAX_STEP_BL = 2.0
# Ties between permutations are broken towards the tracker's own assignment.
TIE_BREAK = 1e-6


@dataclass(frozen=True)
class Repair:
    """``source[t, c, k]``: the input track whose keypoint k becomes colour c's at frame t."""

    source: np.ndarray  # (time, colour, keypoint) int
    animal_source: np.ndarray  # (time, colour): after the whole-animal pass only
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
    came_from = np.empty(emission.shape, np.int16)  # 6 mice are 720 states: int16 holds it
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


def viterbi_with_motion(blocks: Iterable[tuple[np.ndarray, np.ndarray]], n_time: int,
                        perms: np.ndarray, motion_weight: float,
                        switch_cost: float) -> np.ndarray:
    """The permutation path per keypoint maximising emission (time, keypoint, state) minus,
    between frames, ``motion_weight`` times the distance the permuted points travel
    (``steps[t, k, j, i]``: from track i at t-1 to track j at t) and ``switch_cost`` per
    change of permutation. ``blocks`` gives (emission, steps) for consecutive frames, so a
    long video's scores need not be held whole: only the back-pointers are."""
    inverse = np.argsort(perms, axis=1)  # inverse[s, c]: the track colour c takes
    # travelled[k, s_before, s_now] = sum over colours of the step its points make
    now, before = inverse[None, :, :], inverse[:, None, :]
    n_states = len(perms)
    changed = switch_cost * (np.arange(n_states)[:, None] != np.arange(n_states))
    came_from = None
    t = 0
    for emission, steps in blocks:
        if came_from is None:  # 6 mice are 720 states: int16 holds them
            came_from = np.empty((n_time, *emission.shape[1:]), np.int16)
            score = emission[0].astype(np.float64)
        for frame_emission, frame_steps in zip(emission, steps, strict=True):
            if t > 0:
                travelled = frame_steps[:, now, before].sum(-1)  # (keypoint, before, now)
                options = score[:, :, None] - motion_weight * travelled - changed
                came_from[t] = options.argmax(1)
                score = (np.take_along_axis(options, came_from[t][:, None, :], 1)[:, 0]
                         + frame_emission)
            t += 1
    n_keypoints = came_from.shape[1]
    path = np.empty((n_time, n_keypoints), np.int64)
    path[-1] = score.argmax(-1)
    keypoints = np.arange(n_keypoints)
    for t in range(n_time - 1, 0, -1):
        path[t - 1] = came_from[t][keypoints, path[t]]
    return path


def _step_lengths(position: np.ndarray, frames: slice, body_length_px: float) -> np.ndarray:
    """(frame of ``frames``, keypoint, to, from): body lengths (capped) from track ``from``'s
    point at t-1 to track ``to``'s at t; 0 where either is missing (no say) and at frame 0."""
    n_tracks, n_keypoints = position.shape[1:3]
    start, stop = frames.start, min(frames.stop, len(position))
    steps = np.zeros((stop - start, n_keypoints, n_tracks, n_tracks))
    first = max(start, 1)
    gap = np.linalg.norm(position[first:stop, :, None] - position[first - 1:stop - 1, None],
                         axis=-1)
    gap = np.nan_to_num(np.minimum(gap / body_length_px, MAX_STEP_BL), nan=0.0)
    steps[first - start:] = gap.transpose(0, 3, 1, 2)  # (t, to, from, keypoint): keypoint first
    return steps


def _near_another_body(position: np.ndarray, reach_px: float) -> np.ndarray:
    """(time, track, keypoint): whether the point lies within ``reach_px`` of another
    track's body, taken as the segments between any two of its keypoints (the keypoints
    span the body, paws at its sides) and the keypoints themselves. Only frames where the
    two bodies' boxes, widened by the reach, overlap are measured: most frames have none."""
    n_tracks, n_keypoints = position.shape[1:3]
    first, second = np.triu_indices(n_keypoints)  # the diagonal: the keypoints themselves
    with warnings.catch_warnings():  # an untracked animal has no box and is never near
        warnings.simplefilter("ignore", RuntimeWarning)
        low = np.nanmin(position, axis=2) - reach_px  # (time, track, 2)
        high = np.nanmax(position, axis=2) + reach_px
    near = np.zeros(position.shape[:3], bool)
    for track, other in itertools.permutations(range(n_tracks), 2):
        frames = np.flatnonzero((low[:, track] <= high[:, other]).all(-1)
                                & (low[:, other] <= high[:, track]).all(-1))
        points = position[frames, track][:, :, None]  # (frame, keypoint, 1, 2)
        start = position[frames, other][:, None, first]  # (frame, 1, segment, 2)
        along = position[frames, other][:, None, second] - start
        share = np.clip(((points - start) * along).sum(-1)
                        / np.maximum((along ** 2).sum(-1), 1e-12), 0.0, 1.0)
        gap2 = ((points - start - share[..., None] * along) ** 2).sum(-1)
        with np.errstate(invalid="ignore"):  # untracked points: NaN, never near
            near[frames, track] |= (gap2 <= reach_px ** 2).any(-1)
    return near


def _blocks(n_time: int) -> list[slice]:
    """Consecutive blocks of frames: the passes' intermediates are held a block at a time."""
    return [slice(start, start + CHUNK_FRAMES) for start in range(0, n_time, CHUNK_FRAMES)]


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

    # Fur sampled where another animal's body lies within the sample radius may be that
    # animal's: a mouse lying over another shows its colour at both tracks' keypoints. Such
    # votes do not count for whole animals, so the switching cost and the animals' motion
    # hold the assignment through the overlap, and the confidence drops there.
    reach_px = params.sample_radius_bl * body_length_px
    track_evidence = np.concatenate([  # (time, track, colour)
        np.einsum("tikc,tik->tic", votes[frames],
                  ~_near_another_body(position[frames], reach_px)) / n_keypoints
        for frames in _blocks(n_time)])
    emission = track_evidence[:, tracks, perms].sum(-1)  # (time, state)
    emission[:, 0] += TIE_BREAK
    # Whole animals move on continuously too: relabelling tracks must not make most body
    # parts jump (the median part's step), or a drift of the painted parts while two mice
    # touch would pass for a switch and leave the unpainted heads with the wrong mouse.
    animal_steps = np.concatenate([np.median(_step_lengths(position, frames, body_length_px),
                                             axis=1) for frames in _blocks(n_time)])
    animal_state = viterbi_with_motion([(emission[:, None], animal_steps[:, None])], n_time,
                                       perms, params.motion_weight,
                                       params.min_switch_s * fps)[:, 0]
    animal_source = inverse[animal_state]  # (time, colour)

    rows = np.arange(n_time)[:, None]
    relabelled = position[rows, animal_source]  # (time, colour, keypoint, 2)
    # The first pass by distances (robust to several swapped parts), the second by the
    # shape on the bodies the first repaired (which also tells left from right).
    passes = (partial(_distance_misfit, usual=_usual_distances(relabelled)),
              partial(_shape_misfit, shape=_usual_shape(relabelled)))
    # Moving a body part away from its whole-animal track is a claim that needs evidence:
    # where two mice's parts coincide (noses meeting) the tracker's assignment stands.
    moved = (perms != tracks).sum(-1) * params.move_cost_per_s / fps  # (state,)

    def part_evidence(frames, skeleton_misfit, within):
        """(emission (time, keypoint, state) before the move cost, steps) of a body-part
        pass over ``frames``; ``within`` (time, colour, keypoint): the last pass's choice
        (None: the tracks')."""
        points = relabelled[frames]
        bodies = points if within is None else np.take_along_axis(
            points, np.repeat(within[frames][..., None], 2, -1), axis=1)
        part_votes = np.moveaxis(votes[rows[frames], animal_source[frames]], 1, 2)
        score = part_votes - params.skeleton_weight * skeleton_misfit(
            points, bodies, body_length_px=body_length_px)  # (t, keypoint, from, to)
        return _permuted_sum(score, perms), _step_lengths(relabelled, frames, body_length_px)

    def part_blocks(skeleton_misfit, within):
        """The pass's (emission, steps) block by block, the move cost charged."""
        for frames in _blocks(n_time):
            emission, steps = part_evidence(frames, skeleton_misfit, within)
            yield emission - moved, steps

    within = None
    for skeleton_misfit in passes:
        judged_by = within
        bodypart_state = viterbi_with_motion(part_blocks(skeleton_misfit, judged_by), n_time,
                                             perms, params.motion_weight,
                                             params.min_bodypart_s * fps)
        within = inverse[bodypart_state].transpose(0, 2, 1)  # (time, colour, keypoint)
    bodypart_state = _hold_interrupted_moves(
        bodypart_state, partial(part_evidence, skeleton_misfit=passes[-1], within=judged_by),
        partial(_step_lengths, relabelled, body_length_px=body_length_px), perms,
        params.motion_weight, params.min_bodypart_s * fps)
    within = inverse[bodypart_state].transpose(0, 2, 1)
    source = np.take_along_axis(animal_source[:, :, None], within, axis=1)
    return Repair(source, animal_source, track_evidence[rows, animal_source], body_length_px)


def _hold_interrupted_moves(state: np.ndarray, evidence, steps, perms: np.ndarray,
                            motion_weight: float, switch_cost: float) -> np.ndarray:
    """``state`` (time, keypoint), a body-part pass's path, with each move that ended where
    handing the part back makes it jump held on for as long as the evidence without the
    move cost favours it. The per-second move cost keeps coinciding parts where the tracker
    put them, but it also ends a true drift early: two touching mice's paws within a few
    tenths of a body length say nothing frame by frame, so the repair takes the part back a
    few frames in, where handing it back costs little. Its path says otherwise: the moved
    state held on is continuous there, and continuous again where the tracker's own track
    jumps (the tracker's switch back), or up to the same moved state further on.
    ``evidence(frames)`` gives the pass's (emission before the move cost, steps),
    ``steps(frames)`` the steps alone."""
    state = state.copy()
    inverse = np.argsort(perms, axis=1)  # inverse[s, c]: the track colour c takes
    n_time = len(state)
    # A deficit beyond this cannot be won back by a later handover (steps are capped).
    hopeless = 2 * switch_cost + motion_weight * MAX_STEP_BL * perms.shape[1]
    for keypoint in range(state.shape[1]):
        path = state[:, keypoint]
        starts = np.flatnonzero(np.diff(path, prepend=-1))  # where each run of a state begins
        for run, after in zip(starts[1:], [*starts[2:], n_time], strict=False):
            moved = path[run - 1]
            if path[run] != 0 or moved == 0:
                continue
            held, own = inverse[moved], inverse[0]
            into_run = steps(slice(run, run + 1))[0, keypoint]  # (to, from)
            if into_run[own, held].sum() < into_run[held, held].sum():
                continue  # the part's own path agrees with the handover
            frames = _handover_costs(evidence, keypoint, moved, held, own,
                                     range(run, min(after + 1, n_time)))
            _, gained, handed_back, held_on, _ = next(frames)
            gain = motion_weight * (handed_back - held_on) + gained
            best, end = 0.0, run
            for t, gained, handed_back, held_on, taken in frames:
                if t == after:  # the same moved state comes back: the two become one
                    joined = gain + 2 * switch_cost + motion_weight * (taken - held_on)
                    if path[after] == moved and taken >= held_on and joined > best:
                        end = after
                    break
                handover = gain - motion_weight * (handed_back - held_on)
                if handed_back < held_on and handover > best:
                    best, end = handover, t
                gain += gained
                if gain < -hopeless:
                    break
            else:
                if after == n_time and gain > best:  # held to the end of the video
                    end = n_time
            path[run:end] = moved
    return state


def _handover_costs(evidence, keypoint: int, moved: int, held: np.ndarray, own: np.ndarray,
                    frames: range):
    """Per frame t of ``frames``: t, the emission of state ``moved`` over the tracker's
    own, and the steps (body lengths) the colours' points take into t when the part is
    handed back (``held`` tracks at t-1 to ``own`` at t), held on either way and taken over
    (``own`` to ``held``). Scored in growing slices: most moves are settled in a few frames."""
    first, size = frames.start, 8
    while first < frames.stop:
        part = slice(first, min(first + size, frames.stop))
        emission, steps = evidence(part)
        steps = steps[:, keypoint]
        yield from zip(range(part.start, part.stop),
                       emission[:, keypoint, moved] - emission[:, keypoint, 0],
                       steps[:, own, held].sum(-1), steps[:, held, held].sum(-1),
                       steps[:, held, own].sum(-1), strict=True)
        first, size = part.stop, min(2 * size, CHUNK_FRAMES)


def _permuted_sum(score: np.ndarray, perms: np.ndarray) -> np.ndarray:
    """(..., state): sum over tracks j of ``score[..., j, perms[state, j]]``, one track at a
    time (gathering all tracks at once would hold n_tracks times the result in memory)."""
    total = np.zeros((*score.shape[:-2], len(perms)))
    for track in range(perms.shape[1]):
        total += score[..., track, perms[:, track]]
    return total


def _distance_misfit(points: np.ndarray, bodies: np.ndarray, *, usual: np.ndarray,
                     body_length_px: float) -> np.ndarray:
    """(time, keypoint, from, to): how badly track ``from``'s point fits animal ``to``'s
    skeleton in ``bodies``, in body lengths (capped): the median, over ``to``'s other
    keypoints, of how far the point's distance to each differs from the ``usual`` distance
    between those body parts. The median keeps the answer right while a minority of the
    other keypoints is misplaced."""
    others = ~np.eye(points.shape[2], dtype=bool)
    # distance[t, from, to, k, j]: from's keypoint k to to's keypoint j
    distance = np.linalg.norm(points[:, :, None, :, None] - bodies[:, None, :, None], axis=-1)
    misfit = np.where(others, np.abs(distance - usual) / body_length_px, np.nan)
    with warnings.catch_warnings():  # all-NaN rows: nothing tracked, no say
        warnings.simplefilter("ignore", RuntimeWarning)
        median = np.nanmedian(misfit, axis=-1)  # (t, from, to, k)
    return np.nan_to_num(np.minimum(median, MAX_SKELETON_BL), nan=0.0).transpose(0, 3, 1, 2)


def _shape_misfit(points: np.ndarray, bodies: np.ndarray, *, shape: np.ndarray,
                  body_length_px: float) -> np.ndarray:
    """(time, keypoint, from, to): how far, in body lengths (capped), track ``from``'s point
    lies from where animal ``to``'s other keypoints in ``bodies`` put that body part: the
    usual ``shape`` turned and moved onto them (never mirrored)."""
    predicted = _predicted_parts(bodies, shape, body_length_px)  # (t, to, keypoint, 2)
    gap = np.linalg.norm(points[:, None] - predicted[:, :, None], axis=-1)  # (t, to, from, k)
    return np.nan_to_num(np.minimum(gap / body_length_px, MAX_SKELETON_BL),
                         nan=0.0).transpose(0, 3, 2, 1)


# The shape fit is reweighted this many times; another keypoint that misfits by this many
# body lengths then counts half (a paw drifted onto the animal barely turns the fit).
FIT_ROUNDS = 2
FIT_SCALE_BL = 0.15


def _predicted_parts(bodies: np.ndarray, shape: np.ndarray,
                     body_length_px: float) -> np.ndarray:
    """(time, animal, keypoint, 2): each keypoint where the rigid fit (rotation and shift)
    of ``shape`` onto the animal's other tracked keypoints puts it, every other keypoint
    weighed down by its misfit; NaN where fewer than two others are tracked."""
    tracked = np.isfinite(bodies).all(-1)  # (t, animal, other)
    usable = (tracked[:, :, None] & ~np.eye(len(shape), dtype=bool)).astype(float)
    target = np.nan_to_num(bodies)[:, :, None]  # (t, animal, 1, other, 2)
    weight = usable  # (t, animal, keypoint, other)
    for _ in range(FIT_ROUNDS):
        centre, shape_centre, angle = _rigid_fit(weight, shape, target)
        fitted = centre[..., None, :] + _turned(shape - shape_centre[..., None, :],
                                                angle[..., None])
        misfit = np.linalg.norm(fitted - target, axis=-1) / body_length_px
        weight = usable / (1 + (misfit / FIT_SCALE_BL) ** 2)
    centre, shape_centre, angle = _rigid_fit(weight, shape, target)
    predicted = centre + _turned(shape - shape_centre, angle)
    return np.where((usable.sum(-1) >= 2)[..., None], predicted, np.nan)


def _rigid_fit(weight: np.ndarray, shape: np.ndarray, target: np.ndarray):
    """The weighted centres of the target points and of the shape, and the angle that turns
    the centred shape onto the centred targets (2-D Procrustes: atan2 of the summed cross
    and dot products)."""
    total = np.maximum(weight.sum(-1), 1e-12)[..., None]
    centre = (weight[..., None] * target).sum(-2) / total
    shape_centre = weight @ shape / total
    cross = (weight * (shape[:, 0] * target[..., 1] - shape[:, 1] * target[..., 0])).sum(-1)
    dot = (weight * (shape[:, 0] * target[..., 0] + shape[:, 1] * target[..., 1])).sum(-1)
    cross -= total[..., 0] * (shape_centre[..., 0] * centre[..., 1]
                              - shape_centre[..., 1] * centre[..., 0])
    dot -= total[..., 0] * (shape_centre * centre).sum(-1)
    return centre, shape_centre, np.arctan2(cross, dot)


def _turned(points: np.ndarray, angle: np.ndarray) -> np.ndarray:
    cos, sin = np.cos(angle), np.sin(angle)
    return np.stack([cos * points[..., 0] - sin * points[..., 1],
                     sin * points[..., 0] + cos * points[..., 1]], -1)


# Frames per block of the body-part passes: their scores are made and used a block at a time
# (the distance misfit's intermediates hold keypoints squared numbers per pair of animals: a
# block of 4,000 frames of 4 mice is about 40 MB each).
CHUNK_FRAMES = 4_000


# The usual distances and shape of a body come from at most this many frames, spread evenly.
USUAL_FRAMES = 10_000
# Rounds of turning every sampled body onto the shape and taking the median again.
SHAPE_ROUNDS = 4


def _usual_distances(position: np.ndarray) -> np.ndarray:
    """(keypoint, keypoint): the median distance between two body parts of one animal."""
    sample = position[::max(1, len(position) // USUAL_FRAMES)]
    gaps = np.linalg.norm(sample[:, :, :, None] - sample[:, :, None], axis=-1)
    with warnings.catch_warnings():  # a body part never tracked: no usual distance
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nan_to_num(np.nanmedian(gaps.reshape(-1, *gaps.shape[2:]), axis=0))


def _usual_shape(position: np.ndarray) -> np.ndarray:
    """(keypoint, 2): the animals' usual keypoint layout in pixels, centred on the origin:
    from the most complete body, every sampled body turned and moved onto the shape and the
    median taken per keypoint, a few rounds (so bodies with swapped parts do not shift it)."""
    sample = position[::max(1, len(position) // USUAL_FRAMES)]
    bodies = sample.reshape(-1, *sample.shape[2:])  # (body, keypoint, 2)
    tracked = np.isfinite(bodies).all(-1)
    tracked &= tracked.sum(-1, keepdims=True) >= 2  # one point does not say which way it faces
    seen = tracked.any(0)
    shape = np.nan_to_num(bodies[tracked.sum(-1).argmax()])
    weight = tracked.astype(float)[:, None]  # every body fitted on all its tracked keypoints
    for _ in range(SHAPE_ROUNDS):
        shape = shape - shape[seen].mean(0)
        centre, shape_centre, angle = _rigid_fit(weight, shape, np.nan_to_num(bodies)[:, None])
        aligned = shape_centre + _turned(bodies - centre, -angle)  # the body onto the shape
        with warnings.catch_warnings():  # a body part never tracked: no usual place
            warnings.simplefilter("ignore", RuntimeWarning)
            shape = np.nan_to_num(np.nanmedian(np.where(tracked[..., None], aligned, np.nan),
                                               axis=0))
    return shape - shape[seen].mean(0)
