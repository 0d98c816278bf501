"""The names of review clips: ``<sample>[_<individual>]_bout003_t0012.4s.mp4``."""

from __future__ import annotations

import re

STEP = "clips"  # the folder a run or pipeline publishes them in
CLIP_NAME = re.compile(r"_bout(?P<bout>\d{3,})_t(?P<time>\d+\.\d)s\.mp4$")


def individual_tag(individual: str) -> str:
    """The individual as a clip name carries it: characters a file name may not hold become -."""
    return re.sub(r"[^A-Za-z0-9.-]+", "-", individual)


def clip_name(sample: str, individual: str | None, bout_id: int, start_s: float) -> str:
    """Sorts by mouse, then bout; the individual only when a file has several."""
    who = f"_{individual_tag(individual)}" if individual else ""
    return f"{sample}{who}_bout{bout_id:03d}_t{start_s:06.1f}s.mp4"
