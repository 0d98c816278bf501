"""Real data: train DeepLabCut 3 on 116 human-labelled frames, then run the pose step on the
project's real mouse video.

Training from random weights for a few epochs is a smoke test of the machinery, not a useful
model; the test checks that it learned something (held-out error below the untrained model's).
The trained project is cached under ~/.cache/scratchflow, keyed by the settings, so CI on the
same machine trains once.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from scratchflow.cli import main
from scratchflow.pose_io import load_pose
from tests.conftest import CACHE

PROJECT = "dlc_openfield/examples/openfield-Pranav-2018-10-30"
SETTINGS = {"net_type": "cspnext_s", "epochs": 8, "batch_size": 8, "seed": 0, "crop": 256,
            "held_out_every": 10, "deeplabcut": "3.0.2"}
UPDATES = {"data.train.crop_sampling.width": SETTINGS["crop"],
           "data.train.crop_sampling.height": SETTINGS["crop"], "runner.eval_interval": 1000}
VIDEO_FRAMES = 300
# The project tracks snout, ears and tail base; the mapping satisfies the role check only.
ROLE_MAP = ["nose=snout", "tail_base=tailbase", "hind_left=leftear", "hind_right=rightear"]


@pytest.fixture(scope="module")
def trained(shared_data):
    """(project folder, held-out frame paths, their labels, untrained snapshot)."""
    pytest.importorskip("deeplabcut", reason="DeepLabCut is not installed (pip install '.[dlc]')")
    from scratchflow.pose.train import (
        copy_project,
        create_shuffle,
        random_init_snapshot,
        train_from_scratch,
    )

    key = hashlib.sha256(json.dumps(SETTINGS, sort_keys=True).encode()).hexdigest()[:12]
    folder = CACHE / f"openfield-{key}"
    labels = _labels(shared_data / PROJECT)
    held_out = list(labels.index[::SETTINGS["held_out_every"]])
    if not (folder / "done").is_file():
        shutil.rmtree(folder, ignore_errors=True)
        config = copy_project(shared_data / PROJECT, folder)
        test = [labels.index.get_loc(name) for name in held_out]
        train = [i for i in range(len(labels)) if i not in set(test)]
        train_dir = create_shuffle(config, SETTINGS["net_type"], config_updates=UPDATES,
                                   split=(train, test))
        baseline = random_init_snapshot(train_dir, SETTINGS["seed"])
        baseline.rename(train_dir / "untrained.pt")  # the same weights training starts from
        train_from_scratch(config, train_dir, SETTINGS["epochs"], SETTINGS["batch_size"],
                           SETTINGS["seed"])
        (folder / "done").write_text(json.dumps(SETTINGS))
    train_dir = next(folder.glob("dlc-models-pytorch/iteration-0/*shuffle1/train"))
    untrained = train_dir / "untrained.pt"
    return folder, held_out, labels.loc[held_out], untrained


def _labels(project) -> pd.DataFrame:
    table = pd.read_hdf(next((project / "labeled-data").glob("*/CollectedData_*.h5")))
    table.index = ["/".join(parts) for parts in table.index] if isinstance(
        table.index, pd.MultiIndex) else list(table.index)
    return table


def _mean_error(folder, snapshot, images, labels) -> float:
    from deeplabcut.pose_estimation_pytorch.apis.utils import get_pose_inference_runner
    from deeplabcut.pose_estimation_pytorch.config import read_config_as_dict

    config = read_config_as_dict(snapshot.parent / "pytorch_config.yaml")
    runner = get_pose_inference_runner(config, snapshot, batch_size=4, device="cpu")
    predicted = np.stack([p["bodyparts"][0, :, :2] for p in runner.inference(
        [str(folder / name) for name in images])])
    truth = labels.to_numpy(dtype=float).reshape(len(images), -1, 2)
    return float(np.nanmean(np.hypot(*(predicted - truth).transpose(2, 0, 1))))


def test_training_beats_untrained_model_on_held_out_frames(trained):
    folder, held_out, labels, untrained = trained
    snapshot = max(untrained.parent.glob("snapshot-*.pt"))
    trained_error = _mean_error(folder, snapshot, held_out, labels)
    untrained_error = _mean_error(folder, untrained, held_out, labels)
    print(f"held-out error: trained {trained_error:.1f} px, untrained {untrained_error:.1f} px")
    assert trained_error < untrained_error


def test_pose_on_real_video(trained, shared_data, tmp_path):
    folder = trained[0]
    clip = tmp_path / "clips" / "m3v1_first300.mp4"
    clip.parent.mkdir()
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(shared_data / PROJECT / "videos" /
                    "m3v1mp4.mp4"), "-frames:v", str(VIDEO_FRAMES), "-c:v", "libx264", "-crf",
                    "18", str(clip)], check=True)
    args = ["pose", str(clip), "--model", str(folder), "--out", str(tmp_path / "pose")]
    for mapping in ROLE_MAP:
        args += ["--bodypart", mapping]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    pose = load_pose(tmp_path / "pose" / "m3v1_first300.h5")
    assert pose.keypoints == ("snout", "leftear", "rightear", "tailbase")
    assert pose.n_frames == VIDEO_FRAMES
    x, y = pose.position[..., 0], pose.position[..., 1]
    assert np.isfinite(pose.position).all()
    assert (x >= 0).all() and (x < 640).all() and (y >= 0).all() and (y < 480).all()
    record = json.loads((tmp_path / "pose" / "m3v1_first300.json").read_text())
    assert record["frames"] == VIDEO_FRAMES and record["fps"] == pytest.approx(30, rel=1e-3)
    assert record["model"]["bodyparts"][0] == "snout"
