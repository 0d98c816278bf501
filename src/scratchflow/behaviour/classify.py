"""``scratchflow behaviour classify``: per-frame behaviour of one video with a trained model,
written as DeepEthoProfile's CSV, class probabilities, time budgets, bouts and provenance.
A video whose outputs were made from the same video, model and settings is skipped (resume)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scratchflow import outputs
from scratchflow.behaviour import files
from scratchflow.behaviour.annotations import write_deepethoprofile
from scratchflow.behaviour.figures import ethogram_figure, write_png
from scratchflow.behaviour.model_dir import TrainedModel
from scratchflow.behaviour.recordings import open_recording
from scratchflow.behaviour.scratch_bouts import with_scratch_bouts
from scratchflow.behaviour.tables import bout_table, budget_table, probability_table
from scratchflow.progress import Report


@dataclass(frozen=True)
class Classified:
    paths: dict[str, Path]
    skipped: bool  # outputs were already there, made from these inputs


def classify_video(model: TrainedModel, model_dir: Path, video: Path, out_dir: Path,
                   pose_path: Path | None = None, report: Report | None = None,
                   scratch_bouts: Path | None = None) -> Classified:
    """Classify ``video`` and write its outputs into ``out_dir``. ``scratch_bouts``: the
    scratch detector's bouts table for this video, whose frames become scratch (see the
    ``scratch_bouts`` module)."""
    settings = model.settings
    recording = open_recording(video, settings, pose_path)
    paths = files.paths(out_dir, recording.stem)
    inputs = [recording.info.path, Path(model_dir) / files.MODEL_WEIGHTS[settings.model]]
    inputs += [p for p in (recording.pose_path, scratch_bouts) if p]
    if outputs.is_up_to_date(paths["provenance"], inputs, settings.to_dict(),
                             [p for kind, p in paths.items() if kind != "provenance"]):
        return Classified(paths, skipped=True)
    probabilities, labels = model.predict(recording, report)
    fps, classes = recording.info.fps, settings.classes
    if scratch_bouts:
        probabilities, classes = with_scratch_bouts(probabilities, classes, scratch_bouts)
        labels = probabilities.argmax(axis=1)
    write_deepethoprofile(paths["labels"], labels, classes, fps)
    outputs.write_csv(probability_table(probabilities, classes, fps), paths["probabilities"])
    outputs.write_csv(budget_table(labels, classes, fps), paths["budget"])
    outputs.write_csv(bout_table(labels, probabilities, classes, fps), paths["bouts"])
    write_png(ethogram_figure(labels, classes, fps, recording.stem), paths["ethogram"])
    record = outputs.provenance(f"{files.STEP} classify", inputs, settings.to_dict(),
                                model=str(model_dir), fps=fps, frames=recording.info.frames)
    record["software"].update(outputs.software_versions(("torch", "scikit-learn")))
    outputs.write_json(record, paths["provenance"])
    return Classified(paths, skipped=False)
