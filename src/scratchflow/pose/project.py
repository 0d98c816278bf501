"""Find and check what inference needs in a DeepLabCut project, wherever it was copied to.

Paths are found relative to the folder given, never through ``project_path`` in config.yaml,
which goes stale as soon as a project is copied, mounted or synced from S3.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from scratchflow.errors import InputError
from scratchflow.pose_io import resolve_role_names

PYTORCH_MODELS = "dlc-models-pytorch"
TENSORFLOW_MODELS = "dlc-models"
TENSORFLOW_HINT = ("run it with DeepLabCut 2.3 in an environment of its own (TensorFlow needs "
                   "numpy < 2) and give its .h5 files to `scratchflow quantify`, or retrain the "
                   "labelled project with engine=pytorch; see docs/pose.md")


@dataclass(frozen=True)
class DlcProject:
    """A trained DeepLabCut 3 (PyTorch) shuffle, ready for inference."""

    root: Path
    bodyparts: tuple[str, ...]
    individuals: tuple[str, ...]
    train_dir: Path  # .../dlc-models-pytorch/iteration-N/<name>shuffleS/train
    snapshot: Path
    shuffle: int

    @property
    def pytorch_config(self) -> Path:
        return self.train_dir / "pytorch_config.yaml"

    @property
    def model_name(self) -> str:
        return self.train_dir.parent.name


def open_project(path: str | Path, shuffle: int = 1, snapshot: int | None = None,
                 mapping: dict[str, str] | None = None,
                 required_roles: tuple[str, ...] = ()) -> DlcProject:
    """Check the project's files and body parts; pick the snapshot (default: config.yaml's
    ``snapshotindex``, else the last). Raises InputError naming what is missing."""
    root = Path(path)
    config = _read_config(root)
    bodyparts = _bodyparts(config, root)
    resolve_role_names(bodyparts, mapping, required_roles, root / "config.yaml")
    iteration = int(config.get("iteration") or 0)
    train_dir = _train_dir(root, iteration, shuffle)
    for needed in ("pytorch_config.yaml", "../test/pose_cfg.yaml"):
        if not (train_dir / needed).is_file():
            raise InputError(train_dir / needed, "file missing from the project",
                             "copy the whole shuffle folder (train/ and test/) of the project")
    index = snapshot if snapshot is not None else config.get("snapshotindex", -1)
    chosen = pick_snapshot(train_dir, index)
    individuals = tuple((_is_multianimal(config) and config.get("individuals")) or ("mouse",))
    return DlcProject(root, bodyparts, individuals, train_dir, chosen, shuffle)


def _read_config(root: Path) -> dict:
    config_path = root / "config.yaml"
    if not root.is_dir():
        raise InputError(root, "model folder not found",
                         "pass --model the DeepLabCut project folder (the one with config.yaml)")
    if not config_path.is_file():
        raise InputError(config_path, "not a DeepLabCut project: config.yaml missing",
                         "pass --model the project folder itself, not a subfolder")
    try:
        config = yaml.safe_load(config_path.read_text())
    except yaml.YAMLError as err:
        raise InputError(config_path, f"config.yaml does not parse: {err}",
                         "fix the YAML (DeepLabCut's own config.yaml parses)") from err
    if not isinstance(config, dict):
        raise InputError(config_path, "config.yaml holds no settings",
                         "restore it from the project")
    return config


def _is_multianimal(config: dict) -> bool:
    return bool(config.get("multianimalproject"))


def _bodyparts(config: dict, root: Path) -> tuple[str, ...]:
    if _is_multianimal(config):
        parts = list(config.get("multianimalbodyparts") or []) + list(
            config.get("uniquebodyparts") or [])
    else:
        parts = config.get("bodyparts") or []
    if not parts or not all(isinstance(p, str) for p in parts):
        raise InputError(root / "config.yaml", "no list of body parts under 'bodyparts'",
                         "restore config.yaml from the project the model was trained in")
    return tuple(parts)


def _train_dir(root: Path, iteration: int, shuffle: int) -> Path:
    pattern = re.compile(rf".*shuffle{shuffle}$")
    models = root / PYTORCH_MODELS / f"iteration-{iteration}"
    found = sorted(d for d in models.glob("*") if d.is_dir() and pattern.match(d.name))
    if found:
        return found[0] / "train"
    tensorflow = root / TENSORFLOW_MODELS / f"iteration-{iteration}"
    if any(pattern.match(d.name) for d in tensorflow.glob("*")):
        raise InputError(root, "this is a DeepLabCut 2.x (TensorFlow) model, which the PyTorch "
                         "engine cannot run", TENSORFLOW_HINT)
    have = sorted(d.name for d in models.glob("*")) or ["nothing"]
    raise InputError(models, f"no trained model for shuffle {shuffle} (found: {', '.join(have)})",
                     "pick the shuffle with --shuffle, or check config.yaml's 'iteration'")


def pick_snapshot(train_dir: Path, index: int | str) -> Path:
    """The ``index``-th pose snapshot by epoch (negative counts from the last), or 'best'."""
    snapshots = sorted((p for p in train_dir.glob("snapshot-*.pt") if "detector" not in p.name),
                       key=_epoch)
    if not snapshots:
        raise InputError(train_dir, "no snapshot-*.pt weights in the model's train folder",
                         "train the model, or copy its snapshot files with the project")
    best = [p for p in snapshots if "best" in p.name]
    if index == "best" and best:
        return best[-1]
    if index == "all":
        index = -1
    try:
        return snapshots[int(index)]
    except (ValueError, IndexError) as err:
        names = ", ".join(p.name for p in snapshots)
        raise InputError(train_dir, f"no snapshot number {index} (have: {names})",
                         "choose --snapshot between 0 and the count minus 1, or -1") from err


def _epoch(path: Path) -> tuple[int, str]:
    digits = re.findall(r"\d+", path.stem)
    return (int(digits[-1]) if digits else -1, path.name)
