"""``scratchflow behaviour train``: a model from annotated videos, saved as a folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from scratchflow import outputs
from scratchflow.behaviour.annotations import UNLABELLED
from scratchflow.behaviour.model_dir import TrainedModel, train_model
from scratchflow.behaviour.recordings import Recording, open_recordings
from scratchflow.behaviour.settings import BehaviourSettings
from scratchflow.progress import Report


def train_folder(videos: list[Path], annotations: list[Path], out_dir: Path,
                 settings: BehaviourSettings, poses: list[Path] = (),
                 report: Report | None = None) -> TrainedModel:
    """Train on every video and write the model folder ``out_dir``."""
    recordings = open_recordings(videos, settings, poses, annotations)
    model = train_model(recordings, settings, report)
    model.save(out_dir, training_record(recordings, annotations, settings))
    return model


def training_record(recordings: list[Recording], annotations: list[Path],
                    settings: BehaviourSettings) -> dict:
    """What the model learnt from: inputs by checksum, and frames per class."""
    labels = np.concatenate([r.labels for r in recordings])
    counts = np.bincount(labels[labels != UNLABELLED], minlength=len(settings.classes))
    record = outputs.provenance("behaviour train", [r.info.path for r in recordings],
                                settings.to_dict(),
                                annotations=[str(a) for a in annotations])
    record["software"].update(outputs.software_versions(("torch", "scikit-learn")))
    record["frames_per_class"] = dict(zip(settings.classes, counts.tolist(), strict=True))
    return record
