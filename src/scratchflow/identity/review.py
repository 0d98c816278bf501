"""Review clips of the repairs (``scratchflow identity --clips N``): each shows one repaired
moment with every mouse's body parts drawn in its own colour, as repaired, so that a person
can see at a glance whether each colour now stays on its mouse.

The clips are those of the N least confident repairs (the ones most worth a look), each with
a second either side; they are cut and encoded as the scratch review clips are
(``scratchflow.review_video``), which needs OpenCV (the video extra).
"""

from __future__ import annotations

import colorsys
from pathlib import Path

import numpy as np
import pandas as pd

from scratchflow.ffmpeg import VideoInfo
from scratchflow.formats import PoseData
from scratchflow.identity.colours import ColourRange
from scratchflow.identity.files import event_clip_name, hue_centre
from scratchflow.review_video import RED, WHITE, opencv, put_text, write_span

MARGIN_S = 1.0


def bgr(colour: ColourRange) -> tuple[int, int, int]:
    """OpenCV's BGR of the middle of a colour's hue range, fully saturated."""
    r, g, b = colorsys.hsv_to_rgb(hue_centre(colour.hue) / 360, 0.9, 0.95)
    return int(b * 255), int(g * 255), int(r * 255)


def chosen_events(events: pd.DataFrame, count: int) -> pd.DataFrame:
    """The ``count`` least confident repairs, in time order."""
    least = events.sort_values(["confidence", "start_frame"], kind="stable").head(count)
    return least.sort_values("start_frame", kind="stable")


def draw_mice(cv2, frame: np.ndarray, index: int, pose: PoseData, colours: list[tuple],
              lines: list[str], span: tuple[int, int]) -> np.ndarray:
    """Every mouse's body parts as dots of its colour with its name beside them; the repair
    described on top, and a red dot while the frame is inside it."""
    scale = max(0.4, frame.shape[1] / 900)
    for mouse, (name, colour) in enumerate(zip(pose.individuals, colours, strict=True)):
        points = pose.position[index, mouse]
        seen = points[np.isfinite(points).all(axis=1)].round().astype(int)
        for x, y in seen:
            cv2.circle(frame, (int(x), int(y)), max(2, int(4 * scale)), colour, -1)
            cv2.circle(frame, (int(x), int(y)), max(2, int(4 * scale)) + 1, WHITE, 1)
        if len(seen):
            x, y = seen.mean(axis=0).astype(int)
            put_text(cv2, frame, name, (int(x) + 8, int(y) - 8), scale)
    for row, line in enumerate(lines):
        put_text(cv2, frame, line, (8, int((row + 1) * 26 * scale)), scale)
    put_text(cv2, frame, f"t = {index / pose.fps:.2f} s", (8, frame.shape[0] - int(12 * scale)),
             scale)
    if span[0] <= index <= span[1]:
        radius = int(9 * scale)
        cv2.circle(frame, (frame.shape[1] - 2 * radius, 2 * radius), radius, RED, -1)
    return frame


def review_clips(video: Path, info: VideoInfo, repaired: PoseData, events: pd.DataFrame,
                 colours: list[ColourRange], out_dir: Path, stem: str, count: int) -> list[Path]:
    """Up to ``count`` clips of repairs, named by ``event_clip_name``; written atomically."""
    opencv()  # a missing extra is said before any clip is cut
    drawn = [bgr(c) for c in colours]
    written = []
    for event in chosen_events(events, count).itertuples(index=False):
        span = (int(event.start_frame), int(event.end_frame))
        lines = [f"{stem}  repair {int(event.event_id)}: {event.kind} ({event.individuals})",
                 f"frames {span[0]}-{span[1]}, confidence {float(event.confidence):.2f}"]
        target = out_dir / event_clip_name(stem, int(event.event_id), float(event.start_s))
        written.append(write_span(
            video, info, span, MARGIN_S, target,
            lambda cv2, frame, index, lines=lines, span=span:
                draw_mice(cv2, frame, index, repaired, drawn, lines, span)))
    return written
