"""SLEAP analysis HDF5 (``.analysis.h5``: ``tracks``, ``point_scores``, ``node_names``,
``track_names``), read through PyTables."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from scratchflow.errors import InputError
from scratchflow.formats.model import PoseData, sample_name


def is_sleap(h5) -> bool:
    """Whether an open PyTables file holds SLEAP's analysis arrays."""
    return "/tracks" in h5 and "/node_names" in h5


def read_sleap(h5, path: Path, fps: float | None) -> PoseData:
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


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def write_sleap(pose: PoseData, path: str | Path) -> Path:
    """``pose`` as a SLEAP analysis file (the arrays ``read_sleap`` reads), atomically."""
    import tables

    from scratchflow import outputs

    with outputs.atomic_path(path) as tmp, tables.open_file(tmp, "w") as h5:
        h5.create_array("/", "tracks", pose.position.transpose(1, 3, 2, 0))
        h5.create_array("/", "point_scores", pose.likelihood.transpose(1, 2, 0))
        h5.create_array("/", "node_names", [name.encode() for name in pose.keypoints])
        h5.create_array("/", "track_names", [name.encode() for name in pose.individuals])
    return Path(path)
