"""A video with what the models read from it: its frames (pixel model), its pose features
(pose model) and, for training, its per-frame labels. Inputs are decoded once and kept, so
leave-one-video-out trains many models without decoding again."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from scratchflow.behaviour.annotations import read_annotations
from scratchflow.behaviour.settings import BehaviourSettings
from scratchflow.errors import InputError
from scratchflow.ffmpeg import VideoInfo, probe, read_frames
from scratchflow.progress import Report, frame_reporter


@dataclass
class Recording:
    info: VideoInfo
    pose_path: Path | None = None
    labels: np.ndarray | None = None  # per frame, index into the class list; -1 unlabelled
    _inputs: dict = field(default_factory=dict, repr=False)

    @property
    def stem(self) -> str:
        return self.info.path.stem

    def inputs(self, settings: BehaviourSettings, report: Report | None = None) -> np.ndarray:
        """(T, S, S) uint8 frames for the pixel model, (T, F) features for the pose model."""
        key = (settings.model, settings.image_px if settings.model == "pixel"
               else settings.feature_windows_s)
        if key not in self._inputs:
            if settings.model == "pixel":
                self._inputs[key] = decode_grey(self.info, settings.image_px, report)
            else:
                from scratchflow.behaviour.features import pose_features

                self._inputs[key] = pose_features(self.pose_path, self.info, settings)
        return self._inputs[key]


def open_recording(video: str | Path, settings: BehaviourSettings,
                   pose_path: str | Path | None = None,
                   annotations: str | Path | None = None) -> Recording:
    """Probe ``video``; check it is long enough; find its pose file (pose model); read its
    annotations when given."""
    info = probe(video)
    if info.frames < settings.window_frames:
        raise InputError(info.path, f"video has {info.frames} frames; the behaviour models need "
                         f"at least {settings.window_frames} (one {settings.window_frames}-frame "
                         "stack)", "pass a longer video")
    pose = None
    if settings.model == "pose":
        pose = Path(pose_path) if pose_path else info.path.with_suffix(".h5")
        if not pose.is_file():
            raise InputError(pose, "pose file not found (the pose model reads the video's "
                             "tracks)", "run `scratchflow pose` on the video, or pass its pose "
                             "file with --pose (in the order of the videos)")
    labels = None
    if annotations is not None:
        labels = read_annotations(annotations, settings.classes, info.frames, info.fps)
    return Recording(info, pose, labels)


def open_recordings(videos, settings: BehaviourSettings, poses=(), annotations=()
                    ) -> list[Recording]:
    """Recordings of ``videos``, each with its pose file and annotations by position."""
    one_per_video(videos, "--pose", poses)
    one_per_video(videos, "--annotations", annotations)
    return [open_recording(video, settings, poses[i] if poses else None,
                           annotations[i] if annotations else None)
            for i, video in enumerate(videos)]


def one_per_video(videos, option: str, given) -> None:
    """Files paired with the videos by position: none, or exactly one per video."""
    if given and len(given) != len(videos):
        raise InputError(None, f"{len(videos)} video(s) but {len(given)} {option} file(s)",
                         f"pass one {option} file per video, in the order of the videos")


def decode_grey(info: VideoInfo, side: int, report: Report | None = None) -> np.ndarray:
    """Every frame as greyscale, scaled to ``side`` x ``side`` by ffmpeg."""
    on_frame = frame_reporter(f"decode {info.path.name}", info.frames, report)
    frames = []
    for index, frame in enumerate(read_frames(info, "gray", (side, side))):
        frames.append(frame[..., 0])
        if on_frame:
            on_frame(index + 1)
    if len(frames) != info.frames:
        raise InputError(info.path, f"decoded {len(frames)} frames, expected {info.frames}",
                         "check the video plays to its end; re-copy a truncated file")
    return np.stack(frames)
