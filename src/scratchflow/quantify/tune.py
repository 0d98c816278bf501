"""Search detector parameters on annotated files and keep the best by bout F1.

Labs tune on a few hand-scored videos of their own rig: a manifest CSV lists each pose
file with its annotation CSV (and optionally its fps). The search is a seeded random
search over a space of candidate values; the defaults are always tried first, so tuning
never returns something worse than the defaults on the given files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from scratchflow.errors import InputError
from scratchflow.formats import PoseData, load_pose, pose_record, resolve_roles
from scratchflow.quantify import REQUIRED_ROLES, ScratchParams, detect_scratching
from scratchflow.quantify.evaluate import read_annotations, score

TRIALS_SUFFIX = ".trials.csv"  # every trial's scores, beside the best parameters' YAML

# The detector's evidence thresholds: the same space its defaults were chosen from on the
# benchmark's tuning split (benchmarks/semisynthetic.py --tune; max_body_ratio's 0.8 was
# chosen later on that split by hand, see BENCHMARKS.md).
DEFAULT_SPACE: dict[str, list] = {
    "min_window_snr": [6.0, 8.0, 10.0, 12.0],
    "min_bout_snr": [2.0, 3.0, 4.0, 5.0],
    "max_interval_cv": [0.15, 0.2, 0.25, 0.3, 0.35],
    "min_periodicity": [0.2, 0.3, 0.4, 0.5],
    "min_paw_ratio": [2.0, 3.0, 4.0, 6.0],
    "min_sum_ratio": [0.2, 0.3, 0.4],
    "max_body_ratio": [0.3, 0.5, 0.7, 0.8, 1.0],
    "max_body_speed_bl_s": [0.2, 0.3, 0.5, 0.7, 1.0],
}


@dataclass(frozen=True)
class Case:
    """One annotated recording: pose of one individual, its roles and its true bouts."""

    pose: PoseData
    roles: dict[str, int]
    truth: pd.DataFrame
    individual: int = 0


def trials_path(best_params: Path) -> Path:
    return Path(best_params).with_suffix(TRIALS_SUFFIX)


def read_manifest(path: str | Path, bodyparts: dict[str, str] | None = None) -> list[Case]:
    """Cases from a CSV with columns ``pose,annotations[,fps]`` (paths relative to it)."""
    path = Path(path)
    table = pd.read_csv(path)
    if not {"pose", "annotations"} <= set(table.columns):
        raise InputError(
            path, f"columns are {list(table.columns)}, expected pose,annotations[,fps]", None
        )
    cases = []
    for row in table.itertuples():
        pose_path = path.parent / row.pose
        fps = getattr(row, "fps", None)
        fps = pose_record.resolve_fps(pose_path, None if pd.isna(fps) else fps)
        pose = load_pose(pose_path, fps)
        roles = resolve_roles(pose, bodyparts, REQUIRED_ROLES)
        cases.append(Case(pose, roles, read_annotations(path.parent / row.annotations)))
    return cases


def read_space(path: str | Path | None) -> dict[str, list]:
    if path is None:
        return DEFAULT_SPACE
    space = yaml.safe_load(Path(path).read_text())
    if not isinstance(space, dict) or not all(isinstance(v, list) and v for v in space.values()):
        raise InputError(path, "search space must map parameter names to lists of values", None)
    ScratchParams.from_dict({k: v[0] for k, v in space.items()}, str(path))  # names and types
    return space


def evaluate_params(params: ScratchParams, cases: list[Case]):
    pairs = [(detect_scratching(c.pose, c.roles, params, c.individual).bouts, c.truth)
             for c in cases]
    return score(pairs)


def tune(cases: list[Case], space: dict[str, list], n_trials: int, seed: int = 0,
         base: ScratchParams | None = None,
         progress: Callable[[int], object] = lambda n: None) -> tuple[ScratchParams, pd.DataFrame]:
    """Random search; returns the best parameters and one row per trial."""
    rng = np.random.default_rng(seed)
    base = base or ScratchParams()
    rows, best, best_key = [], base, None
    for trial in range(n_trials):
        progress(1)
        draw = {} if trial == 0 else {k: v[rng.integers(len(v))] for k, v in space.items()}
        try:
            params = replace(base, **draw)
        except ValueError:  # an inconsistent draw, e.g. min above max
            continue
        scores = evaluate_params(params, cases)
        key = (scores.bout_f1, scores.time_f1, -np.nan_to_num(scores.median_stroke_error, nan=1))
        rows.append({"trial": trial, **draw, **scores.to_dict()})
        if best_key is None or key > best_key:
            best, best_key = params, key
    return best, pd.DataFrame(rows)
