"""``load_pose``: any supported pose file into a ``PoseData``, checked at the boundary."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from scratchflow.errors import InputError
from scratchflow.formats import dlc, sleap
from scratchflow.formats.model import PoseData


def load_pose(path: str | Path, fps: float | None = None) -> PoseData:
    """Read a DeepLabCut (.h5/.csv) or SLEAP (.analysis.h5) pose file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "pose file not found", "check the path")
    if path.stat().st_size == 0:
        raise InputError(path, "the file is empty (0 bytes)",
                         "copy it again, or re-run pose estimation for this video")
    suffix = path.suffix.lower()
    if suffix in (".h5", ".hdf5"):
        pose = _read_hdf5(path, fps)
    elif suffix == ".csv":
        pose = dlc.table_to_pose(dlc.read_csv(path), path, fps)
    else:
        raise InputError(
            path,
            f"unsupported pose file type '{suffix}'",
            "give a DeepLabCut .h5 or .csv, or a SLEAP .analysis.h5 file",
        )
    _check_has_data(pose)
    return pose


# No video is a million pixels wide: a coordinate beyond this is a corrupt value, whose
# squares would overflow to inf inside the detector.
MAX_COORDINATE_PX = 1e6


def _check_has_data(pose: PoseData) -> None:
    if pose.n_frames == 0:
        raise InputError(pose.source, "pose file has no frames", "re-run pose estimation")
    if not np.isfinite(pose.position).any():
        raise InputError(
            pose.source,
            "every position is NaN: no keypoint was tracked in any frame",
            "check the model ran on the right video",
        )
    wild = np.abs(np.nan_to_num(pose.position, nan=0.0)) > MAX_COORDINATE_PX
    if wild.any():
        frame, individual, keypoint, axis = (int(i[0]) for i in np.nonzero(wild))
        value = pose.position[frame, individual, keypoint, axis]
        raise InputError(pose.source, f"frame {frame}: {pose.keypoints[keypoint]} "
                         f"{'xy'[axis]} = {value:g} px is not a position in a video "
                         f"(limit {MAX_COORDINATE_PX:g} px)",
                         "re-export the pose file; the value is corrupt")


def _read_hdf5(path: Path, fps: float | None) -> PoseData:
    import tables

    try:
        with warnings.catch_warnings():
            # SLEAP stores some metadata as variable-length strings that PyTables skips.
            warnings.simplefilter("ignore")
            with tables.open_file(path, "r") as h5:
                if sleap.is_sleap(h5):
                    return sleap.read_sleap(h5, path, fps)
                table = dlc.read_h5_tables(h5, path)
                found = sorted(h5.root._v_children)
    except tables.HDF5ExtError as err:
        # HDF5's message is a 20-line C back trace; its last line says what went wrong.
        lines = [line.strip() for line in str(err).splitlines() if line.strip()]
        reason = lines[-1].rstrip(")") if lines else "no message"
        raise InputError(path, f"not a readable HDF5 file ({reason}); it may be truncated",
                         "re-export it, or copy it again") from err
    if table is None:
        raise InputError(
            path,
            f"HDF5 file holds neither a DeepLabCut table nor SLEAP tracks (found: {found})",
            "give a DeepLabCut .h5 output or a SLEAP .analysis.h5 export",
        )
    return dlc.table_to_pose(table, path, fps)
