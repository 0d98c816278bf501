"""A trained behaviour model, in memory and on disk: either classifier behind one interface,
saved as a folder of settings, weights and a training record (``files``)."""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.ndimage import uniform_filter1d

from scratchflow import outputs
from scratchflow.behaviour import files
from scratchflow.behaviour.recordings import Recording
from scratchflow.behaviour.settings import BehaviourSettings
from scratchflow.errors import InputError
from scratchflow.progress import Report


@dataclass
class TrainedModel:
    settings: BehaviourSettings
    classifier: object  # PixelModel or PoseModel: probabilities(), save(), load()

    def predict(self, recording: Recording,
                report: Report | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Per-frame (T, classes) probabilities, averaged over ``smooth_frames`` frames, and
        the most probable class of each frame."""
        probabilities = self.classifier.probabilities(recording, report)
        smoothed = uniform_filter1d(probabilities, self.settings.smooth_frames, axis=0,
                                    mode="nearest")
        return smoothed, smoothed.argmax(axis=1)

    def save(self, folder: Path, training: dict) -> Path:
        folder = outputs.writable_folder(folder)
        weights = folder / files.MODEL_WEIGHTS[self.settings.model]
        with outputs.atomic_path(weights) as tmp:
            self.classifier.save(tmp)
        outputs.write_json(self.settings.to_dict(), folder / files.MODEL_SETTINGS)
        outputs.write_json(training, folder / files.MODEL_TRAINING)
        return folder


def train_model(recordings: list[Recording], settings: BehaviourSettings,
                report: Report | None = None) -> TrainedModel:
    unlabelled = [r.info.path for r in recordings if r.labels is None]
    if unlabelled:
        raise InputError(unlabelled[0], "no annotations for this video",
                         "pass one --annotations file per video")
    if settings.model == "pixel":
        from scratchflow.behaviour.pixel_model import train_pixel

        return TrainedModel(settings, train_pixel(recordings, settings, report))
    from scratchflow.behaviour.pose_model import train_pose

    return TrainedModel(settings, train_pose(recordings, settings, report))


def load_model(folder: str | Path, classes: tuple[str, ...] | None = None,
               device: str = "cpu") -> TrainedModel:
    """The model saved in ``folder``, on ``device`` (torch's name: cpu, cuda:0; the pixel model
    only); with ``classes``, refuse a model of another class list."""
    folder = Path(folder)
    settings_path = folder / files.MODEL_SETTINGS
    if not settings_path.is_file():
        raise InputError(folder, f"not a behaviour model folder (no {files.MODEL_SETTINGS})",
                         "pass the --out folder of `scratchflow behaviour train`")
    settings = BehaviourSettings.from_json(settings_path)
    if classes is not None and tuple(classes) != settings.classes:
        raise InputError(folder, f"model was trained on the classes {list(settings.classes)}, "
                         f"expected {list(classes)}", "pass a model trained on these classes, "
                         "or drop --classes to use the model's")
    weights = folder / files.MODEL_WEIGHTS[settings.model]
    try:
        if settings.model == "pixel":
            from scratchflow.behaviour.pixel_model import PixelModel

            return TrainedModel(settings, PixelModel.load(weights, settings, device))
        from scratchflow.behaviour.pose_model import PoseModel

        return TrainedModel(settings, PoseModel.load(weights, settings, device))
    except (OSError, RuntimeError, ValueError, EOFError, pickle.UnpicklingError) as err:
        raise InputError(weights, f"cannot load the model's weights for {len(settings.classes)} "
                         f"classes {list(settings.classes)}: {str(err).splitlines()[0]}",
                         "retrain the model; its settings.json and weights do not belong "
                         "together") from err
