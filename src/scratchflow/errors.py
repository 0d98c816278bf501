"""The one exception type users see: it always names the file and what to fix."""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """Bad user input. The message names the offending file and how to fix it."""

    def __init__(self, path: str | Path | None, problem: str, fix: str | None = None):
        self.path = None if path is None else str(path)
        self.problem = problem
        self.fix = fix
        where = f"{self.path}: " if self.path else ""
        hint = f"\n  fix: {fix}" if fix else ""
        super().__init__(f"{where}{problem}{hint}")
