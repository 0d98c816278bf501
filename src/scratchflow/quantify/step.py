"""Quantify one pose file: detect scratching for each individual and write the CSVs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from scratchflow import outputs, storage
from scratchflow.errors import InputError
from scratchflow.formats import PoseData, load_pose, pose_record, resolve_roles
from scratchflow.precision import rounded
from scratchflow.quantify import files
from scratchflow.quantify.detect import REQUIRED_ROLES, ScratchResult, detect_scratching
from scratchflow.quantify.params import ScratchParams
from scratchflow.quantify.tables import (
    NO_TRACKING,
    no_tracking_reason,
    summary_table,
    timebin_table,
)


@dataclass(frozen=True)
class QuantifyRequest:
    pose_path: Path
    out_dir: Path
    params: ScratchParams
    fps: float | None = None
    bodyparts: dict[str, str] | None = None
    individual: str | None = None
    source_uri: str | None = None  # the s3:// URI pose_path was fetched from


def fetch_pose(source: str, cache_dir: Path) -> Path:
    """A local path for a pose file; an s3:// one is fetched, with its pose record."""
    if not storage.is_s3(source):
        return Path(source)
    local = storage.fetch_input(source, cache_dir)
    bucket, key = storage.parse_s3(source)
    sidecar = storage.s3_uri(bucket, str(pose_record.record_path(PurePosixPath(key))))
    if storage.fetch_input(sidecar, cache_dir, missing_ok=True) is None:
        # cached before, deleted from S3 since
        pose_record.record_path(local).unlink(missing_ok=True)
    return local


def select_individuals(pose: PoseData, name: str | None) -> list[int]:
    if name is None:
        return list(range(len(pose.individuals)))
    if name not in pose.individuals:
        raise InputError(
            pose.source,
            f"individual {name!r} not found; the file has {list(pose.individuals)}",
            "pass one of those to --individual",
        )
    return [pose.individuals.index(name)]


@dataclass(frozen=True)
class Quantified:
    paths: dict[str, Path]  # the five outputs, by kind
    untracked: list[str]  # one message per mouse whose status is no_tracking


def quantify_file(request: QuantifyRequest) -> Quantified:
    """Run detection on every selected individual and write the five outputs atomically."""
    pose_path = Path(request.pose_path)
    pose = load_pose(pose_path)  # first: a wrong or broken file is the more basic problem
    pose = pose.with_fps(pose_record.resolve_fps(pose_path, request.fps))
    roles = resolve_roles(pose, request.bodyparts, required=REQUIRED_ROLES)
    chosen = select_individuals(pose, request.individual)
    results = [detect_scratching(pose, roles, request.params, i) for i in chosen]
    usable = [hind_paws_usable_fraction(pose, roles, request.params, i) for i in chosen]
    return write_outputs(results, usable, pose, roles, request)


def hind_paws_usable_fraction(pose: PoseData, roles: dict[str, int], params: ScratchParams,
                              individual: int) -> float:
    """The fraction of frames in which both hind paws are finite with likelihood >= the floor."""
    usable = np.ones(pose.n_frames, dtype=bool)
    for role in ("hind_left", "hind_right"):
        xy, likelihood = pose.point(individual, roles[role])
        usable &= np.isfinite(xy).all(axis=1) & (likelihood >= params.likelihood_floor)
    return float(usable.mean()) if pose.n_frames else 0.0


def write_outputs(results: list[ScratchResult], usable: list[float], pose: PoseData,
                  roles: dict[str, int], request: QuantifyRequest) -> Quantified:
    paths = files.paths(request.out_dir, Path(request.pose_path).stem)
    minimum = request.params.min_usable_fraction
    tracked = [fraction >= minimum for fraction in usable]
    untracked = [f"{request.pose_path}: {result.individual}: {NO_TRACKING}: "
                 f"{no_tracking_reason(fraction, minimum)}"
                 for result, fraction in zip(results, usable, strict=True) if fraction < minimum]
    # Each number to the precision its measurement has (precision.py), not float noise.
    outputs.write_csv(rounded(pd.concat([r.bouts for r in results])), paths["bouts"])
    outputs.write_csv(rounded(pd.concat([r.strokes for r in results])), paths["strokes"])
    outputs.write_csv(rounded(summary_table(results, usable, minimum)), paths["summary"])
    outputs.write_csv(rounded(timebin_table(results, request.params.bin_s, tracked)),
                      paths["timebins"])
    record = outputs.provenance(
        files.STEP,
        [request.pose_path],
        request.params.to_dict(),
        fps=pose.fps,
        bodyparts={role: pose.keypoints[i] for role, i in roles.items()},
        individuals={
            r.individual: {"body_length_px": r.body_length_px, "noise_floor_bl": r.noise_floor_bl,
                           "rejected_candidates": r.rejected,
                           "rejected_train_candidates": r.rejected_in_trains}
            for r in results
        },
    )
    if request.source_uri:
        record["inputs"][0]["uri"] = request.source_uri
    # Every count says how its tracks were made, wherever the pose folder is.
    if pose := pose_record.pose_step_record(Path(request.pose_path)):
        record["pose"] = pose
    outputs.write_json(record, paths["provenance"])
    return Quantified(paths, untracked)
