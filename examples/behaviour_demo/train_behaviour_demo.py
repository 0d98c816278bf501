"""Train the bundled demo behaviour model on rendered cages, on CPU, from random weights.

    python examples/behaviour_demo/train_behaviour_demo.py [--work build/behaviour_demo]

1. Render the cages of settings.json's seeds (scratchflow_devtools.synthetic_behaviour), each
   with its per-frame truth, into the work folder.
2. Train the pixel model with settings.json's model settings
   (`scratchflow behaviour train`, one CPU thread).
3. Write the model to examples/behaviour_demo/model/ and a held-out demo video
   (demo_cage.mp4, with its truth demo_cage.behaviour.csv) beside this script.

The pixel model is the demo because it reads the video alone; the pose model needs a pose
model for side-view cages, which this repository does not have (docs/behaviour.md).
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import torch
from threadpoolctl import threadpool_limits

from scratchflow.behaviour.settings import BehaviourSettings
from scratchflow.behaviour.train import train_folder
from scratchflow_devtools.synthetic_behaviour import BehaviourRender, render_behaviour

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=REPO / "build" / "behaviour_demo")
    args = parser.parse_args()
    config = json.loads((HERE / "settings.json").read_text())
    settings = BehaviourSettings.from_dict(config["model"], HERE / "settings.json")
    render = BehaviourRender(bouts_per_class=config["render"]["bouts_per_class"])
    videos = [render_behaviour(args.work, f"cage{seed}", seed, render)
              for seed in config["render"]["seeds"]]
    torch.set_num_threads(1)
    with threadpool_limits(1):
        train_folder([v.video for v in videos], [v.annotations for v in videos], HERE / "model",
                     settings, report=print)
    demo = render_behaviour(args.work, "demo_cage", config["render"]["demo_video_seed"], render)
    for path in (demo.video, demo.annotations):
        shutil.copy(path, HERE / path.name)
    print(f"wrote {HERE / 'model'} and {HERE / demo.video.name}")


if __name__ == "__main__":
    main()
