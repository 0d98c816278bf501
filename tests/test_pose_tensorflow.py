"""Real data, TensorFlow engine: a DeepLabCut 2.x-style (TensorFlow) project runs when
TensorFlow is installed (`scratchflow[tf]`, in an environment of its own: `make install-tf`;
`make test` runs this file there).

The project is the real labelled openfield project, trained offline from random weights with
DeepLabCut's own TensorFlow trainer for a few steps (mobilenet_v2_0.35; a smoke test of the
machinery, not a useful model). The pose step's tracks must equal DeepLabCut's own TensorFlow
`analyze_videos` on the same real video. The trained project is cached under
~/.cache/scratchflow, keyed by the settings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scratchflow.pose import open_project
from tests import openfield
from tests.conftest import CACHE, require_module

# DeepLabCut's TensorFlow trainer stops its data-loading thread by cancelling its queue,
# which pytest would report as an unhandled thread exception after every training run.
pytestmark = [pytest.mark.tensorflow,
              pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")]

SETTINGS = {"net_type": "mobilenet_v2_0.35", "iterations": 50, "learning_rate": 1e-3,
            "batch_size": 8, "seed": 0, "held_out_every": openfield.HELD_OUT_EVERY,
            "deeplabcut": "3.0.2"}
MAPPING = dict(item.split("=") for item in openfield.ROLE_MAP)
# mobilenet's batch norm uses the batch's statistics at inference in DeepLabCut's TensorFlow
# code, so both runs must batch the same frames together: 4 divides the 300 frames.
BATCH = "4"
# DeepLabCut's TensorFlow prediction adds a location-refinement offset to the best heatmap
# cell, which can put a point of a barely trained model just past the border; allow one
# heatmap cell (stride 8). The tracks must equal DeepLabCut's own in any case.
STRIDE = 8


@pytest.fixture(scope="module")
def trained(shared_data):
    """The trained project folder."""
    require_module("tensorflow", "TensorFlow is not installed: `make install-tf` makes "
                   ".venv-tf, where `make test` runs these tests")
    from scratchflow_devtools.train import copy_project, create_tf_shuffle, train_tf_from_scratch

    def build(folder):
        config = copy_project(shared_data / openfield.PROJECT, folder)
        updates = {"optimizer": "adam", "batch_size": SETTINGS["batch_size"],
                   "multi_step": [[SETTINGS["learning_rate"], SETTINGS["iterations"]]]}
        split = openfield.split(openfield.labels(shared_data / openfield.PROJECT))
        train_dir = create_tf_shuffle(config, SETTINGS["net_type"], pose_cfg_updates=updates,
                                      split=split)
        train_tf_from_scratch(config, train_dir, SETTINGS["iterations"], SETTINGS["seed"])

    return openfield.cached_model(CACHE, "openfield-tf", SETTINGS, build)


def test_project_opens_as_tensorflow(trained):
    project = open_project(trained, mapping=MAPPING)
    assert project.engine == "tensorflow"
    assert project.train_dir.parts[-4] == "dlc-models"
    assert project.snapshot.name == f"snapshot-{SETTINGS['iterations']}.index"
    assert [p.suffix for p in project.weight_files] == [".data-00000-of-00001", ".index"]


def test_offline_training_lowers_the_loss(trained):
    project = open_project(trained, mapping=MAPPING)
    stats = np.loadtxt(project.train_dir / "learning_stats.csv", delimiter=",")
    assert len(stats) >= 5
    assert stats[-1, 1] < stats[0, 1] / 2  # columns: step, mean loss, learning rate


def test_pose_equals_deeplabcuts_own_tensorflow_analysis(trained, shared_data, tmp_path):
    import deeplabcut
    from deeplabcut.core.engine import Engine

    from scratchflow_devtools.train import shuffle_and_index

    record = openfield.run_pose_on_real_video(shared_data, trained, tmp_path, "--batch-size",
                                              BATCH, margin=STRIDE)
    assert record["engine"] == "tensorflow"
    assert record["software"]["tensorflow"] != "not installed"
    assert any(item["path"].endswith(".data-00000-of-00001") for item in record["inputs"])

    clip = tmp_path / "clips" / "m3v1_first300.mp4"
    project = open_project(trained, mapping=MAPPING)
    shuffle, index = shuffle_and_index(trained / "config.yaml", project.train_dir)
    deeplabcut.analyze_videos(str(trained / "config.yaml"), [str(clip)], shuffle=shuffle,
                              trainingsetindex=index, batch_size=int(BATCH),
                              destfolder=str(tmp_path / "dlc"), engine=Engine.TF)
    ours = pd.read_hdf(tmp_path / "pose" / "m3v1_first300.h5").to_numpy()
    theirs = pd.read_hdf(next((tmp_path / "dlc").glob("*.h5"))).to_numpy()
    assert ours.shape == theirs.shape == (openfield.VIDEO_FRAMES, 4 * 3)
    np.testing.assert_allclose(ours, theirs, atol=1e-3)
