"""The summary and report with the behaviour step's outputs beside the mice's results: time
budgets per mouse and per group, the group comparisons of each class, the ethograms; a mouse
whose behaviour failed keeps its scratch counts and shows its behaviour as missing."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scratchflow import outputs
from scratchflow.behaviour.annotations import write_deepethoprofile
from scratchflow.behaviour.figures import ethogram_figure, write_png
from scratchflow.behaviour.tables import budget_table
from scratchflow.errors import InputError
from scratchflow.summarise.step import SummariseRequest, summarise
from scratchflow_devtools.screenshot import dump_dom
from tests.test_report import chromium, decode_png, parse  # noqa: F401 (a fixture)
from tests.test_summarise import crop_sidecar, quantify_outputs

CLASSES = ("groom", "rest", "walk")
FPS = 10.0
# sample -> (group, frames of groom, rest, walk); 100 frames = 10 s each
BUDGETS = {"v1": ("vehicle", 20, 50, 30), "v2": ("vehicle", 40, 40, 20),
           "v3": ("vehicle", 30, 60, 10), "i1": ("itchy", 60, 30, 10),
           "i2": ("itchy", 80, 10, 10), "i3": ("itchy", None)}
FAILED = "i3"  # its behaviour task failed; its scratch results are there
REASON = "model crashed on frame 12"


def behaviour_outputs(folder, sample, frames, per_frame=False) -> None:
    """The budget and ethogram `scratchflow behaviour classify` writes, by its own writers;
    with ``per_frame``, its per-frame labels too."""
    from scratchflow.behaviour import files

    labels = np.repeat(np.arange(len(CLASSES)), frames)
    paths = files.paths(folder, sample)
    folder.mkdir(parents=True, exist_ok=True)
    outputs.write_csv(budget_table(labels, CLASSES, FPS), paths["budget"])
    write_png(ethogram_figure(labels, CLASSES, FPS, sample), paths["ethogram"])
    if per_frame:
        write_deepethoprofile(paths["labels"], labels, CLASSES, FPS)


@pytest.fixture
def run(tmp_path):
    root = tmp_path / "run"
    for sample, (group, *frames) in BUDGETS.items():
        crop_sidecar(root / "crop", sample, sample.upper(), group, group)
        quantify_outputs(root / "quantify", sample, 10.0, [(2, 3, "left", 5)])
        if sample != FAILED:
            behaviour_outputs(root / "behaviour", sample, frames)
    (root / "failures.csv").write_text(f"sample,step,reason\n{FAILED},behaviour,{REASON}\n")
    return root


def summarised(root, **options):
    result = summarise(SummariseRequest((root,), root / "summarise",
                                        failures=root / "failures.csv", **options))
    read = {key: pd.read_csv(result.paths[key], keep_default_na=False, na_values=[""])
            for key in ("summary", "statistics", "comparisons")}
    return result, read


def test_time_budgets_per_mouse_and_group_by_hand(run):
    result, tables = summarised(run, control="vehicle")
    summary = tables["summary"].set_index("sample")
    assert summary.loc["v1", ["time_groom_s", "time_rest_s", "time_walk_s"]].tolist() == [2, 5, 3]
    assert summary.loc["i2", ["fraction_groom", "fraction_rest", "fraction_walk"]].tolist() == [
        0.8, 0.1, 0.1]
    # the failed mouse keeps its scratch counts; its behaviour is missing, not zero
    assert summary.loc[FAILED, "status"] == "ok" and summary.loc[FAILED, "n_bouts"] == 1
    assert summary.loc[FAILED, "behaviour_status"] == f"missing: {REASON}"
    assert summary.loc[FAILED, ["time_groom_s", "fraction_groom"]].isna().all()
    assert not any("listed as failed" in w for w in result.warnings)

    stats = tables["statistics"]
    stats = stats[stats["period"] == "total"].set_index(["group", "measure"])
    assert stats.loc[("vehicle", "fraction_groom"), "mean"] == pytest.approx(0.3)
    assert stats.loc[("vehicle", "fraction_groom"), "sd"] == pytest.approx(0.1)
    assert stats.loc[("itchy", "fraction_groom"), "n"] == 2  # i3 is missing, not zero
    assert stats.loc[("itchy", "fraction_groom"), "mean"] == pytest.approx(0.7)
    assert stats.loc[("itchy", "time_rest_s"), "mean"] == pytest.approx(2.0)
    assert stats.loc[("itchy", "n_bouts"), "n"] == 3  # the scratch counts keep all three

    rows = tables["comparisons"]
    rows = rows[rows["period"] == "total"].set_index("measure")
    groom = rows.loc["fraction_groom"]
    assert (groom["group"], groom["control"], groom["period"]) == ("itchy", "vehicle", "total")
    assert (groom["n_group"], groom["n_control"]) == (2, 3)
    assert groom["difference"] == pytest.approx(0.4)
    assert groom["cliffs_delta"] == 1.0  # every itchy mouse grooms more than every control
    assert groom["mann_whitney_u"] == 6.0
    assert groom["mann_whitney_p"] == pytest.approx(0.2)  # 2 of the 10 relabellings
    assert rows.loc["time_walk_s", "difference"] == pytest.approx(1.0 - 2.0)
    assert {"n_bouts", "n_strokes", "scratching_s"} <= set(rows.index)


def test_report_shows_budgets_comparisons_and_ethograms(run):
    result, _ = summarised(run, control="vehicle")
    page = result.paths["report"].read_text()
    parts = parse(page)
    text = re.sub(r"\s+", " ", "".join(parts.text))
    assert "Behaviour" in parts.text and "Time budget per group" in text
    assert "30.0 % ± 10.0 (n = 3)" in text and "70.0 % ± 14.1 (n = 2)" in text
    assert "Group comparisons of behaviour" in text and "groom (fraction of time)" in text
    assert f"missing: {REASON}" in text
    ethograms = re.findall(r'<img[^>]+alt="ethogram of (\w+)"', page)
    assert ethograms == [s for s in sorted(BUDGETS) if s != FAILED]
    # 4 scratching figures, the budgets per group, one ethogram per classified mouse
    assert len(parts.images) == 4 + 1 + len(ethograms)
    for src in parts.images:
        assert decode_png(src).shape[1] > 300
    # the scratching sections show only scratching measures
    scratch = page.split("<h2>Behaviour</h2>")[0]
    assert "groom" not in scratch


def test_report_links_each_mouses_behaviour_csvs(run):
    """Copies beside the report; or, with --link-dir, the step folder they are published in."""
    result, _ = summarised(run)
    page = result.paths["report"].read_text()
    assert '<a href="report_files/v1_behaviour_budget.csv">time budget</a>' in page
    assert (run / "summarise" / "report_files" / "v1_behaviour_budget.csv").read_bytes() == (
        run / "behaviour" / "v1_behaviour_budget.csv").read_bytes()
    result, _ = summarised(run, link_dir=Path(".."))
    page = result.paths["report"].read_text()
    assert '<a href="../behaviour/v1_behaviour_budget.csv">time budget</a>' in page
    assert '<a href="../quantify/v1_scratch_bouts.csv">bouts</a>' in page


def test_report_with_behaviour_renders_in_chromium(chromium, run, tmp_path):  # noqa: F811
    result, _ = summarised(run, control="vehicle")
    probe = ("<script>window.addEventListener('load', () => {const bad = [...document.images]"
             ".filter(i => !i.complete || i.naturalWidth === 0).length;"
             "document.body.setAttribute('data-images', document.images.length);"
             "document.body.setAttribute('data-broken', bad);});</script></body>")
    copy = tmp_path / "probe.html"
    copy.write_text(result.paths["report"].read_text().replace("</body>", probe))
    dom = dump_dom(copy)
    assert 'data-images="10"' in dom and 'data-broken="0"' in dom
    assert "Ethograms" in re.sub(r"<[^>]+>", "", dom)


def test_without_behaviour_outputs_nothing_is_added(run):
    import shutil

    shutil.rmtree(run / "behaviour")
    (run / "failures.csv").write_text("sample,step,reason\n")
    result, tables = summarised(run, control="vehicle")
    assert not any(c.startswith(("behaviour", "time_", "fraction_"))
                   for c in tables["summary"].columns)
    assert set(tables["statistics"]["measure"]) == {"n_bouts", "n_strokes", "scratching_s"}
    assert "Behaviour" not in parse(result.paths["report"].read_text()).text


def test_a_mouse_without_behaviour_output_says_so(run):
    (run / "failures.csv").write_text("sample,step,reason\n")
    _, tables = summarised(run)
    summary = tables["summary"].set_index("sample")
    assert summary.loc[FAILED, "behaviour_status"] == "missing: no behaviour output found"
    assert summary.loc["v1", "behaviour_status"] == "ok"


@pytest.mark.parametrize(("text", "message"), [
    ("behaviour,frames\ngroom,3\n", r"missing column\(s\) \['seconds'"),
    ("behaviour,frames,seconds,fraction,n_bouts,mean_bout_s\ngroom,3,x,0.1,1,1\n",
     r"column 'seconds' line 2: 'x' is not a number"),
    ("behaviour,frames,seconds,fraction,n_bouts,mean_bout_s\ngroom,3,1,0.1,1,1\n"
     "groom,3,1,0.1,1,1\n", r"one row per class, each named once"),
])
def test_a_bad_budget_names_the_file_and_the_fix(run, text, message):
    path = run / "behaviour" / "v2_behaviour_budget.csv"
    path.write_text(text)
    with pytest.raises(InputError, match=message) as error:
        summarised(run)
    assert "v2_behaviour_budget.csv" in str(error.value)
    assert "re-run `scratchflow behaviour classify`" in str(error.value)


def test_a_failed_mouse_does_not_show_an_earlier_runs_budget(run):
    behaviour_outputs(run / "behaviour", FAILED, (10, 10, 80))  # left by an earlier run
    result, tables = summarised(run)
    summary = tables["summary"].set_index("sample")
    assert summary.loc[FAILED, "behaviour_status"] == f"missing: {REASON}"
    assert pd.isna(summary.loc[FAILED, "fraction_walk"])
    assert any(w.startswith(f"{FAILED}: its behaviour failed in this run") for w in
               result.warnings)
    page = result.paths["report"].read_text()
    assert f"ethogram of {FAILED}" not in page
    assert f"report_files/{FAILED}_behaviour" not in page  # nor linked


def test_the_runner_summarises_after_behaviour_and_reads_its_folder(tmp_path):
    from scratchflow.run import commands
    from scratchflow.run.runner import RunLayout, summarise_task

    assert commands.STEPS.index("behaviour") < commands.STEPS.index("summarise")
    layout = RunLayout(tmp_path)
    for step in ("quantify", "behaviour"):
        (tmp_path / step).mkdir()
    (tmp_path / "behaviour" / "m1_behaviour_budget.csv").write_text("behaviour\n")
    with_behaviour = summarise_task(layout, tmp_path / "failures.csv", behaviour=True)
    assert str(tmp_path / "behaviour") in map(str, with_behaviour.command)
    assert tmp_path / "behaviour" / "m1_behaviour_budget.csv" in with_behaviour.inputs
    # a run without a behaviour model leaves an earlier run's behaviour outputs out
    plain = summarise_task(layout, tmp_path / "failures.csv")
    assert str(tmp_path / "behaviour") not in map(str, plain.command)


def test_when_every_mouses_behaviour_failed_the_report_says_so(run):
    import shutil

    shutil.rmtree(run / "behaviour")
    (run / "failures.csv").write_text("sample,step,reason\n" + "".join(
        f"{s},behaviour,{REASON}\n" for s in BUDGETS))
    result, tables = summarised(run, control="vehicle")
    assert set(tables["summary"]["behaviour_status"]) == {f"missing: {REASON}"}
    assert (tables["summary"]["status"] == "ok").all()
    assert "No mouse has a behaviour budget" in result.paths["report"].read_text()


def test_a_group_without_any_budget_is_missing_not_zero(run):
    for sample in ("i1", "i2"):
        for path in (run / "behaviour").glob(f"{sample}_behaviour_*"):
            path.unlink()
    result, tables = summarised(run, control="vehicle")
    stats = tables["statistics"]
    itchy = stats[(stats["group"] == "itchy") & (stats["measure"] == "fraction_groom")]
    assert itchy["n"].tolist() == [0] and itchy["mean"].isna().all()
    rows = re.findall(r"<tr><td[^>]*>groom</td><td[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td>",
                      result.paths["report"].read_text())
    assert rows == [("missing", "30.0 % ± 10.0 (n = 3)")]


def test_each_time_bin_has_its_behaviour_fractions_from_the_labels(tmp_path):
    """5-s bins of 10-s recordings: each class's share of each bin, by hand from the frames;
    per-bin statistics and comparisons of it, as for the scratch counts."""
    root = tmp_path / "run"
    for sample, (group, *frames) in BUDGETS.items():
        crop_sidecar(root / "crop", sample, sample.upper(), group, group)
        quantify_outputs(root / "quantify", sample, 10.0, [(2, 3, "left", 5)], bin_s=5.0)
        if sample != FAILED:
            behaviour_outputs(root / "behaviour", sample, frames, per_frame=True)
    (root / "failures.csv").write_text(f"sample,step,reason\n{FAILED},behaviour,{REASON}\n")
    _, tables = summarised(root, control="vehicle")
    stats = tables["statistics"]
    bins = stats[(stats["period"] == "bin") & (stats["measure"] == "fraction_groom")]
    # groom frames in 0-5 s (frames 0-49) and 5-10 s: v1 20, 0; v2 40, 0; v3 30, 0;
    # i1 50, 10; i2 50, 30 (of 50 frames a bin); i3 failed, so missing, not zero
    vehicle = bins[bins["group"] == "vehicle"].set_index("bin_start_s")
    assert vehicle.loc[0.0, "mean"] == pytest.approx(0.6) and vehicle.loc[5.0, "mean"] == 0
    itchy = bins[bins["group"] == "itchy"].set_index("bin_start_s")
    assert itchy["n"].tolist() == [2, 2]
    assert itchy.loc[0.0, "mean"] == pytest.approx(1.0)
    assert itchy.loc[5.0, "mean"] == pytest.approx(0.4)
    walk = stats[(stats["period"] == "bin") & (stats["measure"] == "fraction_walk")
                 & (stats["group"] == "vehicle")].set_index("bin_start_s")
    assert walk.loc[5.0, "mean"] == pytest.approx((30 + 20 + 10) / 150)  # v1, v2, v3 walk last
    rows = tables["comparisons"]
    late = rows[(rows["period"] == "bin") & (rows["measure"] == "fraction_groom")
                & (rows["bin_start_s"] == 5.0)].iloc[0]
    assert late["difference"] == pytest.approx(0.4) and late["n_group"] == 2
    assert not any(m.startswith("time_") for m in stats[stats["period"] == "bin"]["measure"])
