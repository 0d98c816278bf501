"""Quantify one pose file: detect scratching for each individual and write the CSVs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pandas as pd

from scratchflow import outputs, storage
from scratchflow.errors import InputError
from scratchflow.pose_io import PoseData, load_pose, resolve_roles
from scratchflow.precision import rounded
from scratchflow.scratch.detect import REQUIRED_ROLES, ScratchResult, detect_scratching
from scratchflow.scratch.params import ScratchParams
from scratchflow.scratch.tables import summary_table, timebin_table

OUTPUT_SUFFIXES = ("scratch_bouts.csv", "scratch_strokes.csv", "scratch_summary.csv",
                   "scratch_timebins.csv", "scratch_provenance.json")


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
    """A local path for a pose file; an s3:// one is fetched, with its <stem>.json sidecar."""
    if not storage.is_s3(source):
        return Path(source)
    local = storage.fetch_input(source, cache_dir)
    bucket, key = storage.parse_s3(source)
    sidecar = storage.s3_uri(bucket, str(PurePosixPath(key).with_suffix(".json")))
    if storage.fetch_input(sidecar, cache_dir, missing_ok=True) is None:
        local.with_suffix(".json").unlink(missing_ok=True)  # cached before, deleted from S3 since
    return local


def recorded_fps(pose_path: Path) -> float | None:
    """The frame rate in the pose file's JSON sidecar (``<stem>.json``), if there is one."""
    sidecar = pose_path.with_suffix(".json")
    if not sidecar.is_file():
        return None
    try:
        value = json.loads(sidecar.read_text()).get("fps")
    except (json.JSONDecodeError, AttributeError) as err:
        raise InputError(sidecar, f"sidecar is not a JSON object: {err}", None) from err
    return None if value is None else float(value)


def pose_step_record(pose_path: Path) -> dict | None:
    """The record `scratchflow pose` wrote beside this pose file (engine, model, snapshot,
    versions, checksums), or None for a pose file made elsewhere. Kept in the quantify record,
    so that every count says how its tracks were made, wherever the pose folder is."""
    for sidecar in (pose_path.with_suffix(".pose.json"), pose_path.with_suffix(".json")):
        try:
            record = json.loads(sidecar.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue  # absent or not the pose step's; recorded_fps reports a broken sidecar
        if isinstance(record, dict) and record.get("step") == "pose":
            return record
    return None


def resolve_fps(pose_path: Path, given: float | None) -> float:
    recorded = recorded_fps(pose_path)
    if given is not None and recorded is not None and abs(given - recorded) > 1e-6 * recorded:
        raise InputError(
            pose_path,
            f"--fps {given:g} disagrees with the {recorded:g} fps recorded in "
            f"{pose_path.with_suffix('.json').name}",
            "drop --fps or correct the sidecar",
        )
    fps = given if given is not None else recorded
    if fps is None:
        raise InputError(pose_path, "frame rate unknown", "pass --fps (e.g. --fps 120)")
    return fps


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


def quantify_file(request: QuantifyRequest) -> dict[str, Path]:
    """Run detection on every selected individual and write the five outputs atomically."""
    pose_path = Path(request.pose_path)
    pose = load_pose(pose_path)  # first: a wrong or broken file is the more basic problem
    pose = pose.with_fps(resolve_fps(pose_path, request.fps))
    roles = resolve_roles(pose, request.bodyparts, required=REQUIRED_ROLES)
    results = [
        detect_scratching(pose, roles, request.params, i)
        for i in select_individuals(pose, request.individual)
    ]
    return write_outputs(results, pose, roles, request)


def write_outputs(results: list[ScratchResult], pose: PoseData, roles: dict[str, int],
                  request: QuantifyRequest) -> dict[str, Path]:
    stem = Path(request.pose_path).stem
    paths = {s: Path(request.out_dir) / f"{stem}_{s}" for s in OUTPUT_SUFFIXES}
    # Each number to the precision its measurement has (precision.py), not float noise.
    outputs.write_csv(rounded(pd.concat([r.bouts for r in results])), paths["scratch_bouts.csv"])
    outputs.write_csv(rounded(pd.concat([r.strokes for r in results])),
                      paths["scratch_strokes.csv"])
    outputs.write_csv(rounded(summary_table(results)), paths["scratch_summary.csv"])
    timebins = timebin_table(results, request.params.bin_s)
    outputs.write_csv(rounded(timebins), paths["scratch_timebins.csv"])
    record = outputs.provenance(
        "quantify",
        [request.pose_path],
        request.params.to_dict(),
        fps=pose.fps,
        bodyparts={role: pose.keypoints[i] for role, i in roles.items()},
        individuals={
            r.individual: {"body_length_px": r.body_length_px, "noise_floor_bl": r.noise_floor_bl,
                           "rejected_candidates": r.rejected}
            for r in results
        },
    )
    if request.source_uri:
        record["inputs"][0]["uri"] = request.source_uri
    if pose := pose_step_record(Path(request.pose_path)):
        record["pose"] = pose
    outputs.write_json(record, paths["scratch_provenance.json"])
    return paths
