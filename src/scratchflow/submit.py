"""Build the ``nextflow run -profile awsbatch`` command for an experiment on S3, and run it.

Where Nextflow is not installed the command is printed to copy to a machine that has it, so
the step needs no Nextflow and no AWS access of its own.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from scratchflow.errors import InputError
from scratchflow.storage import is_s3

# Submission field -> pipeline parameter (nextflow.config, nextflow_schema.json).
PARAMETERS = {
    "input": "input", "model": "model", "outdir": "outdir", "region": "awsregion",
    "cpu_queue": "aws_cpu_queue", "gpu_queue": "aws_gpu_queue",
    "params_yaml": "params_yaml", "experiment": "experiment",
    "cpu_container": "cpu_container", "gpu_container": "gpu_container",
    "control": "control", "clips_per_mouse": "clips_per_mouse",
    "behaviour_model": "behaviour_model",
}
# AWS Batch tasks read and write only S3 (the optional ones where given).
S3_ONLY = ("input", "model", "outdir", "work_dir", "behaviour_model")
# How `scratchflow submit` names the fields whose option is not --field-name.
CLI_NAMES = {"input": "INPUT", "outdir": "--out"}


@dataclass(frozen=True)
class Submission:
    input: str
    model: str
    outdir: str
    work_dir: str
    pipeline: str | None = None  # checkout folder, main.nf or GitHub repo; default: this checkout
    revision: str | None = None
    profile: str = "awsbatch"
    region: str | None = None
    cpu_queue: str | None = None
    gpu_queue: str | None = None
    params_yaml: str | None = None
    experiment: str | None = None
    resume: bool = False
    cpu_container: str | None = None  # e.g. the lab's ECR images (docker/README.md)
    gpu_container: str | None = None
    control: str | None = None  # the group the others are compared with
    clips_per_mouse: int | None = None  # review clips of up to N bouts per mouse
    behaviour_model: str | None = None  # s3:// behaviour model folder: classify every frame


def nextflow_command(sub: Submission) -> list[str]:
    for name in S3_ONLY:
        value = getattr(sub, name)
        if value is not None and not is_s3(value):
            option = CLI_NAMES.get(name, "--" + name.replace("_", "-"))
            raise InputError(value, f"{option} must be an s3:// URI: AWS Batch tasks read and "
                             "write S3 only", "upload inputs with `scratchflow upload` (or "
                             "`aws s3 sync`) and give s3:// URIs")
    command = ["nextflow", "run", sub.pipeline or default_pipeline()]
    if sub.revision:
        command += ["-r", sub.revision]
    command += ["-profile", sub.profile, "-work-dir", sub.work_dir]
    for field, parameter in PARAMETERS.items():
        value = getattr(sub, field)
        if value is not None:
            command += [f"--{parameter}", str(value)]
    if sub.resume:
        command.append("-resume")  # last: it takes an optional session id after it
    return command


def default_pipeline() -> str:
    """The source checkout this package runs from, if it holds the pipeline."""
    checkout = Path(__file__).resolve().parents[2]
    if not (checkout / "main.nf").is_file():
        raise InputError(None, "no --pipeline given, and this installation is not a source "
                         "checkout with main.nf", "pass --pipeline PATH (a clone of the "
                         "repository) or a GitHub repository name with --revision")
    return str(checkout)


def run_or_print(command: list[str], echo: Callable[[str], None],
                 note: Callable[[str], None], print_only: bool = False) -> int:
    """Run ``command`` if Nextflow is on PATH (its exit status), else print it (0)."""
    shown = shlex.join(command)
    executable = None if print_only else shutil.which(command[0])
    if executable is None:
        echo(shown)
        if not print_only:
            note("nextflow is not on PATH: run the command above where Nextflow (>= 24.10) "
                 "and AWS credentials are set up (docs/aws.md)")
        return 0
    note(f"running: {shown}")
    return subprocess.run([executable, *command[1:]], check=False).returncode
