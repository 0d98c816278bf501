"""What `scratchflow run` prints at the end: one line per mouse, where the files are, and,
for a synthetic experiment, how the calls compare with the known truth."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from scratchflow.crop import record as crop_record
from scratchflow.quantify import files as quantify_files
from scratchflow.quantify.evaluate import MOUSE_KEYS, read_annotations, score
from scratchflow.quantify.tables import NO_TRACKING
from scratchflow.run.runner import Outcome, RunLayout
from scratchflow.summarise.files import OUTPUT_NAMES

COUNTS = {"n_bouts": "Int64", "n_strokes": "Int64", "scratching_s": "Float64"}


def mouse_rows(outcomes: list[Outcome], layout: RunLayout) -> pd.DataFrame:
    """One row per mouse (or raw video that failed before it was cropped). A video holding
    several mice (the open arena) gets a row per individual, each with its own status and
    counts; the ``individual`` column is there only then."""
    rows = {}
    for outcome in outcomes:
        if outcome.step in ("clips", "summarise"):  # experiment-wide tasks
            continue
        if outcome.step == "crop" and outcome.ok:
            for video in (p for p in outcome.outputs if p.suffix == crop_record.VIDEO_SUFFIX):
                rows.setdefault(video.stem, {"sample": video.stem, "status": "ok", "reason": ""})
            continue
        row = rows.setdefault(outcome.sample, {"sample": outcome.sample, "status": "ok",
                                               "reason": ""})
        if not outcome.ok and row["status"] == "ok":  # the first failure is the cause
            row.update(status=f"failed ({outcome.step})", reason=outcome.reason)
    mice = [mouse for row in rows.values() for mouse in _individuals(layout, row)]
    table = pd.DataFrame(mice, columns=["sample", "individual", "status", "reason", *COUNTS])
    table = table.astype(COUNTS).sort_values(["sample", "individual"], ignore_index=True)
    return table if (table["individual"] != "").any() else table.drop(columns="individual")


def _individuals(layout: RunLayout, row: dict) -> list[dict]:
    """The row of a sample, or one per individual of its quantify summary when it has several:
    a mouse whose hind paws quantify found untracked is ``no_tracking``, with no counts."""
    summary = _summary(layout, row["sample"]) if row["status"] == "ok" else None
    if summary is None or summary.empty:
        return [{**row, "individual": ""}]
    several = len(summary) > 1
    mice = []
    for mouse in summary.to_dict("records"):
        untracked = mouse.get("status") == NO_TRACKING
        mice.append({"sample": row["sample"],
                     "individual": str(mouse["individual"]) if several else "",
                     "status": NO_TRACKING if untracked else "ok",
                     "reason": mouse.get("reason", "") if untracked else "",
                     **({} if untracked else _counts(mouse))})
    return mice


def _summary(layout: RunLayout, sample: str) -> pd.DataFrame | None:
    path = quantify_files.paths(layout.step_dir("quantify"), sample)["summary"]
    return pd.read_csv(path, keep_default_na=False, na_values=[""]) if path.is_file() else None


def _counts(mouse: dict) -> dict:
    if pd.isna(mouse["n_bouts"]):
        return {}
    return {"n_bouts": int(mouse["n_bouts"]), "n_strokes": int(mouse["n_strokes"]),
            "scratching_s": round(float(mouse["scratching_s"]), 2)}


def truth_pairs(layout: RunLayout, truth: pd.DataFrame) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """(called bouts, true bouts) per cropped mouse, matched through the crop record's raw
    video stem and position."""
    pairs = []
    for path in sorted(layout.step_dir("crop").glob(f"*{crop_record.RECORD_SUFFIX}")):
        record = crop_record.read(path)
        bouts = quantify_files.paths(layout.step_dir("quantify"), record.sample)["bouts"]
        if not bouts.is_file():
            continue
        mine = truth[(truth["video"] == record.raw_video.stem)
                     & (truth["position"] == record.position)]
        pairs.append((pd.read_csv(bouts), mine.reset_index(drop=True)))
    return pairs


def print_run_report(outcomes: list[Outcome], out: Path, truth_path: Path | None,
                     echo: Callable[[str], None]) -> int:
    """Print the results table, the output locations and the truth comparison; return the
    number of mice or videos that failed."""
    layout = RunLayout(out)
    table = mouse_rows(outcomes, layout)
    skipped = sum(o.skipped for o in outcomes)
    echo("")
    shown = table.drop(columns="reason").astype(object)
    echo(shown.where(shown.notna(), "-").to_string(index=False))
    for row in table[table["status"] != "ok"].to_dict("records"):
        who = " ".join(filter(None, (row["sample"], row.get("individual"))))
        echo(f"{who}: {row['status']}: {row['reason']}")
    echo("")
    echo(f"per-mouse CSVs: {layout.step_dir('quantify')}/<mouse>{quantify_files.ALL}.csv")
    for name in (OUTPUT_NAMES["summary"], OUTPUT_NAMES["report"]):
        path = layout.step_dir("summarise") / name
        echo(f"{name}: {path}" + ("" if path.is_file() else " (not written: see logs/)"))
    echo(f"logs: {layout.root / 'logs'} ({skipped} task(s) skipped as up to date)")
    if truth_path is not None:
        scores = score(truth_pairs(layout, read_annotations(truth_path, MOUSE_KEYS)))
        echo(f"against the known truth ({truth_path}): {scores.n_matched} of {scores.n_true} "
             f"bouts found, {scores.n_pred} called; bout F1 {scores.bout_f1:.3f}, "
             f"time F1 {scores.time_f1:.3f}, limb accuracy {scores.limb_accuracy:.2f}, "
             f"median stroke-count error {scores.median_stroke_error:.0%}")
    return int((table["status"] != "ok").sum())
