"""The identity demo's inputs: a rendered 20-s open arena with four colour-marked mice
(``arena.mp4``), tracks with identity errors injected (``arena.h5``) and what was injected
(``arena_injected_errors.csv``), to compare with the step's ``_identity_events.csv``.

    python examples/make_identity_demo.py OUT_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

from scratchflow.formats import dlc, pose_record
from scratchflow.outputs import write_csv
from scratchflow_devtools.identity_errors import ErrorSettings, degrade
from scratchflow_devtools.synthetic_colony import ColonySettings, render_colony


def main(out_dir: Path) -> None:
    settings = ColonySettings(seconds=20.0)
    colony = render_colony(out_dir, "arena", settings, seed=7)
    tracks = degrade(colony.truth, settings.body_length_px, seed=7,
                     settings=ErrorSettings(n_switches=1, switch_s=(3.0, 6.0), n_drifts=2,
                                            n_jumps=3))
    pose_path = dlc.write(dlc.pose_table(tracks.pose), out_dir / "arena.h5")
    pose_record.write({pose_record.FPS: settings.fps}, pose_record.record_path(pose_path))
    colours = list(settings.colours)
    errors = tracks.errors.assign(
        animals=tracks.errors["animals"].map(lambda ids: ";".join(colours[i] for i in ids)),
        keypoints=tracks.errors["keypoints"].map(
            lambda ids: ";".join(colony.truth.keypoints[i] for i in ids)))
    write_csv(errors, out_dir / "arena_injected_errors.csv")
    print(f"wrote {colony.video}, {pose_path} and {out_dir / 'arena_injected_errors.csv'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
