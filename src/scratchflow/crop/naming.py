"""Output names from metadata: readable, sortable, and unable to escape the output folder."""

from __future__ import annotations

import re
from pathlib import Path

from scratchflow.errors import InputError
from scratchflow.metadata import VideoMetadata

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]*$")  # "_" is reserved as the field separator
OUTPUT_SUFFIXES = {"video": ".mp4", "sidecar": ".json", "preview": ".preview.png"}


def name_part(value: str, what: str, source: Path, line: int | None = None) -> str:
    """``value`` made safe for a file name (spaces, ``_`` -> ``-``), or InputError naming it."""
    text = re.sub(r"[\s_]+", "-", value.strip())
    if not _SAFE.match(text) or ".." in text:
        where = f"line {line}: " if line else ""
        raise InputError(source, f"{where}{what} {value!r} cannot be used in a file name "
                         "(allowed: letters, digits, '-' and '.', no '..' or '/')",
                         f"change the {what} to e.g. 'cam1' or 'M12'")
    return text


def output_stem(meta: VideoMetadata, label: str, video: Path) -> str:
    """``{date}_{time}_{camera}_{position}[_{mouse}]``, time as ``HH-MM-SS``."""
    parts = [meta.date, meta.time.replace(":", "-"),
             name_part(meta.camera, "camera", meta.source, meta.lines.get("camera")),
             name_part(label, "position (from QR payload or --boxes)", video)]
    mouse = meta.mouse_id(label)
    if mouse:
        parts.append(name_part(mouse, "mouse id", meta.source,
                               meta.lines.get(f"{label}_mouse")))
    return "_".join(parts)


def output_paths(out_dir: Path, stem: str) -> dict[str, Path]:
    paths = {kind: out_dir / f"{stem}{suffix}" for kind, suffix in OUTPUT_SUFFIXES.items()}
    root = out_dir.resolve()
    for path in paths.values():  # belt and braces: name_part already forbids separators
        if path.resolve().parent != root:
            raise InputError(path, "output would leave the output folder", "check the metadata")
    return paths
