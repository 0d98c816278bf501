"""Render the bundled demo experiment: two raw videos of two scripted mice each.

    python examples/demo_experiment/make_demo_experiment.py

Writes, beside this script, <video>.mp4 + <video>.txt (metadata), truth_bouts.csv (every
scripted bout: video, position, start_s, end_s, limb, n_strokes, stroke_hz) and
truth_keypoints/<video>.csv.gz (every rendered keypoint, raw-video pixels). Seeded: the same
files every time. The demo model was trained on other seeds (examples/demo_model/settings.yaml).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from scratchflow.devtools.synthetic_arena import ArenaSettings, render_arena, truth_keypoints

HERE = Path(__file__).resolve().parent
VIDEOS = {
    "rig1_0305_pm": (11, {"date": "2024-03-05", "time": "14:30:05", "camera": "cam1",
                          "experiment": "demo", "left_mouse": "M01", "left_treatment": "saline",
                          "left_group": "vehicle", "right_mouse": "M02",
                          "right_treatment": "compound48_80", "right_group": "pruritogen"}),
    "rig2_0305_pm": (12, {"date": "2024-03-05", "time": "14:31:40", "camera": "cam2",
                          "experiment": "demo", "left_mouse": "M03",
                          "left_treatment": "compound48_80", "left_group": "pruritogen",
                          "right_mouse": "M04", "right_treatment": "saline",
                          "right_group": "vehicle"}),
}
SETTINGS = ArenaSettings()  # 15 s at 120 fps, 192 px enclosures, 3 bouts per mouse


def main() -> None:
    bouts = []
    (HERE / "truth_keypoints").mkdir(exist_ok=True)
    for stem, (seed, metadata) in VIDEOS.items():
        arena = render_arena(HERE, stem, SETTINGS, seed=seed, metadata=metadata)
        for mouse in arena.mice:
            bouts.append(mouse.bouts.assign(video=stem, position=mouse.position))
        truth_keypoints(arena).to_csv(HERE / "truth_keypoints" / f"{stem}.csv.gz", index=False)
    table = pd.concat(bouts, ignore_index=True)
    columns = ["video", "position", "start_s", "end_s", "limb", "n_strokes", "stroke_hz"]
    table[columns].round(4).to_csv(HERE / "truth_bouts.csv", index=False)
    print(f"wrote {len(VIDEOS)} videos and {len(table)} scripted bouts to {HERE}")


if __name__ == "__main__":
    main()
