"""Semi-synthetic pose data with known scratching, for evaluation and the demo.

A background track (a real mouse, or a procedural one) is read as a continuous-time
signal. At chosen moments the mouse pauses; during a pause it either scratches with one
hind paw (known limb, stroke count and frequency) or shakes its whole body. The result is
sampled at any frame rate, so one scenario yields 30, 60 and 120 fps cases. Tracking
glitches (one paw jumping away at low likelihood) are added to the moving parts.

Everything is drawn from one seeded generator: the same seed gives the same data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from scratchflow.formats import PoseData, dlc

SCORER = "scratchflow_synthetic"  # the scorer level of the DeepLabCut tables written here
SKELETON = ("nose", "tail_base", "fore_paw_left", "fore_paw_right", "hind_paw_left",
            "hind_paw_right")
# Keypoint positions in body lengths, body frame (x forward, y to the animal's right).
_BODY_FRAME = np.array([[0.5, 0], [-0.5, 0], [0.3, -0.12], [0.3, 0.12], [-0.25, -0.15],
                        [-0.25, 0.15]])


@dataclass(frozen=True)
class Scenario:
    """What to inject into a background, in physical units."""

    n_bouts: int = 12
    n_shakes: int = 4
    n_grooms: int = 0  # face washing: fore paws at the nose, hind paws still
    n_glitches: int = 8
    strokes: tuple[int, int] = (3, 30)
    stroke_hz: tuple[float, float] = (10.0, 22.0)
    amplitude_bl: tuple[float, float] = (0.12, 0.3)
    blur_likelihood: tuple[float, float] = (0.1, 0.7)
    pause_margin_s: tuple[float, float] = (0.3, 1.0)
    tracking_noise_bl: float = 0.004


@dataclass(frozen=True)
class _Event:
    kind: str  # "scratch", "shake" or "groom"
    at_s: float  # background time at which the mouse pauses
    pre_s: float
    active_s: float
    post_s: float
    limb: str
    periods: np.ndarray  # stroke or shake cycle durations
    amplitudes: np.ndarray  # per cycle, body lengths
    angle: float  # direction offset, radians

    @property
    def pause_s(self) -> float:
        return self.pre_s + self.active_s + self.post_s


def inject(background: PoseData, roles: dict[str, int], fps: float, seed: int,
           scenario: Scenario = Scenario()) -> tuple[PoseData, pd.DataFrame, pd.DataFrame]:
    """Return (pose at ``fps``, scripted bouts, confounders) for one individual background.

    ``roles`` maps nose, tail_base, hind_left and hind_right to keypoint indices.
    """
    rng = np.random.default_rng(seed)
    bg_time = np.arange(background.n_frames) / background.fps
    body_length = _body_length(background, roles)
    events = _draw_events(rng, bg_time[-1], scenario)
    starts = _pause_starts(events)
    total_s = bg_time[-1] + sum(e.pause_s for e in events)
    time = np.arange(int(total_s * fps)) / fps
    source_time, pause_index, local = _map_time(time, events, starts)

    position = _resample(background.position[:, 0], bg_time, source_time)
    likelihood = _resample(background.likelihood[:, 0, :, None], bg_time, source_time)[..., 0]
    likelihood = np.clip(likelihood, 0, 1)
    position += rng.normal(0, scenario.tracking_noise_bl * body_length, position.shape)

    bouts, confounders = [], []
    for k, event in enumerate(events):
        u_all = local - event.pre_s
        in_event = (pause_index == k) & (u_all >= 0) & (u_all < event.active_s)
        u = u_all[in_event]
        start = starts[k] + event.pre_s
        if event.kind == "scratch":
            _add_scratch(position, likelihood, in_event, u, event, roles, body_length, rng,
                         scenario)
            bouts.append({"start_s": start, "end_s": start + event.active_s, "limb": event.limb,
                          "n_strokes": len(event.periods),
                          "stroke_hz": len(event.periods) / event.active_s})
        else:
            add = _add_shake if event.kind == "shake" else _add_groom
            add(position, likelihood, in_event, u, event, roles, body_length, rng)
            confounders.append({"kind": event.kind, "start_s": start,
                                "end_s": start + event.active_s})
    confounders += _add_glitches(position, likelihood, pause_index, time, roles, body_length, rng,
                                 scenario.n_glitches)
    pose = PoseData(position[:, None], likelihood[:, None], background.keypoints,
                    background.individuals[:1], fps, f"synthetic(seed={seed}, fps={fps:g})")
    return pose, pd.DataFrame(bouts), pd.DataFrame(confounders)


def _body_length(pose: PoseData, roles: dict[str, int]) -> float:
    nose, tail = pose.position[:, 0, roles["nose"]], pose.position[:, 0, roles["tail_base"]]
    return float(np.nanmedian(np.hypot(*(nose - tail).T)))


def _draw_events(rng, duration_s: float, scenario: Scenario) -> list[_Event]:
    kinds = (["scratch"] * scenario.n_bouts + ["shake"] * scenario.n_shakes
             + ["groom"] * scenario.n_grooms)
    rng.shuffle(kinds)
    slot = (duration_s - 2.0) / max(1, len(kinds))
    events = []
    for i, kind in enumerate(kinds):
        at = 1.0 + slot * (i + rng.uniform(0.2, 0.8))
        if kind == "scratch":
            n = int(rng.integers(scenario.strokes[0], scenario.strokes[1] + 1))
            hz = rng.uniform(*scenario.stroke_hz)
            amp = rng.uniform(*scenario.amplitude_bl)
            periods = rng.uniform(0.9, 1.1, n) / hz
            amplitudes = amp * rng.uniform(0.8, 1.2, n)
        elif kind == "shake":
            hz = rng.uniform(15, 25)
            n = max(2, int(rng.uniform(0.2, 0.6) * hz))
            periods = np.full(n, 1 / hz)
            amplitudes = np.full(n, rng.uniform(0.1, 0.3))
        else:
            hz = rng.uniform(4, 8)
            n = int(rng.integers(6, 16))
            periods = rng.uniform(0.9, 1.1, n) / hz
            amplitudes = np.full(n, rng.uniform(0.05, 0.1))
        events.append(_Event(
            kind=kind, at_s=at, pre_s=rng.uniform(*scenario.pause_margin_s),
            active_s=float(periods.sum()), post_s=rng.uniform(*scenario.pause_margin_s),
            limb=str(rng.choice(["left", "right"])), periods=periods, amplitudes=amplitudes,
            angle=rng.uniform(-np.pi / 6, np.pi / 6),
        ))
    return events


def _pause_starts(events: list[_Event]) -> np.ndarray:
    """Output-time start of each pause: its background time plus the pauses before it."""
    before = np.concatenate([[0.0], np.cumsum([e.pause_s for e in events])[:-1]])
    return np.array([e.at_s for e in events]) + before


def _map_time(time, events, starts):
    """For each output time: background time, index of the pause it falls in (-1), local time."""
    source = time.copy()
    pause_index = np.full(time.shape, -1)
    local = np.zeros_like(time)
    for k, (event, start) in enumerate(zip(events, starts, strict=True)):
        inside = (time >= start) & (time < start + event.pause_s)
        pause_index[inside] = k
        local[inside] = time[inside] - start
        source[inside] = event.at_s
        source[time >= start + event.pause_s] -= event.pause_s
    return source, pause_index, local


def _resample(values: np.ndarray, src_time: np.ndarray, new_time: np.ndarray) -> np.ndarray:
    """Linear interpolation along time of a (T, K, C) array; NaN where a neighbour is NaN."""
    flat = values.reshape(len(src_time), -1)
    out = np.empty((len(new_time), flat.shape[1]))
    nearest = np.round(np.interp(new_time, src_time, np.arange(len(src_time)))).astype(int)
    for j in range(flat.shape[1]):
        column = flat[:, j]
        ok = np.isfinite(column)
        out[:, j] = np.interp(new_time, src_time[ok], column[ok]) if ok.any() else np.nan
        out[~ok[nearest], j] = np.nan
    return out.reshape(len(new_time), *values.shape[1:])


def _stroke_phase(u: np.ndarray, periods: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cycle index and phase in [0, 1) of each local time ``u`` within a train of periods."""
    edges = np.concatenate([[0.0], np.cumsum(periods)])
    cycle = np.clip(np.searchsorted(edges, u, side="right") - 1, 0, len(periods) - 1)
    return cycle, (u - edges[cycle]) / periods[cycle]


def _add_scratch(position, likelihood, mask, u, event, roles, body_length, rng, scenario):
    paw = roles[f"hind_{event.limb}"]
    frozen = position[mask]
    toward_nose = frozen[:, roles["nose"]] - frozen[:, paw]
    base = np.arctan2(toward_nose[:, 1], toward_nose[:, 0]) + event.angle
    cycle, phase = _stroke_phase(u, event.periods)
    excursion = event.amplitudes[cycle] * body_length * 0.5 * (1 - np.cos(2 * np.pi * phase))
    position[mask, paw] += excursion[:, None] * np.column_stack([np.cos(base), np.sin(base)])
    position[mask, paw] += rng.normal(0, 0.01 * body_length, (mask.sum(), 2))  # motion blur
    likelihood[mask, paw] = rng.uniform(*scenario.blur_likelihood, mask.sum())


def _add_shake(position, likelihood, mask, u, event, roles, body_length, rng):
    angle = rng.uniform(0, 2 * np.pi)
    cycle, phase = _stroke_phase(u, event.periods)
    wave = event.amplitudes[cycle] * body_length * np.sin(2 * np.pi * phase)
    per_point = rng.uniform(0.9, 1.1, position.shape[1])  # points move together, not identically
    direction = np.array([np.cos(angle), np.sin(angle)])
    position[mask] += wave[:, None, None] * per_point[None, :, None] * direction
    likelihood[mask] = np.minimum(likelihood[mask], rng.uniform(0.5, 0.95, likelihood[mask].shape))


def _add_groom(position, likelihood, mask, u, event, roles, body_length, rng):
    """Both fore paws held at the snout, rubbing up and down it; the hind paws stay put."""
    nose = position[mask, roles["nose"]]
    axis = roles["tail_base"]
    back = position[mask, axis] - nose
    back /= np.maximum(np.hypot(*back.T), 1e-9)[:, None]
    cycle, phase = _stroke_phase(u, event.periods)
    rub = event.amplitudes[cycle] * body_length * np.sin(2 * np.pi * phase)
    across = np.column_stack([-back[:, 1], back[:, 0]])
    for role, side in (("fore_left", -1), ("fore_right", 1)):
        if role in roles:
            beside = side * 0.05 * body_length * across
            position[mask, roles[role]] = nose + back * (0.1 * body_length + rub[:, None]) + beside


def _add_glitches(position, likelihood, pause_index, time, roles, body_length, rng, n):
    """Flickers of one hind paw to a far-away spot at low likelihood, outside pauses."""
    fps = 1 / (time[1] - time[0])
    free = np.flatnonzero(pause_index < 0)
    rows = []
    for start in np.sort(rng.choice(free, size=n, replace=False)):
        paw = roles[str(rng.choice(["hind_left", "hind_right"]))]
        length = max(1, int(rng.uniform(0.05, 0.3) * fps))
        frames = np.arange(start, min(start + length, len(time)))[::2]  # every other frame
        offset = rng.uniform(0.6, 2.0) * body_length
        angle = rng.uniform(0, 2 * np.pi)
        position[frames, paw] += offset * np.array([np.cos(angle), np.sin(angle)])
        likelihood[frames, paw] = rng.uniform(0.01, 0.3, len(frames))
        rows.append({"kind": "glitch", "start_s": time[frames[0]], "end_s": time[frames[-1]]})
    return rows


def procedural_mouse(duration_s: float, fps: float, seed: int, body_length_px: float = 100.0,
                     arena_bl: float = 8.0) -> PoseData:
    """A mouse that alternates walking (trotting paws, 3-5 Hz) and resting.

    Its centre stays in a square of ``arena_bl`` body lengths centred on (5, 5) body lengths.
    """
    rng = np.random.default_rng(seed)
    n = int(duration_s * fps)
    walking = np.zeros(n, dtype=bool)
    t = 0
    while t < n:
        length = int(rng.uniform(1.5, 5.0) * fps)
        walking[t:t + length] = rng.random() < 0.6
        t += length
    speed = np.where(walking, rng.uniform(1.5, 3.0), 0.0) * body_length_px / fps
    heading = np.cumsum(rng.normal(0, 0.04, n) * walking)
    step = speed[:, None] * np.column_stack([np.cos(heading), np.sin(heading)])
    centre = 5 * body_length_px + _bounce(np.cumsum(step, axis=0), arena_bl * body_length_px)
    stride_phase = 2 * np.pi * np.cumsum(np.where(walking, rng.uniform(3, 5), 0.0)) / fps
    frame_pts = np.repeat(_BODY_FRAME[None], n, axis=0) * body_length_px
    swing = 0.1 * body_length_px * np.sin(stride_phase)
    for paw, sign in ((2, 1), (5, 1), (3, -1), (4, -1)):  # diagonal pairs move together
        frame_pts[:, paw, 0] += sign * swing * walking
    rotation = np.stack([np.stack([np.cos(heading), -np.sin(heading)], -1),
                         np.stack([np.sin(heading), np.cos(heading)], -1)], -2)
    position = centre[:, None] + np.einsum("tij,tkj->tki", rotation, frame_pts)
    likelihood = rng.uniform(0.9, 1.0, (n, len(SKELETON)))
    return PoseData(position[:, None], likelihood[:, None], SKELETON, ("mouse",), fps,
                    f"procedural(seed={seed})")


def _bounce(path: np.ndarray, size: float) -> np.ndarray:
    """Fold an unbounded path into a box of ``size``, as if reflected by the walls."""
    folded = np.mod(path, 2 * size)
    return np.where(folded > size, 2 * size - folded, folded) - size / 2


def write_dlc(pose: PoseData, path: str | Path) -> Path:
    """``pose`` as a DeepLabCut ``.h5``, as the pose step would write it."""
    return dlc.write(dlc.pose_table(pose, SCORER), path)
