"""`scratchflow run --arena open`: identity, quantify and summarise over rendered arenas of
colour-marked mice, with the tracks given in --pose-dir."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from scratchflow.cli import main
from scratchflow.formats import PoseData, dlc
from scratchflow.outputs import sha256_file
from scratchflow.run.open_arena import find_arenas
from scratchflow.run.report import mouse_rows
from scratchflow.run.runner import Outcome, RunLayout
from scratchflow.summarise.build import colour_swatches
from scratchflow_devtools.synthetic_colony import ColonySettings, render_colony

SETTINGS = ColonySettings(colours=("red", "green"), seconds=4.0, fps=25, width=320, height=240)
SWITCHED = slice(30, 70)


def render_arenas(root: Path) -> Path:
    """root/videos: two rendered arenas and a truncated video; root/tracks: their tracks, the
    mice swapped for frames 30-69, named as DeepLabCut names them."""
    videos, tracks = root / "videos", root / "tracks"
    videos.mkdir(parents=True)
    tracks.mkdir()
    for stem, seed in (("arenaA", 4), ("arenaB", 5)):
        colony = render_colony(root / "truth", stem, SETTINGS, seed=seed)
        (videos / f"{stem}.mp4").write_bytes(colony.video.read_bytes())
        position = colony.truth.position.copy()
        position[SWITCHED] = position[SWITCHED, ::-1]
        pose = PoseData(position, colony.truth.likelihood, colony.truth.keypoints,
                        ("mouse1", "mouse2"), 25.0, "test")
        dlc.write(dlc.pose_table(pose), tracks / f"{stem}DLC_dlcrnet_shuffle1.h5")
    (videos / "broken.mp4").write_bytes((videos / "arenaB.mp4").read_bytes()[:3000])
    (tracks / "brokenDLC_dlcrnet_shuffle1.h5").write_bytes(
        (tracks / "arenaBDLC_dlcrnet_shuffle1.h5").read_bytes())
    return root


@pytest.fixture(scope="module")
def arenas(tmp_path_factory):
    """``render_arenas`` and a video without tracks."""
    root = render_arenas(tmp_path_factory.mktemp("open"))
    (root / "videos" / "lonely.mp4").write_bytes((root / "videos" / "arenaA.mp4").read_bytes())
    return root


def run(*args):
    return CliRunner().invoke(main, ["run", *map(str, args)], catch_exceptions=False)


def test_open_arena_run_repairs_quantifies_and_summarises_each_colour(arenas, tmp_path):
    raw = {p: sha256_file(p) for p in sorted(arenas.rglob("*")) if p.is_file()}
    out = tmp_path / "run"
    args = (arenas / "videos", "--arena", "open", "--pose-dir", arenas / "tracks",
            "--colours", "red,green", "--identity-clips", "1", "--clips-per-mouse", "1",
            "--out", out)
    first = run(*args)
    assert first.exit_code == 1, first.output  # the two bad videos fail, alone
    summary = pd.read_csv(out / "summarise" / "experiment_summary.csv")
    ok = summary[summary["status"] == "ok"]
    assert sorted(zip(ok["sample"], ok["individual"], strict=True)) == [
        ("arenaA_identity", "green"), ("arenaA_identity", "red"),
        ("arenaB_identity", "green"), ("arenaB_identity", "red")]
    # each mouse named by video and colour, with the one switch counted for both
    assert sorted(ok["mouse"]) == ["arenaA_green", "arenaA_red", "arenaB_green", "arenaB_red"]
    assert (ok["colour"] == ok["individual"]).all() and (ok["identity_repairs"] == 1).all()
    report = (out / "summarise" / "report.html").read_text()
    assert '<span class="swatch" style="background:hsl(358, 80%, 50%)"></span> red' in report
    assert "<th>Identity repairs</th>" in report
    # the rendered mice do not scratch: the clips step ran and cut nothing
    assert (out / "logs" / "clips" / "experiment.log").is_file()
    assert not list((out / "clips").glob("*.mp4"))
    failed = summary[summary["status"] == "failed"].set_index("sample")["reason"]
    assert failed["broken_identity"].startswith("identity: ")
    assert "no pose file named lonely*.h5" in failed["lonely_identity"]
    events = pd.read_csv(out / "identity" / "arenaA_identity_events.csv")
    assert list(events["kind"]) == ["switch"]
    assert (events["start_frame"].iloc[0], events["end_frame"].iloc[0]) == (30, 69)
    # the table printed at the end: a row per painted mouse, not one per video
    words = [line.split() for line in first.output.splitlines()]
    assert ["sample", "individual", "status", "n_bouts", "n_strokes", "scratching_s"] in words
    assert [w[:3] for w in words if w and w[0] in ("arenaA_identity", "arenaB_identity")] == [
        ["arenaA_identity", "green", "ok"], ["arenaA_identity", "red", "ok"],
        ["arenaB_identity", "green", "ok"], ["arenaB_identity", "red", "ok"]]
    linked = (out / "pose" / "arenaA.h5").resolve()
    assert linked == arenas / "tracks" / "arenaADLC_dlcrnet_shuffle1.h5"
    assert {p: sha256_file(p) for p in raw} == raw  # the user's files are only read
    again = run(*args)
    # skipped: 2 identity, 2 quantify, the clips and the summary
    assert "(6 task(s) skipped as up to date)" in again.output
    clip = out / "identity" / "arenaA_identity_event001_t0001.2s.mp4"
    clip.unlink()  # a lost output: arenaA runs again (and so the summary), arenaB is skipped
    third = run(*args)
    assert clip.is_file() and "(2 task(s) skipped as up to date)" in third.output


def test_open_arena_needs_its_tracks_and_colours(arenas, tmp_path):
    result = run(arenas / "videos", "--arena", "open", "--colours", "red,green", "--out", tmp_path)
    assert result.exit_code == 2 and "--arena open needs --pose-dir and --colours" in result.output
    result = run(arenas / "videos", "--out", tmp_path)
    assert result.exit_code == 2 and "Missing option '--model'" in result.output


@pytest.mark.parametrize(("arena", "option", "value"), [
    ("open", "--model", "model"), ("open", "--truth", "truth.csv"), ("open", "--box-size", "300"),
    ("split", "--colours", "red,green"), ("split", "--identity-clips", "2")])
def test_an_option_of_the_other_arena_is_refused_not_ignored(arenas, tmp_path, arena, option,
                                                             value):
    (tmp_path / "model").mkdir()
    (tmp_path / "truth.csv").write_text("")
    given = tmp_path / value if (tmp_path / value).exists() else value
    arena_args = ["--pose-dir", arenas / "tracks", "--colours", "red,green"] if arena == "open" \
        else ["--model", tmp_path / "model"]
    result = run(arenas / "videos", "--arena", arena, *arena_args, option, given,
                 "--out", tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert f"{option} do(es) not apply with --arena {arena}" in result.output
    assert not (tmp_path / "out").exists()


def test_a_pose_file_belongs_to_the_longest_video_stem(tmp_path):
    for name in ("a.mp4", "a1.mp4", "a1DLC.h5", "aDLC.h5", "aDLC_el.h5"):
        (tmp_path / name).write_text("")
    found = {a.video.name: (a.pose and a.pose.name, a.problem) for a in find_arenas(tmp_path,
                                                                                    tmp_path)}
    assert found["a1.mp4"] == ("a1DLC.h5", "")
    assert found["a.mp4"][0] is None and "aDLC.h5, aDLC_el.h5" in found["a.mp4"][1]


def test_a_swatch_is_the_middle_of_its_hue_range_wrapping_through_red():
    swatches = colour_swatches({"red": (340, 16), "green": (80, 165)})
    assert swatches == {"red": "hsl(358, 80%, 50%)", "green": "hsl(122, 80%, 50%)"}


def test_the_final_table_shows_an_untracked_mouse_of_an_arena_alone(tmp_path):
    """One painted mouse untracked: that mouse is no_tracking without counts, not the video."""
    layout = RunLayout(tmp_path)
    quantify = layout.step_dir("quantify")
    quantify.mkdir()
    (quantify / "arenaA_identity_scratch_summary.csv").write_text(
        "individual,status,reason,duration_s,n_bouts,n_strokes,scratching_s\n"
        "green,no_tracking,hind paws tracked in 10% of frames,60,,,\n"
        "red,ok,,60,3,25,1.5\n")
    table = mouse_rows([Outcome("quantify", "arenaA_identity", True),
                        Outcome("identity", "broken_identity", False, reason="bad video")], layout)
    assert table.astype(object).where(table.notna(), None).to_dict("records") == [
        {"sample": "arenaA_identity", "individual": "green", "status": "no_tracking",
         "reason": "hind paws tracked in 10% of frames", "n_bouts": None, "n_strokes": None,
         "scratching_s": None},
        {"sample": "arenaA_identity", "individual": "red", "status": "ok", "reason": "",
         "n_bouts": 3, "n_strokes": 25, "scratching_s": 1.5},
        {"sample": "broken_identity", "individual": "", "status": "failed (identity)",
         "reason": "bad video", "n_bouts": None, "n_strokes": None, "scratching_s": None}]
