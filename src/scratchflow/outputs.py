"""Writing results safely: atomic files, checksums and provenance records.

Every output is written to a temporary name in its destination folder and renamed into
place only when complete, so an interrupted run never leaves a half-written file and a
rerun can trust any file that exists.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from scratchflow import __version__
from scratchflow.errors import InputError

if TYPE_CHECKING:  # only for annotations: --help and the contract modules need not load it
    import pandas as pd

CORE_PACKAGES = ("numpy", "scipy", "pandas", "tables", "click", "PyYAML")


@contextlib.contextmanager
def atomic_path(final: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``final``; rename it onto ``final`` on success."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".part", dir=final.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, _mode_from_umask())  # mkstemp makes 0600; others in the lab read too
        os.replace(tmp_path, final)
    finally:
        tmp_path.unlink(missing_ok=True)


def writable_folder(folder: str | Path, option: str = "--out") -> Path:
    """``folder``, made if needed, once a file could be written in it; else an InputError,
    before any work, naming the folder (a read-only disk, or a path through a file)."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test."):
            pass
    except OSError as err:
        raise InputError(folder, f"cannot write here ({err.strerror or err})",
                         f"pass an {option} folder you can write to") from err
    return folder


def _mode_from_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False)
    return Path(path)


def write_json(obj: dict, path: str | Path) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=False, default=str) + "\n")
    return Path(path)


def sha256_file(path: str | Path, chunk_bytes: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()


def software_versions(extra: tuple[str, ...] = ()) -> dict[str, str]:
    """Versions of Python, scratchflow and the packages that shaped a result."""
    versions = {"python": platform.python_version(), "scratchflow": __version__}
    for name in CORE_PACKAGES + extra:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def provenance(step: str, inputs: list[str | Path], parameters: dict, **details) -> dict:
    """A record of what made an output: step, parameters, versions and input checksums."""
    return {
        "step": step,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "parameters": parameters,
        "software": software_versions(),
        "inputs": [{"path": str(p), "sha256": sha256_file(p)} for p in inputs],
        **details,
    }


def is_up_to_date(record_path: str | Path, inputs: list[str | Path], parameters: dict,
                  outputs: list[str | Path]) -> bool:
    """True when every output exists and the provenance record at ``record_path`` was made
    from these exact inputs (by sha256) and parameters: a rerun may then skip the work."""
    record_path = Path(record_path)
    if not record_path.is_file() or not all(Path(p).is_file() for p in outputs):
        return False
    try:
        record = json.loads(record_path.read_text())
    except (OSError, json.JSONDecodeError):
        return False
    recorded = [item.get("sha256") for item in record.get("inputs", [])]
    current = [sha256_file(p) for p in inputs]
    return recorded == current and record.get("parameters") == json.loads(
        json.dumps(parameters, default=str))
