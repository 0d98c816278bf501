"""Review clips, shared by the steps that cut them (clips: scratch bouts; identity: repairs).

A stretch of a video is read frame by frame with OpenCV, drawn on by the caller, and encoded
to H.264 by ffmpeg through a pipe (``scratchflow.ffmpeg.write_video``). A clip is written
under a temporary name and renamed once its frame count is checked. Drawing functions are
handed ``cv2`` so that importing them needs no OpenCV.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from scratchflow import outputs
from scratchflow.errors import InputError
from scratchflow.ffmpeg import VideoInfo, probe, write_video

# Browsers play H.264 yuv420p with the index up front (faststart); pad to even sizes, which
# 4:2:0 needs. veryfast: clips are short, and a person watches them, not a pose model.
ENCODER_ARGS = ("-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-c:v", "libx264", "-preset", "veryfast",
                "-crf", "20", "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-f", "mp4")
WHITE, BLACK, RED = (255, 255, 255), (0, 0, 0), (40, 40, 220)  # BGR


def opencv():
    try:
        import cv2
    except ImportError as err:
        raise InputError(None, "review clips need OpenCV, part of the video extra",
                         "pip install 'scratchflow[video]'") from err
    return cv2


def write_span(video: Path, info: VideoInfo, span: tuple[int, int], margin_s: float,
               target: Path, draw_frame: Callable) -> Path:
    """Frames ``span`` (inclusive) with ``margin_s`` either side, each through
    ``draw_frame(cv2, frame, index)``, as an H.264 clip checked frame by frame."""
    margin = int(round(margin_s * info.fps))
    first = max(0, span[0] - margin)
    last = min(info.frames - 1, span[1] + margin)
    cv2 = opencv()
    with outputs.atomic_path(target) as tmp:
        frames = (draw_frame(cv2, frame, index) for index, frame in
                  read_range(cv2, video, first, last))
        write_video(tmp, frames, info.frame_rate, ENCODER_ARGS)
        made = probe(tmp).frames
        if made != last - first + 1:
            raise InputError(video, f"clip {target.name} has {made} frames, expected "
                             f"{last - first + 1}; not kept", "check the video plays to the end")
    return target


def read_range(cv2, video: Path, first: int, last: int) -> Iterator[tuple[int, np.ndarray]]:
    """Frames ``first..last`` (inclusive) with their indices."""
    capture = cv2.VideoCapture(str(video))
    try:
        if not capture.isOpened():
            raise InputError(video, "OpenCV cannot open the video", "check the file plays")
        capture.set(cv2.CAP_PROP_POS_FRAMES, first)
        for index in range(first, last + 1):
            ok, frame = capture.read()
            if not ok:
                raise InputError(video, f"cannot read frame {index}",
                                 "the video may be truncated: copy it again")
            yield index, frame
    finally:
        capture.release()


def put_text(cv2, frame, text: str, origin: tuple[int, int], scale: float) -> None:
    """White text with a dark outline: readable on light bedding and dark fur alike."""
    thickness = max(1, int(round(1.5 * scale)))
    for colour, width in ((BLACK, thickness + 2), (WHITE, thickness)):
        cv2.putText(frame, text, origin, cv2.FONT_HERSHEY_SIMPLEX, 0.65 * scale, colour, width,
                    cv2.LINE_AA)
