"""`nextflow run main.nf -profile test` under the real Nextflow runtime, on the demo experiment.

The runtime is Nextflow 24.10.8 from Maven Central (`make nextflow-runtime`, started by
scripts/nextflow/nextflow); $SCRATCHFLOW_NEXTFLOW names another launcher, e.g. the official
`nextflow`. The tasks run with the local executor and the `scratchflow` of this Python
environment first on PATH. nf-schema cannot be installed offline, hence
`--validate_params false` (docs/nextflow.md; tests/test_nf_schema.py checks the schemas).

The input is the bundled demo experiment plus a broken raw video (random bytes with a valid
metadata TXT). One run, then the same run with -resume, then `scratchflow run` on the same
folder: 3 to 8 minutes on 2 cores, most of it DeepLabCut on the CPU. Without Java, the
runtime, ffmpeg or DeepLabCut these tests skip, saying so, except under CI=true, where they
fail: CI must not pass without running the pipeline.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import pytest

from tests.conftest import DEMO_MODEL, REPO

pytestmark = [pytest.mark.nextflow, pytest.mark.slow]

DEMO = REPO / "examples" / "demo_experiment"
BEHAVIOUR_MODEL = REPO / "examples" / "behaviour_demo" / "model"
LAUNCHER = REPO / "scripts" / "nextflow" / "nextflow"
RUNTIME = REPO / "build" / "nextflow" / "lib" / ".complete"
BROKEN = "rig9_broken"  # the raw video that cannot be decoded
STEP_FOLDERS = {"crop", "pose", "quantify", "behaviour", "clips", "summarise",  # docs/nextflow.md
                "pipeline_info"}
CLIPS_PER_MOUSE = "2"  # conf/test.config, as `make demo`
TABLES = ("bouts", "strokes", "summary", "timebins")
TIMEOUT_S = 1800


def require(ok: bool, why: str) -> None:
    if ok:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{why} (CI=true: the Nextflow tests must run)", pytrace=False)
    pytest.skip(why)


def nextflow_command() -> list[str]:
    custom = os.environ.get("SCRATCHFLOW_NEXTFLOW")
    if custom:
        return [custom]
    require(shutil.which("java") is not None, "java not found: Nextflow needs Java 17")
    require(RUNTIME.is_file(), "no Nextflow runtime in build/nextflow: run `make nextflow-runtime`")
    return [str(LAUNCHER)]


def task_env() -> dict[str, str]:
    """This environment's bin/ first, so that the tasks' `scratchflow` is the one under test."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


@pytest.fixture(scope="module")
def experiment(tmp_path_factory) -> Path:
    require(shutil.which("ffmpeg") is not None, "ffmpeg not found (make system-deps)")
    try:
        import deeplabcut  # noqa: F401
    except ImportError:
        require(False, "DeepLabCut is not installed (pip install -e '.[dlc]')")
    require((DEMO_MODEL / "config.yaml").is_file(), f"no demo model at {DEMO_MODEL}")
    folder = tmp_path_factory.mktemp("nf_input")
    for source in sorted(DEMO.glob("*.mp4")):
        for path in (source, source.with_suffix(".txt")):
            (folder / path.name).symlink_to(path)
    (folder / f"{BROKEN}.mp4").write_bytes(os.urandom(200_000))
    # A valid TXT of its own camera, so that its mice's names clash with no other video's.
    metadata = sorted(DEMO.glob("*.txt"))[0].read_text()
    (folder / f"{BROKEN}.txt").write_text(metadata.replace("camera: cam1", "camera: cam9"))
    return folder


@dataclass
class PipelineRun:
    launch_dir: Path
    outdir: Path
    first: subprocess.CompletedProcess
    resumed: subprocess.CompletedProcess
    first_trace: list[dict]
    resumed_trace: list[dict]


def read_trace(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def run_logged(command: list[str], cwd: Path, log: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run(command, cwd=cwd, env=task_env(), capture_output=True, text=True,
                          timeout=TIMEOUT_S)
    log.write_text(proc.stdout + proc.stderr)
    return proc


@pytest.fixture(scope="module")
def pipeline(experiment, tmp_path_factory) -> PipelineRun:
    launch_dir = tmp_path_factory.mktemp("nf_launch")
    outdir = launch_dir / "results"
    command = nextflow_command() + [
        "run", str(REPO / "main.nf"), "-profile", "test", "-ansi-log", "false",
        "--input", str(experiment), "--outdir", str(outdir), "--validate_params", "false",
        "--behaviour_model", str(BEHAVIOUR_MODEL)]
    first = run_logged(command, launch_dir, launch_dir / "first.log")
    assert first.returncode == 0, (first.stdout + first.stderr)[-6000:]
    # Each run rewrites execution_trace.txt: keep the first one.
    first_trace = read_trace(outdir / "pipeline_info" / "execution_trace.txt")
    resumed = run_logged(command + ["-resume"], launch_dir, launch_dir / "resumed.log")
    assert resumed.returncode == 0, (resumed.stdout + resumed.stderr)[-6000:]
    resumed_trace = read_trace(outdir / "pipeline_info" / "execution_trace.txt")
    return PipelineRun(launch_dir, outdir, first, resumed, first_trace, resumed_trace)


@pytest.fixture(scope="module")
def one_machine(experiment, tmp_path_factory) -> Path:
    """`scratchflow run` on the same folder, with the test profile's crop and pose settings."""
    out = tmp_path_factory.mktemp("run") / "out"
    scratchflow = Path(sys.executable).parent / "scratchflow"
    proc = subprocess.run([str(scratchflow), "run", str(experiment), "--model", str(DEMO_MODEL),
                           "--out", str(out), "--box-size", "192", "--offset-x", "20",
                           "--batch-size", "8", "--device", "cpu", "--control", "vehicle",
                           "--clips-per-mouse", CLIPS_PER_MOUSE, "--params", str(REPO / "examples" / "demo_experiment" / "params.yaml")],
                          env=task_env(), capture_output=True, text=True, timeout=TIMEOUT_S)
    # Exit status 1: a sample (the broken video) failed, the others finished.
    assert proc.returncode == 1, proc.stdout + proc.stderr
    return out


def mice(outdir: Path) -> list[str]:
    return sorted(p.name.removesuffix("_scratch_summary.csv")
                  for p in (outdir / "quantify").glob("*_scratch_summary.csv"))


def summary_rows(path: Path) -> dict[str, dict]:
    with open(path, newline="") as handle:
        return {row["sample"]: row for row in csv.DictReader(handle)}


def linked_files_exist(report: Path) -> list[str]:
    """The report's relative links, each checked to reach a published file."""
    hrefs = [unquote(h) for h in re.findall(r'href="([^"#:]+)"', report.read_text())]
    missing = [h for h in hrefs if not (report.parent / h).is_file()]
    assert not missing, f"{report} links files that are not published: {missing}"
    return hrefs


def test_one_folder_per_step_and_pipeline_info(pipeline):
    assert {p.name for p in pipeline.outdir.iterdir()} == STEP_FOLDERS
    raw_ids = sorted(p.stem for p in DEMO.glob("*.mp4"))
    assert sorted(p.name for p in (pipeline.outdir / "crop").iterdir()) == raw_ids
    cropped = sorted(p.stem for p in (pipeline.outdir / "crop").glob("*/*.mp4"))
    assert len(cropped) == 2 * len(raw_ids)  # two enclosures per demo video
    for mouse in cropped:
        for suffix in (".json", ".preview.png"):
            assert list((pipeline.outdir / "crop").glob(f"*/{mouse}{suffix}")), mouse + suffix
        for suffix in (".h5", ".pose.json"):
            assert (pipeline.outdir / "pose" / f"{mouse}{suffix}").is_file()
    assert mice(pipeline.outdir) == cropped
    summary = {p.name for p in (pipeline.outdir / "summarise").iterdir()}
    assert summary == {"experiment_summary.csv", "experiment_timebins.csv",
                       "group_statistics.csv", "group_comparisons.csv", "report.html",
                       "summary_provenance.json"}
    hrefs = linked_files_exist(pipeline.outdir / "summarise" / "report.html")
    assert f"../quantify/{cropped[0]}_scratch_bouts.csv" in hrefs


def test_per_mouse_csvs_equal_those_of_scratchflow_run(pipeline, one_machine):
    assert mice(pipeline.outdir) == mice(one_machine) != []
    for mouse in mice(one_machine):
        for table in TABLES:
            name = f"{mouse}_scratch_{table}.csv"
            nf_csv = (pipeline.outdir / "quantify" / name).read_bytes()
            assert nf_csv == (one_machine / "quantify" / name).read_bytes(), name


def test_summary_has_every_mouse_and_the_broken_video(pipeline, one_machine):
    rows = summary_rows(pipeline.outdir / "summarise" / "experiment_summary.csv")
    assert {s for s, row in rows.items() if row["status"] == "ok"} == set(mice(pipeline.outdir))
    assert rows[BROKEN]["status"] == "failed" and "crop" in rows[BROKEN]["reason"]
    expected = summary_rows(one_machine / "summarise" / "experiment_summary.csv")
    assert {s: r["status"] for s, r in rows.items()} == {s: r["status"]
                                                         for s, r in expected.items()}
    statistics = (pipeline.outdir / "summarise" / "group_statistics.csv").read_text()
    assert statistics.startswith("group,") and "vehicle" in statistics
    comparisons = (pipeline.outdir / "summarise" / "group_comparisons.csv").read_text()
    assert "pruritogen" in comparisons and "vehicle" in comparisons  # the test profile's control


def test_broken_video_fails_alone_and_the_rest_finish(pipeline):
    failed = [t for t in pipeline.first_trace if t["status"] != "COMPLETED"]
    assert [(t["process"], t["tag"], t["status"]) for t in failed] == [
        ("SCRATCHFLOW:CROP_VIDEOS", BROKEN, "FAILED")]
    assert failed[0]["exit"] != "0"
    assert f"CROP_VIDEOS ({BROKEN})` terminated with an error exit status" in \
        pipeline.first.stdout + pipeline.first.stderr
    done = {t["process"].split(":")[-1] for t in pipeline.first_trace
            if t["status"] == "COMPLETED"}
    assert done == {"CROP_VIDEOS", "POSE_DLC", "QUANTIFY", "CLIPS", "BEHAVIOUR", "SUMMARISE"}


def test_resume_reruns_nothing_that_succeeded(pipeline):
    completed = sorted(t["name"] for t in pipeline.first_trace if t["status"] == "COMPLETED")
    cached = sorted(t["name"] for t in pipeline.resumed_trace if t["status"] == "CACHED")
    assert cached == completed
    # Nextflow never caches a failed task: only the broken video's crop runs (and fails) again.
    rerun = [(t["tag"], t["status"]) for t in pipeline.resumed_trace if t["status"] != "CACHED"]
    assert rerun == [(BROKEN, "FAILED")]


def test_trace_report_and_timeline_are_written(pipeline):
    info = pipeline.outdir / "pipeline_info"
    for name in ("execution_report.html", "execution_timeline.html", "pipeline_dag.html"):
        text = (info / name).read_text()
        assert "<html" in text.lower() and len(text) > 1000, name
    assert {"task_id", "hash", "process", "tag", "status", "exit", "peak_rss"} <= set(
        pipeline.first_trace[0])
    videos = len(list(DEMO.glob("*.mp4")))
    mice_count = 2 * videos  # two enclosures per demo video
    # crops (the demo's and the broken one), pose, quantify, clips and behaviour per mouse, one
    # summary
    assert len(pipeline.first_trace) == videos + 1 + 4 * mice_count + 1


def test_review_clips_are_those_of_scratchflow_run_and_linked(pipeline, one_machine):
    """CLIPS cuts the same bouts as the one-machine run (same draw, same names), publishes
    them in clips/, and each mouse's row of the report links its own."""
    clips = sorted(p.name for p in (pipeline.outdir / "clips").glob("*.mp4"))
    assert clips and clips == sorted(p.name for p in (one_machine / "clips").glob("*.mp4"))
    for mouse in mice(pipeline.outdir):
        assert len([c for c in clips if c.startswith(f"{mouse}_bout")]) <= int(CLIPS_PER_MOUSE)
    hrefs = linked_files_exist(pipeline.outdir / "summarise" / "report.html")
    assert {f"../clips/{clip}" for clip in clips} <= set(hrefs)


def test_behaviour_of_every_mouse_is_classified_and_summarised(pipeline, tmp_path):
    """The BEHAVIOUR branch under the real runtime: every mouse classified with its scratch
    bouts, its budget in the summary, and the labels those of `scratchflow behaviour
    classify` run by hand on one mouse."""
    outdir = pipeline.outdir
    cropped = mice(outdir)
    labelled = sorted(p.name.removesuffix("_behaviour.csv")
                      for p in (outdir / "behaviour").glob("*_behaviour.csv"))
    assert labelled == cropped
    rows = summary_rows(outdir / "summarise" / "experiment_summary.csv")
    assert {s: rows[s]["behaviour_status"] for s in cropped} == dict.fromkeys(cropped, "ok")
    assert rows[BROKEN]["behaviour_status"].startswith("missing")
    hrefs = linked_files_exist(outdir / "summarise" / "report.html")
    assert f"../behaviour/{cropped[0]}_behaviour_budget.csv" in hrefs
    mouse = cropped[0]
    video = next((outdir / "crop").glob(f"*/{mouse}.mp4"))
    scratchflow = Path(sys.executable).parent / "scratchflow"
    proc = subprocess.run(
        [str(scratchflow), "behaviour", "classify", str(video), "--model", str(BEHAVIOUR_MODEL),
         "--pose", str(outdir / "pose" / f"{mouse}.h5"), "--out", str(tmp_path),
         "--scratch-bouts", str(outdir / "quantify" / f"{mouse}_scratch_bouts.csv")],
        env=task_env(), capture_output=True, text=True, timeout=TIMEOUT_S)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for suffix in ("_behaviour.csv", "_behaviour_budget.csv"):
        made = (outdir / "behaviour" / f"{mouse}{suffix}").read_bytes()
        assert made == (tmp_path / f"{mouse}{suffix}").read_bytes(), suffix
