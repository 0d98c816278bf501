"""Pixel-model inference speed with batched inference on one device, in one process.

    python benchmarks/behaviour_gpu_speed.py [--device cuda] [--model MODEL_DIR]
        [--batch-sizes 256 1024 4096] [--frames 20000] [--videos 6] [--workers 6] [--half]

Two measurements. Network only: --frames random frames already on the device; stacks are
gathered on the device and classified in batches (what the GPU itself can do). End to end:
--videos rendered videos (128x128, 30 fps) decoded by ffmpeg in --workers parallel processes
(scaled to the model's side by ffmpeg), each video classified as soon as it is decoded: total
frames over wall time, decoding included. The weights do not change the speed, so without
--model the network has random weights at the default settings. DeepEthoProfile's reference:
about 1,900 frames/s with 6 containers on a GTX 1080 (its frames are 256x256; ours --model's
image_px, 64 by default). Writes benchmarks/out/behaviour_gpu_speed.json.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch

from scratchflow.behaviour.model_dir import load_model
from scratchflow.behaviour.pixel_model import PixelModel
from scratchflow.behaviour.recordings import decode_grey
from scratchflow.behaviour.settings import BehaviourSettings
from scratchflow.ffmpeg import probe
from scratchflow_devtools.synthetic_behaviour import CLASSES, BehaviourRender, render_behaviour

OUT = Path(__file__).resolve().parent / "out" / "behaviour_gpu_speed.json"


def classify_on_device(network, frames: torch.Tensor, window: int, batch: int) -> torch.Tensor:
    """Per-frame class indices of ``frames`` (T, S, S) on the device, stacks gathered there."""
    centres = torch.arange(len(frames), device=frames.device)
    offsets = torch.arange(window, device=frames.device) - window // 2
    labels = []
    for start in range(0, len(frames), batch):
        chunk = centres[start:start + batch]
        indices = (chunk[:, None] + offsets).clamp(0, len(frames) - 1)
        labels.append(network(frames[indices]).argmax(1))
    return torch.cat(labels)


def standardise(frames: np.ndarray, device: str, dtype) -> torch.Tensor:
    values = torch.from_numpy(frames).to(device).float()
    return ((values - values.mean()) / values.std().clamp_min(1e-3)).to(dtype)


def timed(device: str, work) -> float:
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    started = time.perf_counter()
    work()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--model", type=Path, help="Pixel model folder (default: random weights).")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[256, 1024, 4096])
    parser.add_argument("--frames", type=int, default=20000)
    parser.add_argument("--videos", type=int, default=6)
    parser.add_argument("--workers", type=int, default=6)
    parser.add_argument("--half", action="store_true", help="float16 weights and inputs.")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    model = (load_model(args.model).classifier if args.model
             else PixelModel(BehaviourSettings(classes=CLASSES, model="pixel")))
    settings, dtype = model.settings, torch.float16 if args.half else torch.float32
    network = model.network.to(args.device, dtype).eval()
    side, window = settings.image_px, settings.window_frames
    results = {"device": args.device, "name": torch.cuda.get_device_name() if
               args.device.startswith("cuda") else "cpu", "image_px": side, "half": args.half,
               "network_only": {}, "torch": torch.__version__}
    frames = standardise(np.random.default_rng(0).integers(0, 255, (args.frames, side, side),
                                                           dtype=np.uint8), args.device, dtype)
    with torch.inference_mode():
        for batch in args.batch_sizes:
            classify_on_device(network, frames[:batch + window], window, batch)  # warm-up
            seconds = timed(args.device,
                            lambda b=batch: classify_on_device(network, frames, window, b))
            results["network_only"][batch] = round(args.frames / seconds, 1)
            print(f"network only, batch {batch}: {args.frames / seconds:.0f} frames/s")
        with tempfile.TemporaryDirectory() as folder:
            render = BehaviourRender()
            videos = [render_behaviour(folder, f"cage{i}", i, render).video
                      for i in range(args.videos)]
            best = max(results["network_only"], key=results["network_only"].get)
            total = 0

            def decode(video):
                return decode_grey(probe(video), side)

            def end_to_end():
                nonlocal total
                with ThreadPoolExecutor(args.workers) as pool:  # each decode is an ffmpeg process
                    for decoded in pool.map(decode, videos):
                        total += len(decoded)
                        classify_on_device(network, standardise(decoded, args.device, dtype),
                                           window, best)

            seconds = timed(args.device, end_to_end)
    results["end_to_end"] = {"videos": args.videos, "frames": total, "workers": args.workers,
                             "batch": best, "frames_per_s": round(total / seconds, 1)}
    print(f"end to end, {args.workers} decode workers: {total / seconds:.0f} frames/s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
