"""End-to-end accuracy of the bundled demo model on freshly rendered arena videos.

    python benchmarks/demo_model_accuracy.py [--videos 3] [--seconds 30] [--bouts 6]

Renders raw videos with seeds the model never saw (300+), runs the whole pipeline on them
(`scratchflow run`: crop, DeepLabCut pose, quantify, summarise) and scores the calls against
the script: bout F1 and the other evaluate scores, plus the keypoint error of the tracks
against the rendered keypoints. Writes benchmarks/out/demo_model_accuracy.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from scratchflow.formats import load_pose
from scratchflow_devtools.synthetic_arena import (
    ArenaSettings,
    render_arena,
    truth_keypoints,
    with_seconds,
)

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "out"
MODEL = REPO / "examples" / "demo_model" / "project"


def render(folder: Path, videos: int, seconds: float, bouts: int) -> pd.DataFrame:
    settings = with_seconds(ArenaSettings(), seconds, bouts)
    truth = []
    for index in range(videos):
        stem = f"bench{index}"
        arena = render_arena(folder / "raw", stem, settings, seed=300 + index,
                             metadata={"camera": f"cam{index}"})
        truth += [m.bouts.assign(video=stem, position=m.position) for m in arena.mice]
        truth_keypoints(arena).assign(video=stem).to_csv(folder / f"{stem}_keypoints.csv",
                                                         index=False)
    table = pd.concat(truth, ignore_index=True)
    table.to_csv(folder / "truth_bouts.csv", index=False)
    return table


def keypoint_errors(run: Path, folder: Path) -> dict[str, float]:
    """Pixel distance between tracked and rendered keypoints, per keypoint, all frames."""
    errors: dict[str, list[np.ndarray]] = {}
    for sidecar in sorted((run / "crop").glob("*.json")):
        record = json.loads(sidecar.read_text())
        stem = Path(record["inputs"][0]["path"]).stem
        truth = pd.read_csv(folder / f"{stem}_keypoints.csv")
        truth = truth[truth["position"] == record["position"]]
        pose = load_pose(run / "pose" / f"{sidecar.stem}.h5")
        for k, name in enumerate(pose.keypoints):
            expected = truth[truth["keypoint"] == name].sort_values("frame")[["x", "y"]]
            offset = np.array([record["box"]["x"], record["box"]["y"]])
            diff = pose.position[:, 0, k] - (expected.to_numpy() - offset)
            errors.setdefault(name, []).append(np.hypot(*diff.T))
    return {name: float(np.median(np.concatenate(v))) for name, v in errors.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--bouts", type=int, default=6, help="scripted bouts per mouse")
    parser.add_argument("--work", type=Path, default=OUT / "demo_model_accuracy")
    args = parser.parse_args()
    render(args.work, args.videos, args.seconds, args.bouts)
    run = args.work / "run"
    subprocess.run([sys.executable, "-m", "scratchflow", "run", str(args.work / "raw"), "--model",
                    str(MODEL), "--out", str(run), "--box-size", "192", "--offset-x", "20",
                    "--truth", str(args.work / "truth_bouts.csv")], check=False)
    from scratchflow.quantify.evaluate import score
    from scratchflow.run.report import truth_pairs
    from scratchflow.run.runner import RunLayout

    scores = score(truth_pairs(RunLayout(run), pd.read_csv(args.work / "truth_bouts.csv")))
    result = {"videos": args.videos, "seconds": args.seconds, "bouts_per_mouse": args.bouts,
              "scores": scores.to_dict(), "median_keypoint_error_px": keypoint_errors(run,
                                                                                      args.work)}
    OUT.mkdir(exist_ok=True)
    (OUT / "demo_model_accuracy.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
