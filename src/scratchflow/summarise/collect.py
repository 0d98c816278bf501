"""Find a run's files by name in one or more folders, searched recursively.

Files are recognised by their names wherever they lie, so the same code serves the flat
folder a Nextflow task stages (``results/``) and a one-machine run folder with ``crop/``,
``pose/``, ``quantify/`` and ``clips/`` subfolders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from scratchflow.behaviour import files as behaviour_files
from scratchflow.clips.files import CLIP_NAME
from scratchflow.crop import record as crop_record
from scratchflow.errors import InputError
from scratchflow.file_index import FileIndex
from scratchflow.formats import pose_record
from scratchflow.identity import files as identity_files
from scratchflow.quantify import files as quantify_files

EXPECTED_NAME = re.compile(r"^(?:.+\.)?expected_samples\.csv$")  # Nextflow prefixes the experiment


@dataclass
class SampleFiles:
    """One mouse's files: quantify outputs by kind, crop sidecar and preview, review clips,
    behaviour outputs by kind; in an open arena, the identity step's events and provenance by
    kind (the sample is the repaired tracks' stem, and each individual one mouse)."""

    sample: str
    quantify: dict[str, Path] = field(default_factory=dict)
    sidecar: Path | None = None
    preview: Path | None = None
    clips: list[Path] = field(default_factory=list)
    identity: dict[str, Path] = field(default_factory=dict)
    behaviour: dict[str, Path] = field(default_factory=dict)  # behaviour outputs by kind


@dataclass
class RunFiles:
    samples: dict[str, SampleFiles]
    expected: list[Path]  # expected_samples.csv files


def collect_run(folders: list[Path]) -> RunFiles:
    index = FileIndex(folders)
    samples: dict[str, SampleFiles] = {}

    def files(sample: str) -> SampleFiles:
        return samples.setdefault(sample, SampleFiles(sample))

    for kind, suffix in quantify_files.SUFFIXES.items():
        for sample, path in index.by_suffix(suffix).items():
            files(sample).quantify[kind] = path
    for kind in ("events", "provenance"):
        for stem, path in index.by_suffix(identity_files.SUFFIXES[kind]).items():
            files(identity_files.tracks_stem(stem)).identity[kind] = path
    for kind, suffix in behaviour_files.SUFFIXES.items():
        for sample, path in index.by_suffix(suffix).items():
            files(sample).behaviour[kind] = path
    for sample, path in crop_sidecars(index).items():
        files(sample).sidecar = path
    for sample, path in index.by_suffix(crop_record.PREVIEW_SUFFIX).items():
        files(sample).preview = path
    for clip in index.matching(CLIP_NAME):
        owner = clip_owner(clip.name, samples)
        if owner is not None:
            samples[owner].clips.append(clip)
    return RunFiles(dict(sorted(samples.items())), index.matching(EXPECTED_NAME))


def crop_sidecars(index: FileIndex) -> dict[str, Path]:
    """``<sample>.json`` crop records, by sample."""
    others = (quantify_files.SUFFIXES["provenance"], pose_record.SUFFIX)
    found: dict[str, Path] = {}
    for name in sorted(index.by_name):
        if not name.endswith(crop_record.RECORD_SUFFIX) or name.endswith(others):
            continue
        for path in index.all(name):
            if not crop_record.is_record(path):
                continue
            sample = name.removesuffix(crop_record.RECORD_SUFFIX)
            if sample in found:
                raise InputError(path, f"a second crop sidecar for {sample} (first: "
                                 f"{found[sample]})", "point at one run's crop folder only")
            found[sample] = path
    return found


def clip_owner(name: str, samples: dict[str, SampleFiles]) -> str | None:
    """The longest sample name that prefixes a clip's name (clip names may add an individual)."""
    owners = [s for s in samples if name.startswith(f"{s}_")]
    return max(owners, key=len) if owners else None


def only_samples(run: RunFiles, names: set[str]) -> tuple[RunFiles, list[str]]:
    """``run`` cut to the samples ``names``, and the names of those left out (an earlier run's
    mice in a reused folder)."""
    left_out = sorted(set(run.samples) - names)
    kept = {sample: files for sample, files in run.samples.items() if sample in names}
    return RunFiles(kept, run.expected), left_out
