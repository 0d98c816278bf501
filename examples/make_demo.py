"""Make the bundled demo pose file: a procedural mouse with scripted scratching.

Writes examples/demo/demo_pose.h5 (DeepLabCut layout, 120 fps), its demo_pose.pose.json
record (fps) and demo_truth.csv (the scripted bouts). Seeded, so it is reproducible:

    python examples/make_demo.py
"""

from __future__ import annotations

from pathlib import Path

from scratchflow.formats import dlc, pose_record, resolve_roles
from scratchflow_devtools.synthetic_pose import SCORER, Scenario, inject, procedural_mouse

HERE = Path(__file__).parent / "demo"
SEED = 7


def main() -> None:
    background = procedural_mouse(duration_s=90, fps=60, seed=SEED)
    scenario = Scenario(n_bouts=10, n_shakes=3, n_glitches=6)
    pose, truth, confounders = inject(background, resolve_roles(background), 120, SEED, scenario)
    HERE.mkdir(exist_ok=True)
    table = dlc.write(dlc.pose_table(pose, SCORER), HERE / "demo_pose.h5", complevel=9,
                      complib="zlib")
    pose_record.write({"fps": pose.fps, "source": pose.source,
                       "made_by": "examples/make_demo.py"}, pose_record.record_path(table))
    truth.round(4).to_csv(HERE / "demo_truth.csv", index=False)
    confounders.round(4).to_csv(HERE / "demo_confounders.csv", index=False)
    print(f"wrote {HERE}: {pose.n_frames} frames, {len(truth)} scripted bouts")


if __name__ == "__main__":
    main()
