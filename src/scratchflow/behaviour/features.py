"""Per-frame features of a mouse's pose for the pose model, as JABS and SimBA compute them:
where the body is in the frame, its posture (lengths, angles, paws relative to the body),
how fast each part moves, and the rolling mean and spread of all of these over a few windows.

Positions are in fractions of the frame (a fixed camera: where the hopper and the spout are
is part of the behaviour), lengths in body lengths and speeds in body lengths per second.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from scratchflow.behaviour.settings import BehaviourSettings
from scratchflow.errors import InputError
from scratchflow.ffmpeg import VideoInfo
from scratchflow.formats import load_pose, resolve_roles

PAWS = ("fore_left", "fore_right", "hind_left", "hind_right")


def pose_features(pose_path: Path, info: VideoInfo, settings: BehaviourSettings) -> np.ndarray:
    """(T, F) float32 features for every frame of the video ``info``."""
    pose = load_pose(pose_path, info.fps)
    if pose.n_frames != info.frames:
        raise InputError(pose_path, f"pose file has {pose.n_frames} frames but the video "
                         f"{info.path.name} has {info.frames}", "pass the pose file made from "
                         "this video")
    roles = resolve_roles(pose)
    point = {role: _filled(pose.point(0, index)[0]) for role, index in roles.items()}
    nose, tail = point["nose"], point["tail_base"]
    axis = nose - tail
    body_length = max(float(np.nanmedian(np.hypot(*axis.T))), 1e-6)
    frame_size = np.array([info.width, info.height], float)
    columns = {
        "nose_x": nose[:, 0] / frame_size[0], "nose_y": nose[:, 1] / frame_size[1],
        "tail_x": tail[:, 0] / frame_size[0], "tail_y": tail[:, 1] / frame_size[1],
        "length": np.hypot(*axis.T) / body_length,
        "axis_sin": axis[:, 1] / np.maximum(np.hypot(*axis.T), 1e-6),
        "axis_cos_abs": np.abs(axis[:, 0]) / np.maximum(np.hypot(*axis.T), 1e-6),
    }
    for part in ("nose", "tail_base", *PAWS):
        columns[f"{part}_speed"] = _speed(point[part], info.fps) / body_length
    for paw in PAWS:
        offset = (point[paw] - tail) / body_length
        columns[f"{paw}_dx_abs"] = np.abs(offset[:, 0])
        columns[f"{paw}_dy"] = offset[:, 1]
        columns[f"{paw}_to_nose"] = np.hypot(*(point[paw] - nose).T) / body_length
    table = pd.DataFrame(columns)
    windows = [table]
    for seconds in settings.feature_windows_s:
        frames = max(3, round(seconds * info.fps) | 1)
        rolling = table.rolling(frames, center=True, min_periods=1)
        windows += [rolling.mean().add_suffix(f"_mean{seconds:g}s"),
                    rolling.std().fillna(0).add_suffix(f"_sd{seconds:g}s")]
    return pd.concat(windows, axis=1).to_numpy(np.float32)


def _filled(xy: np.ndarray) -> np.ndarray:
    """Missing points carried from the nearest tracked frame (a lost paw stays where it was)."""
    return pd.DataFrame(xy).ffill().bfill().fillna(0).to_numpy(float)


def _speed(xy: np.ndarray, fps: float) -> np.ndarray:
    step = np.diff(xy, axis=0, prepend=xy[:1])
    return np.hypot(*step.T) * fps
