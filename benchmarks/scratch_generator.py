"""Semi-synthetic scratching on real mouse tracks, for the detector benchmark.

A background is a real track of a freely moving mouse (B-SOiD, VAME, JABS, DeepOF, all in
../shared/data). Events are spliced in as pauses of the background: the mouse stops, holds
the pose it had at that moment, does something, and the background resumes where it
stopped. The events are:

- trains of scratch bouts by one hind paw, separated by paw-down pauses, with durations and
  gaps drawn to follow Scratch-AID's human-annotated timing (see ``train_duration_s``);
- confounders that must not be called: hind-paw label swaps, hind-paw licking, face
  washing, whole-body shakes, stepping in place and rearing;
- single-paw glitches anywhere, at low likelihood.

Everything is rendered frame by frame at the requested frame rate, then every keypoint
gets white tracking jitter. One seed fixes every draw; the same seed gives the same case.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import tables

from scratchflow.formats import PoseData, load_pose, resolve_roles

ROLES = ("nose", "tail_base", "fore_left", "fore_right", "hind_left", "hind_right")
NOSE, TAIL, FORE_L, FORE_R, HIND_L, HIND_R = range(6)
HIND = {"left": HIND_L, "right": HIND_R}
CONFOUNDERS = ("label_swap", "licking", "face_washing", "shake", "stepping", "rearing")
# 1x jitter: the upper end of DeepLabCut's ordinary per-keypoint jitter (0.006-0.012 BL,
# 1-2 px on a 130 px mouse).
JITTER_1X_BL = 0.012


@dataclass(frozen=True)
class Background:
    name: str
    position: np.ndarray  # (T, 6, 2) in ROLES order, pixels
    likelihood: np.ndarray  # (T, 6)
    fps: float
    body_length: float

    @property
    def duration_s(self) -> float:
        return len(self.position) / self.fps


@dataclass(frozen=True)
class Conditions:
    """What a family of cases varies, in physical units."""

    jitter: tuple[float, ...] = (0.5, 1.0, 1.5, 2.0)  # multiples of JITTER_1X_BL, one per case
    # Stroke excursion, drawn log-uniform. The main mix starts at 0.08 BL (DeepLabCut jitter
    # at 2x is 0.024 BL); the amplitude family goes down to 0.05 BL on its own.
    amplitude_bl: tuple[float, float] = (0.08, 0.3)
    stroke_hz: tuple[float, float] = (10.0, 25.0)
    strokes: tuple[int, int] = (3, 40)
    confounders: tuple[str, ...] = CONFOUNDERS
    scratch_share: float = 0.6  # of events; the rest are confounders
    glitches_per_min: float = 4.0


@dataclass(frozen=True)
class BoutSignal:
    """What one true bout's strokes add to the track, before any noise, over the bout's own
    frames (its truth row's span): the paw's strokes and the body's rocking with them. The
    paw's lift, which holds still over those frames, and the body's slow sway are left out.
    benchmarks/detection_bound.py gives this to its ideal observer."""

    first_frame: int
    paw: int  # index in ROLES of the scratching paw
    strokes: np.ndarray  # (frames, 6, 2) pixels
    noise_sd: np.ndarray  # (6,) pixels: SD per axis of each keypoint's white noise there


@dataclass
class Case:
    name: str
    pose: PoseData
    truth: pd.DataFrame  # start_s, end_s, limb, n_strokes
    episodes: pd.DataFrame  # kind, start_s, end_s of every confounder
    jitter_bl: float
    body_length: float
    bout_signals: list[BoutSignal]  # one per truth row, in its order


# --- backgrounds ---------------------------------------------------------------------------

SHARED_BACKGROUNDS = {
    # name: (path below shared/data, fps, explicit role names or None)
    "bsoid_clip1": ("bsoid_bottomup/yttri-bottomup_dlc-model/examples/"
                    "raw_clip1DLC_resnet50_OpenFieldHighResApr8shuffle1_1030000.h5", 60.0, None),
    "vame": ("vame_bottomup/tests/tests_project_sample_data/cropped_video.csv", 25.0, None),
    "jabs_v2": ("jabs_pose/tests/data/sample_pose_est_v2.h5", 30.0, "jabs"),
    "deepof_arena1": ("deepof_tests/tests/test_examples/test_square_arena_topview/Tables/"
                      "testDLC_square_arena.h5", 25.0, "deepof"),
    "deepof_arena2": ("deepof_tests/tests/test_examples/test_square_arena_topview/Tables/"
                      "test2DLC_square_arena.h5", 25.0, "deepof"),
}
# DeepOF tracks hips, not paws; the hind hips move with the hind legs and stand in for them.
DEEPOF_ROLES = {"nose": "Nose", "tail_base": "Tail_base", "fore_left": "Left_fhip",
                "fore_right": "Right_fhip", "hind_left": "Left_bhip", "hind_right": "Right_bhip"}
# JABS keypoint order (JABS pose format v2); points are stored as (y, x).
JABS_INDEX = {"nose": 0, "tail_base": 9, "fore_left": 4, "fore_right": 5, "hind_left": 7,
              "hind_right": 8}


def load_background(shared: Path, name: str) -> Background:
    relative, fps, kind = SHARED_BACKGROUNDS[name]
    path = shared / relative
    if kind == "jabs":
        with tables.open_file(path) as h5:
            points = h5.root.poseest.points[:].astype(float)[..., ::-1]
            confidence = h5.root.poseest.confidence[:].astype(float)
        index = [JABS_INDEX[r] for r in ROLES]
        position, likelihood = points[:, index], confidence[:, index]
        position[likelihood <= 0] = np.nan
    else:
        pose = load_pose(path, fps)
        roles = resolve_roles(pose, DEEPOF_ROLES if kind == "deepof" else None, ROLES)
        index = [roles[r] for r in ROLES]
        position, likelihood = pose.position[:, 0, index], pose.likelihood[:, 0, index]
    length = np.hypot(*(position[:, NOSE] - position[:, TAIL]).T)
    return Background(name, position, np.nan_to_num(likelihood), fps, float(np.nanmedian(length)))


# --- timing --------------------------------------------------------------------------------

def train_duration_s(rng) -> float:
    """Scratch-AID (1,133 annotated intervals): median 6.3 s, 5 % under 0.7 s, 5 % over 26 s.
    A log-normal with a wider lower tail than upper matches all three."""
    z = rng.normal()
    return float(np.clip(6.3 * np.exp(z * (1.34 if z < 0 else 0.86)), 0.3, 40.0))


def gap_s(rng) -> float:
    """Gaps between intervals: median 7.8 s, 16 % under 1 s, 27 % under 2 s."""
    u = rng.random()
    if u < 0.16:
        return float(rng.uniform(0.3, 1.0))
    if u < 0.27:
        return float(rng.uniform(1.0, 2.0))
    return float(2.0 + rng.lognormal(np.log(7.0), 0.8))


# --- the case ------------------------------------------------------------------------------

def make_case(bg: Background, fps: float, seed: int, conditions: Conditions,
              n_events: int | None = None) -> Case:
    """Splice events into ``bg`` and render at ``fps``. ``n_events`` defaults to what the
    background's length holds at the Scratch-AID gap timing (at least 6)."""
    rng = np.random.default_rng(seed)
    jitter = float(rng.choice(conditions.jitter)) * JITTER_1X_BL
    plan = _plan_events(rng, bg, conditions, n_events)
    scene = _Scene(bg, fps, rng)
    truth, episodes = [], []
    for at_s, kind in plan:
        scene.play_background_until(at_s)
        if kind == "scratch":
            truth += scene.scratch_train(conditions)
        else:
            episodes.append(scene.confounder(kind))
    scene.play_background_until(bg.duration_s)
    position, likelihood, jitter_sd = scene.finish(conditions.glitches_per_min,
                                                   jitter * bg.body_length, protected=truth)
    pose = PoseData(position[:, None], likelihood[:, None], ROLES, ("mouse",), fps,
                    f"{bg.name}(seed={seed}, fps={fps:g})")
    return Case(f"{bg.name}_s{seed}_{fps:g}fps", pose,
                pd.DataFrame(truth, columns=["start_s", "end_s", "limb", "n_strokes", "hz",
                                             "amplitude_bl"]),
                pd.DataFrame(episodes, columns=["kind", "start_s", "end_s"]),
                jitter, bg.body_length, scene.bout_signals(jitter_sd))


def _plan_events(rng, bg: Background, conditions: Conditions, n_events: int | None):
    n_events = n_events or max(6, int(bg.duration_s / 9))
    kinds = ["scratch" if rng.random() < conditions.scratch_share else None
             for _ in range(n_events)]
    others = list(rng.permutation(conditions.confounders)) if conditions.confounders else []
    for i, kind in enumerate(kinds):
        if kind is None:
            kinds[i] = others[i % len(others)] if others else "scratch"
    times = np.cumsum([gap_s(rng) for _ in range(n_events)])
    times = 0.5 + times * (bg.duration_s - 1.0) / max(times[-1], 1e-9)  # fit the background
    return list(zip(times, kinds, strict=True))


class _Scene:
    """The output track, rendered frame by frame while the background plays or pauses."""

    def __init__(self, bg: Background, fps: float, rng):
        self.bg, self.fps, self.rng = bg, fps, rng
        self.bl = bg.body_length
        self.frames_pos: list[np.ndarray] = []
        self.frames_lik: list[np.ndarray] = []
        self.bg_time = 0.0
        self.extra_noise: list[tuple[int, int, int, float]] = []  # start, stop, keypoint, sd
        self.strokes: list[np.ndarray] = []  # one per bout, in extra_noise's order
        self.complete = np.flatnonzero(np.isfinite(bg.position).all(axis=(1, 2)))

    @property
    def now_s(self) -> float:
        return sum(len(p) for p in self.frames_pos) / self.fps

    @property
    def n(self) -> int:
        return sum(len(p) for p in self.frames_pos)

    def play_background_until(self, until_s: float) -> None:
        if until_s <= self.bg_time:
            return
        times = np.arange(self.bg_time, until_s, 1 / self.fps)
        self.frames_pos.append(_sample(self.bg.position, self.bg.fps, times))
        self.frames_lik.append(np.clip(_sample(self.bg.likelihood, self.bg.fps, times), 0, 1))
        self.bg_time = times[-1] + 1 / self.fps

    def _pause(self, seconds: float):
        """A still pose for ``seconds``: (positions, likelihoods, local times)."""
        # The mouse holds the nearest complete pose of the background.
        frame = self.complete[np.argmin(np.abs(self.complete - self.bg_time * self.bg.fps))]
        frozen, lik = self.bg.position[frame], self.bg.likelihood[frame]
        n = max(1, int(round(seconds * self.fps)))
        t = np.arange(n) / self.fps
        sway = 0.01 * self.bl * np.sin(2 * np.pi * 0.4 * t + self.rng.uniform(0, 6.3))
        pos = np.repeat(frozen[None], n, axis=0) + sway[:, None, None] * [1, 0.5]
        likelihood = np.repeat(np.maximum(lik, 0.9)[None], n, axis=0)
        return pos, likelihood, t

    def _append(self, pos, lik) -> tuple[float, float]:
        start = self.now_s
        self.frames_pos.append(pos)
        self.frames_lik.append(lik)
        return start, self.now_s

    # --- scratching ---

    def scratch_train(self, c: Conditions) -> list[tuple]:
        rng = self.rng
        limb = str(rng.choice(["left", "right"]))
        hz = rng.uniform(*c.stroke_hz)
        amplitude = float(np.exp(rng.uniform(*np.log(c.amplitude_bl))))
        remaining = train_duration_s(rng)
        pre, post = rng.uniform(0.2, 0.8, 2)
        pos, lik, _ = self._pause(pre)
        self._append(pos, lik)
        bouts = []
        while True:
            if rng.random() < 0.15:  # now and then the other paw takes over
                limb = "left" if limb == "right" else "right"
            bout_hz = hz * rng.uniform(0.9, 1.1)
            n = int(np.clip(round(remaining * bout_hz), c.strokes[0], c.strokes[1]))
            n = int(min(n, rng.integers(c.strokes[0], c.strokes[1] + 1)))
            bouts.append(self._scratch_bout(limb, n, bout_hz, amplitude * rng.uniform(0.85, 1.15)))
            remaining -= bouts[-1][1] - bouts[-1][0]
            if remaining < 0.3:
                break
            pause = rng.uniform(0.3, 2.0)
            remaining -= pause
            pos, lik, _ = self._pause(pause)
            self._append(pos, lik)
        pos, lik, _ = self._pause(post)
        self._append(pos, lik)
        return bouts

    def _scratch_bout(self, limb: str, n: int, hz: float, amplitude: float) -> tuple:
        rng, bl, paw = self.rng, self.bl, HIND[limb]
        periods = rng.uniform(0.9, 1.1, n) / hz
        lift_s = rng.uniform(0.08, 0.15)
        pos, lik, t = self._pause(2 * lift_s + periods.sum())
        towards_head = pos[0, NOSE] - pos[0, paw]
        towards_head /= max(np.hypot(*towards_head), 1e-9)
        side = np.array([-towards_head[1], towards_head[0]]) * (1 if limb == "right" else -1)
        # Lift the paw to the scratch site and put it down again.
        lift = (rng.uniform(0.1, 0.2) * towards_head + rng.uniform(0, 0.1) * side) * bl
        up = np.clip(t / lift_s, 0, 1) * np.clip((t[-1] - t) / lift_s, 0, 1)
        pos[:, paw] += (0.5 - 0.5 * np.cos(np.pi * up))[:, None] * lift
        # Strokes: one excursion towards the head per period, with a little sideways loop.
        angle = rng.uniform(-np.pi / 6, np.pi / 6)
        direction = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]) \
            @ towards_head
        across = np.array([-direction[1], direction[0]])
        loop = rng.uniform(0, 0.3)
        edges = lift_s + np.concatenate([[0.0], np.cumsum(periods)])
        inside = (t >= edges[0]) & (t < edges[-1])
        cycle = np.clip(np.searchsorted(edges, t[inside], side="right") - 1, 0, n - 1)
        phase = (t[inside] - edges[cycle]) / periods[cycle]
        size = amplitude * bl * rng.uniform(0.8, 1.2, n)[cycle]
        strokes = np.zeros((inside.sum(), 6, 2))
        strokes[:, paw] = (size * 0.5 * (1 - np.cos(2 * np.pi * phase)))[:, None] * direction
        pos[inside, paw] += strokes[:, paw]
        loop_part = (size * loop * np.sin(2 * np.pi * phase))[:, None] * across
        pos[inside, paw] += loop_part
        strokes[:, paw] += loop_part
        # The body is not a statue: it sways slowly (0.5-2 Hz, up to 0.06 BL) and rocks with
        # each stroke (5-60 % of the stroke, the head most), as a pose model also sees it when
        # the paw blurs the body's outline: the demo DeepLabCut model's nose and tail base
        # follow the strokes with up to half the paw's amplitude.
        sway_hz, sway_bl = rng.uniform(0.5, 2.0), rng.uniform(0.0, 0.06)
        sway = sway_bl * bl * np.sin(2 * np.pi * sway_hz * t + rng.uniform(0, 2 * np.pi))
        heading = rng.normal(size=2)
        heading /= np.hypot(*heading)
        others = [k for k in range(6) if k != paw]
        pos[:, others] += sway[:, None, None] * heading
        rock = np.zeros(len(t))
        rock[inside] = np.sin(2 * np.pi * phase) * size * rng.uniform(0.05, 0.6)
        for point, gain in ((NOSE, 1.0), (FORE_L, 0.8), (FORE_R, 0.8), (TAIL, 0.6)):
            rocking = (gain * rock)[:, None] * direction
            pos[:, point] += rocking
            strokes[:, point] = rocking[inside]
        # The blurred paw: lower likelihood, now and then lost for a frame.
        lik[inside, paw] = rng.uniform(0.05, 0.7, inside.sum())
        lik[inside & (rng.random(len(t)) < 0.03), paw] = 0.005
        start = self.n
        self.strokes.append(strokes)
        self.extra_noise.append((start + np.flatnonzero(inside)[0],
                                 start + np.flatnonzero(inside)[-1] + 1, paw,
                                 rng.uniform(0.003, 0.01) * bl))
        t0, _ = self._append(pos, lik)
        return (t0 + edges[0], t0 + edges[-1], limb, n, hz, amplitude)

    # --- confounders ---

    def confounder(self, kind: str) -> tuple[str, float, float]:
        render = getattr(self, f"_{kind}")
        pre, post = self.rng.uniform(0.2, 0.6, 2)
        pos, lik, _ = self._pause(pre)
        self._append(pos, lik)
        start, end = render()
        pos, lik, _ = self._pause(post)
        self._append(pos, lik)
        return kind, start, end

    def _label_swap(self):
        """DeepLabCut trades the hind-paw labels every few frames while the paws are close."""
        rng, bl = self.rng, self.bl
        pos, lik, t = self._pause(rng.uniform(0.2, 0.6) + 0.4)
        middle = (pos[0, HIND_L] + pos[0, HIND_R]) / 2
        apart = pos[0, HIND_R] - pos[0, HIND_L]
        apart *= rng.uniform(0.08, 0.3) * bl / max(np.hypot(*apart), 1e-9) / 2
        pos[:, HIND_L], pos[:, HIND_R] = middle - apart, middle + apart
        active = (t >= 0.2) & (t < t[-1] - 0.2)
        swapped = np.zeros(len(t), dtype=bool)
        frame, state = int(np.argmax(active)), False
        while frame < len(t) and active[frame]:
            dwell = int(rng.integers(1, 5))
            state = not state
            swapped[frame:frame + dwell] = state
            frame += dwell
        swapped &= active
        pos[swapped, HIND_L], pos[swapped, HIND_R] = (pos[swapped, HIND_R],
                                                      pos[swapped, HIND_L].copy())
        lik[active, HIND_L] = rng.uniform(0.6, 0.95, active.sum())
        lik[active, HIND_R] = rng.uniform(0.6, 0.95, active.sum())
        return self._append(pos, lik)

    def _licking(self):
        """A hind paw raised to the mouth, moving slowly and irregularly (1-4 Hz)."""
        rng, bl = self.rng, self.bl
        paw = HIND[str(rng.choice(["left", "right"]))]
        reach_s = 0.25
        pos, lik, t = self._pause(rng.uniform(1.0, 3.0) + 2 * reach_s)
        target = pos[0, NOSE] + 0.3 * (pos[0, paw] - pos[0, NOSE])
        up = np.clip(t / reach_s, 0, 1) * np.clip((t[-1] - t) / reach_s, 0, 1)
        wobble = sum(rng.uniform(0.01, 0.04) * bl * np.column_stack(
                     [np.sin(2 * np.pi * f * t + p), np.cos(2 * np.pi * f * t + q)])
                     for f, p, q in rng.uniform([1, 0, 0], [4, 6.3, 6.3], (3, 3)))
        weight = (0.5 - 0.5 * np.cos(np.pi * up))[:, None]
        pos[:, paw] = (1 - weight) * pos[:, paw] + weight * (target + wobble)
        pos[:, NOSE] += weight * 0.4 * wobble  # the head follows the paw
        lik[:, paw] = np.where(up > 0.5, rng.uniform(0.3, 0.9, len(t)), lik[:, paw])
        return self._append(pos, lik)

    def _face_washing(self):
        """Both fore paws circling at the nose at 4-8 Hz; the head bobs with them."""
        rng, bl = self.rng, self.bl
        pos, lik, t = self._pause(rng.uniform(1.0, 4.0))
        hz, radius = rng.uniform(4, 8), rng.uniform(0.03, 0.08) * bl
        turn = 2 * np.pi * hz * t
        circle = radius * np.column_stack([np.cos(turn), np.sin(turn)])
        for paw, sign in ((FORE_L, -1), (FORE_R, 1)):
            beside = np.array([sign * 0.04 * bl, 0.0])
            pos[:, paw] = pos[:, NOSE] + beside + circle * np.array([sign, 1.0])
            lik[:, paw] = rng.uniform(0.4, 0.95, len(t))
        pos[:, NOSE] += 0.2 * circle
        return self._append(pos, lik)

    def _shake(self):
        """The whole body oscillates at 15-25 Hz; points move together but not identically."""
        rng, bl = self.rng, self.bl
        pos, lik, t = self._pause(rng.uniform(0.2, 0.6))
        hz, amplitude = rng.uniform(15, 25), rng.uniform(0.1, 0.3) * bl
        angle = rng.uniform(0, 2 * np.pi)
        gain = rng.uniform(0.7, 1.3, 6)
        wave = amplitude * np.sin(2 * np.pi * hz * t)
        pos += wave[:, None, None] * gain[None, :, None] * [np.cos(angle), np.sin(angle)]
        lik[:] = np.minimum(lik, rng.uniform(0.5, 0.95, lik.shape))
        return self._append(pos, lik)

    def _stepping(self):
        """Stepping in place: hind and fore paws lift and land in turn at 2-5 steps/s."""
        rng, bl = self.rng, self.bl
        pos, lik, t = self._pause(rng.uniform(1.0, 3.0))
        rate = rng.uniform(2, 5)
        for k, paw in enumerate((HIND_L, FORE_R, HIND_R, FORE_L)):
            phase = (t * rate / 2 + k / 4) % 1  # each paw steps every other beat
            step = np.where(phase < 0.4, np.sin(np.pi * phase / 0.4), 0.0)
            direction = rng.normal(size=2)
            direction /= np.hypot(*direction)
            pos[:, paw] += step[:, None] * rng.uniform(0.05, 0.15) * bl * direction
        return self._append(pos, lik)

    def _rearing(self):
        """Rearing seen from above or below: the front half shortens, fore paws blur, and the
        hind paws shift once or twice to hold balance."""
        rng, bl = self.rng, self.bl
        pos, lik, t = self._pause(rng.uniform(1.5, 3.0))
        ramp = 0.4
        up = np.clip(t / ramp, 0, 1) * np.clip((t[-1] - t) / ramp, 0, 1)
        shorten = (0.5 - 0.5 * np.cos(np.pi * up)) * rng.uniform(0.2, 0.4)
        back = pos[0, TAIL] - pos[0, NOSE]
        for point in (NOSE, FORE_L, FORE_R):
            pos[:, point] += shorten[:, None] * back
        pos[:, NOSE] += 0.02 * bl * np.sin(2 * np.pi * rng.uniform(1, 3) * t)[:, None]
        lik[:, [FORE_L, FORE_R]] = np.where(up[:, None] > 0.5, rng.uniform(0.2, 0.6), 0.95)
        for _ in range(int(rng.integers(1, 3))):
            paw = int(rng.choice([HIND_L, HIND_R]))
            at = rng.uniform(0.3, t[-1] - 0.3)
            shift = np.clip((t - at) / 0.1, 0, 1)[:, None] * rng.normal(0, 0.05 * bl, 2)
            pos[:, paw] += shift
        return self._append(pos, lik)

    # --- finish ---

    def finish(self, glitches_per_min: float, jitter_px: float, protected: list):
        rng = self.rng
        position = np.concatenate(self.frames_pos)
        likelihood = np.concatenate(self.frames_lik)
        for start, stop, paw, sd in self.extra_noise:
            position[start:stop, paw] += rng.normal(0, sd, (stop - start, 2))
        n = len(position)
        busy = np.zeros(n, dtype=bool)
        for start_s, end_s, *_ in protected:
            busy[int(start_s * self.fps):int(end_s * self.fps) + 1] = True
        free = np.flatnonzero(~busy)
        n_glitches = int(glitches_per_min * n / self.fps / 60)
        for start in rng.choice(free, size=min(n_glitches, free.size), replace=False):
            paw = int(rng.choice([HIND_L, HIND_R]))
            frames = start + np.arange(int(rng.integers(1, 4)))
            frames = frames[frames < n]
            angle = rng.uniform(0, 2 * np.pi)
            position[frames, paw] += rng.uniform(0.3, 2.0) * self.bl * np.array(
                [np.cos(angle), np.sin(angle)])
            likelihood[frames, paw] = rng.uniform(0.01, 0.5, len(frames))
        per_point = jitter_px * rng.uniform(0.7, 1.3, position.shape[1])
        position = position + rng.normal(0, 1, position.shape) * per_point[None, :, None]
        return position, likelihood, per_point

    def bout_signals(self, jitter_sd: np.ndarray) -> list[BoutSignal]:
        """Each bout's strokes with the noise on them: every keypoint's jitter, and on the
        paw the blur's own noise as well."""
        out = []
        for strokes, (start, _, paw, blur_sd) in zip(self.strokes, self.extra_noise, strict=True):
            noise_sd = jitter_sd.copy()
            noise_sd[paw] = np.hypot(noise_sd[paw], blur_sd)
            out.append(BoutSignal(start, paw, strokes, noise_sd))
        return out


def _sample(values: np.ndarray, fps: float, times: np.ndarray) -> np.ndarray:
    """Linear interpolation in time of a (T, ...) array at ``times`` seconds; NaN stays NaN
    where either neighbour is NaN."""
    position = np.clip(times * fps, 0, len(values) - 1)
    low = np.floor(position).astype(int)
    high = np.minimum(low + 1, len(values) - 1)
    weight = (position - low).reshape(-1, *([1] * (values.ndim - 1)))
    return values[low] * (1 - weight) + values[high] * weight


def with_jitter(conditions: Conditions, level: float) -> Conditions:
    return replace(conditions, jitter=(level,))
