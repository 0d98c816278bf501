"""The AWS side that needs no S3: `scratchflow submit`, and what we hand Nextflow matching its
schemas; a clear message where boto3 is missing."""

from __future__ import annotations

import json
import re
import shlex
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from scratchflow import storage
from scratchflow.cli import main
from scratchflow.errors import InputError
from scratchflow.submit import PARAMETERS, Submission, nextflow_command
from scratchflow.upload import (
    MANIFEST_COLUMNS,
    METADATA_PATTERN,
    NAME_PATTERN,
    VIDEO_EXTENSIONS,
    VIDEO_PATTERN,
)

REPO = Path(__file__).resolve().parents[1]
OPTIONS = ["s3://lab/exp-42/samplesheet.csv", "--model", "s3://lab/models/dlc",
           "--out", "s3://lab/results/exp-42", "--work-dir", "s3://lab/work",
           "--region", "eu-central-1", "--params", "s3://lab/params/rig2.yaml",
           "--experiment", "exp-42", "--resume",
           "--gpu-container", "123456789012.dkr.ecr.eu-central-1.amazonaws.com/scratchflow-dlc:0.1"]
EXPECTED = ["nextflow", "run", str(REPO), "-profile", "awsbatch", "-work-dir", "s3://lab/work",
            "--input", "s3://lab/exp-42/samplesheet.csv", "--model", "s3://lab/models/dlc",
            "--outdir", "s3://lab/results/exp-42", "--awsregion", "eu-central-1",
            "--aws_cpu_queue", "scratchflow-cpu", "--aws_gpu_queue", "scratchflow-gpu",
            "--params_yaml", "s3://lab/params/rig2.yaml", "--experiment", "exp-42",
            "--gpu_container", "123456789012.dkr.ecr.eu-central-1.amazonaws.com/scratchflow-dlc:0.1",
            "-resume"]


@pytest.fixture
def bin_dir(monkeypatch, tmp_path) -> Path:
    """PATH holds only this folder: no nextflow unless a test puts one there."""
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", str(folder))
    return folder


def test_submit_prints_the_command_when_nextflow_is_absent(bin_dir):
    result = CliRunner().invoke(main, ["submit", *OPTIONS])

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == shlex.join(EXPECTED)
    assert "nextflow is not on PATH" in result.stderr


def test_submit_runs_nextflow_with_exactly_these_arguments(bin_dir, tmp_path, monkeypatch):
    # A stand-in for nextflow that records its argv and exits 3. Acceptable here: the test
    # checks only the arguments submit passes and that their exit status comes back.
    argv_file = tmp_path / "argv.txt"
    fake = bin_dir / "nextflow"
    fake.write_text('#!/bin/sh\nprintf \'%s\\n\' "$@" > "$NEXTFLOW_ARGV"\nexit 3\n')
    fake.chmod(0o755)
    monkeypatch.setenv("NEXTFLOW_ARGV", str(argv_file))

    result = CliRunner().invoke(main, ["submit", *OPTIONS])

    assert result.exit_code == 3
    assert argv_file.read_text().splitlines() == EXPECTED[1:]
    assert f"running: {shlex.join(EXPECTED)}" in result.stderr


def test_submit_print_only_does_not_run_nextflow(bin_dir, tmp_path):
    fake = bin_dir / "nextflow"
    fake.write_text(f"#!/bin/sh\ntouch {tmp_path / 'ran'}\n")
    fake.chmod(0o755)

    result = CliRunner().invoke(main, ["submit", *OPTIONS, "--print-only"])

    assert result.exit_code == 0 and result.stdout.strip() == shlex.join(EXPECTED)
    assert not (tmp_path / "ran").exists()


@pytest.mark.parametrize("option", ["INPUT", "--model", "--out", "--work-dir",
                                    "--behaviour-model"])
def test_submit_refuses_local_paths(bin_dir, option):
    options = [*OPTIONS, "--behaviour-model", "s3://lab/models/behaviour"]
    options[0 if option == "INPUT" else options.index(option) + 1] = "results/local"

    result = CliRunner().invoke(main, ["submit", *options])

    assert result.exit_code == 2
    assert f"results/local: {option} must be an s3:// URI" in result.output


def test_the_report_options_reach_the_pipeline(bin_dir):
    result = CliRunner().invoke(main, ["submit", *OPTIONS, "--control", "vehicle",
                                       "--clips-per-mouse", "3", "--behaviour-model",
                                       "s3://lab/models/behaviour"])
    assert result.exit_code == 0, result.output
    passed = shlex.split(result.stdout)
    assert passed[:-1] == EXPECTED[:-1] + ["--control", "vehicle", "--clips_per_mouse", "3",
                                           "--behaviour_model", "s3://lab/models/behaviour"]
    assert passed[-1] == "-resume"


def test_what_submit_passes_is_what_the_pipeline_accepts():
    command = nextflow_command(Submission("s3://b/in/", "s3://b/m", "s3://b/out", "s3://b/w",
                                          region="r", cpu_queue="c", gpu_queue="g",
                                          params_yaml="s3://b/p.yaml", experiment="e",
                                          cpu_container="c", gpu_container="g",
                                          control="vehicle", clips_per_mouse=2,
                                          behaviour_model="s3://b/behaviour"))
    assert set(PARAMETERS.values()) <= {arg[2:] for arg in command if arg.startswith("--")}
    passed = {arg[2:] for arg in command if arg.startswith("--")}
    schema = json.loads((REPO / "nextflow_schema.json").read_text())
    known = {name for group in schema["$defs"].values() for name in group["properties"]}
    assert passed <= known
    config = (REPO / "nextflow.config").read_text()
    assert re.search(r"^\s*awsbatch\s*\{", config, re.MULTILINE)
    # The queue names submit defaults to are the pipeline's defaults (and docs/aws.md's).
    submit_defaults = {option.name: option.default for option in main.commands["submit"].params}
    for parameter, default in (("aws_cpu_queue", "scratchflow-cpu"),
                               ("aws_gpu_queue", "scratchflow-gpu")):
        assert re.search(rf"^\s*{parameter}\s*=\s*'{default}'", config, re.MULTILINE)
        assert schema["$defs"]["aws_options"]["properties"][parameter]["default"] == default
        assert submit_defaults[parameter.removeprefix("aws_")] == default


def test_the_uploaded_samplesheet_follows_the_pipeline_schema():
    schema = json.loads((REPO / "assets" / "schema_input.json").read_text())
    columns = schema["items"]["properties"]
    assert set(MANIFEST_COLUMNS) == set(columns) and set(schema["items"]["required"]) <= set(
        MANIFEST_COLUMNS)
    assert columns["sample"]["pattern"] == columns["experiment"]["pattern"] == NAME_PATTERN
    assert columns["video"]["pattern"] == VIDEO_PATTERN
    assert columns["metadata"]["pattern"] == METADATA_PATTERN


def test_the_pipeline_globs_every_video_suffix_upload_accepts():
    initialisation = REPO / "subworkflows" / "local" / "pipeline_initialisation" / "main.nf"
    glob = re.search(r'"\$\{prefix\}/\*\.\{([^}]*)\}"', initialisation.read_text()).group(1)
    assert sorted(glob.split(",")) == sorted(VIDEO_EXTENSIONS)


def test_s3_without_boto3_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "boto3", None)  # import boto3 now raises ImportError
    with pytest.raises(InputError, match=r"pip install 'scratchflow\[s3\]'"):
        storage.s3_client()
    result = CliRunner().invoke(main, ["quantify", "s3://lab/pose/m1.h5", "--out", tmp_path])
    assert result.exit_code == 1 and "scratchflow[s3]" in result.output
