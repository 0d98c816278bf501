"""Read the metadata TXT that sits beside each raw video (same stem).

The file is ``key: value`` (or ``key = value``) lines; keys are case-insensitive, ``#`` starts
a comment line, blank lines are ignored. Dates and times are normalised to ISO so that output
names sort chronologically whatever spelling the rig's operator used. See docs/metadata.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path, PurePath
from typing import NamedTuple

from scratchflow.errors import InputError

VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".m4v")
METADATA_SUFFIX = ".txt"
REQUIRED_KEYS = ("date", "time", "camera")
POSITION_FIELDS = ("mouse", "treatment", "group")
DATE_ORDERS = ("dmy", "mdy")

DATE_HELP = ("a date such as 2024-03-05, 2024/03/05, 20240305, 05.03.2024 (day first), "
             "5 Mar 2024 or March 5, 2024")
TIME_HELP = "a time such as 14:30, 14:30:05, 2:30 PM or 143005"

MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august",
               "september", "october", "november", "december")

_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_POSITION_KEY = re.compile(rf"^(?P<position>[a-z0-9]+)_(?P<field>{'|'.join(POSITION_FIELDS)})$")


@dataclass
class VideoMetadata:
    """Parsed metadata; ``lines`` maps each key to its line number for error messages."""

    source: Path
    date: str
    time: str
    camera: str
    fps: float | None = None
    experiment: str | None = None
    positions: dict[str, dict[str, str]] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)

    def mouse_id(self, position: str) -> str | None:
        return self.positions.get(position, {}).get("mouse")

    def to_dict(self) -> dict:
        return {
            "source": str(self.source), "date": self.date, "time": self.time,
            "camera": self.camera, "fps": self.fps, "experiment": self.experiment,
            "positions": self.positions, "extra": self.extra,
        }


def read_pairs(path: Path) -> dict[str, tuple[str, int]]:
    """Raw ``key -> (value, line number)`` pairs, keys lower-cased with ``_`` for spaces/dashes."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as err:
        raise InputError(path, "metadata file not found",
                         "put a TXT with the video's stem beside it, or pass --metadata") from err
    except UnicodeDecodeError as err:
        raise InputError(path, f"metadata is not UTF-8 text ({err.reason})",
                         "save the file as plain UTF-8 text") from err
    pairs: dict[str, tuple[str, int]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, value = split_line(path, number, line)
        if key in pairs:
            raise InputError(path, f"line {number}: key {key!r} already given on line "
                             f"{pairs[key][1]}", "keep one of the two lines")
        pairs[key] = (value, number)
    return pairs


def split_line(path: Path, number: int, line: str) -> tuple[str, str]:
    # The first ':' or '=' separates key from value; a time such as 14:30 keeps its colon.
    match = re.search(r"[:=]", line)
    if not match:
        raise InputError(path, f"line {number}: expected 'key: value', got {line!r}",
                         "write one 'key: value' per line (or start the line with # to comment)")
    key = re.sub(r"[\s-]+", "_", line[: match.start()].strip().lower())
    if not _KEY.match(key):
        raise InputError(path, f"line {number}: {key!r} is not a valid key",
                         "keys are letters, digits and underscores, starting with a letter")
    return key, line[match.end():].strip()


def parse_metadata(path: str | Path) -> VideoMetadata:
    """Parse and validate one metadata TXT; every problem raises InputError with its line."""
    path = Path(path)
    pairs = read_pairs(path)
    for key in REQUIRED_KEYS:
        if key not in pairs or not pairs[key][0]:
            raise InputError(path, f"required key {key!r} is missing or empty",
                             f"add a line '{key}: ...' (required: {', '.join(REQUIRED_KEYS)})")
    order = date_order(path, pairs)
    meta = VideoMetadata(
        source=path,
        date=parse_date(pairs["date"][0], order, path, pairs["date"][1]),
        time=parse_time(pairs["time"][0], path, pairs["time"][1]),
        camera=pairs["camera"][0],
        lines={key: number for key, (_, number) in pairs.items()},
    )
    for key, (value, number) in pairs.items():
        assign_optional(meta, key, value, number)
    return meta


def date_order(path: Path, pairs: dict[str, tuple[str, int]]) -> str:
    value, number = pairs.get("date_order", ("dmy", 0))
    if value.lower() not in DATE_ORDERS:
        raise InputError(path, f"line {number}: date_order {value!r} is not one of {DATE_ORDERS}",
                         "write 'date_order: dmy' (default) or 'date_order: mdy'")
    return value.lower()


def assign_optional(meta: VideoMetadata, key: str, value: str, number: int) -> None:
    if key in REQUIRED_KEYS or key == "date_order":
        return
    if key == "fps":
        meta.fps = parse_fps(value, meta.source, number)
    elif key == "experiment":
        meta.experiment = value
    elif match := _POSITION_KEY.match(key):
        meta.positions.setdefault(match["position"], {})[match["field"]] = value
    else:
        meta.extra[key] = value  # unknown keys are the lab's own; carry them to the sidecar


def parse_fps(value: str, path: Path, number: int) -> float:
    try:
        fps = float(value)
    except ValueError:
        fps = 0.0
    if not fps > 0:
        raise InputError(path, f"line {number}: fps {value!r} is not a positive number",
                         "write e.g. 'fps: 120' or remove the line (the video's rate is used)")
    return fps


def parse_date(value: str, order: str, path: Path, number: int) -> str:
    """Normalise a date to ISO ``YYYY-MM-DD``; numeric year-last dates follow ``order``."""
    parts = date_parts(value.strip().lower(), order)
    try:
        if parts is None:
            raise ValueError("unrecognised spelling")
        return date(*parts).isoformat()
    except ValueError as err:
        raise InputError(path, f"line {number}: cannot read date {value!r} ({err})",
                         f"write {DATE_HELP}") from err


def date_parts(text: str, order: str) -> tuple[int, int, int] | None:
    if m := re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", text):
        return int(m[1]), int(m[2]), int(m[3])
    if m := re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text):
        return int(m[1]), int(m[2]), int(m[3])
    if m := re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", text):
        first, second = int(m[1]), int(m[2])
        day, month = (first, second) if order == "dmy" else (second, first)
        return int(m[3]), month, day
    if m := re.fullmatch(r"(\d{1,2})[\s-]*([a-z]+)\.?,?[\s-]*(\d{4})", text):
        return month_date(m[3], m[2], m[1])
    if m := re.fullmatch(r"([a-z]+)\.?[\s-]*(\d{1,2}),?[\s-]*(\d{4})", text):
        return month_date(m[3], m[1], m[2])
    if m := re.fullmatch(r"(\d{4})[\s-]*([a-z]+)\.?[\s-]*(\d{1,2})", text):
        return month_date(m[1], m[2], m[3])
    return None


def month_date(year: str, month_name: str, day: str) -> tuple[int, int, int] | None:
    """``Mar``, ``March``, ``Sept``: any prefix of at least three letters names the month."""
    name = "sep" if month_name == "sept" else month_name
    for number, full in enumerate(MONTH_NAMES, start=1):
        if len(name) >= 3 and full.startswith(name):
            return int(year), number, int(day)
    return None


def parse_time(value: str, path: Path, number: int) -> str:
    """Normalise a time of day to ``HH:MM:SS`` (24 h)."""
    text = value.strip().lower().replace(" ", "")
    m = (re.fullmatch(r"(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?(am|pm|a\.m\.|p\.m\.)?", text)
         or re.fullmatch(r"(\d{2})(\d{2})(\d{2})?(am|pm)?", text))
    try:
        if not m:
            raise ValueError("unrecognised spelling")
        hour, minute, second = int(m[1]), int(m[2]), int(m[3] or 0)
        hour = to_24h(hour, (m[4] or "").replace(".", ""))
        return time(hour, minute, second).isoformat()
    except ValueError as err:
        raise InputError(path, f"line {number}: cannot read time {value!r} ({err})",
                         f"write {TIME_HELP}") from err


def to_24h(hour: int, meridiem: str) -> int:
    if not meridiem:
        return hour
    if not 1 <= hour <= 12:
        raise ValueError(f"hour {hour} with {meridiem.upper()}")
    return hour % 12 + (12 if meridiem == "pm" else 0)


# Where a file is: a local path, or an s3:// URI (a string: a Path would fold its "//").
Location = PurePath | str


class Pairing(NamedTuple):
    """Videos paired with the metadata TXT of the same stem, and the files left over."""

    pairs: list[tuple[Location, Location]]
    lonely_videos: list[Location]
    lonely_texts: list[Location]
    clashes: list[Location]  # share a stem with another video or TXT: the pairing is unclear


@dataclass(frozen=True)
class Sample:
    """One raw recording: a video and its metadata TXT. Before download, ``video`` and
    ``metadata`` may be s3:// URIs (``Location``); after it they are local paths."""

    name: str
    video: Location
    metadata: Location


def pair_by_stem(files: Iterable[PurePath]) -> Pairing:
    """The one pairing rule, for local folders and S3 prefixes alike.

    A video (``VIDEO_SUFFIXES``, any case) pairs with the ``.txt`` (any case) of the same
    stem; stems are case-sensitive. Other files are ignored.
    """
    videos: dict[str, list[PurePath]] = {}
    texts: dict[str, list[PurePath]] = {}
    for path in sorted(files):
        suffix = path.suffix.lower()
        group = videos if suffix in VIDEO_SUFFIXES else texts if suffix == METADATA_SUFFIX else None
        if group is not None:
            group.setdefault(path.stem, []).append(path)
    # a.mp4 + a.avi (or a.txt + a.TXT): which files belong together is unclear, so none pair.
    clashed = {stem for group in (videos, texts) for stem, ps in group.items() if len(ps) > 1}
    video, text = ({stem: ps[0] for stem, ps in group.items() if stem not in clashed}
                   for group in (videos, texts))
    return Pairing(
        pairs=[(video[stem], text[stem]) for stem in sorted(video.keys() & text.keys())],
        lonely_videos=[video[stem] for stem in sorted(video.keys() - text.keys())],
        lonely_texts=[text[stem] for stem in sorted(text.keys() - video.keys())],
        clashes=sorted(p for group in (videos, texts) for stem, ps in group.items()
                       if stem in clashed for p in ps),
    )
