"""`scratchflow quantify` end to end: outputs, provenance, bad input, batches."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner

from scratchflow.cli import main
from scratchflow.outputs import sha256_file
from tests.test_pose_io import BSOID

REPO_EXAMPLE = "examples/demo/demo_pose.h5"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_demo_example_outputs(tmp_path):
    before = sha256_file(REPO_EXAMPLE)
    result = run("quantify", REPO_EXAMPLE, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    bouts = pd.read_csv(tmp_path / "demo_pose_scratch_bouts.csv")
    for column in ("bout_id", "start_frame", "end_frame", "start_s", "end_s", "duration_s",
                   "limb", "n_strokes", "stroke_rate_hz"):
        assert column in bouts
    truth = pd.read_csv("examples/demo/demo_truth.csv")
    assert len(bouts) == len(truth)
    assert bouts["n_strokes"].sum() == truth["n_strokes"].sum()
    strokes = pd.read_csv(tmp_path / "demo_pose_scratch_strokes.csv")
    assert len(strokes) == bouts["n_strokes"].sum()
    summary = pd.read_csv(tmp_path / "demo_pose_scratch_summary.csv")
    assert summary.loc[0, "n_bouts"] == len(bouts)
    assert summary.loc[0, "bouts_left"] + summary.loc[0, "bouts_right"] == len(bouts)
    bins = pd.read_csv(tmp_path / "demo_pose_scratch_timebins.csv")
    assert bins["n_strokes"].sum() == len(strokes)  # one bin of 300 s covers the demo
    for table in (bouts, strokes, summary, bins):  # a single-animal file: the mouse is the sample
        assert set(table["individual"]) == {"demo_pose"}
    record = json.loads((tmp_path / "demo_pose_scratch_provenance.json").read_text())
    assert record["inputs"][0]["sha256"] == before
    assert record["fps"] == 120 and record["parameters"]["min_stroke_hz"] == 8.0
    assert "scipy" in record["software"]
    assert sha256_file(REPO_EXAMPLE) == before  # the input is never touched
    assert not list(tmp_path.glob(".*.part"))  # no temporary files left behind


def test_bodypart_mapping_and_explicit_fps(shared_data, tmp_path):
    pose = shared_data / f"{BSOID}.h5"
    result = run("quantify", pose, "--out", tmp_path, "--fps", 60,
                 "--bodypart", "hind_left=Hind Paw L", "--bodypart", "hind_right=Hind Paw R")
    assert result.exit_code == 0, result.output
    record = json.loads(next(tmp_path.glob("*_provenance.json")).read_text())
    assert record["bodyparts"]["hind_left"] == "Hind Paw L"


def test_fps_disagreeing_with_sidecar(tmp_path):
    shutil.copy(REPO_EXAMPLE, tmp_path / "demo_pose.h5")
    shutil.copy("examples/demo/demo_pose.pose.json", tmp_path / "demo_pose.pose.json")
    result = CliRunner().invoke(main, ["quantify", str(tmp_path / "demo_pose.h5"), "--fps", "60",
                                       "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "--fps 60 disagrees with the 120 fps recorded in demo_pose.pose.json" in result.output


def test_missing_fps(shared_data, tmp_path):
    result = CliRunner().invoke(main, ["quantify", str(shared_data / f"{BSOID}.h5"),
                                       "--out", str(tmp_path)])
    assert result.exit_code == 1 and "frame rate unknown" in result.output


def test_one_bad_file_fails_alone(tmp_path):
    bad = tmp_path / "broken.h5"
    bad.write_bytes(b"garbage")
    result = CliRunner().invoke(main, ["quantify", str(bad), REPO_EXAMPLE, "--out",
                                       str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "broken.h5: not a readable HDF5 file" in result.output
    assert "1 of 2 file(s) failed" in result.output
    assert (tmp_path / "out" / "demo_pose_scratch_bouts.csv").is_file()


def test_bad_params_file(tmp_path):
    params = tmp_path / "p.yaml"
    params.write_text("min_stroke_hz: 8\nmax_strok_hz: 30\n")
    result = CliRunner().invoke(main, ["quantify", REPO_EXAMPLE, "--params", str(params),
                                       "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "p.yaml: unknown parameter(s) ['max_strok_hz']" in result.output


def test_params_roundtrip(tmp_path):
    result = run("params")
    (tmp_path / "p.yaml").write_text(result.output)
    from scratchflow.quantify import ScratchParams

    assert ScratchParams.from_yaml(tmp_path / "p.yaml") == ScratchParams()


def test_bad_bodypart_syntax(tmp_path):
    result = CliRunner().invoke(main, ["quantify", REPO_EXAMPLE, "--out", str(tmp_path),
                                       "--bodypart", "hind_left"])
    assert result.exit_code == 2 and "is not ROLE=NAME" in result.output


def test_unknown_individual(tmp_path):
    result = CliRunner().invoke(main, ["quantify", REPO_EXAMPLE, "--out", str(tmp_path),
                                       "--individual", "mouse_9"])
    assert result.exit_code == 1 and "individual 'mouse_9' not found" in result.output


@pytest.mark.parametrize("name", ["scratch_bouts.csv", "scratch_summary.csv"])
def test_rerun_replaces_outputs_whole(tmp_path, name):
    assert run("quantify", REPO_EXAMPLE, "--out", tmp_path).exit_code == 0
    output = tmp_path / f"demo_pose_{name}"
    first = output.read_text()
    output.write_text(first + "stale,row\n")  # a skip or an append would keep this line
    assert run("quantify", REPO_EXAMPLE, "--out", tmp_path).exit_code == 0
    assert output.read_text() == first


def most_decimals(path) -> dict[str, int]:
    """Per column, the most digits after the decimal point that any cell of the CSV has."""
    import csv

    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    found: dict[str, int] = {}
    for row in rows:
        for column, cell in row.items():
            if "e" not in cell.lower() and "." in cell:
                found[column] = max(found.get(column, 0), len(cell.split(".", 1)[1]))
    return found


def test_csv_numbers_keep_their_measurement_precision(tmp_path):
    """Times to the millisecond, rates to 0.01, amplitudes to 0.001 body lengths, body length
    to 0.1 px (precision.py): no float noise such as 2.3000000000000025."""
    from scratchflow.precision import DECIMALS

    assert run("quantify", REPO_EXAMPLE, "--out", tmp_path).exit_code == 0
    checked = set()
    for kind in ("bouts", "strokes", "summary", "timebins"):
        for column, digits in most_decimals(tmp_path / f"demo_pose_scratch_{kind}.csv").items():
            assert column in DECIMALS or column == "fps", f"{kind}: {column} is unrounded"
            if column in DECIMALS:
                assert digits <= DECIMALS[column], (kind, column, digits)
                checked.add(column)
    assert {"start_s", "time_s", "stroke_rate_hz", "amplitude_bl", "body_length_px"} <= checked


def untracked_copy(folder, name, hind_likelihood):
    """The demo pose with both hind paws' likelihood set to ``hind_likelihood`` (NaN: no points)."""
    from dataclasses import replace

    from scratchflow.formats import load_pose
    from scratchflow_devtools.synthetic_pose import write_dlc

    pose = load_pose(REPO_EXAMPLE)
    likelihood, position = pose.likelihood.copy(), pose.position.copy()
    hind = [pose.keypoints.index(k) for k in ("hind_paw_left", "hind_paw_right")]
    likelihood[:, :, hind] = hind_likelihood
    if hind_likelihood != hind_likelihood:  # NaN: the model never placed the paws
        position[:, :, hind] = float("nan")
    path = write_dlc(replace(pose, likelihood=likelihood, position=position), folder / name)
    shutil.copy("examples/demo/demo_pose.pose.json", path.with_suffix(".pose.json"))
    return path


@pytest.mark.parametrize("hind_likelihood", [float("nan"), 0.005])
def test_untracked_hind_paws_are_no_tracking_not_zero(tmp_path, hind_likelihood):
    untracked = untracked_copy(tmp_path, "untracked.h5", hind_likelihood)
    result = run("quantify", untracked, REPO_EXAMPLE, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output  # the other file still runs
    assert "no_tracking" in result.output and "hind paws usable in 0.0% of frames" in result.output
    summary = pd.read_csv(tmp_path / "out" / "untracked_scratch_summary.csv")
    row = summary.iloc[0]
    assert (row.status, row.hind_paws_usable_fraction) == ("no_tracking", 0.0)
    assert "--bodypart" in row.reason  # says how to fix it
    assert summary[["n_bouts", "n_strokes", "scratching_s"]].isna().all(axis=None)  # not zeros
    assert pd.read_csv(tmp_path / "out" / "untracked_scratch_timebins.csv")["n_bouts"].isna().all()
    tracked = pd.read_csv(tmp_path / "out" / "demo_pose_scratch_summary.csv").iloc[0]
    assert (tracked.status, tracked.hind_paws_usable_fraction) == ("ok", 1.0)
    assert tracked.n_bouts > 0


def test_min_usable_fraction_sets_the_line(tmp_path):
    """At 0 every mouse counts, however poorly tracked."""
    untracked = untracked_copy(tmp_path, "untracked.h5", 0.005)
    params = tmp_path / "params.yaml"
    params.write_text("min_usable_fraction: 0\n")
    assert run("quantify", untracked, "--params", params, "--out", tmp_path / "out").exit_code == 0
    row = pd.read_csv(tmp_path / "out" / "untracked_scratch_summary.csv").iloc[0]
    assert (row.status, row.n_bouts) == ("ok", 0)
