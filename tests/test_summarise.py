"""`scratchflow summarise`: the experiment summary and group statistics, checked by hand.

Each mouse's quantify outputs are made from hand-written bouts with the quantifier's own
table functions, so every number below can be checked with pencil and paper.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from scratchflow import outputs
from scratchflow.cli import main
from scratchflow.errors import InputError
from scratchflow.quantify import ScratchParams, ScratchResult, summary_table, timebin_table
from scratchflow.quantify.detect import BOUT_COLUMNS, STROKE_COLUMNS
from scratchflow.summarise.step import SummariseRequest, summarise

FPS = 100.0
# sample -> (mouse id, group, treatment, duration s, bouts as (start s, end s, limb, strokes))
MICE = {
    "mA": ("M1", "vehicle", "saline", 600.0, [(10, 12, "left", 5), (400, 401.5, "right", 6)]),
    "mB": ("M2", "vehicle", "saline", 600.0, [(50, 51, "left", 4), (100, 103, "left", 10),
                                              (250, 251, "right", 3), (310, 312, "right", 8)]),
    "mE": ("M5", "vehicle", "saline", 600.0, []),
    "mC": ("M3", "itchy", "compound48_80", 450.0, [(5, 6, "right", 3)]),
}
MISSING = "mD"  # cropped (expected) but never quantified
STAT_ROUNDING = 5e-4  # statistics are written to 0.001, p-values to 3 significant digits
P_ROUNDING = 5e-3


def scratch_result(duration_s, bouts, individual="individual_0") -> ScratchResult:
    """What the detector returns for hand-written bouts (strokes evenly spaced in each)."""
    rows, strokes = [], []
    for bout_id, (start, end, limb, n) in enumerate(bouts, start=1):
        rows.append((individual, bout_id, int(start * FPS), int(end * FPS), start, end,
                     end - start, limb, n, n / (end - start), 0.2, 0.9))
        for k, t in enumerate(np.linspace(start, end, n + 2)[1:-1], start=1):
            strokes.append((individual, bout_id, k, int(t * FPS), t, limb, 0.2))
    return ScratchResult(individual, FPS, int(duration_s * FPS), 100.0,
                         pd.DataFrame(rows, columns=BOUT_COLUMNS),
                         pd.DataFrame(strokes, columns=STROKE_COLUMNS))


def quantify_outputs(folder, sample, duration_s, bouts, bin_s=300.0, results=None, usable=1.0):
    """The five files `scratchflow quantify` writes, from hand-written bouts; ``usable`` is
    every mouse's fraction of frames with both hind paws tracked."""
    results = results or [scratch_result(duration_s, bouts)]
    fractions = [usable] * len(results)
    minimum = ScratchParams().min_usable_fraction
    folder.mkdir(parents=True, exist_ok=True)
    outputs.write_csv(pd.concat([r.bouts for r in results]), folder / f"{sample}_scratch_bouts.csv")
    outputs.write_csv(pd.concat([r.strokes for r in results]),
                      folder / f"{sample}_scratch_strokes.csv")
    outputs.write_csv(summary_table(results, fractions, minimum),
                      folder / f"{sample}_scratch_summary.csv")
    outputs.write_csv(timebin_table(results, bin_s, [f >= minimum for f in fractions]),
                      folder / f"{sample}_scratch_timebins.csv")
    pose = folder / f"{sample}.h5"
    pose.write_bytes(sample.encode())  # stands in for the pose file: only its checksum is used
    record = outputs.provenance("quantify", [pose], {**ScratchParams().to_dict(), "bin_s": bin_s},
                                fps=FPS, bodyparts={"hind_left": "hind_paw_left",
                                                    "hind_right": "hind_paw_right"})
    outputs.write_json(record, folder / f"{sample}_scratch_provenance.json")


def crop_sidecar(folder, sample, mouse, group, treatment, position="left"):
    """The fields of a crop record that the summary reads (crop/record.py writes them)."""
    record = {"step": "crop", "inputs": [{"path": f"/raw/{sample}_raw.mp4", "sha256": "0"}],
              "metadata": {"date": "2024-03-05", "time": "14:30:00", "camera": "cam1",
                           "experiment": "dose48", "positions": {}},
              "position": position,
              "mouse": {"mouse": mouse, "treatment": treatment, "group": group}}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{sample}.json").write_text(json.dumps(record))


@pytest.fixture
def run(tmp_path):
    """One-machine layout: crop/, pose/ (a pose record beside each mouse's pose file),
    quantify/."""
    root = tmp_path / "run"
    for sample, (mouse, group, treatment, duration, bouts) in MICE.items():
        crop_sidecar(root / "crop" / "raw1", sample, mouse, group, treatment)
        quantify_outputs(root / "quantify", sample, duration, bouts)
        (root / "pose").mkdir(parents=True, exist_ok=True)
        (root / "pose" / f"{sample}.pose.json").write_text('{"fps": 100.0}')
    crop_sidecar(root / "crop" / "raw1", MISSING, "M4", "itchy", "compound48_80", "right")
    return root


def summarise_run(root, out=None, **options):
    result = summarise(SummariseRequest((root,), out or root / "summarise", **options))
    return result, pd.read_csv(result.paths["summary"], keep_default_na=False,
                               na_values=[""]).set_index("sample")


def test_summary_joins_each_mouse_with_its_metadata(run):
    result, table = summarise_run(run)
    assert (result.n_ok, result.n_failed) == (4, 1)
    assert list(table.index) == ["mA", "mB", "mC", "mD", "mE"]
    expected = {"mA": (2, 11, 3.5, 1, 1), "mB": (4, 25, 7.0, 2, 2), "mC": (1, 3, 1.0, 0, 1),
                "mE": (0, 0, 0.0, 0, 0)}
    for sample, (bouts, strokes, seconds, left, right) in expected.items():
        row = table.loc[sample]
        assert (row.n_bouts, row.n_strokes, row.bouts_left, row.bouts_right) == \
            (bouts, strokes, left, right)
        assert row.scratching_s == pytest.approx(seconds)
        mouse, group, treatment, duration, _ = MICE[sample]
        assert (row.mouse, row.group, row.treatment, row.status) == (mouse, group, treatment, "ok")
        assert row.bouts_per_min == pytest.approx(bouts / (duration / 60), abs=0.005)  # 0.01
        assert (row.date, row.time, row.camera, row.position, row.experiment) == \
            ("2024-03-05", "14:30:00", "cam1", "left", "dose48")
        assert row.video == f"{sample}_raw" and row.group_source == "metadata group"


def test_group_statistics_by_hand(run):
    result, _ = summarise_run(run)
    stats = pd.read_csv(result.paths["statistics"])
    total = stats[stats["period"] == "total"].set_index(["group", "measure"])
    # vehicle: bouts 2, 4, 0; strokes 11, 25, 0; seconds 3.5, 7, 0
    assert tuple(total.loc[("vehicle", "n_bouts"), ["n", "mean", "sd", "median"]]) == \
        pytest.approx((3, 2.0, 2.0, 2.0))
    assert tuple(total.loc[("vehicle", "n_strokes"), ["n", "mean", "sd", "median"]]) == \
        pytest.approx((3, 12.0, math.sqrt(157), 11.0), abs=STAT_ROUNDING)  # ((-1)^2 + 13^2 + (-12)^2) / 2 = 157
    assert tuple(total.loc[("vehicle", "scratching_s"), ["n", "mean", "sd", "median"]]) == \
        pytest.approx((3, 3.5, 3.5, 3.5))
    itchy = total.loc[("itchy", "n_bouts")]  # one mouse (mD failed): no SD
    assert (itchy.n, itchy["mean"], itchy["median"]) == (1, 1.0, 1.0) and np.isnan(itchy.sd)

    bins = stats[stats["period"] == "bin"].set_index(["group", "bin_start_s", "measure"])
    # vehicle, 0-300 s: bouts 1, 3, 0 -> mean 4/3, SD sqrt(7/3); strokes 5, 17, 0; s 2, 5, 0
    first = bins.loc[("vehicle", 0.0, "n_bouts")]
    assert (first.n, first["mean"], first.sd, first["median"]) == \
        pytest.approx((3, 4 / 3, math.sqrt(7 / 3), 1.0), abs=STAT_ROUNDING)
    assert bins.loc[("vehicle", 0.0, "n_strokes"), "mean"] == pytest.approx(22 / 3,
                                                                           abs=STAT_ROUNDING)
    assert bins.loc[("vehicle", 300.0, "scratching_s"), "median"] == pytest.approx(1.5)
    # compound: 450 s recording, so its second bin ends at 450 s
    assert bins.loc[("itchy", 300.0, "n_bouts"), "bin_end_s"] == 450.0
    assert len(bins) == 2 * 2 * 3  # 2 groups x 2 bins x 3 measures


def test_default_bin_is_five_minutes():
    assert ScratchParams().bin_s == 300.0  # the statistics' bins are the quantifier's


def test_expected_mouse_without_results_keeps_its_row(run):
    _, table = summarise_run(run)
    row = table.loc[MISSING]
    assert (row.status, row.reason, row.mouse, row.group) == \
        ("failed", "no quantify output found", "M4", "itchy")
    assert pd.isna(row.n_bouts) and pd.isna(row.individual)


def test_failures_file_gives_the_reason(run, tmp_path):
    failures = tmp_path / "failures.csv"
    failures.write_text("sample,step,reason\nmD,pose,CUDA out of memory\n"
                        "mD,quantify,not run\nmX,crop,no QR codes found\nmY,,\n")
    (run / "quantify" / "expected_samples.csv").write_text("sample,video\nmA,raw1\nmZ,raw9\n")
    result, table = summarise_run(run, failures=failures)
    assert table.loc["mD", "reason"] == "pose: CUDA out of memory; quantify: not run"
    assert table.loc["mX", "reason"] == "crop: no QR codes found"
    assert table.loc["mY", "reason"] == "no reason given"
    assert table.loc["mZ", "reason"] == "no quantify output found"
    assert table.loc["mZ", "video"] == "raw9"
    assert result.n_failed == 4
    record = json.loads(result.paths["provenance"].read_text())
    assert str(failures) in [i["path"] for i in record["inputs"]]


def test_groups_file_overrides_metadata(run, tmp_path):
    by_mouse = tmp_path / "groups.csv"
    by_mouse.write_text("mouse,group\nM1,low\nM2,high\nM9,nobody\nM5,\n")
    result, table = summarise_run(run, groups=by_mouse)
    assert table.loc["mA", "group"] == "low" and table.loc["mA", "group_source"] == "groups file"
    assert table.loc["mE", "group"] == "vehicle"  # empty group: the metadata's stands
    assert any("'M9' matches no mouse" in w for w in result.warnings)
    by_sample = tmp_path / "by_sample.csv"
    by_sample.write_text("sample,group\nmC,vehicle\n")
    _, table = summarise_run(run, groups=by_sample)
    assert table.loc["mC", "group"] == "vehicle"


def test_metadata_from_crop_names_without_sidecars(tmp_path):
    name = "2024-03-05_14-30-05_cam2_right_M13"
    quantify_outputs(tmp_path / "q", name, 120.0, [(1, 2, "left", 4)])
    quantify_outputs(tmp_path / "q", "demo", 120.0, [])
    _, table = summarise_run(tmp_path / "q", out=tmp_path / "out")
    row = table.loc[name]
    assert (row.date, row.time, row.camera, row.position, row.mouse) == \
        ("2024-03-05", "14:30:05", "cam2", "right", "M13")
    assert (table.loc["demo", "group"], table.loc["demo", "group_source"]) == ("ungrouped", "none")


def test_multi_animal_file_gives_a_row_per_individual(tmp_path):
    results = [scratch_result(60.0, [(1, 2, "left", 4)], "mouse1"),
               scratch_result(60.0, [(5, 6, "right", 3), (9, 10, "right", 5)], "mouse2")]
    quantify_outputs(tmp_path / "q", "pair", 60.0, None, results=results)
    result, table = summarise_run(tmp_path / "q", out=tmp_path / "out")
    rows = table.loc["pair"].set_index("individual")
    assert rows["n_bouts"].to_dict() == {"mouse1": 1, "mouse2": 2}
    assert rows["n_strokes"].to_dict() == {"mouse1": 4, "mouse2": 8}
    stats = pd.read_csv(result.paths["statistics"]).set_index(["period", "measure"])
    assert stats.loc[("total", "n_strokes"), ["n", "mean"]].tolist() == [2, 6.0]
    assert "pair [mouse2]" in result.paths["report"].read_text()


def test_outputs_are_atomic_with_provenance(run):
    result, _ = summarise_run(run)
    out = result.paths["summary"].parent
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["experiment_summary.csv", "experiment_timebins.csv", "group_statistics.csv",
         "group_comparisons.csv", "report.html", "report_files",
         "summary_provenance.json"])  # and no temporary files
    record = json.loads(result.paths["provenance"].read_text())
    assert record["step"] == "summarise" and record["bin_s"] == 300.0
    assert record["software"]["matplotlib"] != "not installed"
    summary_csv = run / "quantify" / "mA_scratch_summary.csv"
    assert {"path": str(summary_csv), "sha256": outputs.sha256_file(summary_csv)} in \
        record["inputs"]
    bins = pd.read_csv(result.paths["timebins"])
    assert len(bins) == 4 * 2 and set(bins["group"]) == {"vehicle", "itchy"}


def test_staged_links_are_read_and_linked_where_published(run, tmp_path):
    """The Nextflow task: a flat results/ folder of symlinks; links point to ../quantify and
    ../clips."""
    staged = tmp_path / "task" / "results"
    staged.mkdir(parents=True)
    for path in (run / "quantify").glob("*_scratch_*"):
        os.symlink(path, staged / path.name)
    clip = "mA_bout001_t0010.0s.mp4"
    (tmp_path / clip).write_bytes(b"clip")
    os.symlink(tmp_path / clip, staged / clip)
    (staged / "expected_samples.csv").write_text("sample,video\nmA,raw1\nmD,raw1\n")
    result = summarise(SummariseRequest((staged,), tmp_path / "task",
                                        link_dir=Path("..")))
    assert result.n_failed == 1
    page = result.paths["report"].read_text()
    assert 'href="../quantify/mA_scratch_bouts.csv"' in page
    assert f'href="../clips/{clip}"' in page


def write_bad(run, sample, kind, text):
    (run / "quantify" / f"{sample}_scratch_{kind}").write_text(text)


@pytest.mark.parametrize(("kind", "text", "message"), [
    ("summary.csv", "individual,duration_s,n_bouts\nindividual_0,60,1\n",
     "mA_scratch_summary.csv: missing column(s) ['n_strokes', 'scratching_s']"),
    ("summary.csv", "", "mA_scratch_summary.csv: file is empty"),
    ("summary.csv", "individual,duration_s,n_bouts,n_strokes,scratching_s\nindividual_0,60,x,1,1\n",
     "column 'n_bouts' line 2: 'x' is not a number"),
    ("timebins.csv", "individual,bin_start_s\n", "mA_scratch_timebins.csv: missing column(s)"),
    ("provenance.json", "{}", "mA_scratch_provenance.json: not a quantify provenance record"),
    ("provenance.json", "[1, 2", "mA_scratch_provenance.json: not a readable JSON file"),
])
def test_bad_quantify_file_names_file_and_fix(run, kind, text, message):
    write_bad(run, "mA", kind, text)
    with pytest.raises(InputError, match="re-run `scratchflow quantify`") as err:
        summarise_run(run)
    assert message in str(err.value)


def test_summary_without_its_other_files(run):
    (run / "quantify" / "mB_scratch_bouts.csv").unlink()
    with pytest.raises(InputError, match="mB_scratch_summary.csv: found without mB_scratch_bouts"):
        summarise_run(run)


def test_mixed_time_bins_are_refused(run):
    quantify_outputs(run / "quantify", "mC", 450.0, [], bin_s=60.0)
    with pytest.raises(InputError, match="mC with bin_s 60 s, .* with 300 s"):
        summarise_run(run)


def test_same_file_twice_is_refused(run):
    (run / "copy").mkdir()
    (run / "copy" / "mA_scratch_summary.csv").write_text(
        (run / "quantify" / "mA_scratch_summary.csv").read_text())
    with pytest.raises(InputError, match="mA_scratch_summary.csv is found more than once"):
        summarise_run(run)


@pytest.mark.parametrize(("option", "text", "message"), [
    ("failures", "sample,reason\nmD,oom\n", "missing column(s) ['step']"),
    ("failures", "sample,step,reason\n,pose,oom\n", "line 2: empty 'sample'"),
    ("groups", "name,group\nmA,x\n", "needs a 'sample' or 'mouse' column"),
    ("groups", "sample\nmA\n", "missing column(s) ['group']"),
])
def test_bad_sample_lists(run, tmp_path, option, text, message):
    path = tmp_path / f"{option}.csv"
    path.write_text(text)
    with pytest.raises(InputError, match="write") as err:
        summarise_run(run, **{option: path})
    assert f"{path}: " in str(err.value) and message in str(err.value)


def test_empty_folder(tmp_path):
    with pytest.raises(InputError, match=r"no quantify outputs \(\*_scratch_summary.csv\)"):
        summarise(SummariseRequest((tmp_path,), tmp_path / "out"))


def test_cli_summarise(run, tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["summarise", str(run), "--out", str(tmp_path / "s")])
    assert result.exit_code == 0, result.output
    assert "4 of 5 mice with results" in result.output
    (run / "quantify" / "mA_scratch_summary.csv").write_text("")
    result = runner.invoke(main, ["summarise", str(run), "--out", str(tmp_path / "s")])
    assert result.exit_code == 2
    assert result.output.startswith("error: ") and "file is empty" in result.output


# --- Group comparisons against a named control (report/compare.py) -------------------------

# Bouts per mouse in two 5-min bins, so that totals and bins can be checked by hand.
# control: totals 0, 1, 1, 2; treated: 4, 5, 6, 9
CONTROL_BINS = {"c1": (0, 0), "c2": (1, 0), "c3": (0, 1), "c4": (1, 1)}
TREATED_BINS = {"t1": (2, 2), "t2": (3, 2), "t3": (2, 4), "t4": (5, 4)}


def binned_bouts(first: int, second: int) -> list[tuple]:
    """``first`` bouts in 0-300 s and ``second`` in 300-600 s, 1 s and 4 strokes each."""
    starts = [10 + 20 * k for k in range(first)] + [310 + 20 * k for k in range(second)]
    return [(s, s + 1, "left", 4) for s in starts]


@pytest.fixture
def treated_run(tmp_path):
    root = tmp_path / "run"
    for group, mice in (("vehicle", CONTROL_BINS), ("itchy", TREATED_BINS)):
        for sample, bins in mice.items():
            crop_sidecar(root / "crop", sample, sample.upper(), group, group)
            quantify_outputs(root / "quantify", sample, 600.0, binned_bouts(*bins))
    return root


def comparisons_of(root, **options) -> pd.DataFrame:
    result = summarise(SummariseRequest((root,), root / "summarise", **options))
    return pd.read_csv(result.paths["comparisons"], keep_default_na=False, na_values=[""])


def exact_two_sided_p(group, control) -> float:
    """Every relabelling of the mice, counted by hand (ties count half in U)."""
    def u(a, b):
        return sum((x > y) + 0.5 * (x == y) for x in a for y in b)

    pooled, n = list(group) + list(control), len(group)
    centre = n * len(control) / 2
    observed = abs(u(group, control) - centre)
    draws = [abs(u([pooled[i] for i in chosen], [pooled[i] for i in range(len(pooled))
                                                 if i not in chosen]) - centre)
             for chosen in itertools.combinations(range(len(pooled)), n)]
    return sum(d >= observed - 1e-12 for d in draws) / len(draws)


def test_comparison_with_control_by_hand(treated_run):
    table = comparisons_of(treated_run, control="vehicle")
    total = table[table["period"] == "total"].set_index("measure")
    bouts = total.loc["n_bouts"]
    assert (bouts.group, bouts.control, bouts.n_group, bouts.n_control) == \
        ("itchy", "vehicle", 4, 4)
    assert (bouts.mean_group, bouts.mean_control, bouts.difference) == \
        pytest.approx((6.0, 1.0, 5.0))
    assert bouts.cliffs_delta == 1.0  # every treated mouse scratched more than every control
    assert bouts.mann_whitney_u == 16 and bouts.mann_whitney_method == "exact"
    assert bouts.mann_whitney_p == pytest.approx(2 / 70, rel=P_ROUNDING)  # 2 of 70 relabellings
    # Welch: variances 14/3 and 2/3, so se^2 = 4/3 and t = 5 / sqrt(4/3)
    assert bouts.welch_t == pytest.approx(5 / math.sqrt(4 / 3), abs=STAT_ROUNDING)
    assert bouts.welch_df == pytest.approx((4 / 3) ** 2 / ((7 / 6) ** 2 / 3 + (1 / 6) ** 2 / 3),
                                           abs=0.005)
    assert bouts.difference_ci_low <= 5.0 <= bouts.difference_ci_high
    assert bouts.difference_ci_low >= 2.0 and bouts.difference_ci_high <= 9.0  # 4 - 2, 9 - 0
    assert (bouts.cliffs_delta_ci_low, bouts.cliffs_delta_ci_high) == (1.0, 1.0)
    assert pd.isna(bouts.note)  # 4 vs 4 can reach p < 0.05
    assert total.loc["n_strokes", "difference"] == pytest.approx(20.0)  # 4 strokes a bout
    assert total.loc["scratching_s", "difference"] == pytest.approx(5.0)  # 1 s a bout
    assert comparisons_of(treated_run, control="vehicle").equals(table)  # seeded bootstrap


def test_comparison_per_time_bin_with_ties(treated_run):
    table = comparisons_of(treated_run, control="vehicle")
    bins = table[(table["period"] == "bin") & (table["measure"] == "n_bouts")]
    assert bins[["bin_start_s", "bin_end_s"]].values.tolist() == [[0, 300], [300, 600]]
    first = bins.iloc[0]
    treated, control = [2, 3, 2, 5], [0, 1, 0, 1]
    assert first.mean_group - first.mean_control == pytest.approx(first.difference)
    assert first.difference == pytest.approx(3.0 - 0.5)
    second = bins.iloc[1]  # treated 2, 2, 4, 4 vs control 0, 0, 1, 1: ties within groups
    assert second.mann_whitney_p == pytest.approx(exact_two_sided_p([2, 2, 4, 4], [0, 0, 1, 1]),
                                                  rel=P_ROUNDING)
    assert first.mann_whitney_p == pytest.approx(exact_two_sided_p(treated, control),
                                                 rel=P_ROUNDING)


def test_ties_across_groups_are_exact(tmp_path):
    root = tmp_path / "run"
    for group, totals in (("vehicle", (0, 0, 1)), ("itchy", (1, 2, 3))):
        for index, n in enumerate(totals):
            sample = f"{group}{index}"
            crop_sidecar(root / "crop", sample, sample, group, group)
            quantify_outputs(root / "quantify", sample, 600.0, binned_bouts(n, 0))
    table = comparisons_of(root, control="vehicle")
    bouts = table[(table["period"] == "total") & (table["measure"] == "n_bouts")].iloc[0]
    assert bouts.mann_whitney_u == 8.5  # the tie of 1 with 1 counts half
    assert bouts.mann_whitney_p == pytest.approx(exact_two_sided_p([1, 2, 3], [0, 0, 1]),
                                                 rel=P_ROUNDING)
    assert bouts.note.startswith("n = 3 vs 3: too few mice for a test to mean anything")


@pytest.mark.parametrize(("control_mice", "note"), [
    (2, "n = 4 vs 2: too few mice for a test to mean anything; even complete separation "
        "gives p = 0.13 at best"),
    (1, "n = 4 vs 1: too few mice for a test or an interval"),
])
def test_small_n_is_said_plainly(treated_run, control_mice, note):
    for sample in list(CONTROL_BINS)[control_mice:]:
        for path in (treated_run / "quantify").glob(f"{sample}_scratch_*"):
            path.unlink()
    table = comparisons_of(treated_run, control="vehicle")
    bouts = table[(table["period"] == "total") & (table["measure"] == "n_bouts")].iloc[0]
    assert bouts.note.startswith(note)
    assert bouts.n_control == control_mice and bouts.difference == pytest.approx(
        6.0 - np.mean([sum(v) for v in list(CONTROL_BINS.values())[:control_mice]]))
    if control_mice == 1:
        assert pd.isna(bouts.mann_whitney_p) and pd.isna(bouts.difference_ci_low)


def test_unknown_control_names_the_groups(treated_run):
    with pytest.raises(InputError, match="--control 'saline' is not a group of this "
                       r"experiment \(groups: itchy, vehicle\)"):
        comparisons_of(treated_run, control="saline")


def test_no_control_writes_the_header_and_says_how(treated_run):
    table = comparisons_of(treated_run)
    assert table.empty and "cliffs_delta" in table.columns
    page = (treated_run / "summarise" / "report.html").read_text()
    assert "No control group named" in page and "--control GROUP" in page


def test_cli_control_reaches_the_report(treated_run, tmp_path):
    result = CliRunner().invoke(main, ["summarise", str(treated_run), "--out",
                                       str(tmp_path / "s"), "--control", "vehicle"])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "s" / "report.html").read_text()
    assert "Each group against the control group <b>vehicle</b>" in page
    assert "U = 16, p = 0.029 (exact)" in page and "Welch t(" in page
    assert "itchy vs vehicle" in page


def test_mice_without_bouts_raise_no_pandas_warning(run, tmp_path):
    """mE has no bouts (an empty bouts table); joining it must not warn the user."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        result, table = summarise_run(run)
    assert table.loc["mE", "n_bouts"] == 0
    bouts = pd.read_csv(result.paths["summary"].parent / "experiment_timebins.csv")
    assert set(bouts["sample"]) == {"mA", "mB", "mC", "mE"}
    quiet = tmp_path / "quiet"
    quantify_outputs(quiet, "q1", 60.0, [])
    quantify_outputs(quiet, "q2", 60.0, [])
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        result, table = summarise_run(quiet, out=tmp_path / "out")
    assert table["n_bouts"].tolist() == [0, 0]


def test_summary_csvs_keep_their_measurement_precision(treated_run):
    from scratchflow.precision import DECIMALS, SIGNIFICANT
    from tests.test_quantify_cli import most_decimals

    result = summarise(SummariseRequest((treated_run,), treated_run / "summarise",
                                        control="vehicle"))
    for key in ("summary", "timebins", "statistics", "comparisons"):
        for column, digits in most_decimals(result.paths[key]).items():
            if column in SIGNIFICANT:
                continue  # significant digits, checked below
            assert column in DECIMALS or column == "fps", f"{key}: {column} is unrounded"
            assert digits <= DECIMALS.get(column, 99), (key, column, digits)
    comparisons = pd.read_csv(result.paths["comparisons"], dtype=str)
    assert set(comparisons["mann_whitney_p"].dropna()) <= {"0.0286", "0.0571", "0.114",
                                                          "0.2", "0.343", "0.486", "0.686",
                                                          "0.886", "1.0"}


def test_many_tied_mice_use_the_normal_approximation_and_stay_quick():
    """Exact enumeration is kept for small groups: 12 vs 12 tied counts go normal, and fast."""
    import time

    from scratchflow.summarise.compare import compare

    rng = np.random.default_rng(3)
    group, control = rng.poisson(5, 12).astype(float), rng.poisson(2, 12).astype(float)
    started = time.perf_counter()
    row = compare(group, control)
    assert row["mann_whitney_method"] == "normal approximation"
    assert time.perf_counter() - started < 5
    untied = compare(group + np.arange(12) / 100, control + np.arange(12) / 100 + 0.005)
    assert untied["mann_whitney_method"] == "exact"  # U's exact distribution: quick at any n


def test_untracked_mouse_is_marked_and_not_counted_as_zero(run):
    """mE (vehicle, no bouts) had its hind paws tracked in 10 % of frames: no_tracking, no
    counts, and out of the vehicle statistics, which keep mA and mB only."""
    quantify_outputs(run / "quantify", "mE", 600.0, [], usable=0.1)
    result, table = summarise_run(run)
    row = table.loc["mE"]
    assert (row.status, row.hind_paws_usable_fraction) == ("no_tracking", 0.1)
    assert "hind paws usable in 10.0% of frames" in row.reason
    assert pd.isna(row.n_bouts) and pd.isna(row.scratching_s)
    assert table.loc["mA", "hind_paws_usable_fraction"] == 1.0  # every mouse has the column
    stats = pd.read_csv(result.paths["statistics"])
    vehicle = stats[(stats["group"] == "vehicle") & (stats["measure"] == "n_bouts")]
    assert set(vehicle["n"]) == {2}  # in total and in every bin
    assert vehicle.loc[vehicle["period"] == "total", "mean"].item() == 3.0  # (2 + 4) / 2
    page = (run / "summarise" / "report.html").read_text()
    assert "status no_tracking" in page and "left out of the figures, statistics" in page


def test_only_this_runs_samples_are_summarised(run, tmp_path):
    """A reused run folder still holds an earlier run's mouse; --samples (the runner's list of
    this run's mice) leaves it out, and says so."""
    quantify_outputs(run / "quantify", "old", 600.0, [(10, 12, "left", 5)])
    crop_sidecar(run / "crop", "old", "M9", "vehicle", "saline")
    samples = tmp_path / "samples.csv"
    samples.write_text("sample\n" + "\n".join([*MICE, MISSING]) + "\n")
    result, table = summarise_run(run, samples=samples)
    assert list(table.index) == [*MICE, MISSING] or set(table.index) == {*MICE, MISSING}
    assert any("1 mouse(s) in the folders are not in" in w and w.endswith(": old")
               for w in result.warnings)
    _, everything = summarise_run(run, out=tmp_path / "all")
    assert "old" in everything.index  # without the list, every mouse found


def test_every_sample_failed_still_gives_a_summary(tmp_path):
    """The runner passes no folder when nothing was cropped: the failures file alone."""
    failures = tmp_path / "failures.csv"
    failures.write_text("sample,step,reason\nrawA,crop,no metadata TXT\nrawB,crop,broken\n")
    result = CliRunner().invoke(main, ["summarise", "--out", str(tmp_path / "s"),
                                       "--failures", str(failures)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "s" / "experiment_summary.csv")
    assert list(table["status"]) == ["failed", "failed"]
    assert list(table["reason"]) == ["crop: no metadata TXT", "crop: broken"]
    assert "2 mice failed or not tracked" in (tmp_path / "s" / "report.html").read_text()


def test_clips_of_bouts_no_longer_detected_are_not_linked(run):
    clips = run / "clips"
    clips.mkdir()
    current, stale = "mA_bout001_t0010.0s.mp4", "mA_bout003_t0099.0s.mp4"
    for name in (current, stale, f"{MISSING}_bout001_t0005.0s.mp4"):
        (clips / name).write_bytes(b"clip")
    result, _ = summarise_run(run)
    links = " ".join(re.findall(r'href="([^"]+)"', (run / "summarise" / "report.html").read_text()))
    assert current in links and stale not in links and f"{MISSING}_bout001" not in links
    assert f"mA: 1 clip(s) of bouts no longer detected are not linked ({stale}...)" \
        in result.warnings
