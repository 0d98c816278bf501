"""Render the bundled demo experiment: four raw videos of two scripted mice each.

    python examples/demo_experiment/make_demo_experiment.py

Eight mice, four per group: every video holds one vehicle and one pruritogen mouse, with the
treatment on alternating sides, so neither the rig nor the side stands in for the treatment.
Pruritogen mice are scripted to scratch six bouts and vehicle mice one, of which those that
end within the 15-s recording are kept: the demo's report then shows a treatment effect, and
its statistics, that the pipeline has to find from pixels.

Writes, beside this script, <video>.mp4 + <video>.txt (metadata), truth_bouts.csv (every
scripted bout: video, position, start_s, end_s, limb, n_strokes, stroke_hz) and
truth_keypoints/<video>.csv.gz (every rendered keypoint, raw-video pixels). Seeded: the same
files every time. The demo model was trained on other seeds (examples/demo_model/settings.yaml).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from scratchflow_devtools.synthetic_arena import ArenaSettings, render_arena, truth_keypoints

HERE = Path(__file__).resolve().parent
BOUTS = {"vehicle": 1, "pruritogen": 6}  # scripted per mouse; those ending in time are kept
TREATMENTS = {"vehicle": "saline", "pruritogen": "compound48_80"}
# video -> seed, date, time, camera, and the left and right mice with their groups
VIDEOS = {
    "rig1_0305_pm": (11, "2024-03-05", "14:30:05", "cam1",
                     ("M01", "vehicle"), ("M02", "pruritogen")),
    "rig2_0305_pm": (12, "2024-03-05", "14:31:40", "cam2",
                     ("M03", "pruritogen"), ("M04", "vehicle")),
    "rig1_0306_pm": (13, "2024-03-06", "14:30:10", "cam1",
                     ("M05", "pruritogen"), ("M06", "vehicle")),
    "rig2_0306_pm": (14, "2024-03-06", "14:31:55", "cam2",
                     ("M07", "vehicle"), ("M08", "pruritogen")),
}
SETTINGS = ArenaSettings()  # 15 s at 120 fps, 192 px enclosures


def metadata(date: str, time: str, camera: str, mice: dict[str, tuple[str, str]]) -> dict:
    fields = {"date": date, "time": time, "camera": camera, "experiment": "demo"}
    for position, (mouse, group) in mice.items():
        fields.update({f"{position}_mouse": mouse, f"{position}_treatment": TREATMENTS[group],
                       f"{position}_group": group})
    return fields


def main() -> None:
    truth = []
    (HERE / "truth_keypoints").mkdir(exist_ok=True)
    for stem, (seed, date, time, camera, left, right) in VIDEOS.items():
        mice = {"left": left, "right": right}
        scripted = {position: BOUTS[group] for position, (_, group) in mice.items()}
        arena = render_arena(HERE, stem, SETTINGS, seed=seed,
                             metadata=metadata(date, time, camera, mice), bouts=scripted)
        for mouse in arena.mice:
            truth.append(mouse.bouts.assign(video=stem, position=mouse.position))
        truth_keypoints(arena).to_csv(HERE / "truth_keypoints" / f"{stem}.csv.gz", index=False)
    table = pd.concat(truth, ignore_index=True)
    columns = ["video", "position", "start_s", "end_s", "limb", "n_strokes", "stroke_hz"]
    table[columns].round(4).to_csv(HERE / "truth_bouts.csv", index=False)
    print(f"wrote {len(VIDEOS)} videos and {len(table)} scripted bouts to {HERE}")


if __name__ == "__main__":
    main()
