"""Tracks with a tracker's identity errors injected at known frames, from rendered truth.

Three kinds, as labs report them for multi-animal DeepLabCut: a ``switch`` swaps two mice's
whole tracks for 1-60 s; a ``drift`` swaps 1-3 body parts between two mice while they touch;
a ``jump`` swaps 1-3 body parts between two mice that are apart, for a few frames. Events
never overlap (a gap separates them), so each error can be scored on its own. Every point
keeps the index of the truth mouse it came from, which is what scoring needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scratchflow.formats import PoseData


@dataclass(frozen=True)
class ErrorSettings:
    n_switches: int = 2
    switch_s: tuple[float, float] = (1.0, 60.0)
    n_drifts: int = 4
    max_drift_s: float = 2.0
    n_jumps: int = 6
    jump_frames: tuple[int, int] = (2, 8)
    parts: tuple[int, int] = (1, 3)  # body parts per drift or jump
    touch_bl: float = 1.0  # centres closer than this: touching
    apart_bl: float = 2.0  # centres further than this: apart
    gap_s: float = 1.0  # between events
    jitter_bl: float = 0.01
    likelihood: tuple[float, float] = (0.8, 1.0)
    error_likelihood: tuple[float, float] = (0.4, 0.9)


@dataclass(frozen=True)
class Degraded:
    pose: PoseData  # tracks named mouse1..N, in a shuffled order of the truth mice
    source: np.ndarray  # (time, track, keypoint): the truth mouse each point came from
    track_animal: np.ndarray  # (track,): the truth mouse a track carries when it is right
    errors: pd.DataFrame  # kind, start_frame, end_frame (inclusive), animals, keypoints


def degrade(truth: PoseData, body_length_px: float, seed: int,
            settings: ErrorSettings = ErrorSettings()) -> Degraded:
    rng = np.random.default_rng(seed)
    n_time, n_mice, n_keypoints = truth.likelihood.shape
    fps = truth.fps
    track_animal = rng.permutation(n_mice)
    source = np.repeat(np.repeat(track_animal[None, :, None], n_time, 0), n_keypoints, 2)
    busy = np.zeros(n_time, bool)
    gap = round(settings.gap_s * fps)
    centre = truth.position.mean(axis=2)
    distance = np.linalg.norm(centre[:, :, None] - centre[:, None], axis=-1) / body_length_px
    rows = []

    def free(start, end):
        return not busy[max(0, start - gap):end + gap + 1].any()

    def swap(start, end, a, b, parts, kind):
        span = slice(start, end + 1)
        for k in parts:
            track_a = np.flatnonzero(source[start, :, k] == a)[0]
            track_b = np.flatnonzero(source[start, :, k] == b)[0]
            source[span, [track_a, track_b], k] = source[span, [track_b, track_a], k]
        busy[span] = True
        rows.append({"kind": kind, "start_frame": start, "end_frame": end,
                     "animals": (int(a), int(b)), "keypoints": tuple(int(k) for k in parts)})

    longest = int(0.4 * n_time)
    for _ in range(settings.n_switches):
        for _attempt in range(200):
            length = min(round(rng.uniform(*settings.switch_s) * fps), longest)
            start = int(rng.integers(gap, max(gap + 1, n_time - length - gap)))
            if free(start, start + length - 1):
                a, b = rng.choice(n_mice, 2, replace=False)
                swap(start, start + length - 1, a, b, range(n_keypoints), "switch")
                break
    pairs = [(a, b) for a in range(n_mice) for b in range(a + 1, n_mice)]
    for kind, count in (("drift", settings.n_drifts), ("jump", settings.n_jumps)):
        for _ in range(count):
            for _attempt in range(200):
                a, b = pairs[rng.integers(len(pairs))]
                if kind == "drift":
                    start, end = _contact(distance[:, a, b] < settings.touch_bl, rng,
                                          round(settings.max_drift_s * fps))
                else:
                    length = int(rng.integers(settings.jump_frames[0],
                                              settings.jump_frames[1] + 1))
                    start = int(rng.integers(gap, n_time - length - gap))
                    end = start + length - 1
                    if (distance[start:end + 1, a, b] <= settings.apart_bl).any():
                        continue
                if start >= 0 and free(start, end):
                    parts = rng.choice(n_keypoints, rng.integers(settings.parts[0],
                                                                 settings.parts[1] + 1),
                                       replace=False)
                    swap(start, end, a, b, sorted(parts), kind)
                    break
    position = np.take_along_axis(truth.position, np.repeat(source[..., None], 2, -1), axis=1)
    position = position + rng.normal(0, settings.jitter_bl * body_length_px, position.shape)
    wrong = source != track_animal[None, :, None]
    likelihood = np.where(wrong, rng.uniform(*settings.error_likelihood, wrong.shape),
                          rng.uniform(*settings.likelihood, wrong.shape))
    names = tuple(f"mouse{i + 1}" for i in range(n_mice))
    pose = PoseData(position, likelihood, truth.keypoints, names, fps,
                    f"{truth.source} degraded(seed={seed})")
    errors = pd.DataFrame(rows, columns=["kind", "start_frame", "end_frame", "animals",
                                         "keypoints"])
    return Degraded(pose, source, track_animal,
                    errors.sort_values("start_frame", ignore_index=True))


def _contact(touching: np.ndarray, rng, longest: int) -> tuple[int, int]:
    """A random stretch (at most ``longest`` frames, at least 3) in which two mice touch;
    (-1, -1) when they never do."""
    edges = np.diff(np.concatenate([[0], touching.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    long_enough = ends - starts >= 3
    if not long_enough.any():
        return -1, -1
    pick = rng.choice(np.flatnonzero(long_enough))
    start = int(starts[pick])
    return start, int(min(ends[pick], start + longest)) - 1
