"""One experiment in memory: every mouse's results joined with its metadata and status.

A mouse is *expected* when an expected_samples.csv, a failures file or a crop sidecar names
it; a mouse with quantify output is ``ok`` (or ``no_tracking`` when quantify found its hind
paws untracked), an expected mouse without is ``failed`` and keeps its row with the reason,
so that a missing mouse is visible rather than silently absent. Only ``ok`` mice have numbers
in the statistics and figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from scratchflow.behaviour.files import STEP as BEHAVIOUR_STEP
from scratchflow.clips.files import clip_name
from scratchflow.crop import record as crop_record
from scratchflow.crop.naming import parse_stem
from scratchflow.errors import InputError
from scratchflow.identity import files as identity_files
from scratchflow.quantify.files import COLUMNS, SUFFIXES
from scratchflow.quantify.tables import NO_TRACKING
from scratchflow.summarise.collect import RunFiles, SampleFiles
from scratchflow.summarise.tables import (
    read_bouts,
    read_csv,
    read_identity_colours,
    read_identity_events,
    read_provenance,
    read_sample_list,
    read_summary,
    read_timebins,
)

METADATA_COLUMNS = ("experiment", "date", "time", "camera", "position", "mouse", "treatment")
COUNT_COLUMNS = {"n_bouts", "n_strokes", "bouts_left", "strokes_left", "bouts_right",
                 "strokes_right", "identity_repairs"}
NO_OUTPUT = "no quantify output found"
UNGROUPED = "ungrouped"
NO_BOUTS = pd.DataFrame(columns=["individual", "bout_id", "start_s"])


@dataclass
class Experiment:
    summary: pd.DataFrame  # one row per mouse (sample x individual), failed mice included
    bouts: pd.DataFrame  # every bout of the ok mice, with sample and group
    timebins: pd.DataFrame  # every time bin of the ok mice, with sample and group
    provenance: dict[str, dict]  # sample -> quantify provenance record
    files: dict[str, SampleFiles]
    bin_s: float | None  # time-bin width shared by all mice (None when no mouse has results)
    inputs: list[Path] = field(default_factory=list)  # every file read, for the checksums
    warnings: list[str] = field(default_factory=list)
    colours: dict[str, tuple[float, float]] = field(default_factory=dict)  # open arena: hues


@dataclass(frozen=True)
class Groups:
    """A user's group assignment: by sample name or by mouse id (``key``)."""

    key: str
    mapping: dict[str, str]
    source: Path


def read_groups(path: Path) -> Groups:
    """A mouse whose group is left empty keeps the group its metadata gives."""
    fix = "write sample,group or mouse,group as the header, then one mouse per line"
    head = read_csv(path, ("group",), fix).columns
    key = "sample" if "sample" in head else "mouse" if "mouse" in head else None
    if key is None:
        raise InputError(path, f"needs a 'sample' or 'mouse' column beside 'group' (has "
                         f"{list(head)})", fix)
    table = read_sample_list(path, (key, "group"), key).dropna(subset=["group"])
    return Groups(key, dict(zip(table[key], table["group"], strict=True)), path)


def read_failures(path: Path) -> dict[str, str]:
    """``sample -> reason`` (a mouse failing at several steps gets them all, in file order)."""
    table = read_sample_list(path, ("sample", "step", "reason"), "failed step")
    reasons: dict[str, list[str]] = {}
    # A failed behaviour task leaves the mouse's scratch results whole (summarise.behaviour).
    table = table[(table["step"] != BEHAVIOUR_STEP).fillna(True).to_numpy(dtype=bool)]
    for sample, step, reason in table[["sample", "step", "reason"]].itertuples(index=False):
        reason = reason if pd.notna(reason) else "no reason given"
        text = f"{step}: {reason}" if pd.notna(step) else reason
        reasons.setdefault(sample, []).append(text)
    return {sample: "; ".join(texts) for sample, texts in reasons.items()}


def read_expected(paths: list[Path]) -> dict[str, str]:
    """``sample -> raw video`` from the pipeline's expected_samples.csv files."""
    expected: dict[str, str] = {}
    for path in paths:
        table = read_sample_list(path, ("sample",), "sample")
        videos = table["video"] if "video" in table else pd.Series([""] * len(table))
        expected.update(zip(table["sample"], videos.fillna("").astype(str), strict=True))
    return expected


def sample_metadata(files: SampleFiles) -> dict[str, str]:
    """Metadata from the crop record, else from the crop step's naming, else nothing."""
    if files.sidecar is not None:
        return crop_record.read(files.sidecar).fields()
    return parse_stem(files.sample)


def assign_group(row: dict, groups: Groups | None) -> tuple[str, str]:
    """(group, where it came from): --groups file, metadata group, treatment, or none."""
    if groups is not None and row.get(groups.key) in groups.mapping:
        return groups.mapping[row[groups.key]], "groups file"
    if row.get("group"):
        return row["group"], "metadata group"
    if row.get("treatment"):
        return row["treatment"], "treatment"
    return UNGROUPED, "none"


def load_experiment(run: RunFiles, failures: dict[str, str] | None = None,
                    groups: Groups | None = None) -> Experiment:
    failures = failures or {}
    expected = read_expected(run.expected)
    names = sorted(set(run.samples) | set(expected) | set(failures))
    if not names:
        raise InputError(None, f"no quantify outputs (*{SUFFIXES['summary']}), expected samples "
                         "or crop sidecars found", "point summarise at the folder(s) holding "
                         "the results of `scratchflow quantify` (searched recursively)")
    files = {name: run.samples.get(name, SampleFiles(name)) for name in names}
    experiment = Experiment(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), {}, files, None,
                            inputs=list(run.expected))
    rows, bouts, bins = [], [], []
    for name in names:
        base = {"sample": name, **sample_metadata(files[name])}
        if expected.get(name):
            base["video"] = expected[name]
        if files[name].sidecar is not None:
            experiment.inputs.append(files[name].sidecar)
        if "summary" not in files[name].quantify:
            rows.append({**base, "status": "failed", "reason": failures.get(name, NO_OUTPUT)})
            drop_stale_clips(files[name], NO_BOUTS, experiment)  # no bouts: any clip is old
            continue
        mouse_rows, mouse_bouts, mouse_bins = load_sample(files[name], base, experiment)
        rows, bouts, bins = rows + mouse_rows, bouts + [mouse_bouts], bins + [mouse_bins]
        if name in failures:
            experiment.warnings.append(f"{name}: listed as failed ({failures[name]}) but has "
                                       "quantify output; shown as ok")
    return finish(experiment, rows, bouts, bins, groups)


def finish(experiment: Experiment, rows: list[dict], bouts: list[pd.DataFrame],
           bins: list[pd.DataFrame], groups: Groups | None) -> Experiment:
    """The summary table, then the bouts and bins with each mouse's group."""
    experiment.summary = summary_frame(rows, groups, experiment)
    untracked = experiment.summary[experiment.summary["status"] == NO_TRACKING]
    if len(untracked):
        names = ", ".join(f"{s} [{i}]" for s, i in zip(untracked["sample"],
                                                       untracked["individual"], strict=True))
        experiment.warnings.append(f"{len(untracked)} mouse(s) with status {NO_TRACKING} (hind "
                                   f"paws not tracked) have no counts and are left out of the "
                                   f"figures, statistics and comparisons: {names}")
    # Only mice with results enter the bouts and bins the statistics and figures use.
    ok = experiment.summary[experiment.summary["status"] == "ok"]
    group_of = ok.set_index(["sample", "individual"])["group"]
    experiment.bouts = with_groups(bouts, group_of, COLUMNS["bouts"])
    experiment.timebins = with_groups(bins, group_of, COLUMNS["timebins"])
    experiment.bin_s = shared_bin_s(experiment.provenance)
    return experiment


def load_sample(files: SampleFiles, base: dict, experiment: Experiment):
    """Rows of one mouse with quantify output; every quantify file but strokes must be there."""
    missing = [k for k in ("bouts", "timebins", "provenance") if k not in files.quantify]
    if missing:
        names = ", ".join(f"{files.sample}{SUFFIXES[k]}" for k in missing)
        raise InputError(files.quantify["summary"], f"found without {names} beside it",
                         "copy all five files `scratchflow quantify` wrote for this mouse")
    paths = files.quantify
    summary, bouts, bins = (read_summary(paths["summary"]), read_bouts(paths["bouts"]),
                            read_timebins(paths["timebins"]))
    drop_stale_clips(files, bouts, experiment)
    experiment.provenance[files.sample] = read_provenance(paths["provenance"])
    experiment.inputs += [paths[k] for k in ("summary", "bouts", "timebins", "provenance")]
    # quantify's own status (no_tracking) wins; summaries written before it had one are ok
    rows = [{**base, "status": "ok", **record} for record in summary.to_dict("records")]
    for row in rows:
        row["reason"] = row.get("reason") if isinstance(row.get("reason"), str) else ""
    if files.identity:
        rows = with_colours(rows, files, experiment)
    return rows, bouts.assign(sample=files.sample), bins.assign(sample=files.sample)


def with_colours(rows: list[dict], files: SampleFiles, experiment: Experiment) -> list[dict]:
    """Mice of an open arena: each named ``<video stem>_<colour>``, with the number of repairs
    the identity step made that involved it; the colours' hues kept for the report."""
    stem = identity_files.video_stem(files.sample)
    if "events" not in files.identity:
        missing = identity_files.paths(Path(), stem)["events"].name
        raise InputError(files.identity["provenance"], f"found without {missing} beside it",
                         "copy all the files `scratchflow identity` wrote for this video")
    events = read_identity_events(files.identity["events"])
    experiment.inputs.append(files.identity["events"])
    if "provenance" in files.identity:
        experiment.colours.update(read_identity_colours(files.identity["provenance"]))
        experiment.inputs.append(files.identity["provenance"])
    for row in rows:
        colour = row["individual"]
        row.update(mouse=f"{stem}_{colour}", colour=colour,
                   identity_repairs=sum(colour in names for names in events["individuals"]))
    return rows


def drop_stale_clips(files: SampleFiles, bouts: pd.DataFrame, experiment: Experiment) -> None:
    """Keep only the clips of bouts in the mouse's bouts table: a clip left from an earlier
    detection shows a bout that is no longer counted."""
    current = {clip_name(files.sample, who, int(bout_id), float(start_s))
               for individual, bout_id, start_s
               in bouts[["individual", "bout_id", "start_s"]].itertuples(index=False)
               for who in (None, individual)}
    stale = [clip for clip in files.clips if clip.name not in current]
    if stale:
        files.clips = [clip for clip in files.clips if clip.name in current]
        experiment.warnings.append(f"{files.sample}: {len(stale)} clip(s) of bouts no longer "
                                   f"detected are not linked ({stale[0].name}...)")


def summary_frame(rows: list[dict], groups: Groups | None,
                  experiment: Experiment) -> pd.DataFrame:
    for row in rows:
        row["group"], row["group_source"] = assign_group(row, groups)
    if groups is not None:
        used = {row.get(groups.key) for row in rows}
        for unused in sorted(set(groups.mapping) - used):
            experiment.warnings.append(f"{groups.source}: {groups.key} {unused!r} matches no "
                                       "mouse")
        experiment.inputs.append(groups.source)
    table = pd.DataFrame(rows)
    first = ["sample", "individual", "status", "reason", "group", "group_source",
             *METADATA_COLUMNS, "video"]
    for column in first:
        if column not in table:
            table[column] = np.nan if column == "individual" else ""
    table = table[first + [c for c in table.columns if c not in first]]
    for column in COUNT_COLUMNS & set(table.columns):  # counts stay whole with failed mice' gaps
        table[column] = table[column].astype("Int64")
    return table.sort_values(["sample", "individual"], na_position="first", kind="stable",
                             ignore_index=True)


def with_groups(tables: list[pd.DataFrame], group_of: pd.Series,
                columns: tuple[str, ...]) -> pd.DataFrame:
    """All mice's rows in one table, each with its mouse's sample and group."""
    first = ["sample", "individual", "group"]
    if not tables:  # no mouse has results: still write the header
        return pd.DataFrame(columns=first + [c for c in columns if c not in first])
    # A mouse without bouts has an empty table: it adds no rows, and pandas warns that empty
    # tables will shape the joined columns' types in future, so only tables with rows join.
    rows = [t for t in tables if not t.empty]
    table = pd.concat(rows, ignore_index=True) if rows else tables[0]
    keys = pd.MultiIndex.from_frame(table[["sample", "individual"]])
    table.insert(0, "group", group_of.reindex(keys).to_numpy())
    table = table[keys.isin(group_of.index)]
    return table[first + [c for c in table.columns if c not in first]].reset_index(drop=True)


def shared_bin_s(provenance: dict[str, dict]) -> float | None:
    """The time-bin width every mouse used; per-bin group statistics need one width."""
    widths = {sample: float(record["parameters"]["bin_s"])
              for sample, record in provenance.items()}
    if len(set(widths.values())) > 1:
        ordered = sorted(widths.items(), key=lambda item: item[1])
        (a, wa), (b, wb) = ordered[0], ordered[-1]
        raise InputError(None, f"mice were binned differently: {a} with bin_s {wa:g} s, {b} "
                         f"with {wb:g} s", "re-run `scratchflow quantify` with one bin_s "
                         "(--params) for every mouse of the experiment")
    return next(iter(widths.values()), None)
