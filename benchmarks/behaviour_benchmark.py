"""Behaviour classification on rendered cages: leave-one-video-out accuracy of the pixel and
the pose model, and their CPU speed with decoding included.

    python benchmarks/behaviour_benchmark.py [--videos 5] [--bouts-per-class 3]
        [--models pose pixel] [--pixel-steps 800]

Renders --videos videos (``synthetic_behaviour`` of scratchflow_devtools: 128x128 px, 30 fps,
every class --bouts-per-class times, appearance varied per video), then for each model runs
``behaviour evaluate``'s leave-one-video-out on all nine classes (the eight of Jhuang et al.
plus scratch). Speed: a model trained on all but the last video classifies the last from a
fresh start (the pixel model decodes the video with ffmpeg, the pose model reads the .h5 and
computes its features); the time of each part says what bounds it. One CPU thread (torch,
OpenMP), as on the shared machine. The pose model's speed leaves out the pose step that makes
its tracks (see "Pose speed" in BENCHMARKS.md): the renderer's keypoints plus jitter stand in
for DeepLabCut's. Writes benchmarks/out/behaviour/behaviour_benchmark.json and, per model, the
evaluation folder (confusion CSV and figure).
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import torch
from threadpoolctl import threadpool_limits

from scratchflow.behaviour.evaluate import evaluate_folder
from scratchflow.behaviour.model_dir import train_model
from scratchflow.behaviour.recordings import open_recording, open_recordings
from scratchflow.behaviour.settings import BehaviourSettings
from scratchflow_devtools.synthetic_behaviour import CLASSES, BehaviourRender, render_behaviour

OUT = Path(__file__).resolve().parent / "out" / "behaviour"


def render_videos(count: int, bouts_per_class: int, folder: Path) -> list:
    render = BehaviourRender(bouts_per_class=bouts_per_class)
    return [render_behaviour(folder, f"cage{seed}", 100 + seed, render) for seed in range(count)]


def speed(settings: BehaviourSettings, videos: list) -> dict:
    """Frames/s classifying the last video with a model trained on the others; decoding (or
    reading the pose and computing features) and the model timed apart."""
    training = open_recordings([v.video for v in videos[:-1]], settings,
                               [v.pose for v in videos[:-1]], [v.annotations for v in videos[:-1]])
    model = train_model(training, settings)
    held_out = videos[-1]
    started = time.perf_counter()
    recording = open_recording(held_out.video, settings, held_out.pose)
    recording.inputs(settings)
    read_s = time.perf_counter() - started
    started = time.perf_counter()
    model.predict(recording)
    model_s = time.perf_counter() - started
    frames = recording.info.frames
    return {"frames": frames, "inputs_s": round(read_s, 3), "model_s": round(model_s, 3),
            "frames_per_s": round(frames / (read_s + model_s), 1),
            "inputs_frames_per_s": round(frames / read_s, 1),
            "model_frames_per_s": round(frames / model_s, 1),
            "bound_by": "inputs" if read_s > model_s else "model"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=5)
    parser.add_argument("--bouts-per-class", type=int, default=3)
    parser.add_argument("--models", nargs="+", default=["pose", "pixel"])
    parser.add_argument("--pixel-steps", type=int, default=BehaviourSettings().train_steps)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    torch.set_num_threads(1)
    videos = render_videos(args.videos, args.bouts_per_class, args.out / "videos")
    results = {"videos": args.videos, "frames": sum(len(v.labels) for v in videos),
               "classes": list(CLASSES), "threads": 1, "models": {}}
    for kind in args.models:
        settings = replace(BehaviourSettings(classes=CLASSES, model=kind),
                           train_steps=args.pixel_steps)
        with threadpool_limits(1):
            recordings = open_recordings([v.video for v in videos], settings,
                                         [v.pose for v in videos], [v.annotations for v in videos])
            started = time.monotonic()
            scores = evaluate_folder(recordings, settings, args.out / kind, print)
            evaluate_s = time.monotonic() - started
            results["models"][kind] = {"evaluate_s": round(evaluate_s, 1), **vars(scores),
                                       "speed": speed(settings, videos),
                                       "settings": settings.to_dict()}
        print(kind, json.dumps(results["models"][kind], indent=1))
    (args.out / "behaviour_benchmark.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
