"""The canonical pose type and the readers that fill it.

Every pose source (DeepLabCut single- or multi-animal tables, tracklets, SLEAP analysis
files) is converted at the boundary into one :class:`PoseData`: x, y and likelihood over
time x individual x keypoint, plus the frame rate and the source path. Readers validate
what they read and say what they expected and what they got.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from scratchflow.errors import InputError

ROLES = ("nose", "tail_base", "fore_left", "fore_right", "hind_left", "hind_right")

# Body-part names each role takes when no --bodypart mapping is given. Names are compared
# after lower-casing and dropping everything but letters and digits, so "Hind Paw L",
# "hind_paw_l" and "HindPawL" are one name.
DEFAULT_BODYPARTS: dict[str, tuple[str, ...]] = {
    "nose": ("nose", "snout"),
    "tail_base": ("tail_base", "tailbase", "tail base", "butt/proximal tail", "tailroot"),
    "fore_left": ("fore_paw_left", "front paw l", "forepaw_l", "forehand-left"),
    "fore_right": ("fore_paw_right", "front paw r", "forepaw_r", "forehand-right"),
    "hind_left": ("hind_paw_left", "hind paw l", "hindpaw_l", "left_rear_paw", "hindhand-left"),
    "hind_right": ("hind_paw_right", "hind paw r", "hindpaw_r", "right_rear_paw", "hindhand-right"),
}


@dataclass(frozen=True)
class PoseData:
    """Tracked keypoints of one or more individuals.

    ``position`` has shape (time, individual, keypoint, 2) in pixels, ``likelihood`` has
    shape (time, individual, keypoint) in [0, 1]. Missing points are NaN in both.
    """

    position: np.ndarray
    likelihood: np.ndarray
    keypoints: tuple[str, ...]
    individuals: tuple[str, ...]
    fps: float | None
    source: str

    def __post_init__(self):
        n_time, n_ind, n_kp = self.likelihood.shape
        expected = (n_time, n_ind, n_kp, 2)
        if self.position.shape != expected:
            raise ValueError(f"position shape {self.position.shape}, expected {expected}")
        if (len(self.individuals), len(self.keypoints)) != (n_ind, n_kp):
            raise ValueError("individual or keypoint names do not match the array shape")

    @property
    def n_frames(self) -> int:
        return self.likelihood.shape[0]

    def with_fps(self, fps: float | None) -> PoseData:
        return replace(self, fps=fps)

    def point(self, individual: int, keypoint: int) -> tuple[np.ndarray, np.ndarray]:
        """One keypoint's (T, 2) positions and (T,) likelihoods."""
        return self.position[:, individual, keypoint], self.likelihood[:, individual, keypoint]


def load_pose(path: str | Path, fps: float | None = None) -> PoseData:
    """Read a DeepLabCut (.h5/.csv) or SLEAP (.analysis.h5) pose file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "pose file not found", "check the path")
    suffix = path.suffix.lower()
    if suffix in (".h5", ".hdf5"):
        pose = _read_hdf5(path, fps)
    elif suffix == ".csv":
        pose = _from_dlc_table(_read_dlc_csv(path), path, fps)
    else:
        raise InputError(
            path,
            f"unsupported pose file type '{suffix}'",
            "give a DeepLabCut .h5 or .csv, or a SLEAP .analysis.h5 file",
        )
    _check_has_data(pose)
    return pose


def _check_has_data(pose: PoseData) -> None:
    if pose.n_frames == 0:
        raise InputError(pose.source, "pose file has no frames", "re-run pose estimation")
    if not np.isfinite(pose.position).any():
        raise InputError(
            pose.source,
            "every position is NaN: no keypoint was tracked in any frame",
            "check the model ran on the right video",
        )


def _read_hdf5(path: Path, fps: float | None) -> PoseData:
    import tables

    try:
        with warnings.catch_warnings():
            # SLEAP stores some metadata as variable-length strings that PyTables skips.
            warnings.simplefilter("ignore")
            with tables.open_file(path, "r") as h5:
                if "/tracks" in h5 and "/node_names" in h5:
                    return _read_sleap(h5, path, fps)
                keys = [
                    g._v_pathname
                    for g in h5.root._f_iter_nodes("Group")
                    if "pandas_type" in g._v_attrs  # a table that pandas wrote
                ]
                found = sorted(h5.root._v_children)
    except tables.HDF5ExtError as err:
        raise InputError(path, f"not a readable HDF5 file ({err})", "re-export it") from err
    # DeepLabCut writes 'df_with_missing'; its multi-animal tracklets use 'tracks'.
    for key in ("/df_with_missing", "/tracks", *keys):
        if key in keys:
            return _from_dlc_table(pd.read_hdf(path, key), path, fps)
    raise InputError(
        path,
        f"HDF5 file holds neither a DeepLabCut table nor SLEAP tracks (found: {found})",
        "give a DeepLabCut .h5 output or a SLEAP .analysis.h5 export",
    )


def _read_sleap(h5, path: Path, fps: float | None) -> PoseData:
    tracks = np.asarray(h5.root.tracks.read(), dtype=float)  # (track, xy, node, frame)
    nodes = tuple(_text(n) for n in h5.root.node_names.read())
    if tracks.ndim != 4 or tracks.shape[1] != 2 or tracks.shape[2] != len(nodes):
        raise InputError(
            path,
            f"SLEAP 'tracks' has shape {tracks.shape}, expected (tracks, 2, {len(nodes)}, frames)",
            "export with SLEAP's 'Export Analysis HDF5'",
        )
    names = [_text(n) for n in h5.root.track_names.read()] if "/track_names" in h5 else []
    if len(names) != tracks.shape[0]:
        names = ([sample_name(path)] if tracks.shape[0] == 1
                 else [f"track_{i}" for i in range(tracks.shape[0])])
    position = tracks.transpose(3, 0, 2, 1)  # (frame, track, node, xy)
    if "/point_scores" in h5:
        likelihood = np.asarray(h5.root.point_scores.read(), dtype=float).transpose(2, 0, 1)
    else:
        likelihood = np.ones(position.shape[:3])
    likelihood = np.where(np.isnan(position[..., 0]), np.nan, likelihood)
    return PoseData(position, likelihood, nodes, tuple(names), fps, str(path))


def sample_name(path: str | Path) -> str:
    """The name of the one animal of a file that names none: its sample, the file's stem, as
    the quantify step names its outputs (so tables say which mouse, not ``individual_0``)."""
    return Path(path).stem


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _read_dlc_csv(path: Path) -> pd.DataFrame:
    with open(path, encoding="utf-8", errors="replace") as handle:
        head = [handle.readline().rstrip("\r\n").split(",") for _ in range(4)]
    if head[0][0].strip().lower() != "scorer" or len(head[0]) < 2:
        raise InputError(
            path,
            f"not a DeepLabCut CSV: first cell is {head[0][0]!r}, expected 'scorer'",
            "give the CSV that DeepLabCut wrote (3 or 4 header rows)",
        )
    n_header = 4 if head[1][0].strip().lower() == "individuals" else 3
    # Labelled-data CSVs carry several index columns (folder, image) before the scorer.
    n_index = next(i for i, cell in enumerate(head[0][1:], start=1) if cell.strip())
    table = pd.read_csv(path, header=list(range(n_header)), index_col=list(range(n_index)))
    return table


def _from_dlc_table(table: pd.DataFrame, path: Path, fps: float | None) -> PoseData:
    if not isinstance(table.columns, pd.MultiIndex):
        raise InputError(path, "columns are not DeepLabCut's multi-level header", None)
    levels = list(table.columns.names)
    expected = {"bodyparts", "coords"}
    if not expected <= set(levels):
        raise InputError(
            path,
            f"column levels are {levels}, expected scorer, [individuals,] bodyparts, coords",
            "give a DeepLabCut output table",
        )
    columns = table.columns.droplevel("scorer") if "scorer" in levels else table.columns
    if "individuals" not in columns.names:
        columns = pd.MultiIndex.from_tuples(
            [(sample_name(path), *c) for c in columns], names=["individuals", *columns.names]
        )
    table = table.set_axis(columns, axis=1)
    coords = set(columns.get_level_values("coords"))
    if not {"x", "y"} <= coords:
        raise InputError(path, f"coords are {sorted(coords)}, expected x, y, likelihood", None)
    individuals = tuple(dict.fromkeys(columns.get_level_values("individuals")))
    keypoints = tuple(dict.fromkeys(columns.get_level_values("bodyparts")))
    full = pd.MultiIndex.from_product([individuals, keypoints, ["x", "y", "likelihood"]])
    # Reindexing fills a body part that one individual lacks (e.g. 'single' parts) with NaN.
    values = table.reindex(columns=full).to_numpy(dtype=float)
    values = values.reshape(len(table), len(individuals), len(keypoints), 3)
    position = values[..., :2]
    likelihood = values[..., 2]
    if "likelihood" not in coords:  # labelled data: a point that is present is certain
        likelihood = np.where(np.isnan(position[..., 0]), np.nan, 1.0)
    return PoseData(position, likelihood, keypoints, individuals, fps, str(path))


def _normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def resolve_roles(
    pose: PoseData, mapping: dict[str, str] | None = None, required: tuple[str, ...] = ROLES
) -> dict[str, int]:
    """Map each role to a keypoint index of ``pose`` (see ``resolve_role_names``)."""
    return resolve_role_names(pose.keypoints, mapping, required, pose.source)


def resolve_role_names(
    keypoints: tuple[str, ...], mapping: dict[str, str] | None = None,
    required: tuple[str, ...] = ROLES, source: str | Path | None = None,
) -> dict[str, int]:
    """Map each role to an index in ``keypoints``: explicit ``mapping`` first, then the defaults.

    Roles not in ``required`` are optional and left out when absent. ``source`` names the file
    in the error message.
    """
    mapping = mapping or {}
    unknown = set(mapping) - set(ROLES)
    if unknown:
        raise InputError(None, f"unknown role(s) {sorted(unknown)}", f"roles are {list(ROLES)}")
    by_name = {_normalise(k): i for i, k in enumerate(keypoints)}
    resolved: dict[str, int] = {}
    missing = []
    for role in ROLES:
        candidates = (mapping[role],) if role in mapping else DEFAULT_BODYPARTS[role]
        index = next((by_name[_normalise(c)] for c in candidates if _normalise(c) in by_name), None)
        if index is not None:
            resolved[role] = index
        elif role in required:
            missing.append(f"{role} (looked for {', '.join(repr(c) for c in candidates)})")
    if missing:
        raise InputError(
            source,
            "missing body part(s) for role(s): " + "; ".join(missing)
            + f". The file has: {', '.join(repr(k) for k in keypoints)}",
            'map them with --bodypart ROLE=NAME, e.g. --bodypart hind_left="Hind Paw L"',
        )
    return resolved
