"""Semi-synthetic accuracy benchmark of the scratch detector.

Real hind-paw tracks of freely moving mice (B-SOiD clip 1, 60 fps; VAME, 25 fps) are the
background. Scratch bouts of known timing, limb and stroke count are injected with the
body held still and likelihood dips on the blurred paw, together with whole-body shakes
and low-likelihood glitches (scratchflow.devtools.synthetic_pose). Each scenario is sampled
at 30, 60 and 120 fps and scored with scratchflow.quantify.evaluate. Seeded: every run gives
the same table.

    python benchmarks/semisynthetic.py [--shared ../shared/data] [--out benchmarks/out]
"""

from __future__ import annotations

import argparse
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from scratchflow.devtools.synthetic_pose import Scenario, inject
from scratchflow.formats import PoseData, load_pose, resolve_roles
from scratchflow.quantify import ScratchParams, detect_scratching
from scratchflow.quantify.tune import Case, evaluate_params

BACKGROUNDS = {
    # name: (path below shared/data, fps, scenario scaled to the clip's length)
    "bsoid_clip1": (
        "bsoid_bottomup/yttri-bottomup_dlc-model/examples/"
        "raw_clip1DLC_resnet50_OpenFieldHighResApr8shuffle1_1030000.h5",
        60.0,
        Scenario(n_bouts=12, n_shakes=4, n_glitches=8),
    ),
    "vame": (
        "vame_bottomup/tests/tests_project_sample_data/cropped_video.csv",
        25.0,
        Scenario(n_bouts=4, n_shakes=2, n_glitches=3),
    ),
}
FRAME_RATES = (30.0, 60.0, 120.0)
SEEDS = (0, 1, 2)
TARGETS = {"bout_f1": 0.95, "time_f1": 0.95, "median_stroke_error": 0.10, "limb_accuracy": 0.95}


@dataclass(frozen=True)
class Background:
    name: str
    pose: PoseData
    roles: dict[str, int]
    scenario: Scenario


def load_backgrounds(shared: Path) -> list[Background]:
    backgrounds = []
    for name, (relative, fps, scenario) in BACKGROUNDS.items():
        pose = load_pose(shared / relative, fps)
        backgrounds.append(Background(name, pose, resolve_roles(pose), scenario))
    return backgrounds


def make_cases(backgrounds: list[Background], fps: float) -> list[Case]:
    cases = []
    for bg in backgrounds:
        for seed in SEEDS:
            pose, truth, _ = inject(bg.pose, bg.roles, fps, seed, bg.scenario)
            cases.append(Case(pose, bg.roles, truth))
    return cases


def accuracy_table(backgrounds: list[Background], params: ScratchParams) -> pd.DataFrame:
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the 30 fps aliasing warning is the point here
        for fps in FRAME_RATES:
            scores = evaluate_params(params, make_cases(backgrounds, fps))
            rows.append({"fps": fps, **scores.to_dict()})
    return pd.DataFrame(rows)


def untouched_calls(backgrounds: list[Background], params: ScratchParams):
    """What the detector calls on the real tracks with nothing injected: (summary, calls)."""
    summary, calls = [], []
    for bg in backgrounds:
        result = detect_scratching(bg.pose, bg.roles, params)
        summary.append({"background": bg.name, "fps": bg.pose.fps,
                        "duration_s": result.duration_s, "bouts": len(result.bouts),
                        **{f"rejected_{k}": v for k, v in result.rejected.items()}})
        calls.append(result.bouts.assign(background=bg.name))
    return pd.DataFrame(summary), pd.concat(calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    args = parser.parse_args()
    backgrounds = load_backgrounds(args.shared)
    params = ScratchParams()
    accuracy = accuracy_table(backgrounds, params)
    summary, calls = untouched_calls(backgrounds, params)
    args.out.mkdir(parents=True, exist_ok=True)
    accuracy.to_csv(args.out / "semisynthetic_accuracy.csv", index=False)
    calls.to_csv(args.out / "untouched_calls.csv", index=False)
    for table in (accuracy, summary, calls):
        print(table.round(3).to_string(index=False), end="\n\n")


if __name__ == "__main__":
    main()
