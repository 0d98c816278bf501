"""``scratchflow clips``: a short MP4 per detected bout, for a person to check the calls.

Each clip is cut from the mouse's video with a margin before and after the bout, with the
tracked hind paws and the bout's stroke count drawn on (overlay.py); cutting and encoding are
``scratchflow.review_video``'s.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from scratchflow.clips.files import clip_name
from scratchflow.clips.overlay import BoutOverlay, draw
from scratchflow.crop import record as crop_record
from scratchflow.errors import InputError
from scratchflow.ffmpeg import VideoInfo, probe
from scratchflow.file_index import FileIndex
from scratchflow.formats import dlc, load_pose, resolve_roles
from scratchflow.identity import files as identity_files
from scratchflow.metadata import VIDEO_SUFFIXES
from scratchflow.progress import Report
from scratchflow.quantify import files as quantify_files
from scratchflow.review_video import opencv, write_span
from scratchflow.summarise.tables import read_bouts, read_json, read_strokes

HIND_ROLES = ("hind_left", "hind_right")


@dataclass(frozen=True)
class ClipOptions:
    out_dir: Path
    margin_s: float = 1.0
    per_mouse: int | None = None  # at most this many bouts per mouse, drawn at random
    seed: int = 0
    overwrite: bool = False


@dataclass(frozen=True)
class ClipJob:
    """One mouse: its bouts CSV and the files found beside it by name."""

    sample: str
    bouts: Path
    video: Path | None
    pose: Path | None
    strokes: Path | None
    provenance: Path | None


def find_jobs(sources: list[Path]) -> list[ClipJob]:
    """One job per quantify bouts table among the files and folders given."""
    index = FileIndex(sources)
    bouts = index.by_suffix(quantify_files.SUFFIXES["bouts"])
    if not bouts:
        raise InputError(None, f"no *{quantify_files.SUFFIXES['bouts']} among the files and "
                         "folders given",
                         "give the quantify results with the per-mouse videos and pose files")
    return [ClipJob(sample, path, find_video(index, sample),
                    index.one(f"{sample}{dlc.H5_SUFFIX}"),
                    index.one(f"{sample}{quantify_files.SUFFIXES['strokes']}"),
                    index.one(f"{sample}{quantify_files.SUFFIXES['provenance']}"))
            for sample, path in bouts.items()]


def find_video(index: FileIndex, sample: str) -> Path | None:
    """``<sample>.mp4`` etc.; for a pose file DeepLabCut named ``<video>DLC_<model>.h5``,
    the video is ``<video>.mp4``, and for an open arena's repaired tracks (named by
    ``identity.files.tracks_stem``), the whole arena video ``<video>.mp4``."""
    stems = [sample] + ([sample.split("DLC_")[0]] if "DLC_" in sample else [])
    stems += [stem] if (stem := identity_files.video_stem(sample)) else []
    for stem in stems:
        for suffix in VIDEO_SUFFIXES:
            if found := index.one(f"{stem}{suffix}"):
                return found
    return None


def choose_bouts(bouts: pd.DataFrame, per_mouse: int | None, seed: int,
                 sample: str) -> pd.DataFrame:
    """All bouts, or ``per_mouse`` of them drawn at random: the same for the same seed and
    mouse, different between mice (the seed is mixed with the mouse's name)."""
    if per_mouse is None or len(bouts) <= per_mouse:
        return bouts
    rng = np.random.default_rng([seed, zlib.crc32(sample.encode())])
    return bouts.iloc[np.sort(rng.choice(len(bouts), size=per_mouse, replace=False))]


def hind_paws(job: ClipJob, frames: int) -> dict[str, dict[str, np.ndarray]]:
    """``individual -> {"left", "right"} -> (frames, 2)`` from the pose file, with the body
    parts the quantify step used (its provenance), else the default names."""
    pose = load_pose(job.pose)
    if pose.n_frames != frames:
        raise InputError(job.pose, f"pose has {pose.n_frames} frames, video {job.video.name} "
                         f"has {frames}: they are not the same recording",
                         "give the pose file made from this video")
    used = {}
    if job.provenance is not None:
        used = read_json(job.provenance, "re-run `scratchflow quantify`").get("bodyparts", {})
    roles = resolve_roles(pose, {r: used[r] for r in HIND_ROLES if r in used}, HIND_ROLES)
    return {name: {side: pose.position[:, i, roles[f"hind_{side}"]] for side in ("left", "right")}
            for i, name in enumerate(pose.individuals)}


def clip_sample(job: ClipJob, options: ClipOptions, report: Report) -> list[Path]:
    """Write the clips of one mouse; return the paths written."""
    for what, path in (("video", job.video), ("pose file", job.pose)):
        if path is None:
            raise InputError(job.bouts, f"no {what} for {job.sample} among the sources",
                             f"also give the folder holding {job.sample}"
                             f"{crop_record.VIDEO_SUFFIX if what == 'video' else dlc.H5_SUFFIX}")
    bouts = choose_bouts(read_bouts(job.bouts), options.per_mouse, options.seed, job.sample)
    if bouts.empty:
        report(f"{job.sample}: no bouts, no clips")
        return []
    info = probe(job.video)
    paws = hind_paws(job, info.frames)
    strokes = read_strokes(job.strokes) if job.strokes else None
    several = len(paws) > 1  # names carry the individual whenever the file holds several
    written = []
    for bout in bouts.itertuples(index=False):
        name = clip_name(job.sample, bout.individual if several else None, int(bout.bout_id),
                         float(bout.start_s))
        target = options.out_dir / name
        if target.exists() and not options.overwrite:
            report(f"{target}: exists, kept (--overwrite replaces it)")
            continue
        if bout.individual not in paws:
            raise InputError(job.pose, f"no individual {bout.individual!r} in the pose file",
                             "give the pose file the bouts were detected in")
        overlay = bout_overlay(job.sample, bout, info, paws[bout.individual], strokes)
        written.append(write_clip(job.video, info, overlay, options.margin_s, target))
    return written


def bout_overlay(sample: str, bout, info: VideoInfo, paws: dict[str, np.ndarray],
                 strokes: pd.DataFrame | None) -> BoutOverlay:
    stroke_frames = None
    if strokes is not None:
        own = strokes[(strokes["individual"] == bout.individual)
                      & (strokes["bout_id"] == bout.bout_id)]
        stroke_frames = np.sort(own["frame"].to_numpy(dtype=int))
    return BoutOverlay(f"{sample}  bout {int(bout.bout_id)}", str(bout.limb),
                       int(bout.n_strokes), int(bout.start_frame), int(bout.end_frame), info.fps,
                       paws, stroke_frames)


def write_clip(video: Path, info: VideoInfo, bout: BoutOverlay, margin_s: float,
               target: Path) -> Path:
    return write_span(video, info, (bout.start_frame, bout.end_frame), margin_s, target,
                      lambda cv2, frame, index: draw(cv2, frame, index, bout))


def clip_batch(sources: list[Path], options: ClipOptions, report: Report) -> tuple[int, int]:
    """Clips for every mouse found; a mouse that fails is reported and the rest go on.

    Returns (clips written, mice failed).
    """
    opencv()  # a missing extra is one error for the run, not one per mouse
    written = failed = 0
    for job in find_jobs(sources):
        try:
            paths = clip_sample(job, options, report)
        except InputError as err:
            failed += 1
            report(f"error: {err}")
            continue
        written += len(paths)
        for path in paths:
            report(f"{job.sample}: wrote {path}")
    return written, failed
