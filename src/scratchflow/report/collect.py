"""Find a run's files by name in one or more folders, searched recursively.

Files are recognised by their names wherever they lie, so the same code serves the flat
folder a Nextflow task stages (``results/``) and a one-machine run folder with ``crop/``,
``pose/``, ``quantify/`` and ``clips/`` subfolders.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from scratchflow.errors import InputError
from scratchflow.report.bundle import BUNDLE_DIR

# What `scratchflow quantify` writes per pose file: <sample>_scratch_<kind>.
QUANTIFY_SUFFIXES = {
    "summary": "_scratch_summary.csv",
    "bouts": "_scratch_bouts.csv",
    "strokes": "_scratch_strokes.csv",
    "timebins": "_scratch_timebins.csv",
    "provenance": "_scratch_provenance.json",
}
PREVIEW_SUFFIX = ".preview.png"
EXPECTED_NAME = re.compile(r"^(?:.+\.)?expected_samples\.csv$")  # Nextflow prefixes the experiment
CLIP_NAME = re.compile(r"_bout(?P<bout>\d{3,})_t(?P<time>\d+\.\d)s\.mp4$")


class FileIndex:
    """Files given, and every file below folders given, by name. Hidden files and folders are
    skipped: they are temporary ``.part`` files of atomic writes or state such as ``.nextflow``.
    So are ``report_files/`` folders: the copies a report links (bundle.py), not results."""

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


@dataclass
class SampleFiles:
    """One mouse's files: quantify outputs by kind, crop sidecar and preview, review clips."""

    sample: str
    quantify: dict[str, Path] = field(default_factory=dict)
    sidecar: Path | None = None
    preview: Path | None = None
    clips: list[Path] = field(default_factory=list)


@dataclass
class RunFiles:
    samples: dict[str, SampleFiles]
    expected: list[Path]  # expected_samples.csv files


def collect_run(folders: list[Path]) -> RunFiles:
    index = FileIndex(folders)
    samples: dict[str, SampleFiles] = {}

    def files(sample: str) -> SampleFiles:
        return samples.setdefault(sample, SampleFiles(sample))

    for kind, suffix in QUANTIFY_SUFFIXES.items():
        for sample, path in index.by_suffix(suffix).items():
            files(sample).quantify[kind] = path
    for sample, path in crop_sidecars(index).items():
        files(sample).sidecar = path
    for sample, path in index.by_suffix(PREVIEW_SUFFIX).items():
        files(sample).preview = path
    for clip in index.matching(CLIP_NAME):
        owner = clip_owner(clip.name, samples)
        if owner is not None:
            samples[owner].clips.append(clip)
    return RunFiles(dict(sorted(samples.items())), index.matching(EXPECTED_NAME))


def crop_sidecars(index: FileIndex) -> dict[str, Path]:
    """``<sample>.json`` files written by the crop step. The pose step's sidecars share the
    name pattern, so a crop sidecar is told apart by its content (``"step": "crop"``)."""
    found: dict[str, Path] = {}
    for name in sorted(index.by_name):
        if not name.endswith(".json") or name.endswith(QUANTIFY_SUFFIXES["provenance"]):
            continue
        for path in index.all(name):
            if not is_crop_sidecar(path):
                continue
            sample = name[: -len(".json")]
            if sample in found:
                raise InputError(path, f"a second crop sidecar for {sample} (first: "
                                 f"{found[sample]})", "point at one run's crop folder only")
            found[sample] = path
    return found


def is_crop_sidecar(path: Path) -> bool:
    try:
        record = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False  # not ours to judge: other tools' JSON may sit in a run folder too
    return isinstance(record, dict) and record.get("step") == "crop"


def clip_owner(name: str, samples: dict[str, SampleFiles]) -> str | None:
    """The longest sample name that prefixes a clip's name (clip names may add an individual)."""
    owners = [s for s in samples if name.startswith(f"{s}_")]
    return max(owners, key=len) if owners else None
