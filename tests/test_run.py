"""`scratchflow run`: the ledger and the whole experiment on one machine, with the real
crop, DeepLabCut pose (demo model), quantify and summarise commands, local and from S3."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from scratchflow.cli import main
from scratchflow.outputs import sha256_file
from scratchflow.run.runner import RunLayout, Task, error_reason, run_task

CROP_ARGS = ["--box-size", "192", "--offset-x", "20"]


def write_task(tmp_path, source, text="hello"):
    """A task whose command copies ``source`` into out/, as a step would."""
    out = tmp_path / "out"
    code = (f"import pathlib; p = pathlib.Path({str(out)!r}); p.mkdir(exist_ok=True); "
            f"(p / 'made.txt').write_text(pathlib.Path({str(source)!r}).read_text())")
    return Task("demo", "s1", [sys.executable, "-c", code], [source],
                lambda: sorted(out.glob("*.txt")))


def test_ledger_skips_a_task_until_an_input_or_output_changes(tmp_path):
    source = tmp_path / "in.txt"
    source.write_text("one")
    layout = RunLayout(tmp_path / "run")
    first = run_task(write_task(tmp_path, source), layout)
    assert first.ok and not first.skipped and first.outputs == [tmp_path / "out" / "made.txt"]
    assert run_task(write_task(tmp_path, source), layout).skipped
    source.write_text("two")  # new input bytes: run again
    again = run_task(write_task(tmp_path, source), layout)
    assert not again.skipped and (tmp_path / "out" / "made.txt").read_text() == "two"
    (tmp_path / "out" / "made.txt").unlink()  # a lost output: run again
    assert not run_task(write_task(tmp_path, source), layout).skipped


def test_a_failing_task_reports_its_error_line_and_leaves_no_ledger(tmp_path):
    code = "import sys; print('error: x.mp4: not a readable video'); print('  fix: re-copy it');" \
           " sys.exit(2)"
    task = Task("crop", "x", [sys.executable, "-c", code], [], list)
    layout = RunLayout(tmp_path / "run")
    outcome = run_task(task, layout)
    assert not outcome.ok
    assert outcome.reason == "x.mp4: not a readable video (fix: re-copy it)"
    assert not layout.ledger(task).exists()
    assert error_reason(layout.log(task), 2) == outcome.reason


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    """Two short rendered raw videos, a video without TXT and a truncated video."""
    from scratchflow_devtools.synthetic_arena import ArenaSettings, render_arena, with_seconds

    folder = tmp_path_factory.mktemp("experiment")
    settings = with_seconds(ArenaSettings(), 3.0, 1)
    for stem, seed, camera in (("rigA", 21, "cam1"), ("rigB", 22, "cam2")):
        render_arena(folder, stem, settings, seed=seed, metadata={"camera": camera})
    shutil.copy(folder / "rigA.mp4", folder / "orphan.mp4")
    (folder / "broken.mp4").write_bytes((folder / "rigB.mp4").read_bytes()[:3000])
    (folder / "broken.txt").write_text((folder / "rigB.txt").read_text().replace("cam2", "cam3"))
    return folder


def run(*args):
    return CliRunner().invoke(main, ["run", *map(str, args)], catch_exceptions=False)


def test_run_whole_experiment_bad_samples_fail_alone_and_rerun_resumes(demo_model, experiment,
                                                                        tmp_path):
    raw_before = {p.name: p.read_bytes() for p in experiment.iterdir()}
    result = run(experiment, "--model", demo_model, "--out", tmp_path, *CROP_ARGS)
    assert result.exit_code == 1, result.output  # two bad raw videos
    assert "orphan: failed (crop)" in result.output and "no metadata TXT" in result.output
    assert "broken: failed (crop)" in result.output and "not a readable video" in result.output
    mice = sorted(p.stem for p in (tmp_path / "crop").glob("*.mp4"))
    assert len(mice) == 4  # both good videos, two mice each
    for mouse in mice:
        assert (tmp_path / "pose" / f"{mouse}.h5").is_file()
        assert (tmp_path / "quantify" / f"{mouse}_scratch_summary.csv").is_file()
    summary = pd.read_csv(tmp_path / "summarise" / "experiment_summary.csv")
    assert set(mice) <= set(summary["sample"])
    assert set(summary.loc[summary["status"] == "failed", "sample"]) == {"orphan", "broken"}
    assert "report.html" in result.output
    assert {p.name: p.read_bytes() for p in experiment.iterdir()} == raw_before

    again = run(experiment, "--model", demo_model, "--out", tmp_path, *CROP_ARGS)
    assert again.exit_code == 1
    assert "(11 task(s) skipped as up to date)" in again.output  # 2 crop, 4 pose, 4 quantify, 1


def test_run_reads_an_s3_prefix(demo_model, experiment, s3, tmp_path):
    for stem in ("rigA",):
        for suffix in (".mp4", ".txt"):
            s3.client.upload_file(str(experiment / f"{stem}{suffix}"), s3.name,
                                  f"exp/{stem}{suffix}")
    result = run(s3.uri("exp/"), "--model", demo_model, "--out", tmp_path, *CROP_ARGS)
    assert result.exit_code == 0, result.output
    sidecar = next((tmp_path / "crop").glob("*_left_*.json"))
    record = json.loads(sidecar.read_text())
    assert record["inputs"][0]["sha256"] == sha256_file(experiment / "rigA.mp4")
    assert len(list((tmp_path / "quantify").glob("*_scratch_summary.csv"))) == 2


def test_control_group_reaches_the_summary_and_the_report_keeps_its_files(tmp_path):
    """`run --control G` passes G to summarise; no --link-dir, so the report's linked files
    are copied beside it (report_files/) rather than linked in ../quantify."""
    from scratchflow.run.commands import SummariseArgs
    from scratchflow.run.runner import summarise_task

    layout = RunLayout(tmp_path)
    (tmp_path / "quantify").mkdir()
    command = [str(c) for c in summarise_task(layout, tmp_path / "failures.csv",
                                              SummariseArgs(control="vehicle")).command]
    assert command[command.index("--control") + 1] == "vehicle"
    assert "--link-dir" not in command
    plain = [str(c) for c in summarise_task(layout, tmp_path / "failures.csv").command]
    assert "--control" not in plain
    assert "--control GROUP" in CliRunner().invoke(main, ["run", "--help"]).output


def test_summary_is_of_this_runs_mice(tmp_path):
    """The runner lists the mice its crops made, and summarise gets that list (--samples)."""
    from scratchflow.run.runner import Outcome, summarise_task, write_samples

    crops = [Outcome("crop", "rawA", True, outputs=[tmp_path / "m1.mp4", tmp_path / "m1.json",
                                                    tmp_path / "m2.mp4"]),
             Outcome("crop", "rawB", False, reason="broken")]
    samples = write_samples(crops, tmp_path / "samples.csv")
    assert samples.read_text().split() == ["sample", "m1", "m2"]
    task = summarise_task(RunLayout(tmp_path), tmp_path / "failures.csv", samples=samples)
    command = [str(c) for c in task.command]
    assert command[command.index("--samples") + 1] == str(samples) and samples in task.inputs


def test_summarise_ledger_does_not_hash_cropped_videos(tmp_path):
    """Summarise reads crop records and previews, never the cropped videos."""
    from scratchflow.run.runner import summarise_task

    (tmp_path / "crop").mkdir()
    for name in ("m1.mp4", "m1.json", "m1.preview.png"):
        (tmp_path / "crop" / name).write_text("x")
    inputs = summarise_task(RunLayout(tmp_path), tmp_path / "failures.csv").inputs
    assert tmp_path / "crop" / "m1.json" in inputs and tmp_path / "crop" / "m1.preview.png" in inputs
    assert tmp_path / "crop" / "m1.mp4" not in inputs


@pytest.mark.skipif(sys.platform != "linux", reason="the parent-death signal is Linux's")
def test_a_killed_runner_takes_its_task_processes_with_it(tmp_path):
    pid_file = tmp_path / "child.pid"
    child = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    runner = ("import sys; from pathlib import Path; "
              "from scratchflow.run.runner import RunLayout, Task, run_task; "
              f"run_task(Task('crop', 's1', [sys.executable, '-c', {child!r}], [], list), "
              f"RunLayout(Path({str(tmp_path / 'run')!r})))")
    parent = subprocess.Popen([sys.executable, "-c", runner])
    deadline = time.monotonic() + 30
    while not (pid_file.is_file() and pid_file.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    pid = int(pid_file.read_text())
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if running(pid):
        os.kill(pid, signal.SIGKILL)
        pytest.fail("the task process outlived the killed runner")


def running(pid: int) -> bool:
    """Alive and not a zombie waiting for whoever adopted it to reap it."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def test_clips_task_with_no_bouts_is_skipped_on_rerun(tmp_path):
    """No mouse scratched: no clip is made, and a rerun still finds the task up to date."""
    from scratchflow.run.runner import clips_task
    from tests.test_summarise import quantify_outputs

    quantify_outputs(tmp_path / "quantify", "m1", 60.0, [])
    (tmp_path / "quantify" / "m1.h5").unlink()  # the helper's stand-in; the pose file is in pose/
    for step, name in (("crop", "m1.mp4"), ("pose", "m1.h5")):
        (tmp_path / step).mkdir()
        (tmp_path / step / name).write_text("x")
    layout = RunLayout(tmp_path)
    first = run_task(clips_task(layout, 2), layout)
    assert first.ok and not first.skipped, first.reason
    assert run_task(clips_task(layout, 2), layout).skipped


def test_run_with_a_behaviour_model_reports_behaviour(demo_model, experiment, tmp_path):
    """Behaviour runs before the summary, so the report shows each mouse's ethogram and the
    budgets; then a broken behaviour model fails every mouse's behaviour, and the summary
    still has every mouse's scratch counts, with its behaviour missing."""
    model = Path(__file__).resolve().parents[1] / "examples" / "behaviour_demo" / "model"
    result = run(experiment, "--model", demo_model, "--out", tmp_path, *CROP_ARGS,
                 "--behaviour-model", model)
    assert result.exit_code == 1, result.output  # the two bad raw videos
    summary = pd.read_csv(tmp_path / "summarise" / "experiment_summary.csv")
    mice = summary[summary["status"] == "ok"]
    assert len(mice) == 4 and (mice["behaviour_status"] == "ok").all()
    assert mice.filter(like="fraction_").sum(axis=1).round(2).eq(1.0).all()
    page = (tmp_path / "summarise" / "report.html").read_text()
    assert page.count('alt="ethogram of ') == 4 and "Time budget per group" in page

    broken = tmp_path / "broken_model"
    shutil.copytree(model, broken)
    (broken / "pixel_model.pt").write_bytes(b"not a model")
    again = run(experiment, "--model", demo_model, "--out", tmp_path, *CROP_ARGS,
                "--behaviour-model", broken)
    assert again.exit_code == 1 and "failed (behaviour)" in again.output
    summary = pd.read_csv(tmp_path / "summarise" / "experiment_summary.csv")
    mice = summary[summary["status"] == "ok"]
    assert len(mice) == 4 and mice["n_bouts"].notna().all()
    assert mice["behaviour_status"].str.startswith("missing: ").all()
    assert "pixel_model.pt" in mice["behaviour_status"].iloc[0]
