"""The one pose type every reader fills and every step reads."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class PoseData:
    """Tracked keypoints of one or more individuals.

    ``position`` has shape (time, individual, keypoint, 2) in pixels, ``likelihood`` has
    shape (time, individual, keypoint) in [0, 1]. Missing points are NaN in both. Several
    individuals from the start, so multi-animal tracks and identity repair need no new type.
    """

    position: np.ndarray
    likelihood: np.ndarray
    keypoints: tuple[str, ...]
    individuals: tuple[str, ...]
    fps: float | None
    source: str

    def __post_init__(self):
        n_time, n_ind, n_kp = self.likelihood.shape
        expected = (n_time, n_ind, n_kp, 2)
        if self.position.shape != expected:
            raise ValueError(f"position shape {self.position.shape}, expected {expected}")
        if (len(self.individuals), len(self.keypoints)) != (n_ind, n_kp):
            raise ValueError("individual or keypoint names do not match the array shape")

    @property
    def n_frames(self) -> int:
        return self.likelihood.shape[0]

    def with_fps(self, fps: float | None) -> PoseData:
        return replace(self, fps=fps)

    def point(self, individual: int, keypoint: int) -> tuple[np.ndarray, np.ndarray]:
        """One keypoint's (T, 2) positions and (T,) likelihoods."""
        return self.position[:, individual, keypoint], self.likelihood[:, individual, keypoint]


def sample_name(path: str | Path) -> str:
    """The name of the one animal of a file that names none: its sample, the file's stem, as
    the quantify step names its outputs (so tables say which mouse, not ``individual_0``)."""
    return Path(path).stem
