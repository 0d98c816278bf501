"""Find files by name in files and folders given, searched recursively.

Steps that join other steps' outputs (summarise, clips) find them by name wherever they lie,
so the same code serves the flat folder a Nextflow task stages and a one-machine run folder
with a subfolder per step.
"""

from __future__ import annotations

import re
from pathlib import Path

from scratchflow.errors import InputError
from scratchflow.summarise.files import BUNDLE_DIR


class FileIndex:
    """Files given, and every file below folders given, by name. Hidden files and folders are
    skipped: they are temporary ``.part`` files of atomic writes or state such as ``.nextflow``.
    So are ``BUNDLE_DIR`` folders: the copies a report links (summarise's bundle), not results."""

    def __init__(self, sources: list[Path]):
        self.by_name: dict[str, list[Path]] = {}
        for source in sources:
            if source.is_file():
                self.by_name.setdefault(source.name, []).append(source)
                continue
            if not source.is_dir():
                raise InputError(source, "not found",
                                 "give the folder with the results, or the run folder")
            for path in sorted(source.rglob("*")):
                parts = path.relative_to(source).parts
                skipped = any(part.startswith(".") for part in parts) or BUNDLE_DIR in parts[:-1]
                if not skipped and path.is_file():
                    self.by_name.setdefault(path.name, []).append(path)

    def all(self, name: str) -> list[Path]:
        """The files called ``name``, one per real file (a link and its target count once)."""
        unique = {path.resolve(): path for path in reversed(self.by_name.get(name, []))}
        return sorted(unique.values())

    def one(self, name: str) -> Path | None:
        paths = self.all(name)
        if len(paths) > 1:
            raise InputError(paths[1], f"{name} is found more than once: "
                             + ", ".join(str(p) for p in paths),
                             "point at folders that hold each mouse's results once")
        return paths[0] if paths else None

    def by_suffix(self, suffix: str) -> dict[str, Path]:
        """``prefix -> path`` for every file name ``prefix + suffix``."""
        return {name[: -len(suffix)]: self.one(name) for name in sorted(self.by_name)
                if name.endswith(suffix) and len(name) > len(suffix)}

    def matching(self, pattern: re.Pattern) -> list[Path]:
        return [path for name in sorted(self.by_name) if pattern.search(name)
                for path in self.all(name)]
