"""A realistic run folder for the report tests: real crop, synthetic poses, real quantify.

Layout of the one-machine runner: ``crop/<raw video>/`` (videos, sidecars, previews),
``pose/`` (``<sample>.h5`` + ``<sample>.pose.json``) and ``quantify/``. Two raw videos give four
mice in two groups; one mouse does not scratch, one fails at the pose step.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from scratchflow.crop.boxes import CropGeometry
from scratchflow.crop.run import CropOptions, crop_video
from scratchflow.formats import resolve_roles
from scratchflow.quantify import ScratchParams
from scratchflow.quantify.step import QuantifyRequest, quantify_file
from scratchflow_devtools.synthetic_pose import Scenario, inject, procedural_mouse, write_dlc
from scratchflow_devtools.synthetic_video import (
    DEFAULT_METADATA,
    SyntheticRig,
    make_synthetic_video,
)

RIG = SyntheticRig(width=960, height=540, fps=30, seconds=0.5, enclosure_px=260, qr_module_px=6)
RAW = {
    "rec1": {"time": "10:00:00", "left_mouse": "M01", "left_group": "vehicle",
             "right_mouse": "M02", "right_group": "compound"},
    "rec2": {"time": "11:00:00", "left_mouse": "M03", "left_group": "vehicle",
             "right_mouse": "M04", "right_group": "compound"},
}
FAILED_MOUSE = "M04"
QUIET_MOUSE = "M03"  # quantified, but never scratches
FAILURE_REASON = "DeepLabCut ran out of GPU memory"
POSE_RECORD = {"step": "pose", "created_utc": "2024-03-06T09:15:00+00:00", "engine": "pytorch",
               "model": {"model": "labA-trainset95shuffle1", "snapshot": "snapshot-200.pt"},
               "software": {"deeplabcut": "3.0.2", "torch": "2.15.0"}, "device": "cuda"}


def make_run(root: Path, minutes: float = 11.0, fps: float = 60.0) -> dict[str, str]:
    """Write the run below ``root``; return ``mouse id -> sample`` for every cropped mouse."""
    samples = {}
    for index, (stem, fields) in enumerate(RAW.items()):
        rig = replace(RIG, metadata={**DEFAULT_METADATA, **fields})
        video = make_synthetic_video(root / "raw", stem, rig)
        options = CropOptions(root / "crop" / stem,
                              geometry=CropGeometry(**video.geometry_options))
        for position, mouse in enumerate(crop_video(video.video, video.metadata, options)):
            mouse_id = mouse.video.stem.rsplit("_", 1)[-1]
            samples[mouse_id] = mouse.video.stem
            if mouse_id != FAILED_MOUSE:
                seed = 10 * index + position
                pose_path = write_pose(root / "pose", mouse.video.stem, minutes, fps, seed,
                                       scratches=mouse_id != QUIET_MOUSE)
                quantify_file(QuantifyRequest(pose_path, root / "quantify", ScratchParams()))
    (root / "failures.csv").write_text(
        f"sample,step,reason\n{samples[FAILED_MOUSE]},pose,{FAILURE_REASON}\n")
    return samples


def write_pose(folder: Path, sample: str, minutes: float, fps: float, seed: int,
               scratches: bool) -> Path:
    background = procedural_mouse(minutes * 60, fps / 2, seed)
    scenario = Scenario(n_bouts=12 if scratches else 0, n_shakes=2, n_glitches=4)
    pose, _, _ = inject(background, resolve_roles(background), fps, seed, scenario)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{sample}.h5"
    write_dlc(pose, path)
    # As `scratchflow pose` records it; the quiet mouse's poses come from elsewhere (fps only).
    record = {**POSE_RECORD, "fps": fps} if scratches else {"fps": fps}
    (folder / f"{sample}.pose.json").write_text(json.dumps(record) + "\n")
    return path
