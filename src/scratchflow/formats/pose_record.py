"""The pose record ``<stem>.pose.json`` beside a pose file ``<stem>.h5`` (or ``.csv``,
``.analysis.h5``): the frame-rate sidecar quantify reads, and the pose step's provenance.

For any pose file, ``{"fps": 120}`` is a complete record. The pose step adds the provenance
(``outputs.provenance``: step, inputs with the video first, parameters, software) and the
video's ``frames``, ``frame_rate`` and size. Its own suffix keeps it apart from the crop
record ``<stem>.json``, so no reader ever has to look inside a JSON file to tell them apart.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from scratchflow import outputs
from scratchflow.errors import InputError

SUFFIX = ".pose.json"
FPS = "fps"


def record_path(pose_path: str | Path) -> Path:
    """``<stem>.pose.json`` beside a pose file (or, for the pose step, beside its video's
    ``<stem>.h5``)."""
    pose_path = Path(pose_path)
    return pose_path.with_name(pose_path.stem + SUFFIX)


def write(record: dict, path: str | Path) -> Path:
    if FPS not in record:
        raise ValueError(f"a pose record needs {FPS!r}")
    return outputs.write_json(record, path)


@dataclass(frozen=True)
class PoseRecord:
    """What the runner and the summary need from a record the pose step wrote."""

    path: Path
    video: Path  # the video tracked (the first input)
    video_sha256: str
    created_utc: str


def read(path: str | Path) -> PoseRecord | None:
    """The pose step's record at ``path``; None when it is missing or not the pose step's."""
    try:
        record = json.loads(Path(path).read_text())
        first = record["inputs"][0]
        if record.get("step") != "pose":
            return None
        return PoseRecord(Path(path), Path(first["path"]), first["sha256"],
                          record["created_utc"])
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return None


def pose_step_record(pose_path: Path) -> dict | None:
    """The whole record the pose step wrote beside this pose file (engine, model, snapshot,
    versions, checksums), or None for a pose file made elsewhere."""
    try:
        record = json.loads(record_path(pose_path).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None  # absent or broken; recorded_fps reports a broken one
    return record if isinstance(record, dict) and record.get("step") == "pose" else None


def recorded_fps(pose_path: Path) -> float | None:
    """The frame rate in the pose file's record, if there is one."""
    sidecar = record_path(pose_path)
    if not sidecar.is_file():
        return None
    try:
        value = json.loads(sidecar.read_text()).get(FPS)
    except (UnicodeDecodeError, json.JSONDecodeError, AttributeError) as err:
        raise InputError(sidecar, f"sidecar is not a JSON object: {err}",
                         'write a JSON object such as {"fps": 120}, or delete it and pass '
                         "--fps") from err
    if value is None:
        return None
    # JSON true is a number to float(); a frame rate must be a positive, finite number
    number = None if isinstance(value, bool) else _number(value)
    if number is None or not 0 < number < math.inf:
        raise InputError(sidecar, f"fps {value!r} is not a positive number",
                         'write the frame rate as a number, e.g. "fps": 120')
    return number


def _number(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def resolve_fps(pose_path: Path, given: float | None) -> float:
    """``given`` (--fps) or the recorded frame rate; both must agree when both are there."""
    recorded = recorded_fps(pose_path)
    if given is not None and recorded is not None and abs(given - recorded) > 1e-6 * recorded:
        raise InputError(
            pose_path,
            f"--fps {given:g} disagrees with the {recorded:g} fps recorded in "
            f"{record_path(pose_path).name}",
            "drop --fps or correct the sidecar",
        )
    fps = given if given is not None else recorded
    if fps is None:
        raise InputError(pose_path, "frame rate unknown",
                         f"pass --fps (e.g. --fps 120) or write {{\"fps\": 120}} to "
                         f"{record_path(pose_path).name}")
    return fps
