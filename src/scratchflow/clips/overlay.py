"""What a review clip shows on each frame: the hind paws, the bout and its stroke count.

Drawn with OpenCV; the module is handed ``cv2`` so that importing it needs no OpenCV.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scratchflow.review_video import RED, WHITE, put_text

# BGR of the report's limb colours (#0072B2, #D55E00), so clips and raster agree.
PAW_COLOURS = {"left": (178, 114, 0), "right": (0, 94, 213)}
TRAIL_S = 0.1  # a short trail shows the paw's stroke, not where it was seconds ago


@dataclass(frozen=True)
class BoutOverlay:
    """Everything drawn on one clip."""

    title: str  # e.g. "<sample>  bout 3"
    limb: str
    n_strokes: int
    start_frame: int
    end_frame: int
    fps: float
    paws: dict[str, np.ndarray]  # "left"/"right" -> (frames, 2) pixel positions, NaN if lost
    stroke_frames: np.ndarray | None  # the bout's stroke peaks, when the strokes CSV is there


def draw(cv2, frame: np.ndarray, index: int, bout: BoutOverlay) -> np.ndarray:
    scale = max(0.4, frame.shape[1] / 900)  # text size follows the video's width
    for side, track in bout.paws.items():
        draw_paw(cv2, frame, track, index, side, bout, scale)
    scratching = bout.start_frame <= index <= bout.end_frame
    lines = [bout.title, f"{bout.limb} hind paw, {bout.n_strokes} strokes"]
    if bout.stroke_frames is not None:
        done = int(np.searchsorted(bout.stroke_frames, index, side="right"))
        lines.append(f"stroke {done} / {bout.n_strokes}")
    for row, line in enumerate(lines):
        put_text(cv2, frame, line, (8, int((row + 1) * 26 * scale)), scale)
    height = frame.shape[0]
    put_text(cv2, frame, f"t = {index / bout.fps:.2f} s", (8, height - int(12 * scale)), scale)
    if scratching:  # a red dot while the detector calls this frame scratching
        radius = int(9 * scale)
        cv2.circle(frame, (frame.shape[1] - 2 * radius, 2 * radius), radius, RED, -1)
    return frame


def draw_paw(cv2, frame, track: np.ndarray, index: int, side: str, bout: BoutOverlay,
             scale: float) -> None:
    if index >= len(track):
        return
    colour = PAW_COLOURS[side]
    start = max(0, index - int(TRAIL_S * bout.fps))
    trail = track[start:index + 1]
    trail = trail[np.isfinite(trail).all(axis=1)].round().astype(np.int32)
    if len(trail) > 1:
        cv2.polylines(frame, [trail.reshape(-1, 1, 2)], False, colour, max(1, int(2 * scale)))
    if np.isfinite(track[index]).all():
        centre = tuple(int(v) for v in track[index].round())
        radius = int(7 * scale)
        cv2.circle(frame, centre, radius, colour, -1)
        ring = 3 if side == bout.limb else 1  # the scratching paw stands out
        cv2.circle(frame, centre, radius + ring, WHITE, max(1, ring))


#END
