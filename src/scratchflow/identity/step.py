"""Repair the identities in one video's multi-animal tracks and write the outputs."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from scratchflow import ffmpeg, outputs
from scratchflow.errors import InputError
from scratchflow.formats import PoseData, dlc, load_pose, pose_record
from scratchflow.identity import files
from scratchflow.identity.assign import (
    Repair,
    estimate_body_length,
    keypoint_votes,
    repair_identity,
)
from scratchflow.identity.colours import ColourRange, learn_colours
from scratchflow.identity.events import confidence, event_table
from scratchflow.identity.evidence import (
    background,
    check_colours_seen,
    colour_evidence,
    fur_pixels,
    key_frames,
)
from scratchflow.identity.figure import timeline
from scratchflow.identity.params import IdentityParams
from scratchflow.precision import rounded

# The permutation search grows as n!: 6 mice are 720 states per frame, more is too slow.
MAX_INDIVIDUALS = 6


@dataclass(frozen=True)
class IdentityRequest:
    video: Path
    pose_path: Path
    colours: list[ColourRange]
    out_dir: Path
    params: IdentityParams
    learn_colours: bool = False  # fit each colour's hue range to this video first
    clips: int = 0  # review clips of this many repairs, the least confident (review.py)


@dataclass(frozen=True)
class Identified:
    paths: dict[str, Path]
    events: pd.DataFrame
    repair: Repair
    frames_per_s: float  # whole step, decoding included
    colours: list[ColourRange]  # as used: learned ones when asked to learn
    clips: list[Path]  # review clips of repairs (request.clips)


def identify(request: IdentityRequest) -> Identified:
    """Check the inputs, read the colours, repair, and write every output atomically."""
    started = time.perf_counter()
    pose = animals_only(load_pose(request.pose_path))
    check_tracks(pose, request.colours)
    info = ffmpeg.probe(request.video)
    if info.frames != pose.n_frames:
        raise InputError(request.video, f"has {info.frames} frames, but the tracks in "
                         f"{request.pose_path} have {pose.n_frames}",
                         "give the video these tracks were made from (uncut, as it was "
                         "tracked)")
    fps = info.fps
    params = request.params
    body_length = params.body_length_px or estimate_body_length(pose.position)
    if not np.isfinite(body_length):
        raise InputError(request.pose_path, "no frame has two tracked keypoints of one mouse, "
                         "so the body length is unknown", "set body_length_px in --params")
    frames = key_frames(info, params.background_frames)
    empty = background(frames)
    colours = request.colours
    if request.learn_colours:
        colours = learn_colours(colours, fur_pixels(frames, empty, params))
    evidence = colour_evidence(info, pose, colours, params, body_length, empty)
    tracked = int(np.isfinite(pose.position).all(-1).sum())
    check_colours_seen(evidence, colours, request.video, tracked)
    votes = keypoint_votes(evidence.counts, evidence.n_samples, params)
    repair = repair_identity(pose.position, votes, fps, params, body_length)
    names = [c.name for c in request.colours]
    repaired = repaired_pose(pose, repair, names, fps)
    sure = confidence(repair, fps, params.confidence_window_s)
    events = event_table(repair, repaired.position, names, pose.keypoints, fps,
                         params.touch_distance_bl, sure)
    paths = files.paths(request.out_dir, Path(request.pose_path).stem)
    dlc.write(dlc.pose_table(repaired), paths["tracks"])
    # the frame-rate record beside the tracks, so quantify reads them without --fps
    pose_record.write({pose_record.FPS: fps}, pose_record.record_path(paths["tracks"]))
    outputs.write_csv(rounded(events), paths["events"])
    outputs.write_csv(frame_table(repair, sure, names, pose.individuals, fps), paths["frames"])
    timeline(sure, names, events, fps, paths["figure"])
    clips = []
    if request.clips:
        from scratchflow.identity.review import review_clips

        clips = review_clips(request.video, info, repaired, events, colours, request.out_dir,
                             Path(request.pose_path).stem, request.clips)
    elapsed = time.perf_counter() - started
    record = outputs.provenance(
        files.STEP, [request.video, request.pose_path], params.to_dict(),
        colours={c.name: {"hue": c.hue, "saturation": c.saturation, "value": c.value}
                 for c in colours},
        learned_colours=request.learn_colours,
        input_tracks=list(pose.individuals), fps=fps, frames=pose.n_frames,
        body_length_px=round(body_length, 2),
        repairs={kind: int((events["kind"] == kind).sum()) for kind in files.EVENT_KINDS},
        seconds={"decode_and_sample": round(evidence.decode_s, 2), "total": round(elapsed, 2)},
        review_clips=[p.name for p in clips], ffmpeg=ffmpeg.ffmpeg_version())
    outputs.write_json(record, paths["provenance"])
    return Identified(paths, events, repair, pose.n_frames / elapsed, colours, clips)


# DeepLabCut files its unique body parts (an object in the arena, not a mouse) under this
# individual; they have no identity to repair.
UNIQUE_BODYPARTS = "single"


def animals_only(pose: PoseData) -> PoseData:
    """The tracks without DeepLabCut's unique body parts, and without keypoints that then no
    animal has."""
    animals = [i for i, name in enumerate(pose.individuals) if name != UNIQUE_BODYPARTS]
    if len(animals) in (0, len(pose.individuals)):  # a one-mouse file may be named 'single'
        return pose
    position = pose.position[:, animals]
    kept = [k for k in range(len(pose.keypoints)) if np.isfinite(position[:, :, k]).any()]
    return replace(pose, position=position[:, :, kept],
                   likelihood=pose.likelihood[:, animals][:, :, kept],
                   keypoints=tuple(pose.keypoints[k] for k in kept),
                   individuals=tuple(pose.individuals[i] for i in animals))


def check_tracks(pose: PoseData, colours: list[ColourRange]) -> None:
    """Several individuals, at most MAX_INDIVIDUALS, and exactly one colour each."""
    n = len(pose.individuals)
    if n < 2:
        raise InputError(pose.source, f"has one individual ({pose.individuals[0]!r}): there "
                         "is no identity to repair", "give multi-animal tracks (DeepLabCut's "
                         "multi-animal .h5 or _el.h5, or a SLEAP analysis file with several "
                         "tracks)")
    if n > MAX_INDIVIDUALS:
        raise InputError(pose.source, f"has {n} individuals; identity repair handles at most "
                         f"{MAX_INDIVIDUALS}", "split the arena, or track fewer mice")
    if len(colours) != n:
        raise InputError(pose.source, f"has {n} individuals ({', '.join(pose.individuals)}) "
                         f"but {len(colours)} colour(s) were given "
                         f"({', '.join(c.name for c in colours)})",
                         f"give exactly {n} colours in --colours, one per mouse")


def repaired_pose(pose: PoseData, repair: Repair, names: list[str], fps: float) -> PoseData:
    """The tracks rearranged by ``repair.source``, individuals named by colour."""
    index = repair.source[..., None]
    position = np.take_along_axis(pose.position, np.repeat(index, 2, axis=-1), axis=1)
    likelihood = np.take_along_axis(pose.likelihood, repair.source, axis=1)
    return replace(pose, position=position, likelihood=likelihood, individuals=tuple(names),
                   fps=fps)


def frame_table(repair: Repair, sure: np.ndarray, names: list[str],
                tracks: tuple[str, ...], fps: float) -> pd.DataFrame:
    """Per frame and colour: the input track that carries it (whole animal) and the
    confidence, so that unsure stretches can be found."""
    n_time, n_colours = sure.shape
    frames = np.repeat(np.arange(n_time), n_colours)
    columns = (frames, np.round(frames / fps, 4), np.tile(names, n_time),
               np.asarray(tracks)[repair.animal_source.ravel()], np.round(sure.ravel(), 3))
    return pd.DataFrame(dict(zip(files.FRAME_COLUMNS, columns, strict=True)))
