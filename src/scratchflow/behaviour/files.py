"""What the behaviour step writes, by name: the one place that owns these suffixes.

Per classified video ``<stem>.mp4``, in the output folder:
``<stem>_behaviour.csv`` (per-frame labels, DeepEthoProfile's format),
``<stem>_behaviour_probabilities.csv`` (frame, time_s, one column per class),
``<stem>_behaviour_budget.csv`` (per class: frames, seconds, fraction, bouts),
``<stem>_behaviour_bouts.csv`` (one row per bout), ``<stem>_behaviour_ethogram.png`` (every
class over time) and ``<stem>_behaviour_provenance.json``.

A model folder holds ``settings.json`` (classes and every setting), the weights
(``pixel_model.pt`` or ``pose_model.joblib``) and ``training.json`` (what it was trained on).
``evaluate`` writes ``behaviour_confusion.csv``, ``behaviour_confusion.png``,
``behaviour_scores.json`` and the per-frame ``behaviour_predictions.csv``.
"""

from __future__ import annotations

from pathlib import Path

STEP = "behaviour"
SUFFIXES = {
    "labels": "_behaviour.csv",
    "probabilities": "_behaviour_probabilities.csv",
    "budget": "_behaviour_budget.csv",
    "bouts": "_behaviour_bouts.csv",
    "ethogram": "_behaviour_ethogram.png",
    "provenance": "_behaviour_provenance.json",
}
MODEL_SETTINGS = "settings.json"
MODEL_WEIGHTS = {"pixel": "pixel_model.pt", "pose": "pose_model.joblib"}
MODEL_TRAINING = "training.json"
EVALUATION = {
    "confusion": "behaviour_confusion.csv",
    "figure": "behaviour_confusion.png",
    "scores": "behaviour_scores.json",
    "predictions": "behaviour_predictions.csv",
}


def paths(out_dir: Path, stem: str) -> dict[str, Path]:
    """Every output of the video ``<stem>``, by kind."""
    return {kind: Path(out_dir) / f"{stem}{suffix}" for kind, suffix in SUFFIXES.items()}


def evaluation_paths(out_dir: Path) -> dict[str, Path]:
    return {kind: Path(out_dir) / name for kind, name in EVALUATION.items()}
