"""The report as one self-contained HTML file.

CSS is inline, figures are PNG ``data:`` URIs and there is no script and no web address, so
the file opens the same offline, from an e-mail or from an S3 download. Links to per-mouse
CSVs and clips are relative paths: they work where the run folder is kept together.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field

import pandas as pd

from scratchflow.clips.files import individual_tag
from scratchflow.summarise.behaviour import FRACTION, STATUS, measure_text
from scratchflow.summarise.files import BUNDLE_DIR, OUTPUT_NAMES

CSS = """
body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;margin:20px auto;max-width:1200px;
 padding:0 16px;color:#222;line-height:1.4}
h1{font-size:1.7em;margin:0 0 .2em} h2{margin-top:1.8em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:.85em;margin:8px 0}
th,td{border:1px solid #ddd;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#f3f3f3} td.num{text-align:right;font-variant-numeric:tabular-nums}
.swatch{display:inline-block;width:.9em;height:.9em;border:1px solid #555;vertical-align:middle}
tr.failed td{background:#fdecea} .failed-text{color:#a00018;font-weight:bold}
.box{padding:6px 12px;margin:10px 0;border-left:5px solid}
.box.fail{background:#fdecea;border-color:#a00018}
.box.note{background:#fff7dd;border-color:#d9a400}
img.figure{max-width:100%;height:auto;display:block;margin:10px 0}
.previews{display:flex;flex-wrap:wrap;gap:14px} figure{margin:0}
figcaption{font-size:.8em;color:#444;max-width:380px}
.params{columns:3;font-size:.85em;margin:8px 0} .params div{break-inside:avoid}
.mono{font-family:"DejaVu Sans Mono",monospace;font-size:.8em;word-break:break-all}
details{margin:8px 0} summary{cursor:pointer;font-weight:bold}
.muted{color:#666} .nw{white-space:nowrap}
"""


MEASURE_TEXT = {"n_bouts": "bouts", "n_strokes": "strokes", "scratching_s": "scratching time (s)"}


@dataclass
class BehaviourSection:
    """The behaviour step's results, where the summary found them (summarise.behaviour)."""

    classes: list[str]
    budgets: pd.DataFrame  # group statistics rows of fraction_<class>, with the class as cls
    figure: str  # data URI of the budgets per group, or "" without a mouse to plot
    ethograms: list[tuple[str, str, str]]  # sample, data URI, caption
    mice: pd.DataFrame  # the summary, with behaviour_status and fraction_<class> columns
    comparisons: pd.DataFrame  # comparison rows of fraction_<class>


class Html(str):
    """Text that is already HTML; every other value is escaped when placed in the page."""


@dataclass
class ReportData:
    title: str
    subtitle: str
    summary: pd.DataFrame  # OUTPUT_NAMES["summary"]
    stats: pd.DataFrame  # OUTPUT_NAMES["statistics"]
    figures: list[tuple[str, str, str]]  # heading, data URI, alt text
    previews: list[tuple[str, str, str]]  # sample, data URI, caption
    links: dict[str, list[tuple[str, str]]]  # sample -> (text, relative href) of its CSVs
    # (sample, individual tag or "") -> (text, relative href) of that mouse's clips
    clips: dict[tuple[str, str], list[tuple[str, str]]]
    parameters: list[tuple[list[str], dict]]  # detector parameter sets and the mice using each
    software: dict[str, str]
    pose_inputs: list[tuple[str, str, str]]  # sample, pose file, sha256
    inputs: list[dict]  # files the summary read: path, sha256
    notes: list[str] = field(default_factory=list)
    empty_figures_note: str = ""
    comparisons: pd.DataFrame = field(default_factory=pd.DataFrame)  # OUTPUT_NAMES["comparisons"]
    control: str | None = None
    pose_models: list[list] = field(default_factory=list)  # per mouse: POSE_HEADERS
    swatches: dict[str, str] = field(default_factory=dict)  # open arena: fur colour -> CSS
    behaviour: BehaviourSection | None = None  # None: no behaviour outputs, no section


def esc(value) -> str:
    if isinstance(value, Html):
        return value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value))


def mice(n: int) -> str:
    return "1 mouse" if n == 1 else f"{n} mice"


def number(value, digits: int = 0) -> str:
    if value is None or pd.isna(value):
        return "–"
    return f"{float(value):.{digits}f}"


def table(headers: list[str], rows: list[list], numeric: set[int] = frozenset(),
          row_classes: list[str] | None = None):
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for i, row in enumerate(rows):
        css = f' class="{row_classes[i]}"' if row_classes and row_classes[i] else ""
        cells = "".join(
            f'<td class="{"num" if j in numeric else ""}">'
            f"{esc(value)}</td>" for j, value in enumerate(row))
        body.append(f"<tr{css}>{cells}</tr>")
    return Html(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")


def breakable(name: str) -> Html:
    """A long sample name that wraps only after its ``_`` separators, not at its dashes."""
    return Html("_<wbr>".join(f'<span class="nw">{esc(part)}</span>' for part in name.split("_")))


def link_list(links: list[tuple[str, str]]) -> Html:
    return Html(" ".join(f'<a href="{html.escape(href, quote=True)}">{esc(text)}</a>'
                         for text, href in links))


def colour_cell(colour, swatches: dict[str, str]) -> Html | str:
    """A square of the mouse's fur colour and its name."""
    if not isinstance(colour, str) or colour not in swatches:
        return ""
    return Html(f'<span class="nw"><span class="swatch" style="background:'
                f'{html.escape(swatches[colour])}"></span> {esc(colour)}</span>')


def mice_section(data: ReportData) -> str:
    headers = ["Mouse (sample)", "Group", "Treatment", "Mouse ID", "Status", "Bouts", "Strokes",
               "Scratching (s)", "Bouts / min", "Bouts L / R", "Files", "Clips"]
    rows, classes = [], []
    counts = data.summary["sample"].value_counts()
    for r in data.summary.to_dict("records"):
        ok = r["status"] == "ok"
        several = counts[r["sample"]] > 1
        sample = breakable(f"{r['sample']} [{r['individual']}]" if several else r["sample"])
        clip_key = (r["sample"], individual_tag(str(r["individual"])) if several else "")
        status = "ok" if ok else Html(f'<span class="failed-text">{esc(r["status"])}</span>: '
                                      f"{esc(r['reason'])}")
        sides = f"{number(r.get('bouts_left'))} / {number(r.get('bouts_right'))}" if ok else ""
        rows.append([sample, r["group"], r["treatment"], r["mouse"], status,
                     number(r.get("n_bouts")), number(r.get("n_strokes")),
                     number(r.get("scratching_s"), 1), number(r.get("bouts_per_min"), 2), sides,
                     link_list(data.links.get(r["sample"], [])),
                     link_list(data.clips.get(clip_key, []))])
        if data.swatches:
            rows[-1] += [colour_cell(r.get("colour"), data.swatches),
                         number(r.get("identity_repairs"))]
        classes.append("" if ok else "failed")
    numeric = {5, 6, 7, 8}
    if data.swatches:  # an open arena: each mouse under its fur colour
        headers += ["Colour", "Identity repairs"]
        numeric.add(len(headers) - 1)
    hrefs = [href for links in (*data.links.values(), *data.clips.values()) for _, href in links]
    copies = (f" Files and clips link to copies in {BUNDLE_DIR}/ beside this page: move or send "
              "the two together." if any(h.startswith(f"{BUNDLE_DIR}/") for h in hrefs) else "")
    return (f"<h2>Mice</h2>{table(headers, rows, numeric, classes)}"
            '<p class="muted">Scratching time is the summed duration of the bouts. Failed mice '
            "and mice whose hind paws were not tracked (no_tracking) have no numbers and are "
            f"left out of the figures and statistics.{copies}</p>")


def status_boxes(data: ReportData) -> str:
    failed = data.summary[data.summary["status"] != "ok"]
    parts = []
    if len(failed):
        items = "".join(f"<li><b>{esc(s)}</b>: {esc(r)}</li>"
                        for s, r in zip(failed["sample"], failed["reason"], strict=True))
        parts.append(f'<div class="box fail"><b>{mice(len(failed))} failed or not tracked'
                     f"</b> and have no results:<ul>{items}</ul></div>")
    if data.notes:
        items = "".join(f"<li>{esc(n)}</li>" for n in data.notes)
        parts.append(f'<div class="box note"><b>Notes</b><ul>{items}</ul></div>')
    return "".join(parts)


def figures_section(data: ReportData) -> str:
    if not data.figures:
        return f'<h2>Figures</h2><p class="box note">{esc(data.empty_figures_note)}</p>'
    return "".join(f'<h2>{esc(heading)}</h2><img class="figure" src="{uri}" alt="{esc(alt)}">'
                   for heading, uri, alt in data.figures)


def stats_section(data: ReportData) -> str:
    if data.stats.empty:
        return ""
    headers = ["Group", "Period", "Measure", "n", "Mean", "SD", "SEM", "Median"]

    def rows(period: str) -> list[list]:
        chosen = data.stats[data.stats["period"] == period]
        return [[s.group, "whole recording" if period == "total"
                 else f"{s.bin_start_s:g}-{s.bin_end_s:g} s", MEASURE_TEXT[s.measure], s.n,
                 number(s.mean, 2), number(s.sd, 2), number(s.sem, 2), number(s.median, 2)]
                for s in chosen.itertuples()]

    numeric = {3, 4, 5, 6, 7}
    per_bin = rows("bin")
    binned = (f"<details><summary>Per time bin ({len(per_bin)} rows)</summary>"
              f"{table(headers, per_bin, numeric)}</details>") if per_bin else ""
    return (f"<h2>Group statistics</h2>{table(headers, rows('total'), numeric)}{binned}"
            '<p class="muted">n: mice with results; SD: sample standard deviation (n - 1); '
            "SEM: standard error of the mean (SD / √n); both empty for one mouse. All rows are "
            f"in {OUTPUT_NAMES['statistics']}.</p>")


def p_value(value) -> str:
    if value is None or pd.isna(value):
        return "–"
    return "p < 0.001" if value < 0.001 else f"p = {value:.3f}"


def with_interval(value, low, high, digits: int) -> str:
    if value is None or pd.isna(value):
        return "–"
    text = f"{value:+.{digits}f}"
    return text if pd.isna(low) else f"{text} [{low:+.{digits}f}, {high:+.{digits}f}]"


def test_cell(row) -> Html:
    """Mann-Whitney first, Welch's t on a second line."""
    if pd.isna(row.mann_whitney_p):
        return Html("–")
    welch = ("Welch: no spread in either group" if pd.isna(row.welch_t) else
             f"Welch t({row.welch_df:.1f}) = {row.welch_t:.2f}, {p_value(row.welch_p)}")
    return Html(f"U = {row.mann_whitney_u:g}, {esc(p_value(row.mann_whitney_p))} "
                f"({esc(row.mann_whitney_method)})<br>"
                f'<span class="muted">{esc(welch)}</span>')


def comparison_rows(chosen: pd.DataFrame) -> list[list]:
    behaviour_text = {m: measure_text(m) for m in chosen["measure"] if measure_text(m)}
    rows = []
    for r in chosen.itertuples():
        digits = 1 if r.measure == "scratching_s" else 3 if r.measure in behaviour_text else 2
        period = ("whole recording" if r.period == "total"
                  else f"{r.bin_start_s:g}-{r.bin_end_s:g} s")
        text = MEASURE_TEXT.get(r.measure) or behaviour_text[r.measure]
        rows.append([f"{r.group} vs {r.control}", period, text,
                     f"{r.n_group} vs {r.n_control}",
                     f"{number(r.mean_group, digits)} vs {number(r.mean_control, digits)}",
                     with_interval(r.difference, r.difference_ci_low, r.difference_ci_high,
                                   digits),
                     with_interval(r.cliffs_delta, r.cliffs_delta_ci_low,
                                   r.cliffs_delta_ci_high, 2),
                     test_cell(r), r.note])
    return rows


COMPARISON_HEADERS = ["Comparison", "Period", "Measure", "n (mice)", "Mean",
                      "Difference [95% CI]", "Cliff's δ [95% CI]", "Test (two-sided)", "Note"]


def comparisons_section(data: ReportData) -> str:
    heading = "<h2>Group comparisons</h2>"
    if data.control is None:
        return (f'{heading}<p class="box note">No control group named: give '
                "<code>--control GROUP</code> (e.g. <code>--control vehicle</code>) to compare "
                "every group with it.</p>")
    if data.comparisons.empty:
        return (f'{heading}<p class="box note">No group besides the control '
                f"{esc(data.control)}: nothing to compare.</p>")
    headers, numeric = COMPARISON_HEADERS, {4, 5, 6}
    total = comparison_rows(data.comparisons[data.comparisons["period"] == "total"])
    per_bin = comparison_rows(data.comparisons[data.comparisons["period"] == "bin"])
    binned = (f"<details><summary>Per time bin ({len(per_bin)} rows)</summary>"
              f"{table(headers, per_bin, numeric)}</details>") if per_bin else ""
    return (f"{heading}<p>Each group against the control group <b>{esc(data.control)}</b>."
            f"</p>{table(headers, total, numeric)}{binned}"
            '<p class="muted">Difference: group mean minus control mean. Cliff\'s δ: the '
            "chance that a mouse of the group scratched more than a control mouse, minus the "
            "chance it scratched less (−1 to 1; 0: no effect). Intervals: 95 % percentile "
            "bootstrap (9,999 resamples, each group resampled on its own); with few mice they "
            "are too narrow, as a resample can only recombine the mice measured. Mann–Whitney "
            "U: exact, or for many tied mice the normal approximation, as each row says; "
            "Welch's t below it. "
            "p-values are not corrected for the number of comparisons (measures and time "
            f"bins). All rows are in {OUTPUT_NAMES['comparisons']}.</p>")


def percent(value) -> str:
    return "missing" if value is None or pd.isna(value) else f"{100 * value:.1f} %"


def behaviour_section(data: ReportData) -> str:
    section = data.behaviour
    if section is None:
        return ""
    parts = ["<h2>Behaviour</h2><p>Per-frame behaviour classes from "
             "<code>scratchflow behaviour classify</code>: the share of each recording spent "
             "in each class.</p>"]
    if not section.classes:
        missing = section.mice[STATUS].iloc[0] if len(section.mice) else ""
        return "".join(parts) + ('<p class="box note">No mouse has a behaviour budget '
                                 f"({esc(missing)}).</p>")
    groups = sorted(section.budgets["group"].unique())
    rows = []
    for cls in section.classes:
        row = [cls]
        for group in groups:
            found = section.budgets[(section.budgets["group"] == group)
                                    & (section.budgets["cls"] == cls)]
            r = found.iloc[0] if len(found) else None
            row.append("missing" if r is None or not r["n"] else
                       f"{percent(r['mean'])} ± {number(100 * r['sd'], 1)} (n = {r['n']})")
        rows.append(row)
    parts.append("<h3>Time budget per group</h3>"
                 f"{table(['Behaviour', *groups], rows, set(range(1, len(groups) + 1)))}"
                 '<p class="muted">Mean fraction of time ± SD over the mice with results and '
                 "a behaviour budget (n). Every row is in "
                 f"{OUTPUT_NAMES['statistics']} as fraction_&lt;class&gt; and "
                 "time_&lt;class&gt;_s.</p>")
    if section.figure:
        parts.append(f'<img class="figure" src="{section.figure}" alt="bars of the mean '
                     'fraction of time in each behaviour class per group">')
    if data.control is not None and not section.comparisons.empty:
        headers = COMPARISON_HEADERS
        parts.append(f"<h3>Group comparisons of behaviour</h3><p>Each group against the "
                     f"control group <b>{esc(data.control)}</b>, per class.</p>"
                     f"{table(headers, comparison_rows(section.comparisons), {4, 5, 6})}"
                     '<p class="muted">As the scratching comparisons above; the rows of each '
                     "class's time in seconds (time_&lt;class&gt;_s) are in "
                     f"{OUTPUT_NAMES['comparisons']} too.</p>")
    counts = section.mice["sample"].value_counts()
    rows, classes = [], []
    for r in section.mice.to_dict("records"):
        name = r["sample"] if counts[r["sample"]] == 1 else f"{r['sample']} [{r['individual']}]"
        ok = r[STATUS] == "ok"
        status = "ok" if ok else Html(f'<span class="failed-text">{esc(r[STATUS])}</span>')
        rows.append([breakable(name), r["group"], status,
                     *[percent(r.get(FRACTION.format(c))) for c in section.classes]])
        classes.append("" if ok else "failed")
    headers = ["Mouse (sample)", "Group", "Behaviour", *section.classes]
    numeric = set(range(3, 3 + len(section.classes)))
    parts.append(f"<h3>Time budget per mouse</h3>{table(headers, rows, numeric, classes)}")
    if section.ethograms:
        items = "".join(f'<figure><img class="figure" src="{uri}" alt="ethogram of '
                        f'{esc(sample)}"><figcaption><b>{esc(sample)}</b> {esc(caption)}'
                        "</figcaption></figure>" for sample, uri, caption in section.ethograms)
        parts.append(f"<h3>Ethograms</h3><p>Each mouse's behaviour over time, one row per "
                     f"class, as the behaviour step drew it.</p>{items}")
    return "".join(parts)


POSE_HEADERS = ["Mouse (sample)", "Engine", "Model", "Snapshot", "DeepLabCut", "torch / TensorFlow",
                "Device", "Tracked (UTC)"]


def pose_section(data: ReportData) -> str:
    if not data.pose_models:
        return ""
    return ("<h3>Pose estimation, per mouse</h3>"
            f"{table(POSE_HEADERS, data.pose_models)}"
            '<p class="muted">From the record the pose step wrote beside each pose file, as '
            "the quantify step found it. A dash: the pose file was not made by "
            "<code>scratchflow pose</code>, or was quantified before quantify kept this "
            "record.</p>")


def previews_section(data: ReportData) -> str:
    if not data.previews:
        return ""
    items = "".join(f'<figure><img src="{uri}" alt="crop preview of {esc(sample)}" '
                    f'width="380"><figcaption><b>{esc(sample)}</b> {esc(caption)}'
                    "</figcaption></figure>" for sample, uri, caption in data.previews)
    return ("<h2>Crop previews</h2><p>One raw frame per mouse with its crop box in green (other "
            f'mice in orange, QR codes in magenta).</p><div class="previews">{items}</div>')


def provenance_section(data: ReportData) -> str:
    parts = ["<h2>Parameters, software and inputs</h2>"]
    for samples, parameters in data.parameters:
        who = "all mice" if len(data.parameters) == 1 else ", ".join(samples)
        items = "".join(f"<div>{esc(name)} = <b>{esc(value)}</b></div>"
                        for name, value in parameters.items())
        parts.append(f'<h3>Detector parameters ({esc(who)})</h3><div class="params">{items}</div>')
    items = "".join(f"<div>{esc(name)}: <b>{esc(version)}</b></div>"
                    for name, version in data.software.items())
    parts.append(f'<h3>Software</h3><div class="params">{items}</div>')
    parts.append(pose_section(data))
    if data.pose_inputs:
        rows = [[s, p, Html(f'<span class="mono">{esc(h)}</span>')] for s, p, h in data.pose_inputs]
        parts.append("<details><summary>Pose files quantified (sha256)</summary>"
                     f"{table(['sample', 'pose file', 'sha256'], rows)}</details>")
    rows = [[i["path"], Html(f'<span class="mono">{esc(i["sha256"])}</span>')] for i in data.inputs]
    parts.append("<details><summary>Files this summary read (sha256)</summary>"
                 f"{table(['file', 'sha256'], rows)}</details>")
    return "".join(parts)


def render_page(data: ReportData) -> str:
    body = "".join([
        f"<h1>{esc(data.title)}</h1><p class=\"muted\">{esc(data.subtitle)}</p>",
        status_boxes(data), mice_section(data), comparisons_section(data),
        figures_section(data), stats_section(data), behaviour_section(data),
        previews_section(data),
        provenance_section(data),
    ])
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{esc(data.title)}</title><style>{CSS}</style></head>"
            f"<body>{body}</body></html>\n")
