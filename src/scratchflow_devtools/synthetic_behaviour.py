"""A side view of a home cage in which a scripted mouse performs every behaviour class, for
training and scoring the behaviour step (``scratchflow.behaviour``) where no annotated
recordings can be reached.

The cage has a food hopper hanging from the lid on the left and a water spout on the right,
as in Jhuang et al.'s and DeepEthoProfile's cages. The script is a shuffled list of bouts,
each class several times with a random duration: eat (nose at the hopper, chewing), drink
(nose at the spout, licking), groom (fore paws stroking the face), hang (from the lid), mm
(standing, small head movements), rear (upright on the hind legs), rest (curled, still), walk
(legs cycling; also every move to where the next bout happens) and scratch (a hind paw at the
head, fast). The first frames of each bout blend from the last pose, so nothing teleports.

Every video varies its appearance from its seed: fur shade, lighting level and gradient,
noise and compression, so that leave-one-video-out tests more than memory. Each render writes
the video, the per-frame truth in DeepEthoProfile's CSV and the keypoints (plus jitter, as a
pose model's tracks) as a DeepLabCut .h5. Drawn mice are far simpler than real ones: scores on
these renders are an upper bound for real cages.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from scratchflow.behaviour.annotations import write_deepethoprofile
from scratchflow.ffmpeg import write_video
from scratchflow.formats import PoseData
from scratchflow_devtools.synthetic_pose import SKELETON, write_dlc
from scratchflow_devtools.synthetic_video import noise_patterns

CLASSES = ("drink", "eat", "groom", "hang", "mm", "rear", "rest", "walk", "scratch")
BLEND_FRAMES = 6  # frames over which a bout's first pose blends from the last one


@dataclass(frozen=True)
class BehaviourRender:
    """What to render; sizes in pixels, durations in seconds."""

    size_px: int = 128
    fps: int = 30
    bouts_per_class: int = 2
    bout_s: tuple[float, float] = (1.0, 3.5)
    scratch_bout_s: tuple[float, float] = (0.5, 1.5)
    pose_jitter_bl: float = 0.02  # keypoint noise of the written tracks, in body lengths


@dataclass(frozen=True)
class Cage:
    """Where things are in a frame of side ``size``: floor, lid, hopper and spout."""

    size: int

    @property
    def body(self) -> float:  # body length, nose to tail base
        return 0.27 * self.size

    @property
    def floor(self) -> float:
        return 0.86 * self.size

    @property
    def lid(self) -> float:
        return 0.07 * self.size

    @property
    def hopper(self) -> tuple[float, float, float, float]:  # x0, y0, x1, y1
        return 0.05 * self.size, self.lid, 0.3 * self.size, self.floor - 1.0 * self.body

    @property
    def spout(self) -> np.ndarray:  # the tip
        return np.array([0.86 * self.size, self.floor - 0.62 * self.body])


@dataclass(frozen=True)
class RenderedBehaviour:
    video: Path
    annotations: Path  # per-frame truth, DeepEthoProfile's format, CLASSES
    pose: Path  # keypoints plus jitter, DeepLabCut .h5
    labels: np.ndarray  # per-frame index into CLASSES


def script(render: BehaviourRender, rng: np.random.Generator) -> list[tuple[str, int]]:
    """Bouts as (class, frames): each class ``bouts_per_class`` times, shuffled."""
    bouts = []
    for name in CLASSES:
        low, high = render.scratch_bout_s if name == "scratch" else render.bout_s
        bouts += [(name, round(rng.uniform(low, high) * render.fps))
                  for _ in range(render.bouts_per_class)]
    rng.shuffle(bouts)
    return bouts


def bout_place(name: str, cage: Cage, rng: np.random.Generator) -> tuple[float, int]:
    """Hip x and facing (+1 right, -1 left) where a bout of ``name`` happens."""
    if name == "eat":
        return cage.hopper[2] + 0.25 * cage.body, -1
    if name == "drink":
        return float(cage.spout[0] - np.cos(np.radians(35)) * cage.body), 1
    return rng.uniform(0.35, 0.65) * cage.size, int(rng.choice([-1, 1]))


def keypoints(name: str, t: float, hip_x: float, facing: int, cage: Cage,
              wobble: np.ndarray) -> np.ndarray:
    """The (6, 2) keypoints (``SKELETON`` order) of a mouse doing ``name``, ``t`` seconds into
    the bout. ``wobble`` holds random phases that make every bout's small movements differ."""
    body, floor, side = cage.body, cage.floor, facing
    tilt, hip_y, scale = {"rear": (72, 0.12, 1.0), "eat": (52, 0.12, 1.0),
                          "drink": (35, 0.16, 1.0), "groom": (48, 0.1, 0.9),
                          "scratch": (38, 0.1, 0.9), "rest": (0, 0.15, 0.72)}.get(
                              name, (4, 0.26, 1.0))
    tilt += {"rear": 6 * np.sin(2 * np.pi * 0.6 * t + wobble[0])}.get(name, 0)
    theta = np.radians(tilt)
    hip = np.array([hip_x, floor - hip_y * body])
    if name == "hang":
        hip = np.array([hip_x + 0.06 * body * np.sin(2 * np.pi * 0.7 * t + wobble[0]),
                        cage.lid + 0.22 * body])
    if name == "rest":  # breathing only
        hip[1] += 0.012 * body * np.sin(2 * np.pi * 0.4 * t)
    axis = np.array([side * np.cos(theta), -np.sin(theta)])
    nose = hip + scale * body * axis
    if name == "rest":
        nose[1] += 0.08 * body
    if name == "mm":  # slow small head movements
        nose += 0.07 * body * np.array([np.sin(2 * np.pi * 0.9 * t + wobble[0]),
                                        np.sin(2 * np.pi * 1.3 * t + wobble[1])])
    if name == "eat":  # chewing
        nose += 0.035 * body * np.sin(2 * np.pi * 4.5 * t + wobble[0]) * np.array([1, 1])
    if name == "drink":  # licking, along the body axis
        nose += 0.04 * body * np.sin(2 * np.pi * 7 * t + wobble[0]) * axis
    ground = floor if name != "hang" else cage.lid
    fore = np.array([hip[0] + side * 0.68 * scale * body, ground])
    hind = np.array([hip[0] + side * 0.08 * body, ground])
    fore_pair = np.array([fore, fore + [side * 0.04 * body, 0]])
    hind_pair = np.array([hind, hind + [side * 0.04 * body, 0]])
    if name == "walk":
        phase = 2 * np.pi * 3.5 * t + wobble[0]
        stride = 0.14 * body * np.array([np.sin(phase), np.sin(phase + np.pi)])
        fore_pair[:, 0] += stride
        hind_pair[:, 0] -= stride
        fore_pair[:, 1] -= 0.05 * body * np.clip(np.array([np.cos(phase), -np.cos(phase)]), 0, 1)
    if name in ("rear", "eat", "groom"):  # fore paws off the floor, at the chest or the food
        chest = hip + 0.62 * body * axis + side * 0.1 * body * np.array([1, 0])
        fore_pair = np.array([chest, chest + [0, 0.05 * body]])
        if name == "eat":
            fore_pair = np.array([nose - 0.12 * body * axis, nose - 0.1 * body * axis])
        if name == "groom":  # strokes between chest and nose, paws in antiphase
            stroke = 0.5 + 0.5 * np.sin(2 * np.pi * 5 * t + wobble[0] + np.array([0, 0.8]))
            fore_pair = chest + stroke[:, None] * (nose - 0.05 * body * axis - chest)
            nose = nose + 0.05 * body * np.sin(2 * np.pi * 2.5 * t) * np.array([0, 1])
    if name == "scratch":  # one hind paw between the floor and behind the head, fast
        target = hip + 0.75 * body * axis - side * 0.08 * body * np.array([1, 0])
        stroke = 0.5 + 0.5 * np.sin(2 * np.pi * 9 * t + wobble[0])
        hind_pair[0] = hind + (0.3 + 0.7 * stroke) * (target - hind)
    if name == "rest":
        fore_pair[:, 1] -= 0.04 * body
        hind_pair[:, 1] -= 0.04 * body
    return np.array([nose, hip, *fore_pair, *hind_pair])


def script_track(render: BehaviourRender, cage: Cage,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(T, 6, 2) keypoints and (T,) class indices for the whole script; a walk goes before
    every bout that happens somewhere else."""
    speed = 1.6 * cage.body  # px/s
    hip_x = cage.size / 2
    poses, labels, last = [], [], None
    for name, frames in script(render, rng):
        target_x, target_facing = bout_place(name, cage, rng)
        legs = []
        if abs(target_x - hip_x) > 0.15 * cage.body or name == "walk":
            if name == "walk":  # a walk bout of its own goes somewhere random
                target_x = rng.uniform(0.3, 0.7) * cage.size
            steps = max(frames if name == "walk" else 0,
                        round(abs(target_x - hip_x) / speed * render.fps), 2)
            direction = 1 if target_x >= hip_x else -1
            legs.append(("walk", np.linspace(hip_x, target_x, steps), direction))
        if name != "walk":
            legs.append((name, np.full(frames, target_x), target_facing))
        for leg_name, xs, leg_facing in legs:
            wobble = rng.uniform(0, 2 * np.pi, 2)
            pose = np.array([keypoints(leg_name, i / render.fps, x, leg_facing, cage, wobble)
                             for i, x in enumerate(xs)])
            if last is not None:  # blend from where the mouse was
                weights = np.clip(np.arange(len(pose)) / BLEND_FRAMES, 0, 1)[:, None, None]
                pose = weights * pose + (1 - weights) * last
            poses.append(pose)
            labels.append(np.full(len(pose), CLASSES.index(leg_name)))
            last, hip_x = pose[-1], xs[-1]
    return np.concatenate(poses), np.concatenate(labels)


def draw_cage(cage: Cage, wall: float, rng: np.random.Generator) -> np.ndarray:
    """The empty cage in grey levels (float): wall, bedding, hopper bars, bottle and spout."""
    size = cage.size
    image = np.full((size, size), wall, np.float32)
    floor = round(cage.floor)
    bedding = rng.normal(0, 14, (size - floor, size)).astype(np.float32)
    image[floor:] = wall * 0.8 + cv2.GaussianBlur(bedding, (3, 3), 0)
    cv2.rectangle(image, (0, 0), (size - 1, round(cage.lid)), wall * 0.55, -1)  # the lid
    x0, y0, x1, y1 = (round(v) for v in cage.hopper)
    cv2.rectangle(image, (x0, y0), (x1, y1), wall * 0.45, 2)
    for x in range(x0 + 4, x1, 5):  # the hopper's wire bars
        cv2.line(image, (x, y0), (x, y1), wall * 0.5, 1)
    tip = cage.spout
    cv2.rectangle(image, (round(0.92 * size), round(cage.lid)),
                  (size - 1, round(tip[1] - 0.25 * cage.body)), wall * 0.7, -1)  # bottle
    cv2.line(image, (round(0.93 * size), round(tip[1] - 0.25 * cage.body)),
             (round(tip[0]), round(tip[1])), wall * 0.35, 2)
    return image


def draw_mouse(image: np.ndarray, points: np.ndarray, body: float, fur: float) -> None:
    """A side-view mouse from its keypoints: body and head ellipses, ear, eye, tail and legs."""
    nose, hip, *paws = points
    axis = nose - hip
    length = max(float(np.hypot(*axis)), 1e-6)
    unit = axis / length
    angle = float(np.degrees(np.arctan2(axis[1], axis[0])))
    _ellipse(image, hip + 0.4 * axis, (0.45 * length, 0.21 * body), angle, fur)
    head = nose - 0.17 * body * unit
    _ellipse(image, head, (0.19 * body, 0.12 * body), angle, fur * 1.1)
    ear = head - 0.05 * body * unit + 0.1 * body * np.array([unit[1], -unit[0]]) * np.sign(
        unit[0] or 1)
    cv2.circle(image, _fixed(ear), round(16 * 0.06 * body), fur * 1.5, -1, cv2.LINE_AA, 4)
    cv2.circle(image, _fixed(nose - 0.12 * body * unit), round(16 * 0.025 * body), 10, -1,
                cv2.LINE_AA, 4)
    tail_end = hip - 0.5 * body * unit + np.array([0, 0.35 * body])
    cv2.line(image, _fixed(hip), _fixed(tail_end), fur * 1.8, max(1, round(body / 25)),
             cv2.LINE_AA, 4)
    for index, paw in enumerate(paws):
        shoulder = hip + (0.7 if index < 2 else 0.15) * axis
        cv2.line(image, _fixed(shoulder), _fixed(paw), fur * 1.3, max(1, round(body / 14)),
                 cv2.LINE_AA, 4)
        cv2.circle(image, _fixed(paw), round(16 * 0.05 * body), fur * 1.6, -1, cv2.LINE_AA, 4)


def _ellipse(image, centre, axes, angle, value) -> None:
    half = (round(16 * axes[0]), round(16 * axes[1]))
    cv2.ellipse(image, _fixed(centre), half, angle, 0, 360, value, -1, cv2.LINE_AA, 4)


def _fixed(point: np.ndarray) -> tuple[int, int]:
    """Sub-pixel drawing: OpenCV takes coordinates in 1/16 px with ``shift=4``."""
    return round(16 * float(point[0])), round(16 * float(point[1]))


def render_behaviour(out_dir: str | Path, stem: str, seed: int,
                     render: BehaviourRender = BehaviourRender()) -> RenderedBehaviour:
    """Write ``<stem>.mp4``, ``<stem>.behaviour.csv`` (truth) and ``<stem>.h5`` (tracks)."""
    rng = np.random.default_rng(seed)
    cage = Cage(render.size_px)
    track, labels = script_track(render, cage, rng)
    # Appearance drawn per video: what leave-one-video-out must generalise over.
    wall, fur = rng.uniform(150, 215), rng.uniform(25, 95)
    gradient = 1 + rng.uniform(-0.2, 0.2) * np.linspace(-1, 1, cage.size)[None, :] \
        + rng.uniform(-0.15, 0.15) * np.linspace(-1, 1, cage.size)[:, None]
    noise = noise_patterns((cage.size, cage.size, 3), rng.uniform(1.5, 7.0), count=8)
    crf = int(rng.integers(18, 31))
    empty = draw_cage(cage, wall, rng)

    def frames():
        for index, points in enumerate(track):
            image = empty.copy()
            draw_mouse(image, points, cage.body, fur)
            grey = np.clip(image * gradient, 0, 255).astype(np.uint8)
            frame = cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)
            if noise:
                up, down = noise[index % len(noise)]
                cv2.subtract(cv2.add(frame, up, dst=frame), down, dst=frame)
            yield frame

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    video = write_video(out_dir / f"{stem}.mp4", frames(), render.fps,
                        ("-c:v", "libx264", "-preset", "veryfast", "-crf", str(crf),
                         "-pix_fmt", "yuv420p"))
    truth = write_deepethoprofile(out_dir / f"{stem}.behaviour.csv", labels, CLASSES, render.fps)
    tracked = track + rng.normal(0, render.pose_jitter_bl * cage.body, track.shape)
    pose = PoseData(tracked[:, None], np.ones(tracked.shape[:2])[:, None], SKELETON, ("mouse",),
                    render.fps, f"synthetic_behaviour(seed={seed})")
    return RenderedBehaviour(video, truth, write_dlc(pose, out_dir / f"{stem}.h5"), labels)
