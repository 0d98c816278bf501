"""Behaviour annotations on disk, read and written: the one module that knows both formats.

- DeepEthoProfile's per-frame CSV, ``;``-separated: a legend line ``0:drink; 1:eat; ...``,
  the header ``frame;annotation;time``, then one row per frame with the class's legend number
  and the time in seconds.
- An interval CSV ``start_s,end_s,behaviour`` (as BORIS exports): a frame belongs to the
  interval that holds it, ``round(start_s * fps) <= frame < round(end_s * fps)`` (rounded, so
  times written to the millisecond find their frames again). Frames in no interval
  are unlabelled (-1) and training skips them.

Labels in memory are one integer per frame, an index into the model's class list.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from scratchflow.errors import InputError
from scratchflow.outputs import atomic_path

UNLABELLED = -1
DEP_HEADER = ("frame", "annotation", "time")
INTERVAL_HEADER = ("start_s", "end_s", "behaviour")


def read_annotations(path: str | Path, classes: tuple[str, ...], n_frames: int,
                     fps: float) -> np.ndarray:
    """Per-frame class indices (into ``classes``) for a video of ``n_frames`` at ``fps``,
    from either format (told apart by the first line)."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as err:
        raise InputError(path, f"cannot read annotations: {err.strerror or err}",
                         "check the path") from err
    first = text.split("\n", 1)[0].strip()
    if [cell.strip() for cell in first.split(",")] == list(INTERVAL_HEADER):
        return _read_intervals(path, text, classes, n_frames, fps)
    if first[:1].isdigit() and ":" in first:
        return _read_deepethoprofile(path, text, classes, n_frames)
    raise InputError(path, f"unknown annotation format: first line {first[:60]!r}",
                     "expected DeepEthoProfile's legend line ('0:drink; 1:eat; ...') or the "
                     f"interval header '{','.join(INTERVAL_HEADER)}'")


def _read_deepethoprofile(path: Path, text: str, classes: tuple[str, ...],
                          n_frames: int) -> np.ndarray:
    lines = text.splitlines()
    legend = parse_legend(path, lines[0])
    _refuse_unknown(path, legend.values(), classes)
    table = pd.read_csv(io.StringIO("\n".join(lines[1:])), sep=";", skipinitialspace=True)
    table.columns = [str(c).strip() for c in table.columns]
    if tuple(table.columns) != DEP_HEADER:
        raise InputError(path, f"expected the header {';'.join(DEP_HEADER)!r} on line 2, got "
                         f"{';'.join(table.columns)!r}", "write line 2 as frame;annotation;time")
    if len(table) != n_frames:
        raise InputError(path, f"annotations have {len(table)} frames but the video has "
                         f"{n_frames}", "annotate every frame of this video (or pass the "
                         "annotation file that belongs to it)")
    if not np.array_equal(table["frame"].to_numpy(), np.arange(n_frames)):
        raise InputError(path, "the frame column is not 0, 1, 2, ... in order",
                         "write one row per frame, in order, numbered from 0")
    numbers = set(table["annotation"].unique().tolist())
    if missing := sorted(numbers - set(legend)):
        raise InputError(path, f"annotation number(s) {missing} are not in the legend "
                         f"{format_legend(list(legend.values()))!r}",
                         "add them to the legend on line 1")
    to_class = {number: classes.index(name) for number, name in legend.items()}
    return table["annotation"].map(to_class).to_numpy(np.int64)


def parse_legend(path: Path, line: str) -> dict[int, str]:
    """``0:drink; 1:eat`` as {0: "drink", 1: "eat"}."""
    legend: dict[int, str] = {}
    for item in filter(None, (part.strip() for part in line.split(";"))):
        number, sep, name = item.partition(":")
        if not sep or not number.strip().isdigit() or not name.strip():
            raise InputError(path, f"legend item {item!r} is not NUMBER:NAME",
                             "write line 1 as '0:drink; 1:eat; ...'")
        legend[int(number)] = name.strip()
    return legend


def format_legend(classes: list[str] | tuple[str, ...]) -> str:
    return "; ".join(f"{index}:{name}" for index, name in enumerate(classes))


def _read_intervals(path: Path, text: str, classes: tuple[str, ...], n_frames: int,
                    fps: float) -> np.ndarray:
    table = pd.read_csv(io.StringIO(text), skipinitialspace=True)
    table.columns = [str(c).strip() for c in table.columns]
    times = table[["start_s", "end_s"]].apply(pd.to_numeric, errors="coerce")
    broken = times.isna().any(axis=1) | (times["end_s"] <= times["start_s"])
    if broken.any():
        bad = int(np.flatnonzero(broken)[0])
        raise InputError(path, f"row {bad + 2}: expected numbers with start_s < end_s, got "
                         f"{table.iloc[bad]['start_s']!r}, {table.iloc[bad]['end_s']!r}",
                         "fix that row")
    names = table["behaviour"].astype(str).str.strip()
    _refuse_unknown(path, names, classes)
    duration = n_frames / fps
    if (late := times["end_s"].max()) > duration + 1 / fps:
        raise InputError(path, f"annotations run to {late:g} s ({round(late * fps)} frames) but "
                         f"the video has {n_frames} frames ({duration:g} s at {fps:g} fps)",
                         "pass the annotation file that belongs to this video, or correct "
                         "the times")
    labels = np.full(n_frames, UNLABELLED, dtype=np.int64)
    bounds = np.rint(times.to_numpy() * fps).astype(np.int64).clip(0, n_frames)
    for (start, end), name in zip(bounds, names, strict=True):
        labels[start:end] = classes.index(name)
    return labels


def _refuse_unknown(path: Path, names, classes: tuple[str, ...]) -> None:
    if unknown := sorted(set(names) - set(classes)):
        raise InputError(path, f"unknown class name(s) {unknown}; the class list is "
                         f"{list(classes)}", "rename them to classes of the list, or train "
                         "with --classes naming every class the annotations use")


def write_deepethoprofile(path: str | Path, labels: np.ndarray, classes: tuple[str, ...],
                          fps: float) -> Path:
    """Per-frame labels as DeepEthoProfile writes them (see the module's docstring)."""
    frames = np.arange(len(labels))
    body = "".join(f"{frame};{label};{frame / fps:.3f}\n"
                   for frame, label in zip(frames, np.asarray(labels).tolist(), strict=True))
    with atomic_path(path) as tmp:
        tmp.write_text(f"{format_legend(classes)}\n{';'.join(DEP_HEADER)}\n{body}")
    return Path(path)


def label_runs(labels: np.ndarray) -> list[tuple[int, int, int]]:
    """Runs of one label as (label, first frame, frame after the last)."""
    labels = np.asarray(labels)
    if not len(labels):
        return []
    edges = np.flatnonzero(np.diff(labels)) + 1
    starts = np.concatenate([[0], edges])
    ends = np.concatenate([edges, [len(labels)]])
    return [(int(labels[s]), int(s), int(e)) for s, e in zip(starts, ends, strict=True)]


def write_intervals(path: str | Path, labels: np.ndarray, classes: tuple[str, ...],
                    fps: float) -> Path:
    """Per-frame labels as a ``start_s,end_s,behaviour`` CSV, one row per run; unlabelled
    frames write no row."""
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(INTERVAL_HEADER)
        for label, start, end in label_runs(labels):
            if label != UNLABELLED:
                writer.writerow([f"{start / fps:.3f}", f"{end / fps:.3f}", classes[label]])
    return Path(path)
