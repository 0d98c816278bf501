"""Make the bundled demo pose file: a procedural mouse with scripted scratching.

Writes examples/demo/demo_pose.h5 (DeepLabCut layout, 120 fps), its demo_pose.json
sidecar (fps) and demo_truth.csv (the scripted bouts). Seeded, so it is reproducible:

    python examples/make_demo.py
"""

from __future__ import annotations

import json
from pathlib import Path

from scratchflow.pose_io import resolve_roles
from scratchflow.synthetic import Scenario, inject, procedural_mouse, to_dlc_table

HERE = Path(__file__).parent / "demo"
SEED = 7


def main() -> None:
    background = procedural_mouse(duration_s=90, fps=60, seed=SEED)
    scenario = Scenario(n_bouts=10, n_shakes=3, n_glitches=6)
    pose, truth, confounders = inject(background, resolve_roles(background), 120, SEED, scenario)
    HERE.mkdir(exist_ok=True)
    table = to_dlc_table(pose)
    table.to_hdf(HERE / "demo_pose.h5", key="df_with_missing", format="table", mode="w",
                 complevel=9, complib="zlib")
    (HERE / "demo_pose.json").write_text(json.dumps({"fps": pose.fps, "source": pose.source,
                                                     "made_by": "examples/make_demo.py"}) + "\n")
    truth.round(4).to_csv(HERE / "demo_truth.csv", index=False)
    confounders.round(4).to_csv(HERE / "demo_confounders.csv", index=False)
    print(f"wrote {HERE}: {pose.n_frames} frames, {len(truth)} scripted bouts")


if __name__ == "__main__":
    main()
