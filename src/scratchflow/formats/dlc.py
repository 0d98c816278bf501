"""The DeepLabCut table: the one place that reads and writes it.

DeepLabCut stores tracks as a pandas table with multi-level columns (scorer, [individuals,]
bodyparts, coords): in HDF5 under the key ``df_with_missing`` (``tracks`` for multi-animal
tracklets, ``keypoints`` for labelled frames) and as CSV with 3 or 4 header rows.

HDF5 tables are read with PyTables rather than ``pandas.read_hdf``: pandas 2 cannot read a
table that pandas 3 wrote (it fails on the ``nan_rep`` attribute pandas 3 leaves unset), and
DeepLabCut installs differ in which pandas wrote the file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from scratchflow import outputs
from scratchflow.errors import InputError
from scratchflow.formats.model import PoseData, sample_name

TRACKS_KEY = "df_with_missing"
TRACKLETS_KEY = "tracks"
LABELS_KEY = "keypoints"
COORDS = ("x", "y", "likelihood")
H5_SUFFIX = ".h5"
CSV_SUFFIX = ".csv"


# --- reading --------------------------------------------------------------------------------

def read_h5_tables(h5, path: Path) -> pd.DataFrame | None:
    """The DeepLabCut table in an open PyTables file, or None when there is none."""
    groups = {g._v_pathname: g for g in h5.root._f_iter_nodes("Group")
              if "pandas_type" in g._v_attrs}  # tables that pandas wrote
    # DeepLabCut writes 'df_with_missing'; its multi-animal tracklets use 'tracks'.
    for key in (f"/{TRACKS_KEY}", f"/{TRACKLETS_KEY}", *groups):
        if key in groups:
            return _read_pandas_group(groups[key], path)
    return None


def _read_pandas_group(group, path: Path) -> pd.DataFrame:
    attrs = group._v_attrs
    if attrs.pandas_type != "frame_table":  # pandas' 'fixed' format reads alike in 2 and 3
        return pd.read_hdf(path, group._v_pathname)
    labels = [tuple(c) if isinstance(c, list | tuple) else c
              for c in dict(attrs.non_index_axes)[1]]
    table = group.table
    by_label = {}
    for name in attrs.values_cols:
        block = table.col(name)
        kinds = table.attrs[f"{name}_kind"]
        values = np.asarray(block).reshape(len(block), -1)
        for i, label in enumerate(kinds):
            by_label[tuple(label) if isinstance(label, list | tuple) else label] = values[:, i]
    info = attrs.info.get(1, {}) if isinstance(attrs.info, dict) else {}
    names = info.get("names")
    if info.get("type") == "MultiIndex":
        columns = pd.MultiIndex.from_tuples(labels, names=names)
    else:
        columns = pd.Index(labels, name=names[0] if names else None)
    return pd.DataFrame({i: by_label[label] for i, label in enumerate(labels)}).set_axis(
        columns, axis=1)


def read_csv(path: Path) -> pd.DataFrame:
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
    try:
        table = pd.read_csv(path, header=list(range(n_header)), index_col=list(range(n_index)))
    except (pd.errors.ParserError, ValueError) as err:
        raise InputError(path, f"not a readable DeepLabCut CSV ({err})",
                         "re-export the CSV from DeepLabCut (a row may be cut short)") from err
    _refuse_truncated(path, len(head[0]))
    numbers = table.apply(pd.to_numeric, errors="coerce")
    text = numbers.isna() & table.notna()
    if text.any(axis=None):
        row, column = next(zip(*np.nonzero(text.to_numpy()), strict=True))
        where = " / ".join(map(str, table.columns[column]))
        raise InputError(path, f"data line {row + 1}, column {where}: "
                         f"{table.iat[row, column]!r} is not a number",
                         "re-export the CSV from DeepLabCut, or correct that cell")
    return numbers


def _refuse_truncated(path: Path, n_fields: int) -> None:
    """A file cut off mid-row (a copy interrupted) reads as a row of missing points; refuse it."""
    with open(path, "rb") as handle:
        handle.seek(max(0, path.stat().st_size - 65536))
        lines = handle.read().decode("utf-8", errors="replace").splitlines()
    last = next((line for line in reversed(lines) if line.strip()), "")
    if len(last.split(",")) != n_fields:
        raise InputError(path, f"the last line has {len(last.split(','))} of the header's "
                         f"{n_fields} fields: the file was cut short",
                         "copy or export the CSV again")


def table_to_pose(table: pd.DataFrame, path: Path, fps: float | None) -> PoseData:
    if not isinstance(table.columns, pd.MultiIndex):
        raise InputError(path, "columns are not DeepLabCut's multi-level header", None)
    levels = list(table.columns.names)
    if not {"bodyparts", "coords"} <= set(levels):
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
    full = pd.MultiIndex.from_product([individuals, keypoints, list(COORDS)])
    # Reindexing fills a body part that one individual lacks (e.g. 'single' parts) with NaN.
    values = table.reindex(columns=full).to_numpy(dtype=float)
    values = values.reshape(len(table), len(individuals), len(keypoints), 3)
    position = values[..., :2]
    likelihood = values[..., 2]
    if "likelihood" not in coords:  # labelled data: a point that is present is certain
        likelihood = np.where(np.isnan(position[..., 0]), np.nan, 1.0)
    return PoseData(position, likelihood, keypoints, individuals, fps, str(path))


# --- writing --------------------------------------------------------------------------------

def pose_table(pose: PoseData, scorer: str = "scratchflow") -> pd.DataFrame:
    """DeepLabCut's layout of ``pose``: an individuals level only with several individuals,
    as single-animal DeepLabCut writes it. Values keep their dtype."""
    levels = [[scorer], list(pose.individuals), list(pose.keypoints), list(COORDS)]
    names = ["scorer", "individuals", "bodyparts", "coords"]
    if len(pose.individuals) == 1:
        del levels[1], names[1]
    values = np.concatenate([pose.position, pose.likelihood[..., None]], axis=-1)
    columns = pd.MultiIndex.from_product(levels, names=names)
    return pd.DataFrame(values.reshape(pose.n_frames, -1), columns=columns)


def labelled_table(keypoints: np.ndarray, scorer: str, bodyparts: list[str],
                   images: list[tuple[str, ...]]) -> pd.DataFrame:
    """Labelled frames as DeepLabCut's training data: (N, K, 2) ``keypoints`` by image path."""
    columns = pd.MultiIndex.from_product([[scorer], bodyparts, list(COORDS[:2])],
                                         names=["scorer", "bodyparts", "coords"])
    return pd.DataFrame(keypoints.reshape(len(images), -1),
                        index=pd.MultiIndex.from_tuples(images), columns=columns)


def write(table: pd.DataFrame, path: str | Path, key: str = TRACKS_KEY, csv: bool = False,
          **hdf_options) -> Path:
    """``table`` to ``path`` (.h5, atomically) as DeepLabCut writes it, and to the CSV beside
    it when ``csv``. Tracks are appendable ('table') HDF5; labelled frames pass
    ``format="fixed"``. ``hdf_options`` go to ``DataFrame.to_hdf`` (e.g. compression)."""
    path = Path(path)
    with outputs.atomic_path(path) as tmp:
        table.to_hdf(tmp, key=key, mode="w", **{"format": "table", **hdf_options})
    if csv:
        with outputs.atomic_path(path.with_suffix(CSV_SUFFIX)) as tmp:
            table.to_csv(tmp)
    return path
