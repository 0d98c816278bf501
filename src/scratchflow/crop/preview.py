"""A PNG of one raw frame with the crop boxes drawn, for a person to check the geometry."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from scratchflow.crop.boxes import Box
from scratchflow.crop.qr import QrCode
from scratchflow.outputs import atomic_path

GREEN, ORANGE, MAGENTA = (60, 200, 60), (0, 140, 255), (200, 0, 200)


def draw_preview(frame: np.ndarray, boxes: dict[str, Box], codes: list[QrCode],
                 highlight: str | None = None) -> np.ndarray:
    image = frame.copy()
    thickness = max(2, frame.shape[1] // 400)
    for code in codes:
        x0, y0, x1, y1 = (int(round(v)) for v in code.outline)
        cv2.rectangle(image, (x0, y0), (x1, y1), MAGENTA, thickness)
    for label, box in boxes.items():
        colour = GREEN if label == highlight else ORANGE
        width = 2 * thickness if label == highlight else thickness
        cv2.rectangle(image, (box.x, box.y), (box.right - 1, box.bottom - 1), colour, width)
        cv2.putText(image, label, (box.x + 4, box.y + 8 + 12 * thickness),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.4 * thickness, colour, thickness)
    return image


def write_png(image: np.ndarray, path: Path) -> Path:
    ok, encoded = cv2.imencode(".png", image)
    if not ok:
        raise RuntimeError(f"could not encode preview {path}")
    with atomic_path(path) as tmp:
        tmp.write_bytes(encoded.tobytes())
    return path
