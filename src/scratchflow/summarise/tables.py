"""Read the CSV and JSON files the summary joins, checking they hold what it needs.

Every problem is an ``InputError`` naming the file, what is wrong and how to fix it, so that
a truncated or foreign file stops the summary with a message instead of a wrong number.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from scratchflow.errors import InputError
from scratchflow.identity import files as identity_files
from scratchflow.quantify.files import COLUMNS, STEP

RERUN_QUANTIFY = "re-run `scratchflow quantify` for this mouse (the file is incomplete or foreign)"
RERUN_IDENTITY = "re-run `scratchflow identity` for this video (the file is incomplete or foreign)"

TEXT_COLUMNS = ("individual", "sample", "mouse", "group", "video", "step", "reason")


def read_csv(path: Path, required: tuple[str, ...], fix: str) -> pd.DataFrame:
    """A CSV with at least the ``required`` columns (no rows is fine: a mouse may not scratch)."""
    try:
        # Names stay text: an individual "0" or a mouse "NA" is a name, not a number or missing.
        table = pd.read_csv(path, keep_default_na=False, na_values=[""],
                            dtype={c: str for c in TEXT_COLUMNS})
    except FileNotFoundError as err:
        raise InputError(path, "file not found", fix) from err
    except pd.errors.EmptyDataError as err:
        raise InputError(path, "file is empty (not even a header line)", fix) from err
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise InputError(path, f"not a readable CSV ({err})", fix) from err
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise InputError(path, f"missing column(s) {missing}; the file has "
                         f"{list(table.columns)}", fix)
    return table


def read_numeric_csv(path: Path, required: tuple[str, ...], numeric: tuple[str, ...],
                     fix: str) -> pd.DataFrame:
    """``read_csv`` whose ``numeric`` columns must hold numbers in every row."""
    table = read_csv(path, required, fix)
    for column in numeric:
        values = pd.to_numeric(table[column], errors="coerce")
        bad = values.isna() & table[column].notna()
        if bad.any():
            row = int(bad.idxmax()) + 2  # +1 for the header line, +1 to count from 1
            raise InputError(path, f"column {column!r} line {row}: {table[column][bad.idxmax()]!r} "
                             "is not a number", fix)
        table[column] = values
    return table


def read_summary(path: Path) -> pd.DataFrame:
    return read_numeric_csv(path, COLUMNS["summary"], COLUMNS["summary"][1:], RERUN_QUANTIFY)


def read_bouts(path: Path) -> pd.DataFrame:
    return read_numeric_csv(path, COLUMNS["bouts"], ("bout_id", "start_frame", "end_frame",
                                                 "start_s", "end_s", "n_strokes"), RERUN_QUANTIFY)


def read_timebins(path: Path) -> pd.DataFrame:
    return read_numeric_csv(path, COLUMNS["timebins"], COLUMNS["timebins"][1:], RERUN_QUANTIFY)


def read_strokes(path: Path) -> pd.DataFrame:
    return read_numeric_csv(path, COLUMNS["strokes"], ("bout_id", "frame"), RERUN_QUANTIFY)


def read_json(path: Path, fix: str) -> dict:
    try:
        record = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(path, f"not a readable JSON file ({err})", fix) from err
    if not isinstance(record, dict):
        raise InputError(path, "not a JSON object", fix)
    return record


def read_provenance(path: Path) -> dict:
    record = read_json(path, RERUN_QUANTIFY)
    parameters = record.get("parameters")
    bin_s = parameters.get("bin_s") if isinstance(parameters, dict) else None
    if record.get("step") != STEP or not isinstance(bin_s, int | float) or bin_s <= 0:
        raise InputError(path, "not a quantify provenance record (needs \"step\": \"quantify\" "
                         "and parameters.bin_s > 0)", RERUN_QUANTIFY)
    return record


def read_sample_list(path: Path, required: tuple[str, ...], what: str) -> pd.DataFrame:
    """A small user- or pipeline-written table keyed by text columns (no empty keys)."""
    fix = f"write a CSV with the header {','.join(required)} and one {what} per line"
    table = read_csv(path, required, fix)
    for column in required:
        table[column] = table[column].astype("string").str.strip()
    empty = (table[required[0]].fillna("") == "").to_numpy(dtype=bool)
    if empty.any():
        row = int(empty.argmax()) + 2  # +1 for the header line, +1 to count from 1
        raise InputError(path, f"line {row}: empty {required[0]!r}", fix)
    return table


def read_identity_events(path: Path) -> pd.DataFrame:
    """The repairs of one video; ``individuals`` as the list of colours each touched."""
    table = read_csv(path, identity_files.EVENT_COLUMNS, RERUN_IDENTITY)
    return table.assign(individuals=table["individuals"].fillna("").astype(str).str.split(";"))


def read_identity_colours(path: Path) -> dict[str, tuple[float, float]]:
    """Each colour's hue range (degrees) as the identity step used it, from its provenance."""
    record = read_json(path, RERUN_IDENTITY)
    colours = record.get("colours")
    if record.get("step") != identity_files.STEP or not isinstance(colours, dict):
        raise InputError(path, "not an identity provenance record (needs \"step\": "
                         "\"identity\" and its colours)", RERUN_IDENTITY)
    return {name: tuple(colour["hue"]) for name, colour in colours.items()}
