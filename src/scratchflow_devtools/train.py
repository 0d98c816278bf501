"""Train a DeepLabCut model from random initialisation, offline.

DeepLabCut fetches ImageNet backbone weights from a model hub when training starts, and
ignores ``pretrained: false``. Building the model with random weights through its PoseModel
API, saving them as a snapshot and resuming from that snapshot trains with no download.
The TensorFlow engine (DeepLabCut 2.x projects) works the same way: a random-init checkpoint
named ``snapshot-0`` stands in for the ImageNet weights, and training resumes from it.
Used by the demo model's script and the real-data tests; labs train their own models with
DeepLabCut as usual.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from unittest import mock

import numpy as np
import yaml

from scratchflow.formats import dlc
from scratchflow.pose.project import MODEL_FOLDERS, PYTORCH, TENSORFLOW, pick_snapshot

INFERENCE_FILES = ("train/pytorch_config.yaml", "test/pose_cfg.yaml")


def copy_project(source: str | Path, destination: str | Path) -> Path:
    """Copy a labelled project and point its config.yaml at the copy; return config.yaml."""
    destination = Path(destination)
    shutil.copytree(source, destination, dirs_exist_ok=True)
    config_path = destination / "config.yaml"
    config = yaml.safe_load(config_path.read_text())
    config["project_path"] = str(destination)
    videos = sorted((destination / "videos").glob("*")) if (destination / "videos").is_dir() else []
    crop = next(iter((config.get("video_sets") or {}).values()), {"crop": "0, 640, 0, 480"})
    config["video_sets"] = {str(v): crop for v in videos}
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    return config_path


def new_project(folder: str | Path, task: str, scorer: str, bodyparts: list[str],
                frame_size: tuple[int, int]) -> Path:
    """A single-animal DeepLabCut project with no videos yet; return its config.yaml."""
    from deeplabcut.utils.auxiliaryfunctions import create_config_template, write_config

    folder = Path(folder)
    (folder / "labeled-data").mkdir(parents=True, exist_ok=True)
    config, _ = create_config_template()
    width, height = frame_size
    config.update({"Task": task, "scorer": scorer, "date": "synthetic", "project_path": str(folder),
                   "engine": "pytorch", "bodyparts": list(bodyparts), "skeleton": [],
                   "multianimalproject": False, "identity": False, "iteration": 0,
                   "TrainingFraction": [0.95], "default_net_type": "cspnext_s",
                   "snapshotindex": -1, "detector_snapshotindex": -1, "batch_size": 8,
                   "video_sets": {}, "numframes2pick": 20, "pcutoff": 0.6, "dotsize": 4,
                   "alphavalue": 0.7, "colormap": "rainbow", "start": 0, "stop": 1,
                   "x1": 0, "x2": width, "y1": 0, "y2": height, "cropping": False,
                   "skeleton_color": "black", "default_augmenter": "default",
                   "detector_batch_size": 1, "corner2move2": [50, 50], "move2corner": True})
    write_config(str(folder / "config.yaml"), config)
    return folder / "config.yaml"


def write_labels(config_path: Path, video_name: str, images: list[np.ndarray],
                 frame_ids: list[int], keypoints: np.ndarray) -> Path:
    """Save RGB ``images`` as labelled frames with their (N, K, 2) ``keypoints``."""
    import cv2

    config = yaml.safe_load(Path(config_path).read_text())
    folder = Path(config_path).parent / "labeled-data" / video_name
    folder.mkdir(parents=True, exist_ok=True)
    names = [f"img{index:06d}.png" for index in frame_ids]
    for name, image in zip(names, images, strict=True):
        cv2.imwrite(str(folder / name), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    table = dlc.labelled_table(keypoints, config["scorer"], config["bodyparts"],
                               [("labeled-data", video_name, n) for n in names])
    path = dlc.write(table, folder / f"CollectedData_{config['scorer']}.h5", dlc.LABELS_KEY,
                     csv=True, format="fixed")
    config["video_sets"][str(folder.parent.parent / "videos" / f"{video_name}.mp4")] = {
        "crop": f"0, {images[0].shape[1]}, 0, {images[0].shape[0]}"}
    Path(config_path).write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def create_shuffle(config_path: Path, net_type: str, shuffle: int = 1,
                   config_updates: dict | None = None,
                   split: tuple[list[int], list[int]] | None = None) -> Path:
    """DeepLabCut's training dataset and model folder for ``shuffle``; return its train dir.

    ``config_updates`` maps dotted keys of pytorch_config.yaml to new values; ``split`` fixes
    the (train, test) frame indices instead of a random split.
    """
    train_dir = _training_dataset(config_path, net_type, shuffle, split, PYTORCH)
    _update_yaml(train_dir / "pytorch_config.yaml", config_updates or {})
    return train_dir


def _training_dataset(config_path: Path, net_type: str, shuffle: int,
                      split: tuple[list[int], list[int]] | None, engine: str) -> Path:
    import deeplabcut
    from deeplabcut.core.engine import Engine

    indices = {"trainIndices": [split[0]], "testIndices": [split[1]]} if split else {}
    deeplabcut.create_training_dataset(str(config_path), Shuffles=[shuffle], net_type=net_type,
                                       engine=Engine(engine), userfeedback=False, **indices)
    return next((Path(config_path).parent / MODEL_FOLDERS[engine]).glob(
        f"iteration-*/*shuffle{shuffle}/train"))


def _update_yaml(path: Path, updates: dict) -> None:
    settings = yaml.safe_load(path.read_text())
    for key, value in updates.items():
        _set_dotted(settings, key, value)
    path.write_text(yaml.safe_dump(settings, sort_keys=False))


def _set_dotted(tree: dict, key: str, value) -> None:
    *parents, leaf = key.split(".")
    for part in parents:
        if not isinstance(tree.get(part), dict):
            tree[part] = {}
        tree = tree[part]
    tree[leaf] = value


def random_init_snapshot(train_dir: Path, seed: int) -> Path:
    """Random weights for the shuffle's model, saved where DeepLabCut can resume from them."""
    import torch
    from deeplabcut.pose_estimation_pytorch.config import read_config_as_dict
    from deeplabcut.pose_estimation_pytorch.models import PoseModel

    torch.manual_seed(seed)
    model_config = read_config_as_dict(train_dir / "pytorch_config.yaml")["model"]
    model = PoseModel.build(model_config, pretrained_backbone=False)
    path = train_dir / f"random-init-seed{seed}.pt"
    torch.save({"model": model.state_dict()}, path)
    return path


def shuffle_and_index(config_path: Path, train_dir: Path) -> tuple[int, int]:
    """The shuffle number and training-set index DeepLabCut's train_network and
    analyze_videos take for this train folder."""
    percent, shuffle = map(int, re.fullmatch(r".*trainset(\d+)shuffle(\d+)",
                                             train_dir.parent.name).groups())
    return shuffle, _training_set_index(Path(config_path), percent)


def _training_set_index(config_path: Path, percent: int) -> int:
    """Where config.yaml lists the shuffle's training fraction; a fixed split's fraction is
    added, as DeepLabCut finds the model folder through this list."""
    config = yaml.safe_load(config_path.read_text())
    fractions = [round(100 * f) for f in config["TrainingFraction"]]
    if percent not in fractions:
        config["TrainingFraction"].append(percent / 100)
        config_path.write_text(yaml.safe_dump(config, sort_keys=False))
        fractions.append(percent)
    return fractions.index(percent)


def train_from_scratch(config_path: Path, train_dir: Path, epochs: int, batch_size: int,
                       seed: int = 0, device: str = "cpu") -> Path:
    """Train ``epochs`` epochs from random weights; return the last snapshot."""
    import deeplabcut
    import torch

    torch.manual_seed(seed)
    init = random_init_snapshot(train_dir, seed)
    shuffle, index = shuffle_and_index(config_path, train_dir)
    deeplabcut.train_network(str(config_path), shuffle=shuffle, trainingsetindex=index,
                             snapshot_path=str(init),
                             epochs=epochs, batch_size=batch_size, device=device,
                             save_epochs=epochs, max_snapshots_to_keep=1, display_iters=1000)
    init.unlink()
    return pick_snapshot(train_dir, -1)


# TensorFlow (DeepLabCut 2.x projects): needs `scratchflow[tf]`.

def create_tf_shuffle(config_path: Path, net_type: str, shuffle: int = 1,
                      pose_cfg_updates: dict | None = None,
                      split: tuple[list[int], list[int]] | None = None) -> Path:
    """A TensorFlow shuffle that starts from ``random-init/snapshot-0`` beside train/ instead
    of downloaded ImageNet weights; return its train dir. ``pose_cfg_updates`` maps dotted
    keys of train/pose_cfg.yaml to new values (e.g. ``optimizer``, ``multi_step``)."""
    from deeplabcut.utils import auxfun_models

    # create_training_dataset downloads the ImageNet checkpoint and records its path as
    # init_weights; the path is set to the random-init checkpoint below instead.
    with mock.patch.object(auxfun_models, "check_for_weights", return_value="offline"):
        train_dir = _training_dataset(config_path, net_type, shuffle, split, TENSORFLOW)
    init = train_dir.parent / "random-init" / "snapshot-0"
    _update_yaml(train_dir / "pose_cfg.yaml",
                 {"init_weights": str(init), **(pose_cfg_updates or {})})
    return train_dir


def random_init_checkpoint(train_dir: Path, seed: int) -> Path:
    """Random weights for the whole TensorFlow model (backbone and heads), saved where
    train/pose_cfg.yaml's init_weights points; return the checkpoint's .index file."""
    import tensorflow as tf
    from deeplabcut.pose_estimation_tensorflow.config import load_config
    from deeplabcut.pose_estimation_tensorflow.nnets.factory import PoseNetFactory

    config = load_config(str(train_dir / "pose_cfg.yaml"))
    tf.compat.v1.reset_default_graph()
    tf.compat.v1.set_random_seed(seed)
    inputs = tf.compat.v1.placeholder(tf.float32, shape=[1, None, None, 3])
    PoseNetFactory.create(config).test(inputs)
    with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        prefix = tf.compat.v1.train.Saver().save(session, config["init_weights"])
    return Path(f"{prefix}.index")


def train_tf_from_scratch(config_path: Path, train_dir: Path, iterations: int,
                          seed: int = 0) -> Path:
    """Train ``iterations`` steps from the random-init checkpoint; return the last snapshot's
    .index file. The random-init checkpoint stays, as the untrained baseline."""
    import deeplabcut
    from deeplabcut.core.engine import Engine

    random_init_checkpoint(train_dir, seed)
    shuffle, index = shuffle_and_index(config_path, train_dir)
    deeplabcut.train_network(str(config_path), shuffle=shuffle, trainingsetindex=index,
                             max_iters=iterations, save_iters=iterations,
                             display_iters=max(1, iterations // 10), max_snapshots_to_keep=1,
                             engine=Engine.TF)
    return pick_snapshot(train_dir, -1, "snapshot-*.index")
