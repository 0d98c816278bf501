"""Gather what the report shows from an experiment: figures, links, previews, provenance."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from scratchflow.behaviour import files as behaviour_files
from scratchflow.clips import files as clips_files
from scratchflow.clips.files import CLIP_NAME
from scratchflow.identity.files import hue_centre
from scratchflow.quantify import files as quantify_files
from scratchflow.summarise import figures
from scratchflow.summarise.behaviour import FRACTION, Behaviour
from scratchflow.summarise.collect import SampleFiles
from scratchflow.summarise.experiment import Experiment
from scratchflow.summarise.page import BehaviourSection, ReportData, mice
from scratchflow.summarise.stats import MEASURES

# Each mouse's CSVs the report links, by step and kind, with the link's text.
CSV_LINKS = {
    quantify_files.STEP: {"summary": "summary", "bouts": "bouts", "strokes": "strokes",
                          "timebins": "time bins"},
    behaviour_files.STEP: {"labels": "behaviour per frame", "bouts": "behaviour bouts",
                           "budget": "time budget"},
}
NO_RESULTS = "No mouse has results, so there is nothing to plot; the table above says why."


def href(path: Path, out_dir: Path) -> str:
    """A relative link from the report's folder; not resolved, so staged links stay links."""
    return quote(Path(os.path.relpath(path, out_dir)).as_posix())


def sample_csvs(files: SampleFiles) -> list[tuple[str, str, Path]]:
    """(step, link text, path) of each of one mouse's CSVs the report links."""
    found = {quantify_files.STEP: files.quantify, behaviour_files.STEP: files.behaviour}
    return [(step, text, found[step][kind]) for step, kinds in CSV_LINKS.items()
            for kind, text in kinds.items() if kind in found[step]]


def linked_files(experiment: Experiment) -> list[Path]:
    """Every file the report links: each mouse's quantify and behaviour CSVs and review
    clips."""
    return [path for files in experiment.files.values()
            for path in [p for _, _, p in sample_csvs(files)] + files.clips]


def link(path: Path, step: str, out_dir: Path, link_dir: Path | None,
         copies: dict[Path, Path]) -> str:
    """A linked file's href: its copy beside the report, or, with ``link_dir``, its step
    folder there (``<link_dir>/quantify/``, ...), for a pipeline that publishes files
    elsewhere than where the summary read them."""
    if link_dir:
        return quote((link_dir / step / path.name).as_posix())
    return href(copies.get(path, path), out_dir)


def csv_links(experiment: Experiment, out_dir: Path, link_dir: Path | None,
              copies: dict[Path, Path]) -> dict[str, list[tuple[str, str]]]:
    """Links to each mouse's CSVs."""
    return {sample: [(text, link(path, step, out_dir, link_dir, copies))
                     for step, text, path in sample_csvs(files)]
            for sample, files in experiment.files.items()}


def clip_links(experiment: Experiment, out_dir: Path, link_dir: Path | None,
               copies: dict[Path, Path]) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """``(sample, individual tag) -> links`` of its clips; the tag is "" unless the clip
    names carry one (a file of several mice), so each mouse's row links its own."""
    links: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for sample, files in experiment.files.items():
        for path in sorted(files.clips, key=lambda p: p.name):
            match = CLIP_NAME.search(path.name)
            tag = path.name[len(sample) + 1: match.start()]
            text = f"bout{match['bout']} at {float(match['time']):g} s"
            links.setdefault((sample, tag), []).append(
                (text, link(path, clips_files.STEP, out_dir, link_dir, copies)))
    return links


def plotted_mice(experiment: Experiment) -> pd.DataFrame:
    """The ok mice in plotting order (by group, then name), each with a unique label."""
    ok = experiment.summary[experiment.summary["status"] == "ok"].copy()
    several = ok["sample"].duplicated(keep=False)
    ok["label"] = [f"{s} [{i}]" if multi else s
                   for s, i, multi in zip(ok["sample"], ok["individual"], several, strict=True)]
    ids = ok["mouse"].astype(str)
    if (ids != "").all() and ids.is_unique:  # short labels leave the plots more room
        ok["label"] = ids
    ok["label"] += " (" + ok["group"].astype(str) + ")"
    return ok.sort_values(["group", "sample", "individual"], ignore_index=True)


def with_labels(table: pd.DataFrame, mice: pd.DataFrame) -> pd.DataFrame:
    if table.empty:
        return table.assign(label=pd.Series(dtype=str))
    return table.merge(mice[["sample", "individual", "label"]], on=["sample", "individual"])


def figure_list(experiment: Experiment, stats: pd.DataFrame) -> list[tuple[str, str, str]]:
    mice = plotted_mice(experiment)
    if mice.empty:
        return []
    bouts = with_labels(experiment.bouts, mice)
    bins = with_labels(experiment.timebins, mice)
    bin_text = figures.bin_length_text(experiment.bin_s)
    # The groups first, as the comparisons above them; then each mouse.
    made = [
        ("Totals per group", figures.group_totals(mice),
         "box and strip plots of total bouts, strokes and scratching time per group"),
        ("Time course per group", figures.group_time_course(stats, experiment.bin_s),
         f"bouts per {bin_text} bin: group mean and standard error of the mean"),
        ("Bouts over time", figures.bout_raster(mice, bouts),
         "bout raster: one row per mouse, a bar per bout coloured by the scratching hind paw"),
        (f"Counts per {bin_text} bin, per mouse", figures.timebin_heatmaps(
            mice, bins, experiment.bin_s), "heat maps of bouts and scratching time per bin"),
    ]
    return [(title, figures.data_uri(figures.png_bytes(fig)), alt) for title, fig, alt in made]


def preview_list(experiment: Experiment) -> list[tuple[str, str, str]]:
    """Thumbnails of the crop previews; an unreadable one becomes a note, not a failure:
    the numbers do not depend on it."""
    previews = []
    for sample, files in experiment.files.items():
        if files.preview is None:
            continue
        try:
            png = figures.thumbnail(files.preview)
        except (OSError, ValueError, SyntaxError) as err:
            experiment.warnings.append(f"{files.preview}: preview not shown, not a readable "
                                       f"PNG ({err})")
            continue
        previews.append((sample, figures.data_uri(png), preview_caption(experiment, sample)))
        experiment.inputs.append(files.preview)
    return previews


def preview_caption(experiment: Experiment, sample: str) -> str:
    """Who is in the green box: mouse id, treatment and group."""
    row = experiment.summary[experiment.summary["sample"] == sample].iloc[0]
    return ", ".join(f"{what} {row[column]}" for what, column in
                     (("mouse", "mouse"), ("treatment", "treatment"), ("group", "group"))
                     if isinstance(row[column], str) and row[column])


def parameter_sets(provenance: dict[str, dict]) -> list[tuple[list[str], dict]]:
    """Distinct detector parameter sets, each with the mice quantified with it."""
    sets: list[tuple[list[str], dict]] = []
    for sample, record in provenance.items():
        parameters = record.get("parameters", {})
        for samples, known in sets:
            if known == parameters:
                samples.append(sample)
                break
        else:
            sets.append(([sample], parameters))
    return sets


def software_table(own: dict[str, str], provenance: dict[str, dict]) -> dict[str, str]:
    """This step's versions and the quantify step's (several versions joined by ``/``)."""
    table = {f"{name} (summarise)": version for name, version in own.items()}
    quantify: dict[str, set[str]] = {}
    for record in provenance.values():
        for name, version in record.get("software", {}).items():
            quantify.setdefault(name, set()).add(str(version))
    for name, versions in quantify.items():
        table[f"{name} (quantify)"] = " / ".join(sorted(versions))
    return table


def pose_inputs(provenance: dict[str, dict]) -> list[tuple[str, str, str]]:
    return [(sample, item.get("path", ""), item.get("sha256", ""))
            for sample, record in provenance.items() for item in record.get("inputs", [])]


def pose_models(experiment: Experiment) -> list[list]:
    """Per mouse with results, how its poses were made (page.POSE_HEADERS), from the pose
    step's record that the quantify step keeps in its provenance."""
    rows = []
    for sample, record in experiment.provenance.items():
        pose = record.get("pose") or {}
        model, software = pose.get("model") or {}, pose.get("software") or {}
        engine = software.get("torch") or software.get("tensorflow")
        rows.append([sample, pose.get("engine"), model.get("model"), model.get("snapshot"),
                     software.get("deeplabcut"), engine, pose.get("device"),
                     pose.get("created_utc")])
    return [[value if value else "–" for value in row] for row in rows]


def colour_swatches(colours: dict[str, tuple[float, float]]) -> dict[str, str]:
    """A CSS colour per fur colour: the middle of its hue range (a range past 360 wraps)."""
    return {name: f"hsl({hue_centre(hue):.0f}, 80%, 50%)" for name, hue in colours.items()}


def report_title(summary: pd.DataFrame) -> str:
    names = sorted({e for e in summary["experiment"] if isinstance(e, str) and e})
    return "Scratching report" + (f": {', '.join(names)}" if names else "")


def report_data(experiment: Experiment, stats: pd.DataFrame, comparisons: pd.DataFrame,
                control: str | None, record: dict, previews: list[tuple[str, str, str]],
                out_dir: Path, link_dir: Path | None, copies: dict[Path, Path]) -> ReportData:
    summary = experiment.summary
    n_ok = int((summary["status"] == "ok").sum())
    bins = f"; time bins of {experiment.bin_s:g} s" if experiment.bin_s else ""
    subtitle = (f"{mice(len(summary))}: {n_ok} with results, {len(summary) - n_ok} failed or "
                "not tracked. "
                f"Made {record['created_utc']} (UTC) by scratchflow "
                f"{record['software']['scratchflow']}{bins}.")
    return ReportData(
        title=report_title(summary), subtitle=subtitle, summary=summary,
        stats=stats[stats["measure"].isin(MEASURES)],  # behaviour's have their own section
        figures=figure_list(experiment, stats), previews=previews,
        links=csv_links(experiment, out_dir, link_dir, copies),
        clips=clip_links(experiment, out_dir, link_dir, copies),
        parameters=parameter_sets(experiment.provenance),
        software=software_table(record["software"], experiment.provenance),
        pose_inputs=pose_inputs(experiment.provenance), inputs=record["inputs"],
        notes=experiment.warnings, empty_figures_note=NO_RESULTS,
        comparisons=comparisons[comparisons["measure"].isin(MEASURES)],
        control=control, pose_models=pose_models(experiment),
        swatches=colour_swatches(experiment.colours),
    )


ETHOGRAM_WIDTH_PX = 1100  # the behaviour step draws them 1,100 px wide


def ethogram_list(experiment: Experiment, behaviour: Behaviour) -> list[tuple[str, str, str]]:
    """Each mouse's ethogram as the behaviour step drew it; an unreadable one becomes a note,
    as a preview does."""
    shown = []
    groups = experiment.summary.drop_duplicates("sample").set_index("sample")["group"]
    for sample, path in behaviour.ethograms.items():
        try:
            png = figures.thumbnail(path, ETHOGRAM_WIDTH_PX)
        except (OSError, ValueError, SyntaxError) as err:
            experiment.warnings.append(f"{path}: ethogram not shown, not a readable PNG ({err})")
            continue
        shown.append((sample, figures.data_uri(png), f"group {groups[sample]}"))
        experiment.inputs.append(path)
    return shown


def behaviour_section(behaviour: Behaviour, ethograms: list[tuple[str, str, str]],
                      summary: pd.DataFrame, stats: pd.DataFrame,
                      comparisons: pd.DataFrame) -> BehaviourSection:
    """What the report's behaviour section shows: budgets per group (table and figure), each
    mouse's budget, the comparisons of each class's fraction of time, the ethograms."""
    fractions = {FRACTION.format(c): c for c in behaviour.classes}
    chosen = stats[(stats["period"] == "total") & stats["measure"].isin(fractions)]
    chosen = chosen.assign(cls=chosen["measure"].map(fractions))
    uri = ""
    if not chosen.empty and chosen["n"].max() > 0:
        uri = figures.data_uri(figures.png_bytes(figures.behaviour_budgets(chosen,
                                                                           behaviour.classes)))
    return BehaviourSection(
        classes=behaviour.classes, budgets=chosen, figure=uri, ethograms=ethograms,
        mice=summary, comparisons=comparisons[comparisons["measure"].isin(fractions)])
