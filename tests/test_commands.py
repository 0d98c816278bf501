"""The one command builder (scratchflow.run.commands) and the Nextflow modules agree.

Each module's script is rendered as Nextflow would render it (tests/test_nf_modules.py's
renderer) with the ext.args the pipeline's config gives it, and its `scratchflow-<step>` line
is parsed by the CLI itself; so is the command the builder makes for the same inputs. The two
must give the same options, so the one-machine runner and the pipeline cannot drift apart.
"""

from __future__ import annotations

import re
import shlex

import click
import pytest

from scratchflow.cli import main
from scratchflow.run import commands
from scratchflow.run.commands import (
    CropArgs,
    IdentityArgs,
    PoseArgs,
    QuantifyArgs,
    SummariseArgs,
)
from tests.conftest import REPO
from tests.test_nf_modules import process_block, render

CONF = REPO / "conf"


def ext_args(config: str, process: str) -> str:
    """The ``ext.args`` a config file gives ``process`` ('' when none)."""
    text = (CONF / config).read_text()
    block = re.search(rf"withName: '{process}' \{{(.*?)\n    \}}", text, re.S)
    found = block and re.search(r"ext\.args\s*=\s*'([^']*)'", block.group(1))
    return found.group(1) if found else ""


def parsed(argv: list[str]) -> dict:
    """The options the ``scratchflow`` CLI reads from ``argv`` (step name first, then the
    subcommand of a group such as ``behaviour classify``)."""
    command, rest = main, list(argv)
    while isinstance(command, click.Group):
        step, *rest = rest
        command = command.get_command(None, step)
    return command.make_context(step, rest).params


def module_command(module: str, values: dict[str, str]) -> list[str]:
    script = render(process_block(module, "script"), values)
    line = next(line for line in script.splitlines() if line.startswith("scratchflow-"))
    wrapper, *rest = shlex.split(line)
    return [wrapper.removeprefix("scratchflow-"), *rest]


@pytest.fixture
def task_dir(tmp_path, monkeypatch):
    """A task folder with the staged inputs the CLI checks exist."""
    monkeypatch.chdir(tmp_path)
    for name in ("raw1.mp4", "raw1.txt", "m1.mp4", "m1.h5", "detector.yaml"):
        (tmp_path / name).write_text("")
    for name in ("dlc_model", "results"):
        (tmp_path / name).mkdir()
    return tmp_path


def prefixed(stem: str) -> dict[str, str]:
    """The default ``ext.prefix`` of every module: the sample's id."""
    return {'task.ext.prefix ?: "${meta.id}"': stem, "prefix": stem}


def test_crop_module_runs_the_builders_command(task_dir):
    args = ext_args("test.config", "SCRATCHFLOW:CROP_VIDEOS")
    values = {"meta.id": "raw1", "video": "raw1.mp4", "metadata": "raw1.txt",
              "task.process": "CROP_VIDEOS", "task.ext.args ?: ''": args, **prefixed("raw1")}
    built = commands.crop("raw1.mp4", "raw1.txt", "raw1", CropArgs(box_size="192", offset_x=20))
    assert parsed(module_command("crop_videos", values)) == parsed(built)


def test_pose_module_runs_the_builders_command(task_dir):
    values = {"meta.id": "m1", "video": "m1.mp4", "video.extension": "mp4", "model": "dlc_model",
              "task.process": "POSE_DLC",
              "task.ext.args ?: ''": ext_args("test.config", "SCRATCHFLOW:POSE_DLC"),
              "task.ext.device ?: 'cpu'": "cpu", **prefixed("m1")}
    built = commands.pose(["m1.mp4"], "dlc_model", ".", PoseArgs(device="cpu"))
    assert parsed(module_command("pose_dlc", values)) == parsed(built)


@pytest.mark.parametrize("params", [None, "detector.yaml"])
def test_quantify_module_runs_the_builders_command(task_dir, params):
    values = {"meta.id": "m1", "pose": "m1.h5", "pose_json": "m1.pose.json",
              "task.process": "QUANTIFY", "task.ext.args ?: ''": "",
              "detector_params ? \"--params ${detector_params}\" : ''":
                  f"--params {params}" if params else "", **prefixed("m1")}
    built = commands.quantify("m1.h5", ".", QuantifyArgs(params=params))
    assert parsed(module_command("quantify", values)) == parsed(built)


def test_behaviour_module_runs_the_builders_command(task_dir):
    (task_dir / "behaviour_model").mkdir()
    values = {"meta.id": "m1", "video": "m1.mp4", "pose": "m1.h5",
              "behaviour_model": "behaviour_model", "task.process": "BEHAVIOUR",
              "task.ext.args ?: ''": "", "task.ext.device ?: 'cpu'": "cpu",
              "video.extension": "mp4", **prefixed("m1"),
              "scratch_bouts ? \"--scratch-bouts ${scratch_bouts}\" : ''": "--scratch-bouts b.csv"}
    (task_dir / "b.csv").write_text("")
    built = commands.behaviour("m1.mp4", "m1.h5", "behaviour_model", ".", "cpu", "b.csv")
    assert parsed(module_command("behaviour", values)) == parsed(built)


@pytest.mark.parametrize("params", [None, "identity.yaml"])
def test_identity_module_runs_the_builders_command(task_dir, params):
    (task_dir / "identity.yaml").write_text("")
    values = {"meta.id": "m1", "meta.colours": "red,green", "video": "m1.mp4", "pose": "m1.h5",
              "task.process": "IDENTITY", "task.ext.args ?: ''": "--learn-colours",
              "identity_params ? \"--params ${identity_params}\" : ''":
                  f"--params {params}" if params else "", **prefixed("m1")}
    built = commands.identity("m1.mp4", "m1.h5", ".", IdentityArgs("red,green", params, True))
    assert parsed(module_command("identity", values)) == parsed(built)
    assert "--learn-colours" not in commands.identity("v", "p", ".", IdentityArgs("red,green"))


def test_clips_module_runs_the_builders_command(task_dir):
    """Nextflow's CLIPS task is the runner's clips step for one mouse, with the count that
    conf/modules.config passes (a closure over params.clips_per_mouse, rendered here)."""
    config = (CONF / "modules.config").read_text()
    assert 'ext.args = { "--clips-per-mouse ${params.clips_per_mouse}" }' in config
    results = ["m1_scratch_bouts.csv", "m1_scratch_provenance.json"]
    for name in results:
        (task_dir / name).write_text("")
    values = {"meta.id": "m1", "task.process": "CLIPS", "video": "m1.mp4", "pose": "m1.h5",
              "scratch_results": " ".join(results), "task.ext.args ?: ''": "--clips-per-mouse 2"}
    built = commands.clips(["m1.mp4", "m1.h5", *results], ".", 2)
    assert parsed(module_command("clips", values)) == parsed(built)


def test_summarise_module_runs_the_builders_command(task_dir):
    """The report links the CSVs where both publish them: one LINK_DIR."""
    values = {"meta.id": "exp1", "task.process": "SUMMARISE", "failures": "failures.csv",
              "task.ext.args ?: ''": ext_args("modules.config", "SUMMARISE"),
              "params.control ? \"--control ${params.control}\" : ''": "--control vehicle"}
    (task_dir / "failures.csv").write_text("sample,step,reason\n")
    built = commands.summarise(["results"], ".", SummariseArgs(control="vehicle"),
                               link_dir=commands.LINK_DIR, failures="failures.csv")
    assert parsed(module_command("summarise", values)) == parsed(built)


def test_steps_publish_where_the_runner_writes():
    """Nextflow's --outdir has the one-machine run folder's layout."""
    text = (CONF / "modules.config").read_text()
    published = dict(re.findall(r"withName: '(\w+)' \{.*?outdir\}/(\w+)\"", text, re.S))
    assert published == {"CROP_VIDEOS": "crop", "POSE_DLC": "pose", "IDENTITY": "identity",
                         "QUANTIFY": "quantify", "SUMMARISE": "summarise", "BEHAVIOUR": "behaviour",
                         "CLIPS": "clips"}
    assert set(published.values()) <= set(commands.STEPS)


def test_only_options_off_their_defaults_are_written():
    assert commands.flags(CropArgs()) == []
    assert commands.flags(CropArgs(box_size="192", codes=1)) == ["--box-size", "192",
                                                                 "--codes", "1"]
    assert commands.flags(PoseArgs(snapshot="best")) == ["--snapshot", "best"]

