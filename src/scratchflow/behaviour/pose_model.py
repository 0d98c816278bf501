"""The pose model: scikit-learn's histogram gradient boosting on per-frame pose features
(``features``), trained on frames drawn evenly from every class. Cheap to train and to run;
it needs the video's tracks from the pose step."""

from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

from scratchflow.behaviour.annotations import UNLABELLED
from scratchflow.behaviour.recordings import Recording
from scratchflow.behaviour.settings import BehaviourSettings
from scratchflow.progress import Report


class PoseModel:
    def __init__(self, settings: BehaviourSettings, booster: HistGradientBoostingClassifier):
        self.settings = settings
        self.booster = booster

    def probabilities(self, recording: Recording, report: Report | None = None) -> np.ndarray:
        """(T, classes) probabilities; a class absent from training gets 0."""
        found = self.booster.predict_proba(recording.inputs(self.settings, report))
        out = np.zeros((len(found), len(self.settings.classes)), np.float32)
        out[:, self.booster.classes_] = found
        return out

    def save(self, path: Path) -> None:
        joblib.dump(self.booster, path, compress=3)

    @classmethod
    def load(cls, path: Path, settings: BehaviourSettings, device: str = "cpu") -> PoseModel:
        """``device`` is the pixel model's; boosting runs on the CPU."""
        return cls(settings, joblib.load(path))


def train_pose(recordings: list[Recording], settings: BehaviourSettings,
               report: Report | None = None) -> PoseModel:
    features = np.concatenate([r.inputs(settings, report) for r in recordings])
    labels = np.concatenate([r.labels for r in recordings])
    chosen = balanced_draw(labels, np.random.default_rng(settings.seed))
    booster = HistGradientBoostingClassifier(
        max_iter=settings.boosting_iterations, learning_rate=0.1, early_stopping=False,
        random_state=settings.seed)
    booster.fit(features[chosen], labels[chosen])
    if report:
        report(f"pose model: {booster.n_iter_} boosting iterations on {len(chosen)} frames "
               f"drawn from {(labels != UNLABELLED).sum()}")
    return PoseModel(settings, booster)


def balanced_draw(labels: np.ndarray, rng: np.random.Generator,
                  most_per_class: int = 20_000) -> np.ndarray:
    """Frame indices with as many frames of every class as the commonest has (at most
    ``most_per_class``), rarer classes drawn with replacement. Balancing by drawing, not by
    class weights: sklearn bins weighted samples a hundred times more slowly."""
    pools = [np.flatnonzero(labels == label) for label in np.unique(labels[labels != UNLABELLED])]
    size = min(max(len(pool) for pool in pools), most_per_class)
    return np.concatenate([rng.choice(pool, size, replace=len(pool) < size) for pool in pools])
