"""Find and check what inference needs in a DeepLabCut project, wherever it was copied to.

Paths are found relative to the folder given, never through ``project_path`` in config.yaml,
which goes stale as soon as a project is copied, mounted or synced from S3.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from scratchflow.errors import InputError
from scratchflow.formats import resolve_role_names

PYTORCH = "pytorch"
TENSORFLOW = "tensorflow"
# Where each engine keeps its shuffles, and the model settings inference reads.
MODEL_FOLDERS = {PYTORCH: "dlc-models-pytorch", TENSORFLOW: "dlc-models"}
MODEL_CONFIGS = {PYTORCH: "train/pytorch_config.yaml", TENSORFLOW: "test/pose_cfg.yaml"}
SNAPSHOT_GLOBS = {PYTORCH: "snapshot-*.pt", TENSORFLOW: "snapshot-*.index"}
# What to install when a project's engine is missing (TensorFlow pins numpy < 2, so it has an
# extra and an image of its own; see docs/pose.md).
ENGINE_INSTALL = {
    PYTORCH: "pip install 'scratchflow[dlc]' (or `make install`), or use the scratchflow-dlc "
             "image (docker/Dockerfile.pose)",
    TENSORFLOW: "pip install 'scratchflow[tf]' in an environment of its own (`make install-tf`), "
                "or use the scratchflow-dlc-tf image (docker/Dockerfile.pose-tf)",
}
# What each engine imports; the provenance records their versions (module and package names
# agree for these).
ENGINE_PACKAGES = {PYTORCH: ("deeplabcut", "torch", "torchvision"),
                   TENSORFLOW: ("deeplabcut", "tensorflow", "numpy")}
ENGINE_NAMES = {PYTORCH: "DeepLabCut 3 (PyTorch)", TENSORFLOW: "DeepLabCut 2.x (TensorFlow)"}


@dataclass(frozen=True)
class DlcProject:
    """A trained DeepLabCut shuffle, ready for inference: DeepLabCut 3 (PyTorch) or a
    DeepLabCut 2.x project (TensorFlow), which DeepLabCut 3 still runs with TensorFlow."""

    root: Path
    bodyparts: tuple[str, ...]
    individuals: tuple[str, ...]
    train_dir: Path  # .../dlc-models[-pytorch]/iteration-N/<name>shuffleS/train
    snapshot: Path  # snapshot-*.pt, or a TensorFlow checkpoint's snapshot-*.index
    shuffle: int
    engine: str = PYTORCH

    @property
    def model_config(self) -> Path:
        return self.train_dir.parent / MODEL_CONFIGS[self.engine]

    @property
    def model_name(self) -> str:
        return self.train_dir.parent.name

    @property
    def weight_files(self) -> list[Path]:
        """The snapshot's files, whose checksums the provenance records (a TensorFlow
        checkpoint keeps its weights in .data-* beside the .index)."""
        if self.engine == PYTORCH:
            return [self.snapshot]
        return sorted(self.train_dir.glob(f"{self.snapshot.stem}.data-*")) + [self.snapshot]


def require_engine(project: DlcProject) -> None:
    """Stop before any video is read when the project's engine is not installed."""
    missing = [m for m in ENGINE_PACKAGES[project.engine] if importlib.util.find_spec(m) is None]
    if missing:
        raise InputError(project.root, f"this is a {ENGINE_NAMES[project.engine]} project, and "
                         f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not "
                         "installed here",
                         ENGINE_INSTALL[project.engine])


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
    engine, train_dir = _train_dir(root, iteration, shuffle)
    if engine == TENSORFLOW and _is_multianimal(config):
        raise InputError(root, "multi-animal TensorFlow projects are not supported",
                         "retrain the labelled project with engine=pytorch (DeepLabCut 3)")
    for needed in {MODEL_CONFIGS[engine], "test/pose_cfg.yaml"}:
        if not (train_dir.parent / needed).is_file():
            raise InputError(train_dir.parent / needed, "file missing from the project",
                             "copy the whole shuffle folder (train/ and test/) of the project")
    index = snapshot if snapshot is not None else config.get("snapshotindex", -1)
    chosen = pick_snapshot(train_dir, index, SNAPSHOT_GLOBS[engine])
    individuals = tuple((_is_multianimal(config) and config.get("individuals")) or ("mouse",))
    return DlcProject(root, bodyparts, individuals, train_dir, chosen, shuffle, engine)


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


def _train_dir(root: Path, iteration: int, shuffle: int) -> tuple[str, Path]:
    """The engine and train folder of the shuffle; PyTorch first, as DeepLabCut 3 does."""
    pattern = re.compile(rf".*shuffle{shuffle}$")
    for engine in (PYTORCH, TENSORFLOW):
        models = root / MODEL_FOLDERS[engine] / f"iteration-{iteration}"
        found = sorted(d for d in models.glob("*") if d.is_dir() and pattern.match(d.name))
        if found:
            return engine, found[0] / "train"
    have = sorted(str(d.relative_to(root)) for engine in (PYTORCH, TENSORFLOW)
                  for d in (root / MODEL_FOLDERS[engine]).glob("iteration-*/*")) or ["nothing"]
    raise InputError(root, f"no trained model for iteration {iteration}, shuffle {shuffle} "
                     f"(found: {', '.join(have)})",
                     "pick the shuffle with --shuffle, or check config.yaml's 'iteration'")


def pick_snapshot(train_dir: Path, index: int | str, pattern: str = "snapshot-*.pt") -> Path:
    """The ``index``-th pose snapshot by epoch or iteration (negative counts from the last),
    or 'best'."""
    snapshots = sorted((p for p in train_dir.glob(pattern) if "detector" not in p.name),
                       key=_epoch)
    if not snapshots:
        raise InputError(train_dir, f"no {pattern} weights in the model's train folder",
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
