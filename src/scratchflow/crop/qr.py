"""Find the QR codes taped beside the enclosures, robustly over several frames.

A mouse, a hand or glare can hide a code in any one frame, so frames spread over the first
seconds are scanned and each code's outline is the median over the frames that saw it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from pyzbar import pyzbar

from scratchflow.crop.boxes import BOXES_HELP
from scratchflow.errors import InputError

ORDER_LABELS = {1: ("left",), 2: ("left", "right")}
_PAIR = re.compile(r"^(position|pos|side|cage)[=:](.+)$")


@dataclass
class QrCode:
    payload: str
    outlines: list[tuple[float, float, float, float]] = field(default_factory=list)
    frames: list[int] = field(default_factory=list)
    label: str | None = None

    @property
    def outline(self) -> tuple[float, float, float, float]:
        """Median ``(x0, y0, x1, y1)`` of the code's axis-aligned outline over the frames."""
        return tuple(float(v) for v in np.median(np.array(self.outlines), axis=0))

    @property
    def centre(self) -> tuple[float, float]:
        x0, y0, x1, y1 = self.outline
        return (x0 + x1) / 2, (y0 + y1) / 2

    def to_dict(self) -> dict:
        x0, y0, x1, y1 = self.outline
        return {"payload": self.payload, "label": self.label,
                "corners": {"top-left": [x0, y0], "top-right": [x1, y0],
                            "bottom-right": [x1, y1], "bottom-left": [x0, y1]},
                "frames_seen": self.frames}


def sample_indices(total_frames: int, fps: float, seconds: float, count: int) -> list[int]:
    """``count`` frame indices spread evenly over the first ``seconds`` of the video."""
    span = max(1, min(total_frames, round(fps * seconds)))
    return sorted({int(i) for i in np.linspace(0, span - 1, num=min(count, span))})


def frames_at(path: Path, indices: list[int]) -> dict[int, np.ndarray]:
    """The BGR frames at ``indices``, for the QR scan: OpenCV decodes sequentially (exact,
    unlike seeking) and keeps only these. ``ffmpeg.read_frames`` streams every frame."""
    wanted, frames = set(indices), {}
    capture = cv2.VideoCapture(str(path))
    try:
        for index in range(max(indices) + 1):
            if index in wanted:
                ok, frame = capture.read()
                if ok:
                    frames[index] = frame
            elif not capture.grab():
                break
    finally:
        capture.release()
    if not frames:
        raise InputError(path, "no frame could be decoded", "check the video plays")
    return frames


def decode(gray: np.ndarray, scale: float) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Payloads and full-resolution outlines of the QR codes in one grey frame."""
    small = gray if scale == 1 else cv2.resize(gray, None, fx=scale, fy=scale,
                                               interpolation=cv2.INTER_AREA)
    found = []
    for symbol in pyzbar.decode(small, symbols=[pyzbar.ZBarSymbol.QRCODE]):
        points = np.array([(p.x, p.y) for p in symbol.polygon], dtype=float) / scale
        x0, y0 = points.min(axis=0)
        x1, y1 = points.max(axis=0)
        found.append((symbol.data.decode("utf-8", errors="replace"), (x0, y0, x1, y1)))
    return found


def scan_frame(frame: np.ndarray, scale: float, expected: int):
    """Scan downscaled for speed; retry at full size when codes are missing (small codes)."""
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    found = decode(gray, scale)
    if len(found) < expected and scale != 1:
        full = decode(gray, 1.0)
        found = full if len(full) > len(found) else found
    return found


def add_detection(codes: list[QrCode], payload: str, outline, index: int) -> None:
    # Two identical payloads are two codes when far apart: match on payload AND position.
    x0, y0, x1, y1 = outline
    for code in codes:
        cx, cy = code.centre
        if code.payload == payload and abs(cx - (x0 + x1) / 2) < (x1 - x0) \
                and abs(cy - (y0 + y1) / 2) < (y1 - y0):
            code.outlines.append(outline)
            code.frames.append(index)
            return
    codes.append(QrCode(payload, [outline], [index]))


def find_codes(path: Path, frames: dict[int, np.ndarray], expected: int,
               scale: float = 0.5) -> list[QrCode]:
    """The ``expected`` codes seen over ``frames``, labelled, ordered left to right."""
    codes: list[QrCode] = []
    for index, frame in sorted(frames.items()):
        for payload, outline in scan_frame(frame, scale, expected):
            add_detection(codes, payload, outline, index)
    if len(codes) != expected:
        seen = ", ".join(f"{c.payload!r} in {len(c.frames)} frame(s)" for c in codes) or "none"
        raise InputError(path, f"expected {expected} QR codes, found {len(codes)} ({seen}); "
                         f"scanned frames {sorted(frames)}",
                         "check the codes are in view, flat and sharp (see the preview), scan "
                         f"more with --sample-seconds/--sample-frames, or {BOXES_HELP}")
    codes.sort(key=lambda code: code.centre[0])
    assign_labels(path, codes)
    return codes


def payload_label(payload: str) -> str | None:
    """``left``/``right``, ``position=left`` (or pos/side) or ``cage=3`` -> ``cage3``; else None."""
    text = payload.strip().lower()
    if text in ("left", "right"):
        return text
    for part in re.split(r"[;,&\s]+", text):
        if match := _PAIR.match(part):
            return f"cage{match[2]}" if match[1] == "cage" else match[2]
    return None


def assign_labels(path: Path, codes: list[QrCode]) -> None:
    """Labels named by the payload win; unnamed codes are named by their left-to-right rank."""
    order = ORDER_LABELS.get(len(codes)) or tuple(f"pos{i + 1}" for i in range(len(codes)))
    for rank, code in enumerate(codes):
        code.label = payload_label(code.payload) or order[rank]
    labels = [code.label for code in codes]
    if len(set(labels)) != len(labels):
        raise InputError(path, f"QR codes {[c.payload for c in codes]} give duplicate positions "
                         f"{labels}", "print codes with distinct payloads, e.g. 'position=left' "
                         f"and 'position=right', or {BOXES_HELP}")
