"""report.html, checked as a file and as a person sees it (headless Chromium).

The run is realistic: real crops of a synthetic two-enclosure video (sidecars, previews),
synthetic poses of 11-minute recordings and the real quantifier (tests/report_run.py).
"""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imread

from scratchflow.outputs import sha256_file
from scratchflow.summarise import figures
from scratchflow.summarise.step import SummariseRequest, summarise
from scratchflow_devtools.screenshot import dump_dom, find_browser, screenshot
from tests.conftest import missing_prerequisite
from tests.report_run import FAILED_MOUSE, FAILURE_REASON, QUIET_MOUSE, make_run

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def chromium():
    if find_browser() is None:
        missing_prerequisite("Chromium not installed (Debian: apt-get install chromium; "
                             "`make install` does it)")


class PageParts(HTMLParser):
    """Every image source, link target and the visible text of a page."""

    def __init__(self):
        super().__init__()
        self.images, self.links, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs.get("src", ""))
        if tag == "a":
            self.links.append(attrs.get("href", ""))

    def handle_data(self, data):
        self.text.append(data)


def parse(page: str) -> PageParts:
    parts = PageParts()
    parts.feed(page)
    return parts


def decode_png(src: str) -> np.ndarray:
    assert src.startswith("data:image/png;base64,"), src[:60]
    data = base64.b64decode(src.split(",", 1)[1], validate=True)
    assert data.startswith(PNG_SIGNATURE)
    return imread(io.BytesIO(data), format="png")


def m01_clip(root: Path, samples: dict[str, str]) -> str:
    """The clip name of M01's second bout (only clips of detected bouts are linked)."""
    from scratchflow.clips.files import clip_name

    bouts = pd.read_csv(next(root.rglob(f"{samples['M01']}_scratch_bouts.csv")))
    return clip_name(samples["M01"], None, 2, float(bouts.loc[1, "start_s"]))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("run")
    samples = make_run(root)
    clips = root / "clips"  # named as `scratchflow clips` names a bout's clip
    clips.mkdir()
    (clips / m01_clip(root, samples)).write_bytes(b"")
    out = root / "summarise"
    result = summarise(SummariseRequest((root,), out, failures=root / "failures.csv"))
    return samples, result, out / "report.html"


def test_report_is_self_contained(run):
    samples, result, report = run
    page = report.read_text()
    parts = parse(page)
    assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", page, re.I)  # nothing fetched
    assert "<script" not in page.lower() and "<link" not in page.lower()
    # bout raster, per-mouse bins, per-group bins, group totals, 4 crop previews
    assert len(parts.images) == 4 + len(samples)
    for src in parts.images:
        image = decode_png(src)
        assert image.shape[0] > 50 and image.shape[1] > 50 and image.std() > 0.01


def test_report_lists_every_mouse_with_links(run):
    samples, result, report = run
    text = "".join(parse(report.read_text()).text)
    for sample in samples.values():
        assert sample in text
    assert f"failed: pose: {FAILURE_REASON}" in text
    assert "1 mouse failed" in text
    for href in parse(report.read_text()).links:
        target = report.parent / unquote(href)
        assert target.is_file(), href  # relative links that resolve in the run folder
    links = parse(report.read_text()).links
    assert f"report_files/{samples['M01']}_scratch_bouts.csv" in links
    assert f"report_files/{m01_clip(report.parent.parent, samples)}" in links
    assert not any(samples[FAILED_MOUSE] in link for link in links)


def test_links_survive_moving_the_report_folder(run, tmp_path):
    """The linked CSVs and clips are copies beside report.html, so the folder travels."""
    _, _, report = run
    moved = tmp_path / "sent" / "summarise"
    shutil.copytree(report.parent, moved)
    page = (moved / "report.html").read_text()
    assert "link to copies in report_files/ beside this page" in page
    links = parse(page).links
    assert len(links) == 4 * 3 + 1  # 4 CSVs of 3 mice with results, 1 clip
    for href in links:
        assert not href.startswith(".."), href
        assert (moved / unquote(href)).is_file(), href
    quantify = report.parent.parent / "quantify"
    for copy in (moved / "report_files").glob("*.csv"):
        assert copy.read_bytes() == (quantify / copy.name).read_bytes()


def test_summarising_again_ignores_the_copies(run, tmp_path):
    samples, first, report = run
    again = summarise(SummariseRequest((report.parent.parent,), tmp_path / "again",
                                       failures=report.parent.parent / "failures.csv"))
    assert (again.n_ok, again.n_failed) == (first.n_ok, first.n_failed)


def test_pose_provenance_per_mouse(run):
    samples, _, report = run
    page = report.read_text()
    start = page.index("Pose estimation, per mouse")
    section = page[start:page.index("</table>", start)]
    rows = {sample: re.sub(r"<[^>]+>", " ", row) for row in section.split("<tr>")
            for sample in samples.values() if sample in row}
    for mouse, sample in samples.items():
        if mouse == FAILED_MOUSE:
            assert sample not in rows  # no results, no quantify record
        elif mouse == QUIET_MOUSE:  # its pose sidecar is not the pose step's record
            assert rows[sample].split() == [sample, *["–"] * 7]
        else:
            assert rows[sample].split() == [sample, "pytorch", "labA-trainset95shuffle1",
                                            "snapshot-200.pt", "3.0.2", "2.15.0", "cuda",
                                            "2024-03-06T09:15:00+00:00"]


def test_report_shows_provenance(run):
    _, result, report = run
    text = "".join(parse(report.read_text()).text)
    for expected in ("min_stroke_hz", "bin_s", "matplotlib (summarise)", "scipy (quantify)",
                     "Detector parameters (all mice)"):
        assert expected in text
    quantify_input = next(report.parent.parent.glob("quantify/*M01_scratch_provenance.json"))
    assert str(quantify_input) in text
    record = json.loads(result.paths["provenance"].read_text())
    for item in record["inputs"]:  # every file the summary read, with its checksum
        assert f"{item['path']}{item['sha256']}" in text
    for pose in report.parent.parent.glob("pose/*.h5"):  # and the pose files quantified
        assert sha256_file(pose) in text


def test_quiet_mouse_has_zeros(run):
    samples, result, _ = run
    import pandas as pd

    table = pd.read_csv(result.paths["summary"]).set_index("mouse")
    assert table.loc[QUIET_MOUSE, ["n_bouts", "n_strokes", "scratching_s"]].tolist() == [0, 0, 0]
    assert table.loc[FAILED_MOUSE, "status"] == "failed"


def test_report_renders_in_chromium(chromium, run, tmp_path):
    samples, _, report = run
    png = screenshot(report, tmp_path / "report.png", 1280, 4000)
    image = imread(png)
    assert image.shape[:2] == (4000, 1280)
    assert png.stat().st_size > 50_000  # figures and previews drawn, not a blank page
    assert image[:2000].std() > 0.05


def test_chromium_sees_no_broken_images(chromium, run, tmp_path):
    """A script added to a copy of the page counts images the browser could not decode."""
    samples, _, report = run
    probe = ("<script>window.addEventListener('load', () => {const bad = [...document.images]"
             ".filter(i => !i.complete || i.naturalWidth === 0).length;"
             "document.body.setAttribute('data-images', document.images.length);"
             "document.body.setAttribute('data-broken', bad);});</script></body>")
    copy = tmp_path / "probe.html"
    copy.write_text(report.read_text().replace("</body>", probe))
    dom = dump_dom(copy)
    assert f'data-images="{4 + len(samples)}"' in dom
    assert 'data-broken="0"' in dom
    for sample in samples.values():
        assert sample in re.sub(r"<[^>]+>", "", dom)


def test_all_mice_failed_still_reports(tmp_path):
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "expected_samples.csv").write_text("sample,video\nm1,raw\nm2,raw\n")
    result = summarise(SummariseRequest((tmp_path / "results",), tmp_path / "out"))
    assert (result.n_ok, result.n_failed) == (0, 2)
    page = result.paths["report"].read_text()
    assert "No mouse has results" in page and "2 mice failed" in page
    assert "<img" not in page
    assert Path(result.paths["statistics"]).read_text().startswith("group,period,")


def test_time_course_labels_bins_in_minutes_and_keeps_markers_apart():
    """Three groups, 5-min bins, recordings ending 1 min into the third bin."""
    rows = []
    for group, n_mice in (("vehicle", 4), ("low", 4), ("high", 3)):
        for start, end, n in ((0, 300, n_mice), (300, 600, n_mice), (600, 660, n_mice - 1)):
            rows.append({"group": group, "period": "bin", "bin_start_s": start,
                         "bin_end_s": end, "measure": "n_bouts", "n": n, "mean": 2.0,
                         "sem": 0.5})  # equal means: only the dodge keeps markers apart
    fig = figures.group_time_course(pd.DataFrame(rows), 300.0)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "0–5", "5–10", "10–11\npartial: a 5-min bin,\nrecordings end at 11"]
    assert "(min)" in ax.get_xlabel()
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == [
        "high (n = 2–3 mice)", "low (n = 3–4 mice)", "vehicle (n = 3–4 mice)"]
    fig.canvas.draw()  # Agg: display coordinates in pixels
    centres = [ax.transData.transform(np.column_stack(c.lines[0].get_data()))
               for c in ax.containers]
    marker_px = max(c.lines[0].get_markersize() for c in ax.containers) * fig.dpi / 72
    for bin_index in range(3):
        xs = sorted(points[bin_index, 0] for points in centres)
        assert min(np.diff(xs)) > marker_px
    shapes = {c.lines[0].get_marker() for c in ax.containers}
    assert len(shapes) == 3  # told apart without colour too


def test_group_totals_set_tied_mice_side_by_side():
    mice = pd.DataFrame({"group": ["a"] * 4 + ["b"] * 4, "n_bouts": [5, 5, 4, 4, 1, 1, 1, 1],
                         "n_strokes": [9, 9, 9, 9, 2, 3, 4, 5], "scratching_s": [1.0] * 8})
    fig = figures.group_totals(mice)
    fig.canvas.draw()
    for ax in fig.axes:
        dots = np.concatenate([ax.transData.transform(c.get_offsets()) for c in ax.collections])
        gaps = np.hypot(*(dots[:, None, :] - dots[None, :, :]).transpose(2, 0, 1))
        dot_px = 2 * np.sqrt(22 / np.pi) * fig.dpi / 72  # diameter of a marker of area 22 pt²
        assert gaps[np.triu_indices(len(dots), 1)].min() > dot_px * 0.9, ax.get_ylabel()
