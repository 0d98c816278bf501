"""Synthetic raw videos: two enclosures, a real QR code beside each, mouse-like shapes moving.

Used by the tests, the benchmarks and the demo's arena renderer (``synthetic_arena``), so
that the crop step can be exercised end to end without lab footage. Each QR code sits to the
LEFT of its enclosure, top edges aligned, so the default rig geometry is: anchor the box on
the code's top-right corner, offset by the gap, box extending down and to the right
(``SyntheticVideo.geometry_options``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import segno

from scratchflow.ffmpeg import write_video

QUIET_ZONE_MODULES = 4  # white margin the QR standard asks for around the symbol
DEFAULT_METADATA = {
    "date": "2024-03-05", "time": "14:30:05", "camera": "cam1", "experiment": "synthetic",
    "left_mouse": "M01", "left_treatment": "saline",
    "right_mouse": "M02", "right_treatment": "compound48_80",
}


@dataclass(frozen=True)
class SyntheticRig:
    width: int = 1280
    height: int = 720
    fps: int = 60
    seconds: float = 2.0
    enclosure_px: int = 400
    gap_px: int = 40  # from the code's right edge to its enclosure; holds the quiet zone
    qr_module_px: int = 8
    payloads: tuple[str, ...] = ("position=left", "position=right")
    qr_rotation_deg: float = 0.0
    occluded_frames: int = 0  # a "hand" covers the first code in the first N frames
    noise_sigma: float = 0.0  # camera-like pixel noise; makes decode/encode cost realistic
    metadata: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_METADATA))

    @property
    def frames(self) -> int:
        return round(self.fps * self.seconds)


@dataclass(frozen=True)
class SyntheticVideo:
    video: Path
    metadata: Path
    rig: SyntheticRig
    enclosures: dict[str, tuple[int, int, int, int]]  # position -> x, y, w, h (ground truth)
    codes: dict[str, tuple[int, int, int]]  # position -> symbol x, y, side (no quiet zone)

    @property
    def geometry_options(self) -> dict:
        """Keyword arguments for ``CropGeometry`` that reproduce ``enclosures`` exactly."""
        side = self.rig.enclosure_px
        return {"box_width": side, "box_height": side, "anchor": "top-right",
                "offset_x": self.rig.gap_px, "offset_y": 0, "direction": "down-right"}


def qr_symbol(payload: str, module_px: int) -> np.ndarray:
    """A black-on-white QR code image (uint8, one channel) including the quiet zone."""
    matrix = np.array(segno.make(payload, error="m", micro=False).matrix, dtype=np.uint8)
    matrix = np.pad(matrix, QUIET_ZONE_MODULES)
    image = np.where(matrix == 1, 0, 255).astype(np.uint8)
    return np.kron(image, np.ones((module_px, module_px), dtype=np.uint8))


def paste_code(frame: np.ndarray, payload: str, x: int, y: int, module_px: int,
               rotation_deg: float = 0.0) -> int:
    """Paste a code whose symbol's top-left corner is at (x, y); return the symbol side in px."""
    image = qr_symbol(payload, module_px)
    quiet = QUIET_ZONE_MODULES * module_px
    if rotation_deg:
        centre = (image.shape[1] / 2, image.shape[0] / 2)
        matrix = cv2.getRotationMatrix2D(centre, rotation_deg, 1.0)
        image = cv2.warpAffine(image, matrix, image.shape[::-1], borderValue=255)
    top, left = y - quiet, x - quiet
    frame[top:top + image.shape[0], left:left + image.shape[1]] = image[..., None]
    return image.shape[0] - 2 * quiet


def layout(rig: SyntheticRig, symbol_px: int) -> dict[str, tuple[int, int]]:
    """Top-left of each code's symbol, spacing the two code+enclosure units evenly."""
    unit = symbol_px + rig.gap_px + rig.enclosure_px
    margin = (rig.width - 2 * unit) // 3
    if margin < QUIET_ZONE_MODULES * rig.qr_module_px or rig.enclosure_px + 40 > rig.height:
        raise ValueError(f"a {rig.width}x{rig.height} frame cannot hold two {unit}px units")
    top = (rig.height - rig.enclosure_px) // 2 // 2 * 2
    return {"left": (margin // 2 * 2, top), "right": ((2 * margin + unit) // 2 * 2, top)}


def background(rig: SyntheticRig) -> tuple[np.ndarray, dict, dict]:
    frame = np.full((rig.height, rig.width, 3), 110, dtype=np.uint8)
    symbol_px = qr_symbol(rig.payloads[0] if rig.payloads else "x", rig.qr_module_px).shape[0]
    symbol_px -= 2 * QUIET_ZONE_MODULES * rig.qr_module_px
    enclosures, codes = {}, {}
    for index, (position, (x, y)) in enumerate(layout(rig, symbol_px).items()):
        ex, side = x + symbol_px + rig.gap_px, rig.enclosure_px
        cv2.rectangle(frame, (ex, y), (ex + side - 1, y + side - 1), (60, 60, 60), -1)
        floor = (205, 200, 195)
        cv2.rectangle(frame, (ex + 12, y + 12), (ex + side - 13, y + side - 13), floor, -1)
        enclosures[position] = (ex, y, side, side)
        if index < len(rig.payloads):
            side_px = paste_code(frame, rig.payloads[index], x, y, rig.qr_module_px,
                                 rig.qr_rotation_deg)
            codes[position] = (x, y, side_px)
    return frame, enclosures, codes


def draw_mouse(frame: np.ndarray, box: tuple[int, int, int, int], t: float, phase: float) -> None:
    """A dark body, head and flickering hind paw moving on a smooth path inside the box."""
    x, y, w, h = box
    cx = x + w / 2 + 0.3 * w * math.sin(0.9 * t + phase)
    cy = y + h / 2 + 0.3 * h * math.sin(1.3 * t + 2 * phase)
    heading = math.degrees(math.atan2(1.3 * 0.3 * h * math.cos(1.3 * t + 2 * phase),
                                      0.9 * 0.3 * w * math.cos(0.9 * t + phase)))
    length = max(8, w // 8)
    centre = (int(cx), int(cy))
    cv2.ellipse(frame, centre, (length, length // 2), heading, 0, 360, (40, 35, 30), -1)
    rad = math.radians(heading)
    head = (int(cx + 1.1 * length * math.cos(rad)), int(cy + 1.1 * length * math.sin(rad)))
    cv2.circle(frame, head, max(3, length // 3), (50, 45, 40), -1)
    flick = 0.35 * length * math.sin(2 * math.pi * 15 * t)  # fast paw motion, like a scratch
    paw = (int(cx - 0.8 * length * math.cos(rad) + flick), int(cy - 0.8 * length * math.sin(rad)))
    cv2.circle(frame, paw, max(2, length // 6), (90, 80, 200), -1)


def noise_patterns(shape: tuple[int, ...], sigma: float,
                   count: int = 4) -> list[tuple[np.ndarray, np.ndarray]]:
    """A few precomputed noise frames, cycled (fresh noise per frame is slow in Python)."""
    if sigma <= 0:
        return []
    rng = np.random.default_rng(0)
    patterns = []
    for _ in range(count):
        values = np.clip(rng.normal(0, sigma, shape), -255, 255).astype(np.int16)
        patterns.append((np.clip(values, 0, 255).astype(np.uint8),
                         np.clip(-values, 0, 255).astype(np.uint8)))
    return patterns


def render_frames(rig: SyntheticRig) -> tuple[Iterator[np.ndarray], dict, dict]:
    base, enclosures, codes = background(rig)
    noise = noise_patterns(base.shape, rig.noise_sigma)

    def frames() -> Iterator[np.ndarray]:
        for index in range(rig.frames):
            frame = base.copy()
            if noise:
                up, down = noise[index % len(noise)]
                cv2.subtract(cv2.add(frame, up, dst=frame), down, dst=frame)
            t = index / rig.fps
            for phase, box in enumerate(enclosures.values()):
                draw_mouse(frame, box, t, phase * 1.7)
            if index < rig.occluded_frames and codes:
                x, y, side = next(iter(codes.values()))
                cv2.ellipse(frame, (x + side // 2, y + side // 2), (side // 2, side // 3), 30,
                            0, 360, (120, 150, 200), -1)  # a gloved hand over the code
            yield frame

    return frames(), enclosures, codes


def write_metadata(path: str | Path, fields: dict[str, str]) -> Path:
    lines = ["# synthetic recording made by scratchflow_devtools.synthetic_video"]
    lines += [f"{key}: {value}" for key, value in fields.items()]
    Path(path).write_text("\n".join(lines) + "\n")
    return Path(path)


def make_synthetic_video(out_dir: str | Path, stem: str = "synthetic",
                         rig: SyntheticRig | None = None) -> SyntheticVideo:
    """Write ``<stem>.mp4`` and ``<stem>.txt`` into ``out_dir`` and return the ground truth."""
    rig = rig or SyntheticRig()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    frames, enclosures, codes = render_frames(rig)
    video = write_video(out_dir / f"{stem}.mp4", frames, rig.fps)
    metadata = write_metadata(out_dir / f"{stem}.txt", {**rig.metadata, "fps": str(rig.fps)})
    return SyntheticVideo(video, metadata, rig, enclosures, codes)
