"""Output names from metadata: readable, sortable, and unable to escape the output folder."""

from __future__ import annotations

import re
from pathlib import Path

from scratchflow.errors import InputError
from scratchflow.metadata import VideoMetadata, parse_metadata

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]*$")  # "_" is reserved as the field separator
# What output_stem makes, read back: a mouse without its crop record still has these fields.
_STEM = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2})_(?P<time>\d{2}-\d{2}-\d{2})_"
                   r"(?P<camera>[A-Za-z0-9.-]+)_(?P<position>[A-Za-z0-9.-]+)"
                   r"(?:_(?P<mouse>[A-Za-z0-9.-]+))?$")


# One part of a name; five parts and the longest suffix stay well inside the 255 bytes a
# file name may have.
MAX_PART = 40


def name_part(value: str, what: str, source: Path, line: int | None = None) -> str:
    """``value`` made safe for a file name (spaces, ``_`` -> ``-``), or InputError naming it."""
    text = re.sub(r"[\s_]+", "-", value.strip())
    where = f"line {line}: " if line else ""
    if len(text) > MAX_PART:
        raise InputError(source, f"{where}{what} is {len(text)} characters long, more than the "
                         f"{MAX_PART} a file name part may have", f"shorten the {what}")
    if not _SAFE.match(text) or ".." in text:
        raise InputError(source, f"{where}{what} {value!r} cannot be used in a file name "
                         "(allowed: letters, digits, '-' and '.', no '..' or '/')",
                         f"change the {what} to e.g. 'cam1' or 'M12'")
    return text


def recording_prefix(meta: VideoMetadata) -> str:
    """``{date}_{time}_{camera}``: the start of every output name of one raw video."""
    return "_".join([meta.date, meta.time.replace(":", "-"),
                     name_part(meta.camera, "camera", meta.source, meta.lines.get("camera"))])


def output_stem(meta: VideoMetadata, label: str, video: Path) -> str:
    """``{date}_{time}_{camera}_{position}[_{mouse}]``, time as ``HH-MM-SS``."""
    parts = [recording_prefix(meta),
             name_part(label, "position (from QR payload or --boxes)", video)]
    mouse = meta.mouse_id(label)
    if mouse:
        parts.append(name_part(mouse, "mouse id", meta.source,
                               meta.lines.get(f"{label}_mouse")))
    return "_".join(parts)


def parse_stem(stem: str) -> dict[str, str]:
    """The fields ``output_stem`` put in a name (time as ``HH:MM:SS``), or {} for other names."""
    match = _STEM.match(stem)
    if match is None:
        return {}
    fields = {k: v for k, v in match.groupdict().items() if v}
    fields["time"] = fields["time"].replace("-", ":")
    return fields


def name_clashes(recordings: list[tuple[str, Path]]) -> list[tuple[str, str, str]]:
    """(first raw video, second raw video, name) for every pair of ``(raw video, metadata TXT)``
    whose outputs would share names: their TXTs give one date, time and camera, so the
    enclosures they share (positions come from the QR codes, found only when cropping) would
    write the same files. A camera records one video at a time, so this is a metadata slip.
    A TXT that cannot be read or named is left to crop, which reports it for its own video."""
    first: dict[str, str] = {}
    clashes = []
    for video, text in recordings:
        try:
            prefix = recording_prefix(parse_metadata(text))
        except InputError:
            continue
        if prefix in first:
            clashes.append((first[prefix], video, f"{prefix}_*"))
        else:
            first[prefix] = video
    return clashes
