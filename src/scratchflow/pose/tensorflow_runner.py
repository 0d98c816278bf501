"""Inference for DeepLabCut 2.x (TensorFlow) projects, through DeepLabCut 3's TensorFlow code.

DeepLabCut 3 still ships the TensorFlow engine; it runs when TensorFlow is installed
(``scratchflow[tf]``, which pins numpy < 2 and so lives in an environment or image of its
own). The runner gives the same per-frame predictions as DeepLabCut 3's PyTorch runner, so
the rest of the pose step does not care which engine made them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from scratchflow.errors import InputError
from scratchflow.pose.project import DlcProject


class TensorflowRunner:
    """Batched single-animal inference with a TensorFlow snapshot (DeepLabCut's getposeNP)."""

    def __init__(self, project: DlcProject, batch_size: int, device: str):
        from deeplabcut.pose_estimation_tensorflow.config import load_config
        from deeplabcut.pose_estimation_tensorflow.core import predict

        self.device = hide_gpus_unless(device)
        config = load_config(str(project.model_config))
        # The checkpoint prefix, found in the copied project (never the stale path in the file).
        config["init_weights"] = str(project.snapshot.with_suffix(""))
        config["batch_size"] = batch_size
        config["num_outputs"] = 1
        self.config = config
        self.batch_size = batch_size
        self._predict = predict
        self.session, self.inputs, self.outputs = predict.setup_pose_prediction(config)

    def inference(self, frames: Iterable[np.ndarray]) -> list[dict[str, np.ndarray]]:
        """Per frame, {"bodyparts": (1, keypoints, 3)} with x, y and the score."""
        return [{"bodyparts": pose} for batch in _batches(frames, self.batch_size)
                for pose in self._run(batch)]

    def _run(self, batch: list[np.ndarray]) -> np.ndarray:
        # The graph's batch size is fixed: pad the last batch, then drop the padding.
        images = np.stack(batch + [batch[-1]] * (self.batch_size - len(batch)))
        flat = self._predict.getposeNP(images, self.config, self.session, self.inputs,
                                       self.outputs)
        return flat[: len(batch)].reshape(len(batch), 1, -1, 3)


def _batches(frames: Iterable[np.ndarray], size: int) -> Iterator[list[np.ndarray]]:
    batch = []
    for frame in frames:
        batch.append(frame)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def hide_gpus_unless(device: str) -> str:
    """Apply --device to TensorFlow (it takes every GPU it sees); return the device used."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if device == "cpu" or (device == "auto" and not gpus):
        tf.config.set_visible_devices([], "GPU")
        return "cpu"
    if not gpus:
        raise InputError(None, f"--device {device} asked for, but TensorFlow sees no GPU",
                         "use --device cpu, or check the GPU driver and TensorFlow's CUDA build")
    index = int(device.split(":")[1]) if ":" in device else 0
    tf.config.set_visible_devices([gpus[index]], "GPU")
    return f"cuda:{index}"
