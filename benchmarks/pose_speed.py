"""Pose inference speed: scratchflow's path at batch sizes 1, 8, 32 against DeepLabCut's own
video path at its default batch size 1, in the same process, on the same video.

    python benchmarks/pose_speed.py [--device cpu] [--sizes 192 900] [--frames 240 48]

scratchflow decodes with an ffmpeg pipe and feeds DeepLabCut's inference runner in batches;
DeepLabCut's `video_inference` decodes with OpenCV (its VideoIterator). Both use the bundled
demo model (cspnext_s). A 900x900 video is the demo mouse video scaled up, the production crop
size. Frame rates are best of --repeats; the decode-only rate says whether decoding bounds the
throughput. Writes benchmarks/out/pose_speed.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from scratchflow.ffmpeg import probe, read_frames
from scratchflow.pose import PoseSettings, open_project
from scratchflow.pose.infer import load_runner

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "out"
MODEL = REPO / "examples" / "demo_model" / "project"
DEMO_VIDEO = REPO / "examples" / "demo_experiment" / "rig1_0305_pm.mp4"


def mouse_video(folder: Path, size: int, frames: int) -> Path:
    """The demo's left mouse, cropped as the pipeline does, scaled to size x size."""
    path = folder / f"mouse_{size}.mp4"
    if not path.is_file():
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(DEMO_VIDEO), "-frames:v",
                        str(frames), "-vf", f"crop=192:192:130:24,scale={size}:{size}",
                        "-c:v", "libx264", "-crf", "18", "-pix_fmt", "yuv420p", str(path)],
                       check=True)
    return path


def best_fps(run, frames: int, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return frames / min(times)


def measure(project, video: Path, args) -> dict:
    """Decode-only, DeepLabCut's default path and scratchflow's batches, on one video."""
    from deeplabcut.pose_estimation_pytorch.apis.videos import video_inference

    info = probe(video)
    row = {"size": info.width, "frames": info.frames, "decode_fps": round(best_fps(
        lambda: sum(1 for _ in read_frames(info)), info.frames, args.repeats), 1)}
    dlc_runner = load_runner(project, PoseSettings(batch_size=1, device=args.device))
    dlc_runner.inference([next(read_frames(info))])  # warm-up
    row["deeplabcut_default_bs1_fps"] = round(best_fps(
        lambda: video_inference(str(video), dlc_runner), info.frames, args.repeats), 2)
    for batch in args.batch_sizes:
        runner = load_runner(project, PoseSettings(batch_size=batch, device=args.device))
        runner.inference([next(read_frames(info))])
        row[f"scratchflow_bs{batch}_fps"] = round(best_fps(
            lambda r=runner: r.inference(read_frames(info)), info.frames, args.repeats), 2)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--sizes", type=int, nargs="+", default=[192, 900])
    parser.add_argument("--frames", type=int, nargs="+", default=[240, 48])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--model", type=Path, default=MODEL)
    args = parser.parse_args()
    import torch

    project = open_project(args.model)
    OUT.mkdir(exist_ok=True)
    rows = []
    for size, frames in zip(args.sizes, args.frames, strict=True):
        rows.append(measure(project, mouse_video(OUT, size, frames), args))
        print(json.dumps(rows[-1]), flush=True)
    result = {"device": args.device, "torch": torch.__version__,
              "threads": torch.get_num_threads(), "model": project.model_name,
              "python": sys.version.split()[0], "rows": rows}
    (OUT / "pose_speed.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
