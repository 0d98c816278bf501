"""A synthetic two-enclosure arena with scripted mice: the demo experiment and the demo model.

Each mouse follows a script drawn from a seed. It walks and rests (``procedural_mouse``) and
pauses to scratch with one hind paw (known limb, stroke count and frequency), to groom its face
or to shake. Every keypoint is drawn exactly where the script puts it, so the script is both
the label for training and the truth for scoring. Paws carry colour marks, as in studies that
mark animals, which makes this a demo of the machinery and not a model of real mice.

The raw video reuses ``synthetic_video``'s enclosures and real QR codes, so the crop step runs
on it unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from scratchflow.ffmpeg import write_video
from scratchflow.formats import PoseData, resolve_roles
from scratchflow_devtools.synthetic_pose import SKELETON, Scenario, inject, procedural_mouse
from scratchflow_devtools.synthetic_video import (
    DEFAULT_METADATA,
    QUIET_ZONE_MODULES,
    SyntheticRig,
    background,
    noise_patterns,
    qr_symbol,
    write_metadata,
)

# BGR colours of the marks; the body is dark, as a C57BL/6 mouse on a light floor.
MARKS = {"nose": (180, 130, 255), "fore_paw_left": (235, 170, 60),
         "fore_paw_right": (40, 40, 220), "hind_paw_left": (40, 230, 250),
         "hind_paw_right": (60, 220, 90)}
BODY, HEAD, TAIL = (45, 40, 38), (60, 54, 50), (120, 120, 150)


@dataclass(frozen=True)
class ArenaSettings:
    """What to render. Sizes in pixels of the raw video; the crop box equals one enclosure."""

    seconds: float = 15.0
    fps: int = 120
    enclosure_px: int = 192
    body_length_px: float = 56.0
    arena_bl: float = 1.0  # how far the body centre roams, in body lengths
    qr_module_px: int = 4
    noise_sigma: float = 3.0
    scenario: Scenario = field(default_factory=lambda: Scenario(
        n_bouts=3, n_shakes=1, n_grooms=1, n_glitches=0, tracking_noise_bl=0.0,
        strokes=(4, 16), pause_margin_s=(0.3, 0.6)))

    @property
    def gap_px(self) -> int:
        """From a code's right edge to its enclosure: the code's quiet zone and a little."""
        return QUIET_ZONE_MODULES * self.qr_module_px + 4

    def crop_args(self) -> list[str]:
        """`scratchflow crop` options whose boxes are exactly the enclosures."""
        return ["--box-size", str(self.enclosure_px), "--anchor", "top-right",
                "--offset-x", str(self.gap_px), "--direction", "down-right"]

    def rig(self, metadata: dict[str, str]) -> SyntheticRig:
        """The smallest frame (in multiples of 16 px) that holds both code+enclosure units."""
        quiet = QUIET_ZONE_MODULES * self.qr_module_px
        gap = self.gap_px
        symbol = qr_symbol(SyntheticRig.payloads[0], self.qr_module_px).shape[0] - 2 * quiet
        width = 2 * (symbol + gap + self.enclosure_px) + 3 * (quiet + 8)
        return SyntheticRig(width=-(-width // 16) * 16, height=(self.enclosure_px + 48) // 16 * 16,
                            fps=self.fps, seconds=self.seconds, enclosure_px=self.enclosure_px,
                            gap_px=gap, qr_module_px=self.qr_module_px,
                            noise_sigma=self.noise_sigma, metadata=metadata)


@dataclass(frozen=True)
class ScriptedMouse:
    position: str  # enclosure, as the QR code names it
    pose: PoseData  # truth, raw-video pixel coordinates
    bouts: pd.DataFrame  # start_s, end_s, limb, n_strokes, stroke_hz
    events: pd.DataFrame  # grooming and shakes: kind, start_s, end_s


@dataclass(frozen=True)
class ArenaVideo:
    video: Path
    metadata: Path
    enclosures: dict[str, tuple[int, int, int, int]]
    mice: list[ScriptedMouse]


def script_mouse(settings: ArenaSettings, box: tuple[int, int, int, int], seed: int,
                 position: str) -> ScriptedMouse:
    """Script one mouse for exactly ``settings.seconds``, placed inside enclosure ``box``."""
    n_frames = round(settings.seconds * settings.fps)
    background_s = settings.seconds
    for _ in range(3):  # pauses lengthen the track: shorten the walk until it fits
        walk = procedural_mouse(background_s, 60, seed, settings.body_length_px, settings.arena_bl)
        pose, bouts, events = inject(walk, resolve_roles(walk), settings.fps, seed,
                                     settings.scenario)
        excess = pose.n_frames - n_frames
        if excess <= 0:
            break
        # a short clip cannot hold every pause: keep half of it walking, cut the rest
        background_s = max(background_s - excess / settings.fps, settings.seconds / 2)
    position_px = _pad_to(pose.position, n_frames)
    x, y, w, h = box
    centre = 5 * settings.body_length_px
    position_px += np.array([x + w / 2 - centre, y + h / 2 - centre])
    truth = PoseData(position_px, np.ones(position_px.shape[:-1]), SKELETON, ("mouse",),
                     settings.fps, f"synthetic_arena(seed={seed}, position={position})")
    keep = bouts["end_s"] * settings.fps < n_frames if len(bouts) else []
    return ScriptedMouse(position, truth, bouts[keep].reset_index(drop=True), events)


def _pad_to(position: np.ndarray, n_frames: int) -> np.ndarray:
    """Cut or extend (holding the last pose) a (T, 1, K, 2) track to ``n_frames``."""
    if len(position) >= n_frames:
        return position[:n_frames].copy()
    tail = np.repeat(position[-1:], n_frames - len(position), axis=0)
    return np.concatenate([position, tail])


def draw_mouse(frame: np.ndarray, points: dict[str, np.ndarray], body_length: float) -> None:
    """Body, head and tail from the nose-tail axis; colour marks on the nose and paws."""
    nose, tail = points["nose"], points["tail_base"]
    axis = nose - tail
    angle = float(np.degrees(np.arctan2(axis[1], axis[0])))
    unit = axis / max(float(np.hypot(*axis)), 1e-6)
    _ellipse(frame, tail + 0.45 * axis, (0.48 * body_length, 0.19 * body_length), angle, BODY)
    _ellipse(frame, nose - 0.16 * body_length * unit, (0.18, 0.12), angle, HEAD, body_length)
    tip = tail - 0.9 * body_length * unit
    cv2.line(frame, _fixed(tail), _fixed(tip), TAIL, max(1, round(body_length / 24)),
             cv2.LINE_AA, shift=4)
    for name, colour in MARKS.items():
        radius = 0.05 if name == "nose" else 0.07
        cv2.circle(frame, _fixed(points[name]), round(16 * radius * body_length), colour, -1,
                   cv2.LINE_AA, shift=4)


def _ellipse(frame, centre, axes, angle, colour, scale: float = 1.0) -> None:
    half = (round(16 * axes[0] * scale), round(16 * axes[1] * scale))
    cv2.ellipse(frame, _fixed(centre), half, angle, 0, 360, colour, -1, cv2.LINE_AA, shift=4)


def _fixed(point: np.ndarray) -> tuple[int, int]:
    """Sub-pixel drawing: OpenCV takes coordinates in 1/16 px with ``shift=4``."""
    return round(16 * float(point[0])), round(16 * float(point[1]))


def render_arena(out_dir: str | Path, stem: str, settings: ArenaSettings = ArenaSettings(),
                 seed: int = 0, metadata: dict[str, str] | None = None,
                 bouts: dict[str, int] | None = None) -> ArenaVideo:
    """Write ``<stem>.mp4`` and ``<stem>.txt`` with two scripted mice; return their truth.
    ``bouts`` scripts a number of bouts per position (else the settings' scenario's), so that
    the two mice of one video can differ, as a treated and a control mouse do."""
    rig = settings.rig({**DEFAULT_METADATA, **(metadata or {}), "fps": str(settings.fps)})
    base, enclosures, _ = background(rig)
    bouts = bouts or {}
    mice = [script_mouse(with_seconds(settings, settings.seconds,
                                      bouts.get(position, settings.scenario.n_bouts)),
                         box, seed * 100 + index, position)
            for index, (position, box) in enumerate(enclosures.items())]
    noise = noise_patterns(base.shape, settings.noise_sigma)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    video = write_video(out_dir / f"{stem}.mp4", _frames(base, mice, noise, settings),
                        settings.fps, encoder_args=("-c:v", "libx264", "-preset", "veryfast",
                                                    "-crf", "16", "-pix_fmt", "yuv420p"))
    txt = write_metadata(out_dir / f"{stem}.txt", rig.metadata)
    return ArenaVideo(video, txt, enclosures, mice)


def _frames(base, mice, noise, settings):
    names = list(SKELETON)
    for index in range(round(settings.seconds * settings.fps)):
        frame = base.copy()
        if noise:
            up, down = noise[index % len(noise)]
            cv2.subtract(cv2.add(frame, up, dst=frame), down, dst=frame)
        for mouse in mice:
            points = dict(zip(names, mouse.pose.position[index, 0], strict=True))
            draw_mouse(frame, points, settings.body_length_px)
        yield frame


def truth_keypoints(arena: ArenaVideo) -> pd.DataFrame:
    """Every rendered keypoint: frame, position, keypoint, x, y (raw-video pixels)."""
    rows = []
    for mouse in arena.mice:
        xy = mouse.pose.position[:, 0]
        frames, keypoints = np.meshgrid(np.arange(len(xy)), np.arange(xy.shape[1]), indexing="ij")
        rows.append(pd.DataFrame({
            "frame": frames.ravel(), "position": mouse.position,
            "keypoint": np.array(mouse.pose.keypoints)[keypoints.ravel()],
            "x": xy[..., 0].ravel().round(3), "y": xy[..., 1].ravel().round(3)}))
    return pd.concat(rows, ignore_index=True)


def with_seconds(settings: ArenaSettings, seconds: float, n_bouts: int) -> ArenaSettings:
    """The same arena, longer or shorter, with a given number of scripted bouts per mouse."""
    return replace(settings, seconds=seconds, scenario=replace(settings.scenario, n_bouts=n_bouts))
