"""What a behaviour model is made with; every value is checked, and a bad one is refused with
what was expected and what was given."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from scratchflow.errors import InputError

# The 8 classes of Jhuang et al. (2010), in DeepEthoProfile's order (its legend's numbers).
DEFAULT_CLASSES = ("drink", "eat", "groom", "hang", "mm", "rear", "rest", "walk")
MODEL_KINDS = ("pixel", "pose")


@dataclass(frozen=True)
class BehaviourSettings:
    classes: tuple[str, ...] = DEFAULT_CLASSES
    model: str = "pose"  # the better one on the benchmark (BENCHMARKS.md)
    # Pixel model: frames per stack (DeepEthoProfile: 11), and the side the frames are scaled
    # to (DeepEthoProfile: 256; 64 keeps CPU training to minutes).
    window_frames: int = 11
    image_px: int = 64
    train_steps: int = 800  # 400 fell 0.2 points short of 95 % frame accuracy (BENCHMARKS.md)
    batch_per_class: int = 6  # every class in every minibatch, this many times
    learning_rate: float = 2e-3
    # Pose model: the windows (seconds) of the rolling statistics of each feature.
    feature_windows_s: tuple[float, ...] = (0.2, 0.6, 2.0)
    boosting_iterations: int = 200
    # A rolling mode over this many frames removes one-frame flickers (1: none).
    smooth_frames: int = 5
    seed: int = 0

    def __post_init__(self):
        object.__setattr__(self, "classes", tuple(self.classes))
        object.__setattr__(self, "feature_windows_s", tuple(self.feature_windows_s))
        problems = [problem for problem in self._problems() if problem]
        if problems:
            raise ValueError("; ".join(problems))

    def _problems(self):
        names = self.classes
        yield _expect(len(names) >= 2 and len(set(names)) == len(names)
                      and all(isinstance(n, str) and n.strip() and n == n.strip() and ";" not in n
                              and ":" not in n for n in names),
                      "classes", "two or more distinct names without ';', ':' or spaces around",
                      names)
        yield _expect(self.model in MODEL_KINDS, "model", f"one of {list(MODEL_KINDS)}",
                      self.model)
        yield _expect(_whole(self.window_frames, 3, 101) and self.window_frames % 2 == 1,
                      "window_frames", "an odd whole number from 3 to 101", self.window_frames)
        yield _expect(_whole(self.image_px, 16, 512) and self.image_px % 16 == 0, "image_px",
                      "a multiple of 16 from 16 to 512", self.image_px)
        yield _expect(_whole(self.train_steps, 1, 10**6), "train_steps",
                      "a whole number from 1 to 1000000", self.train_steps)
        yield _expect(_whole(self.batch_per_class, 1, 256), "batch_per_class",
                      "a whole number from 1 to 256", self.batch_per_class)
        yield _expect(_number(self.learning_rate) and 0 < self.learning_rate <= 1,
                      "learning_rate", "a number > 0 and <= 1", self.learning_rate)
        yield _expect(len(self.feature_windows_s) >= 1 and all(
            _number(w) and 0 < w <= 600 for w in self.feature_windows_s),
            "feature_windows_s", "one or more seconds, each > 0 and <= 600",
            self.feature_windows_s)
        yield _expect(_whole(self.boosting_iterations, 1, 10**5), "boosting_iterations",
                      "a whole number from 1 to 100000", self.boosting_iterations)
        yield _expect(_whole(self.smooth_frames, 1, 1001) and self.smooth_frames % 2 == 1,
                      "smooth_frames", "an odd whole number from 1 to 1001", self.smooth_frames)
        yield _expect(_whole(self.seed, 0, 2**32 - 1), "seed", "a whole number >= 0", self.seed)

    def to_dict(self) -> dict:
        return {key: list(value) if isinstance(value, tuple) else value
                for key, value in asdict(self).items()}

    @classmethod
    def from_dict(cls, values: dict, source: str | Path | None = None) -> BehaviourSettings:
        known = [f.name for f in fields(cls)]
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise InputError(source, f"unknown setting(s) {unknown}",
                             f"expected only: {', '.join(known)}")
        try:
            return cls(**values)
        except (TypeError, ValueError) as err:
            raise InputError(source, f"invalid setting: {err}",
                             "see docs/behaviour.md for every setting's valid values") from err

    @classmethod
    def from_json(cls, path: str | Path) -> BehaviourSettings:
        try:
            values = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as err:
            raise InputError(path, f"cannot read settings: {err}",
                             "pass a JSON object of setting: value") from err
        if not isinstance(values, dict):
            raise InputError(path, f"expected a JSON object, got {type(values).__name__}",
                             "write the settings as {\"name\": value, ...}")
        return cls.from_dict(values, path)


def _expect(ok: bool, name: str, expected: str, got) -> str | None:
    return None if ok else f"{name}: expected {expected}, got {got!r}"


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _whole(value, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
