"""The real labelled DeepLabCut project both engines' real-data tests train on, and the checks
they share: 116 human-labelled frames and the project's mouse video (640x480, 30 fps)."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from scratchflow.cli import main
from scratchflow.formats import load_pose

PROJECT = "dlc_openfield/examples/openfield-Pranav-2018-10-30"
HELD_OUT_EVERY = 10  # every 10th labelled frame is held out of training
VIDEO_FRAMES = 300
# The project tracks snout, ears and tail base; the mapping satisfies the role check only.
ROLE_MAP = ["nose=snout", "tail_base=tailbase", "hind_left=leftear", "hind_right=rightear"]


def cached_model(cache: Path, name: str, settings: dict,
                 build: Callable[[Path], None]) -> Path:
    """A project folder trained once per ``settings``: ``build(folder)`` runs only when no
    finished copy is cached, so CI on the same machine does not retrain."""
    key = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:12]
    folder = cache / f"{name}-{key}"
    if not (folder / "done").is_file():
        shutil.rmtree(folder, ignore_errors=True)
        build(folder)
        (folder / "done").write_text(json.dumps(settings))
    return folder


def labels(project: Path) -> pd.DataFrame:
    """The human labels, indexed by image path relative to the project."""
    table = pd.read_hdf(next((project / "labeled-data").glob("*/CollectedData_*.h5")))
    table.index = ["/".join(parts) for parts in table.index] if isinstance(
        table.index, pd.MultiIndex) else list(table.index)
    return table


def split(table: pd.DataFrame) -> tuple[list[int], list[int]]:
    """(train, held-out) row numbers."""
    test = list(range(0, len(table), HELD_OUT_EVERY))
    return [i for i in range(len(table)) if i not in set(test)], test


def mean_error(predicted: np.ndarray, held_out: pd.DataFrame) -> float:
    """Mean pixel distance between (N, K, 2) predictions and the held-out labels."""
    truth = held_out.to_numpy(dtype=float).reshape(predicted.shape)
    return float(np.nanmean(np.hypot(*(predicted - truth).transpose(2, 0, 1))))


def first_frames_clip(shared_data: Path, folder: Path) -> Path:
    """The first VIDEO_FRAMES frames of the project's real video, as H.264."""
    clip = folder / "m3v1_first300.mp4"
    clip.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(shared_data / PROJECT / "videos" /
                    "m3v1mp4.mp4"), "-frames:v", str(VIDEO_FRAMES), "-c:v", "libx264", "-crf",
                    "18", str(clip)], check=True)
    return clip


def run_pose_on_real_video(shared_data: Path, model: Path, tmp_path: Path, *options: str,
                           margin: float = 0) -> dict:
    """`scratchflow pose` on the first frames of the project's video; check what every engine
    must deliver (keypoints inside the 640 x 480 frame, give or take ``margin`` px) and return
    the provenance record. Tracks: tmp_path/pose/m3v1_first300.h5."""
    clip = first_frames_clip(shared_data, tmp_path / "clips")
    args = ["pose", str(clip), "--model", str(model), "--out", str(tmp_path / "pose"), *options]
    for mapping in ROLE_MAP:
        args += ["--bodypart", mapping]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    pose = load_pose(tmp_path / "pose" / "m3v1_first300.h5")
    assert pose.keypoints == ("snout", "leftear", "rightear", "tailbase")
    assert pose.n_frames == VIDEO_FRAMES
    x, y = pose.position[..., 0], pose.position[..., 1]
    assert np.isfinite(pose.position).all()
    assert (x >= -margin).all() and (x < 640 + margin).all()
    assert (y >= -margin).all() and (y < 480 + margin).all()
    record = json.loads((tmp_path / "pose" / "m3v1_first300.pose.json").read_text())
    assert record["frames"] == VIDEO_FRAMES and record["fps"] == pytest.approx(30, rel=1e-3)
    assert record["model"]["bodyparts"][0] == "snout"
    return record
