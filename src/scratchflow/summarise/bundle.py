"""Copies of the files the report links, in a folder (``BUNDLE_DIR``) beside the report.

Links to ``../quantify`` break when the report is sent on its own or its folder is moved;
links into the bundle folder beside it travel with the folder. The folder is built
under a hidden temporary name and swapped in whole, so it never mixes two runs' files, and
``FileIndex`` skips it, so a later summary of the same run folder does not read the copies
as a second set of results.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from scratchflow.summarise.files import BUNDLE_DIR


def bundle_files(sources: list[Path], out_dir: Path) -> dict[Path, Path]:
    """Copy ``sources`` (distinct names) into ``out_dir/BUNDLE_DIR``; return source -> copy."""
    folder = Path(out_dir) / BUNDLE_DIR
    staging = Path(out_dir) / f".{BUNDLE_DIR}.part"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        for source in sources:
            shutil.copyfile(source, staging / source.name)  # a staged link becomes a file
        shutil.rmtree(folder, ignore_errors=True)
        staging.rename(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {source: folder / source.name for source in sources}
