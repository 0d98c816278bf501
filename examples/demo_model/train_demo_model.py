"""Train the bundled demo DeepLabCut model on rendered arena frames, on CPU, offline.

    python examples/demo_model/train_demo_model.py [--settings settings.yaml] [--work DIR]

1. Render arena videos (scratchflow_devtools.synthetic_arena) with the seeds in settings.yaml.
2. Crop them with `scratchflow crop`, as the pipeline does.
3. Draw labelled frames from each mouse video, many of them while the mouse scratches,
   grooms or shakes; the labels are the rendered keypoints (auto-labelling).
4. Make a DeepLabCut 3 project and train it from random weights (scratchflow_devtools.train).
5. Copy what inference needs into examples/demo_model/project/.

The work folder (default build/demo_model) keeps the labelled frames and every snapshot.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import yaml

from scratchflow.ffmpeg import probe, read_frames
from scratchflow_devtools.synthetic_arena import ArenaSettings, render_arena, with_seconds
from scratchflow_devtools.synthetic_pose import SKELETON
from scratchflow_devtools.train import (
    INFERENCE_FILES,
    create_shuffle,
    new_project,
    train_from_scratch,
    write_labels,
)

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


def render_and_crop(settings: dict, work: Path) -> list[tuple[Path, str, np.ndarray, list]]:
    """Crop every rendered video; return (mouse video, name, truth in crop px, events)."""
    render = settings["render"]
    arena_settings = with_seconds(ArenaSettings(enclosure_px=render["crop_box_px"]),
                                  render["seconds"], render["bouts_per_mouse"])
    mice = []
    for seed in render["seeds"]:
        arena = render_arena(work / "raw", f"train_{seed}", arena_settings, seed=seed)
        crops = work / "crops" / str(seed)
        subprocess.run([sys.executable, "-m", "scratchflow", "crop", str(arena.video),
                        "--out", str(crops), "--overwrite", *arena_settings.crop_args()],
                       check=True)
        for sidecar in sorted(crops.glob("*.json")):
            record = json.loads(sidecar.read_text())
            mouse = next(m for m in arena.mice if m.position == record["position"])
            box = record["box"]
            truth = mouse.pose.position[:, 0] - np.array([box["x"], box["y"]])
            events = (list(mouse.bouts[["start_s", "end_s"]].itertuples(index=False)),
                      list(mouse.events[["start_s", "end_s"]].itertuples(index=False)))
            # Every rendered video has the same metadata, so the seed keeps names apart.
            name = f"seed{seed}_{record['position']}"
            mice.append((sidecar.with_suffix(".mp4"), name, truth, events))
    return mice


def pick_frames(n_frames: int, fps: float, events: tuple[list, list], count: int,
                shares: tuple[float, float], rng: np.random.Generator) -> list[int]:
    """``count`` frames: a share while scratching, a share while grooming or shaking, the rest
    anywhere else (moving paws are rare in time but are what the model must get right)."""
    masks = []
    for spans in events:
        mask = np.zeros(n_frames, dtype=bool)
        for start, end in spans:
            mask[int(start * fps):int(end * fps) + 1] = True
        masks.append(mask)
    masks[1] &= ~masks[0]
    masks.append(~(masks[0] | masks[1]))
    wanted = [int(count * share) for share in shares]
    wanted.append(count - sum(wanted))
    chosen = [rng.choice(np.flatnonzero(mask), min(n, int(mask.sum())), replace=False)
              for mask, n in zip(masks, wanted, strict=True)]
    return sorted(int(i) for i in np.concatenate(chosen))


def label_frames(config_path: Path, mice: list, settings: dict) -> int:
    rng = np.random.default_rng(settings["frames"]["seed"])
    total = 0
    for video, name, truth, events in mice:
        info = probe(video)
        frames = settings["frames"]
        wanted = pick_frames(info.frames, info.fps, events, frames["per_mouse"],
                             (frames["while_scratching"], frames["while_grooming_or_shaking"]),
                             rng)
        keep = set(wanted)
        images = [f.copy() for i, f in enumerate(read_frames(info)) if i in keep]
        write_labels(config_path, name, images, wanted, truth[wanted])
        total += len(wanted)
    return total


def export(train_dir: Path, snapshot: Path, config_path: Path, destination: Path) -> None:
    """Copy config.yaml, the shuffle's configs and the final snapshot, nothing else."""
    shutil.rmtree(destination, ignore_errors=True)
    model_dir = train_dir.parent
    relative = model_dir.relative_to(config_path.parent)
    for name in INFERENCE_FILES + (f"train/{snapshot.name}",):
        target = destination / relative / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(model_dir / name, target)
    config = yaml.safe_load(config_path.read_text())
    config["project_path"] = "not used: scratchflow finds files relative to this folder"
    config["video_sets"] = {}
    (destination / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", type=Path, default=HERE / "settings.yaml")
    parser.add_argument("--work", type=Path, default=REPO / "build" / "demo_model")
    parser.add_argument("--out", type=Path, default=HERE / "project")
    parser.add_argument("--epochs", type=int, help="override settings.yaml (for a quick try)")
    args = parser.parse_args()
    settings = yaml.safe_load(args.settings.read_text())
    model = settings["model"]
    shutil.rmtree(args.work, ignore_errors=True)
    box = settings["render"]["crop_box_px"]
    config_path = new_project(args.work / "project", "scratchflowdemo", "synthetic",
                              list(SKELETON), (box, box))
    count = label_frames(config_path, render_and_crop(settings, args.work), settings)
    print(f"labelled {count} frames", flush=True)
    train_dir = create_shuffle(config_path, model["net_type"],
                               config_updates=model["pytorch_config"])
    snapshot = train_from_scratch(config_path, train_dir, args.epochs or model["epochs"],
                                  model["batch_size"], seed=model["seed"])
    export(train_dir, snapshot, config_path, args.out)
    print(f"demo model: {args.out} ({snapshot.name})")


if __name__ == "__main__":
    main()
