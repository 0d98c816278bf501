"""An open arena filmed from above with 2-4 colour-marked mice: truth for the identity step.

Each mouse is a dark body painted on its back in its own fur colour (the paint covers a
random share of the back, as a dye mark does), with pale paws and nose. The mice walk, rest,
groom, seek each other out and touch, and cross paths. Every keypoint is drawn exactly where
the simulation puts it, so the positions are the truth; the video is H.264, as a camera
writes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from scratchflow.ffmpeg import write_video
from scratchflow.formats import PoseData, dlc
from scratchflow_devtools.synthetic_pose import _BODY_FRAME, SKELETON
from scratchflow_devtools.synthetic_video import noise_patterns

# BGR paint colours, bright as the dyes labs use.
PAINT = {"red": (45, 40, 215), "green": (70, 185, 50), "blue": (215, 110, 30),
         "yellow": (40, 215, 235)}
FUR, PAW, TAIL = (48, 44, 42), (170, 170, 205), (125, 125, 150)
FLOOR, WALL = (150, 152, 155), (80, 80, 80)


@dataclass(frozen=True)
class ColonySettings:
    colours: tuple[str, ...] = ("red", "green", "blue", "yellow")
    seconds: float = 60.0
    fps: int = 25
    width: int = 640
    height: int = 480
    body_length_px: float = 52.0
    paint_share: tuple[float, float] = (0.5, 0.9)  # of the back, drawn per mouse
    noise_sigma: float = 3.0
    crf: int = 23


@dataclass(frozen=True)
class Colony:
    video: Path
    truth: PoseData  # (time, mouse, keypoint, 2); individuals named by colour
    truth_path: Path


class _Mouse:
    """One mouse's state in the simulation: where it is, which way it faces, what it does."""

    def __init__(self, rng, start):
        self.centre = np.asarray(start, float)
        self.heading = rng.uniform(-np.pi, np.pi)
        self.mode, self.left_s, self.target = "walk", rng.uniform(1, 4), None
        self.stride = 0.0


def simulate(settings: ColonySettings, seed: int) -> np.ndarray:
    """(time, mouse, keypoint, 2) truth positions for every frame."""
    rng = np.random.default_rng(seed)
    bl, fps = settings.body_length_px, settings.fps
    margin = 0.8 * bl
    low, high = np.array([margin, margin]), np.array([settings.width, settings.height]) - margin
    mice = [_Mouse(rng, rng.uniform(low, high)) for _ in settings.colours]
    n_frames = round(settings.seconds * fps)
    truth = np.empty((n_frames, len(mice), len(SKELETON), 2))
    for t in range(n_frames):
        for index, mouse in enumerate(mice):
            _step(mouse, index, mice, rng, bl, fps, low, high)
            truth[t, index] = _keypoints(mouse, bl, t / fps)
    return truth


def _step(mouse, index, mice, rng, bl, fps, low, high) -> None:
    mouse.left_s -= 1 / fps
    if mouse.left_s <= 0:  # a new behaviour: walk, rest (with grooming) or go and meet
        others = [i for i in range(len(mice)) if i != index]
        mouse.mode = rng.choice(["walk", "rest", "meet"], p=[0.45, 0.25, 0.3])
        mouse.target = int(rng.choice(others)) if mouse.mode == "meet" else None
        mouse.left_s = rng.uniform(2, 6) if mouse.mode != "rest" else rng.uniform(1, 4)
    speed = 0.0
    if mouse.mode == "walk":
        mouse.heading += rng.normal(0, 0.12)
        speed = 2.0 * bl
    elif mouse.mode == "meet":
        gap = mice[mouse.target].centre - mouse.centre
        if np.hypot(*gap) < 0.8 * bl:  # touching: stay a moment, then wander off
            mouse.mode, mouse.left_s = "rest", rng.uniform(0.5, 2.5)
        else:
            turn = np.angle(np.exp(1j * (np.arctan2(gap[1], gap[0]) - mouse.heading)))
            mouse.heading += np.clip(turn, -0.25, 0.25)
            speed = 2.5 * bl
    step = speed / fps * np.array([np.cos(mouse.heading), np.sin(mouse.heading)])
    ahead = mouse.centre + step
    if ((ahead < low) | (ahead > high)).any():  # the wall: turn back towards the middle
        middle = (low + high) / 2 - mouse.centre
        mouse.heading = np.arctan2(middle[1], middle[0]) + rng.normal(0, 0.5)
        ahead = np.clip(ahead, low, high)
    mouse.centre = ahead
    mouse.stride += 2 * np.pi * 4.0 / fps * (speed > 0)


def _keypoints(mouse, bl, t_s) -> np.ndarray:
    body = _BODY_FRAME * bl
    swing = 0.1 * bl * np.sin(mouse.stride)
    body[[2, 5], 0] += swing
    body[[3, 4], 0] -= swing
    if mouse.mode == "rest":  # grooming: fore paws rub the face
        body[[2, 3], 0] += 0.08 * bl * (1 + np.sin(2 * np.pi * 6 * t_s))
    c, s = np.cos(mouse.heading), np.sin(mouse.heading)
    return mouse.centre + body @ np.array([[c, s], [-s, c]])


def draw_mouse(frame: np.ndarray, points: np.ndarray, paint, share: float, offset: float,
               bl: float) -> None:
    """Tail, dark body, a paint mark covering ``share`` of the back, pale paws and nose."""
    nose, tail = points[0], points[1]
    axis = nose - tail
    unit = axis / max(float(np.hypot(*axis)), 1e-6)
    angle = float(np.degrees(np.arctan2(axis[1], axis[0])))
    cv2.line(frame, _px(tail), _px(tail - 0.8 * bl * unit), TAIL, max(1, round(bl / 20)),
             cv2.LINE_AA, shift=4)
    centre = tail + 0.45 * axis
    _ellipse(frame, centre, (0.5 * bl, 0.2 * bl), angle, FUR)
    _ellipse(frame, nose - 0.15 * bl * unit, (0.17 * bl, 0.12 * bl), angle, FUR)
    _ellipse(frame, centre + offset * bl * unit, (0.45 * share * bl, 0.16 * bl), angle, paint)
    for paw in points[2:]:
        cv2.circle(frame, _px(paw), round(16 * 0.05 * bl), PAW, -1, cv2.LINE_AA, shift=4)
    cv2.circle(frame, _px(nose), round(16 * 0.04 * bl), PAW, -1, cv2.LINE_AA, shift=4)


def _ellipse(frame, centre, axes, angle, colour) -> None:
    cv2.ellipse(frame, _px(centre), (round(16 * axes[0]), round(16 * axes[1])), angle, 0, 360,
                colour, -1, cv2.LINE_AA, shift=4)


def _px(point) -> tuple[int, int]:
    return round(16 * float(point[0])), round(16 * float(point[1]))


def render_colony(out_dir: str | Path, stem: str, settings: ColonySettings = ColonySettings(),
                  seed: int = 0) -> Colony:
    """Write ``<stem>.mp4`` and the truth ``<stem>_truth.h5`` (DeepLabCut layout)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    truth_xy = simulate(settings, seed)
    rng = np.random.default_rng(seed + 1)
    marks = [(rng.uniform(*settings.paint_share), rng.uniform(-0.1, 0.1))
             for _ in settings.colours]
    floor = np.empty((settings.height, settings.width, 3), np.uint8)
    floor[:] = WALL
    inset = round(0.3 * settings.body_length_px)
    floor[inset:-inset, inset:-inset] = FLOOR
    noise = noise_patterns(floor.shape, settings.noise_sigma)

    def frames():
        for t in range(len(truth_xy)):
            frame = floor.copy()
            if noise:
                up, down = noise[t % len(noise)]
                cv2.subtract(cv2.add(frame, up, dst=frame), down, dst=frame)
            for index, colour in enumerate(settings.colours):
                draw_mouse(frame, truth_xy[t, index], PAINT[colour], *marks[index],
                           settings.body_length_px)
            yield frame

    video = write_video(out_dir / f"{stem}.mp4", frames(), settings.fps,
                        encoder_args=("-c:v", "libx264", "-preset", "veryfast", "-crf",
                                      str(settings.crf), "-pix_fmt", "yuv420p"))
    truth = PoseData(truth_xy, np.ones(truth_xy.shape[:3]), SKELETON, settings.colours,
                     float(settings.fps), f"synthetic_colony(seed={seed})")
    truth_path = dlc.write(dlc.pose_table(truth), out_dir / f"{stem}_truth.h5")
    return Colony(video, truth, truth_path)
