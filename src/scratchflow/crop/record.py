"""What the crop step leaves per mouse, and the one reader and writer of its record.

Per mouse ``<stem>.mp4`` (the cropped video), ``<stem>.json`` (the crop record) and
``<stem>.preview.png`` (the boxes drawn on a frame, for a person to check), ``<stem>`` being
``{date}_{time}_{camera}_{position}[_{mouse}]`` (``naming.output_stem``).

The record is the crop step's provenance (``outputs.provenance``: step, inputs with the raw
video first and its TXT second, parameters, software) plus ``metadata`` (the parsed TXT),
``input_video``, ``position``, ``mouse`` (that position's mouse, treatment and group), ``box``,
``box_source``, ``qr`` and ``output``. Pose records have a suffix of their own
(``formats.pose_record``) and never share this name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from scratchflow.errors import InputError

STEP = "crop"
SUFFIXES = {"video": ".mp4", "record": ".json", "preview": ".preview.png"}
VIDEO_SUFFIX = SUFFIXES["video"]
RECORD_SUFFIX = SUFFIXES["record"]
PREVIEW_SUFFIX = SUFFIXES["preview"]
METADATA_FIELDS = ("experiment", "date", "time", "camera")
MOUSE_FIELDS = ("mouse", "treatment", "group")
REDO = "re-run `scratchflow crop` for this video, or remove the damaged record"


def output_paths(out_dir: Path, stem: str) -> dict[str, Path]:
    """``video``, ``record`` and ``preview`` paths of one mouse, all inside ``out_dir``."""
    paths = {kind: out_dir / f"{stem}{suffix}" for kind, suffix in SUFFIXES.items()}
    root = out_dir.resolve()
    for path in paths.values():  # belt and braces: naming already forbids separators
        if path.resolve().parent != root:
            raise InputError(path, "output would leave the output folder", "check the metadata")
    return paths


def video_record(provenance: dict, metadata: dict, input_video: dict) -> dict:
    """The part of the record every mouse of one raw video shares."""
    return {**provenance, "metadata": metadata, "input_video": input_video}


def mouse_record(shared: dict, position: str, mouse: dict[str, str], box: dict,
                 qr: dict | None, output: dict) -> dict:
    return {**shared, "position": position, "mouse": mouse, "box": box,
            "box_source": "qr" if qr else "manual", "qr": qr, "output": output}


@dataclass(frozen=True)
class CropRecord:
    """What other steps read from a crop record."""

    path: Path
    raw_video: Path
    position: str
    metadata: dict[str, str] = field(default_factory=dict)  # experiment, date, time, camera
    mouse: dict[str, str] = field(default_factory=dict)  # mouse, treatment, group

    @property
    def sample(self) -> str:
        return self.path.name.removesuffix(RECORD_SUFFIX)

    @property
    def video(self) -> Path:
        return self.path.with_name(self.sample + VIDEO_SUFFIX)

    def fields(self) -> dict[str, str]:
        """The metadata of this mouse, flat, with ``video`` the raw video's stem."""
        found = {**self.metadata, "position": self.position, **self.mouse,
                 "video": self.raw_video.stem}
        return {k: str(v) for k, v in found.items() if v not in (None, "")}


def is_record(path: Path) -> bool:
    """A JSON file the crop step wrote. Other tools' JSON may sit in a run folder too, and
    quantify's and the pose step's records have names of their own."""
    try:
        record = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(record, dict) and record.get("step") == STEP


def read(path: Path) -> CropRecord:
    try:
        record = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(path, f"not a readable JSON file ({err})", REDO) from err
    meta = record.get("metadata") if isinstance(record, dict) else None
    mouse = record.get("mouse") or {} if isinstance(record, dict) else None
    if not isinstance(meta, dict) or not isinstance(mouse, dict):
        raise InputError(path, "crop record without 'metadata' and 'mouse' objects", REDO)
    inputs = record.get("inputs") or [{}]
    raw = inputs[0].get("path") if isinstance(inputs[0], dict) else None
    return CropRecord(Path(path), Path(raw or ""), record.get("position"),
                      {k: meta.get(k) for k in METADATA_FIELDS},
                      {k: mouse.get(k) for k in MOUSE_FIELDS})


def records_of(out_dir: Path, raw_video: str | Path) -> list[CropRecord]:
    """The records in ``out_dir`` that were cropped from ``raw_video``."""
    found = (read(p) for p in sorted(out_dir.glob(f"*{RECORD_SUFFIX}")) if is_record(p))
    return [r for r in found if str(r.raw_video) == str(raw_video)]
