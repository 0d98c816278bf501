"""What ``scratchflow identity`` writes per pose file, by name.

Per pose file ``<stem>.h5``, in the output folder: ``<stem>_identity.h5`` (the repaired
tracks, DeepLabCut's multi-animal layout, individuals named by colour),
``<stem>_identity_events.csv`` (one row per repair), ``<stem>_identity_frames.csv`` (per
frame and colour: the track it came from and the confidence), ``<stem>_identity.png`` (the
QC timeline) and ``<stem>_identity_provenance.json``.
"""

from __future__ import annotations

import re
from pathlib import Path

STEP = "identity"
SUFFIXES = {
    "tracks": "_identity.h5",
    "events": "_identity_events.csv",
    "frames": "_identity_frames.csv",
    "figure": "_identity.png",
    "provenance": "_identity_provenance.json",
}
EVENT_COLUMNS = ("event_id", "kind", "start_frame", "end_frame", "start_s", "end_s",
                 "individuals", "bodyparts", "confidence")
FRAME_COLUMNS = ("frame", "time_s", "individual", "source_track", "confidence")
EVENT_KINDS = ("switch", "drift", "jump")


# Review clips of the repairs (``--clips N``): <stem>_identity_event003_t0012.4s.mp4
EVENT_CLIP = re.compile(r"_identity_event(?P<event>\d{3,})_t(?P<time>\d+\.\d)s\.mp4$")


def event_clip_name(stem: str, event_id: int, start_s: float) -> str:
    return f"{stem}_identity_event{event_id:03d}_t{start_s:06.1f}s.mp4"


def hue_centre(hue: tuple[float, float]) -> float:
    """The middle of a hue range in degrees as the provenance's ``colours`` give it; a range
    whose start is past its end wraps through 0 (red)."""
    low, high = hue
    return (low + ((high - low) % 360) / 2) % 360


def paths(out_dir: Path, stem: str) -> dict[str, Path]:
    """Every output of the pose file ``<stem>``, by kind."""
    return {kind: Path(out_dir) / f"{stem}{suffix}" for kind, suffix in SUFFIXES.items()}


def tracks_stem(stem: str) -> str:
    """The name of the repaired tracks of ``<stem>.h5`` without its suffix: the sample that
    quantify and summarise know the video's mice by (``<stem>_identity``)."""
    return stem + SUFFIXES["tracks"].removesuffix(".h5")


def video_stem(sample: str) -> str | None:
    """The pose file's stem of a ``tracks_stem`` sample, else None (not an identity output)."""
    tail = tracks_stem("")
    return sample.removesuffix(tail) if sample.endswith(tail) and sample != tail else None
