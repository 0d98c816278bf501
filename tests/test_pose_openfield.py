"""Real data: train DeepLabCut 3 (PyTorch) on 116 human-labelled frames, then run the pose
step on the project's real mouse video.

Training from random weights for a few epochs is a smoke test of the machinery, not a useful
model; the test checks that it learned something (held-out error below the untrained model's).
The trained project is cached under ~/.cache/scratchflow, keyed by the settings, so CI on the
same machine trains once. tests/test_pose_tensorflow.py does the same for the TensorFlow engine.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests import openfield
from tests.conftest import CACHE, require_module

SETTINGS = {"net_type": "cspnext_s", "epochs": 8, "batch_size": 8, "seed": 0, "crop": 256,
            "held_out_every": openfield.HELD_OUT_EVERY, "deeplabcut": "3.0.2"}
UPDATES = {"data.train.crop_sampling.width": SETTINGS["crop"],
           "data.train.crop_sampling.height": SETTINGS["crop"], "runner.eval_interval": 1000}


@pytest.fixture(scope="module")
def trained(shared_data):
    """(project folder, held-out labels, untrained snapshot)."""
    require_module("deeplabcut", "DeepLabCut is not installed (pip install '.[dlc]')")
    from scratchflow_devtools.train import (
        copy_project,
        create_shuffle,
        random_init_snapshot,
        train_from_scratch,
    )

    labels = openfield.labels(shared_data / openfield.PROJECT)
    train, test = openfield.split(labels)

    def build(folder):
        config = copy_project(shared_data / openfield.PROJECT, folder)
        train_dir = create_shuffle(config, SETTINGS["net_type"], config_updates=UPDATES,
                                   split=(train, test))
        baseline = random_init_snapshot(train_dir, SETTINGS["seed"])
        baseline.rename(train_dir / "untrained.pt")  # the same weights training starts from
        train_from_scratch(config, train_dir, SETTINGS["epochs"], SETTINGS["batch_size"],
                           SETTINGS["seed"])

    folder = openfield.cached_model(CACHE, "openfield", SETTINGS, build)
    train_dir = next(folder.glob("dlc-models-pytorch/iteration-0/*shuffle1/train"))
    return folder, labels.iloc[test], train_dir / "untrained.pt"


def _mean_error(folder, snapshot, held_out) -> float:
    from deeplabcut.pose_estimation_pytorch.apis.utils import get_pose_inference_runner
    from deeplabcut.pose_estimation_pytorch.config import read_config_as_dict

    config = read_config_as_dict(snapshot.parent / "pytorch_config.yaml")
    runner = get_pose_inference_runner(config, snapshot, batch_size=4, device="cpu")
    predicted = np.stack([p["bodyparts"][0, :, :2] for p in runner.inference(
        [str(folder / name) for name in held_out.index])])
    return openfield.mean_error(predicted, held_out)


def test_training_beats_untrained_model_on_held_out_frames(trained):
    folder, held_out, untrained = trained
    snapshot = max(untrained.parent.glob("snapshot-*.pt"))
    trained_error = _mean_error(folder, snapshot, held_out)
    untrained_error = _mean_error(folder, untrained, held_out)
    print(f"held-out error: trained {trained_error:.1f} px, untrained {untrained_error:.1f} px")
    assert trained_error < untrained_error


def test_pose_on_real_video(trained, shared_data, tmp_path):
    record = openfield.run_pose_on_real_video(shared_data, trained[0], tmp_path)
    assert record["engine"] == "pytorch" and "torch" in record["software"]
