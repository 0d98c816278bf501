"""`nextflow run main.nf --arena open` under the real Nextflow runtime, on rendered arenas of
colour-marked mice: identity, then quantify per mouse, then the summary, with a truncated
video failing its identity task alone and an arena without hind-paw names failing its quantify
task alone. About half a minute on 2 cores; skips as tests/test_nextflow_run.py does.
"""

from __future__ import annotations

import pandas as pd
import pytest

from scratchflow.formats import PoseData, dlc, load_pose
from tests.conftest import REPO
from tests.test_nextflow_run import linked_files_exist, nextflow_command, read_trace, run_logged
from tests.test_run_open_arena import render_arenas, run

pytestmark = [pytest.mark.nextflow, pytest.mark.slow]


def add_arena_without_hind_paws(arenas) -> None:
    """arenaC: arenaA with its hind paws renamed to names no role table knows, so identity
    repairs it and quantify cannot find the paws."""
    pose = load_pose(arenas / "tracks" / "arenaADLC_dlcrnet_shuffle1.h5")
    names = tuple(name.replace("hind_paw_", "paw_") for name in pose.keypoints)
    renamed = PoseData(pose.position, pose.likelihood, names, pose.individuals, pose.fps, "test")
    (arenas / "videos" / "arenaC.mp4").write_bytes((arenas / "videos" / "arenaA.mp4").read_bytes())
    dlc.write(dlc.pose_table(renamed), arenas / "tracks" / "arenaCDLC_dlcrnet_shuffle1.h5")


def test_open_arena_pipeline_matches_scratchflow_run(tmp_path):
    command = nextflow_command()
    arenas = render_arenas(tmp_path / "input")
    add_arena_without_hind_paws(arenas)
    outdir = tmp_path / "results"
    proc = run_logged([*command, "run", str(REPO / "main.nf"), "-ansi-log", "false",
                       "--arena", "open", "--input", str(arenas / "videos"),
                       "--pose_input", str(arenas / "tracks"), "--colours", "red,green",
                       "--identity_clips", "1", "--clips_per_mouse", "1", "--outdir", str(outdir),
                       "--validate_params", "false"],
                      tmp_path, tmp_path / "nextflow.log")
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-6000:]
    trace = read_trace(outdir / "pipeline_info" / "execution_trace.txt")
    failed = [(t["process"], t["tag"]) for t in trace if t["status"] != "COMPLETED"]
    assert sorted(failed) == [("SCRATCHFLOW_OPEN_ARENA:IDENTITY", "broken"),
                              ("SCRATCHFLOW_OPEN_ARENA:QUANTIFY", "arenaC_identity")]
    # CLIPS got each arena's video with its repaired tracks; the rendered mice do not scratch,
    # so it cut nothing
    clip_tasks = sorted(t["tag"] for t in trace if t["process"].endswith(":CLIPS"))
    assert clip_tasks == ["arenaA_identity", "arenaB_identity"]
    assert not list((outdir / "clips").glob("*.mp4"))
    summary = pd.read_csv(outdir / "summarise" / "experiment_summary.csv")
    assert sorted(summary["mouse"].dropna()) == ["arenaA_green", "arenaA_red", "arenaB_green",
                                                 "arenaB_red"]
    # each failure names its step, as `scratchflow run` does
    rows = summary.set_index("sample")
    assert rows.loc["broken_identity", "status"] == rows.loc["arenaC_identity", "status"] == "failed"
    assert rows.loc["broken_identity", "reason"] == (
        "identity: no repaired tracks: the identity task failed "
        "(pipeline_info/execution_trace.txt)")
    assert rows.loc["arenaC_identity", "reason"].startswith(
        "quantify: no scratch tables: the quantify task failed")
    assert "<th>Colour</th>" in (outdir / "summarise" / "report.html").read_text()
    assert "../quantify/arenaA_identity_scratch_bouts.csv" in linked_files_exist(
        outdir / "summarise" / "report.html")
    clips = sorted(p.name for p in (outdir / "identity").glob("*.mp4"))
    assert clips == ["arenaA_identity_event001_t0001.2s.mp4",
                     "arenaB_identity_event001_t0001.2s.mp4",
                     "arenaC_identity_event001_t0001.2s.mp4"]
    # the same files as the one-machine run
    one = tmp_path / "run"
    run(arenas / "videos", "--arena", "open", "--pose-dir", arenas / "tracks", "--colours",
        "red,green", "--out", one)
    for folder, pattern in (("identity", "*_events.csv"), ("quantify", "*_scratch_*.csv")):
        made = sorted(p.name for p in (outdir / folder).glob(pattern))
        assert made and made == sorted(p.name for p in (one / folder).glob(pattern))
        for name in made:
            assert (outdir / folder / name).read_bytes() == (one / folder / name).read_bytes()
