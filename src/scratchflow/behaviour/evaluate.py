"""``scratchflow behaviour evaluate``: leave-one-video-out validation. Each video is classified
by a model trained on all the others; the confusion matrix, frame accuracy and macro accuracy
(the mean of the per-class recalls, DeepEthoProfile's "macro accuracy") are over every
annotated frame of every held-out video."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from scratchflow import outputs
from scratchflow.behaviour import files
from scratchflow.behaviour.annotations import UNLABELLED
from scratchflow.behaviour.figures import confusion_figure, write_png
from scratchflow.behaviour.model_dir import train_model
from scratchflow.behaviour.recordings import Recording
from scratchflow.behaviour.settings import BehaviourSettings
from scratchflow.errors import InputError
from scratchflow.progress import Report


@dataclass(frozen=True)
class Scores:
    frame_accuracy: float
    macro_accuracy: float
    per_class_recall: dict[str, float]  # classes with annotated frames only
    frames: int


def scores(truth: np.ndarray, predicted: np.ndarray, classes: tuple[str, ...]) -> Scores:
    confusion = confusion_matrix(truth, predicted, len(classes))
    present = confusion.sum(axis=1) > 0
    recall = np.diag(confusion)[present] / confusion.sum(axis=1)[present]
    return Scores(float(np.trace(confusion) / max(confusion.sum(), 1)),
                  float(recall.mean()) if len(recall) else 0.0,
                  dict(zip(np.array(classes)[present].tolist(), recall.round(4).tolist(),
                           strict=True)),
                  int(confusion.sum()))


def confusion_matrix(truth: np.ndarray, predicted: np.ndarray, n_classes: int) -> np.ndarray:
    """Rows: annotated class; columns: predicted class; unannotated frames left out."""
    labelled = truth != UNLABELLED
    flat = truth[labelled] * n_classes + predicted[labelled]
    return np.bincount(flat, minlength=n_classes ** 2).reshape(n_classes, n_classes)


def leave_one_out(recordings: list[Recording], settings: BehaviourSettings,
                  report: Report | None = None) -> pd.DataFrame:
    """Per-frame predictions of every video by the model trained on the others: video, frame,
    truth, predicted (class indices)."""
    if len(recordings) < 2:
        raise InputError(None, f"leave-one-video-out needs at least 2 videos, got "
                         f"{len(recordings)}", "pass two or more annotated videos")
    tables = []
    for held_out, recording in enumerate(recordings):
        if report:
            report(f"fold {held_out + 1}/{len(recordings)}: holding out {recording.stem}")
        others = [r for i, r in enumerate(recordings) if i != held_out]
        _, predicted = train_model(others, settings, report).predict(recording, report)
        tables.append(pd.DataFrame({"video": recording.stem,
                                    "frame": np.arange(len(predicted)),
                                    "truth": recording.labels, "predicted": predicted}))
    return pd.concat(tables, ignore_index=True)


def write_evaluation(predictions: pd.DataFrame, settings: BehaviourSettings, out_dir: Path,
                     seconds: float) -> Scores:
    paths = files.evaluation_paths(out_dir)
    classes = settings.classes
    truth, predicted = predictions["truth"].to_numpy(), predictions["predicted"].to_numpy()
    overall = scores(truth, predicted, classes)
    confusion = pd.DataFrame(confusion_matrix(truth, predicted, len(classes)),
                             index=pd.Index(classes, name="annotated"), columns=classes)
    with outputs.atomic_path(paths["confusion"]) as tmp:
        confusion.to_csv(tmp)
    named = predictions.assign(truth=[classes[t] if t != UNLABELLED else "" for t in truth],
                               predicted=[classes[p] for p in predicted])
    outputs.write_csv(named, paths["predictions"])
    per_video = {video: vars(scores(group["truth"].to_numpy(), group["predicted"].to_numpy(),
                                    classes))
                 for video, group in predictions.groupby("video", sort=False)}
    outputs.write_json({"validation": "leave-one-video-out", **vars(overall),
                        "per_video": per_video, "settings": settings.to_dict(),
                        "seconds": round(seconds, 1)}, paths["scores"])
    write_png(confusion_figure(confusion, f"leave-one-video-out: frame "
                               f"{100 * overall.frame_accuracy:.1f} %, macro "
                               f"{100 * overall.macro_accuracy:.1f} %"), paths["figure"])
    return overall


def evaluate_folder(recordings: list[Recording], settings: BehaviourSettings, out_dir: Path,
                    report: Report | None = None) -> Scores:
    started = time.monotonic()
    predictions = leave_one_out(recordings, settings, report)
    return write_evaluation(predictions, settings, out_dir, time.monotonic() - started)
