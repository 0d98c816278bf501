"""Progress lines for long work, on stderr, shared by every step that walks through frames."""

from __future__ import annotations

import time
from collections.abc import Callable

Report = Callable[[str], None]


def frame_reporter(label: str, total: int, report: Report | None,
                   every_percent: int = 10, every_s: float = 5.0) -> Callable[[int], None] | None:
    """A callback taking the frames done so far; it reports at most every 10 % or 5 s."""
    if report is None:
        return None
    state = {"percent": 0, "time": time.monotonic()}

    def on_frame(frame: int) -> None:
        percent = 100 * frame // max(1, total)
        now = time.monotonic()
        if percent >= state["percent"] + every_percent or now - state["time"] > every_s:
            state.update(percent=percent, time=now)
            report(f"{label}: {percent}% ({frame}/{total} frames)")

    return on_frame
