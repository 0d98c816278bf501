"""Run a lab's DeepLabCut model over per-mouse videos and write DeepLabCut-format tracks.

The engine follows the project: PyTorch for DeepLabCut 3 projects, TensorFlow (when
installed) for DeepLabCut 2.x ones.

For each video ``<stem>.mp4`` it writes, in ``--out``:

- ``<stem>.h5``: the tracks as a DeepLabCut table (``formats.dlc``), which
  ``scratchflow quantify`` and DeepLabCut's own tools read;
- ``<stem>.csv`` on request, the same table;
- the pose record (``formats.pose_record``): provenance (model, snapshot, engine, versions,
  video sha256) and the video's ``fps`` and frame count, which quantify reads as the frame
  rate.

Frames are decoded by ffmpeg, so the count is exact and checked against the video's own.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scratchflow import outputs
from scratchflow.errors import InputError
from scratchflow.ffmpeg import VideoInfo, probe, read_frames
from scratchflow.formats import PoseData, dlc, pose_record
from scratchflow.pose.project import ENGINE_PACKAGES, PYTORCH, DlcProject, require_engine
from scratchflow.progress import Report, frame_reporter


@dataclass(frozen=True)
class PoseSettings:
    batch_size: int = 8
    device: str = "auto"  # "cpu", "cuda", "cuda:0"; auto takes a GPU when there is one
    save_csv: bool = False
    overwrite: bool = False

    def parameters(self, project: DlcProject) -> dict:
        """What the output depends on besides its inputs' bytes (the snapshot's and the
        video's checksums are recorded as inputs; the device and folder do not matter)."""
        return {"shuffle": project.shuffle, "snapshot": project.snapshot.name,
                "batch_size": self.batch_size, "save_csv": self.save_csv}


def output_paths(video: Path, out_dir: Path) -> dict[str, Path]:
    h5 = Path(out_dir) / f"{Path(video).stem}{dlc.H5_SUFFIX}"
    return {"h5": h5, "csv": h5.with_suffix(dlc.CSV_SUFFIX),
            "record": pose_record.record_path(h5)}


def load_runner(project: DlcProject, settings: PoseSettings):
    """An inference runner for the project's snapshot, with ``inference(frames)`` and
    ``device`` (imports DeepLabCut, and the engine, only now)."""
    require_engine(project)
    if project.engine != PYTORCH:
        from scratchflow.pose.tensorflow_runner import TensorflowRunner

        return TensorflowRunner(project, settings.batch_size, settings.device)
    from deeplabcut.pose_estimation_pytorch.apis.utils import get_pose_inference_runner
    from deeplabcut.pose_estimation_pytorch.config import read_config_as_dict

    config = read_config_as_dict(project.model_config)
    return get_pose_inference_runner(config, project.snapshot, batch_size=settings.batch_size,
                                     device=resolve_device(settings.device))


def resolve_device(device: str) -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise InputError(None, f"--device {device} asked for, but PyTorch sees no CUDA GPU",
                         "use --device cpu, or check the GPU driver and the CUDA build of torch")
    return device


def check_outputs_free(video: Path, out_dir: Path, settings: PoseSettings) -> None:
    taken = [p for p in output_paths(video, out_dir).values() if p.exists()]
    if taken and not settings.overwrite:
        raise InputError(taken[0], "output exists (made from other inputs or settings)",
                         "pass --overwrite to replace it, or choose another --out")


def estimate_video(info: VideoInfo, out_dir: str | Path, project: DlcProject,
                   runner: Callable[[], object],
                   settings: PoseSettings, report: Report | None = None
                   ) -> tuple[dict[str, Path], bool]:
    """Track one probed video, or skip it when its outputs were made from the same inputs;
    return the output paths and whether it was skipped. ``runner()`` gives DeepLabCut's
    inference runner, so the model loads only when a video needs it."""
    video, out_dir = info.path, Path(out_dir)
    paths = output_paths(video, out_dir)
    inputs = [video, *project.weight_files, project.model_config]
    wanted = [paths["h5"]] + ([paths["csv"]] if settings.save_csv else [])
    if outputs.is_up_to_date(paths["record"], inputs, settings.parameters(project), wanted):
        return paths, True
    check_outputs_free(video, out_dir, settings)
    frames = _counted(read_frames(info), frame_reporter(video.name, info.frames, report))
    model = runner()
    predictions = model.inference(frames)
    if len(predictions) != info.frames:
        raise InputError(video, f"pose has {len(predictions)} frames but the video has "
                         f"{info.frames}", "check the video decodes fully (ffprobe -count_frames)")
    table = dlc.pose_table(predictions_pose(predictions, project, video), scorer(project))
    dlc.write(table, paths["h5"], csv=settings.save_csv)
    record = outputs.provenance(
        "pose", inputs, settings.parameters(project),
        software=outputs.software_versions(ENGINE_PACKAGES[project.engine]),
        engine=project.engine,
        model={"project": str(project.root), "model": project.model_name,
               "snapshot": project.snapshot.name, "bodyparts": list(project.bodyparts)},
        device=str(model.device), fps=info.fps, frame_rate=info.frame_rate,
        frames=info.frames, video={"width": info.width, "height": info.height,
                                   "codec": info.codec})
    pose_record.write(record, paths["record"])
    return paths, False


def _counted(frames: Iterable[np.ndarray], on_frame) -> Iterator[np.ndarray]:
    for index, frame in enumerate(frames, start=1):
        yield frame
        if on_frame is not None:
            on_frame(index)


def scorer(project: DlcProject) -> str:
    """The scorer DeepLabCut itself names in the tables it writes."""
    return f"DLC_{project.model_name}_{project.snapshot.stem}"


def predictions_pose(predictions: list[dict], project: DlcProject, video: Path) -> PoseData:
    """DeepLabCut's per-frame predictions as ``PoseData`` (dtype kept, so the table is as
    DeepLabCut would write it)."""
    poses = np.stack([p["bodyparts"][..., :3] for p in predictions])  # (T, ind, kp, 3)
    n_individuals = poses.shape[1]
    individuals = list(project.individuals)[:n_individuals]
    individuals += [f"individual{i}" for i in range(len(individuals), n_individuals)]
    return PoseData(poses[..., :2], poses[..., 2], tuple(project.bodyparts), tuple(individuals),
                    None, str(video))


@dataclass(frozen=True)
class PoseFailure:
    video: Path
    error: InputError


def run_pose(videos: list[Path], out_dir: Path, project: DlcProject, settings: PoseSettings,
             report: Report | None = None
             ) -> tuple[list[tuple[dict[str, Path], bool]], list[PoseFailure]]:
    """Track every video; return (paths, skipped) per video done, and the failures: a video
    that fails does not stop the others.

    Videos are probed before the model loads, so a damaged file costs no model time.
    """
    failures, ready = [], []
    for video in videos:
        try:
            ready.append(probe(video))
        except InputError as err:
            failures.append(PoseFailure(Path(video), err))
    done = []
    runner = functools.cache(lambda: load_runner(project, settings))  # only if work remains
    for info in ready:
        try:
            done.append(estimate_video(info, out_dir, project, runner, settings, report))
        except InputError as err:
            failures.append(PoseFailure(info.path, err))
    return done, failures
