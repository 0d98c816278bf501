"""The demo behaviour model on its held-out demo video: frame and macro accuracy.

    python benchmarks/behaviour_demo_accuracy.py

Classifies examples/behaviour_demo/demo_cage.mp4 with examples/behaviour_demo/model (one CPU
thread) and scores every frame against demo_cage.behaviour.csv, the renderer's truth.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import torch

from scratchflow.behaviour.annotations import read_annotations
from scratchflow.behaviour.evaluate import scores
from scratchflow.behaviour.model_dir import load_model
from scratchflow.behaviour.recordings import open_recording

DEMO = Path(__file__).resolve().parents[1] / "examples" / "behaviour_demo"


def main() -> None:
    torch.set_num_threads(1)
    model = load_model(DEMO / "model")
    recording = open_recording(DEMO / "demo_cage.mp4", model.settings)
    truth = read_annotations(DEMO / "demo_cage.behaviour.csv", model.settings.classes,
                             recording.info.frames, recording.info.fps)
    _, predicted = model.predict(recording)
    print(json.dumps(asdict(scores(truth, predicted, model.settings.classes)), indent=1))


if __name__ == "__main__":
    main()
