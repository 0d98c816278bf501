"""Wall time of `nextflow run -profile test` against `scratchflow run` on the demo, in ONE run.

    make nextflow-runtime
    .venv/bin/python benchmarks/nextflow_overhead.py [--repeats 1]

Both run the bundled demo experiment (2 raw videos, 4 mice) from scratch on this machine with
the test profile's settings: crop boxes of 192 px, pose on the CPU with batch size 8.
Nextflow runs with the local executor, the `scratchflow` of this environment on PATH and
--validate_params false (docs/nextflow.md). The two alternate so that a busy neighbour
slows both. Writes the table to benchmarks/out/nextflow_overhead.md; BENCHMARKS.md quotes it.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / "out" / "nextflow_overhead"
RESULTS = HERE / "out" / "nextflow_overhead.md"
DEMO = REPO / "examples" / "demo_experiment"
MODEL = REPO / "examples" / "demo_model" / "project"
LAUNCHER = REPO / "scripts" / "nextflow" / "nextflow"


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]])
    return env


def nextflow(folder: Path) -> list[str]:
    return [str(LAUNCHER), "run", str(REPO / "main.nf"), "-profile", "test", "-ansi-log", "false",
            "--outdir", str(folder / "results"), "--validate_params", "false"]


def one_machine(folder: Path) -> list[str]:
    return [str(Path(sys.executable).parent / "scratchflow"), "run", str(DEMO), "--model",
            str(MODEL), "--out", str(folder / "run"), "--box-size", "192", "--offset-x", "20",
            "--batch-size", "8", "--device", "cpu"]


def seconds(duration: str) -> float:
    """A Nextflow trace duration ('1m 2s', '28.1s', '950ms') in seconds."""
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
    return sum(float(value) * units[unit]
               for value, unit in re.findall(r"([\d.]+)(ms|s|m|h|d)", duration))


def task_time_per_step(folder: Path) -> dict[str, tuple[int, float]]:
    """Process -> (tasks, summed task realtime in s) from the run's execution trace."""
    steps: dict[str, tuple[int, float]] = {}
    trace = folder / "results" / "pipeline_info" / "execution_trace.txt"
    with open(trace, newline="") as handle:
        for task in csv.DictReader(handle, delimiter="\t"):
            name = task["process"].split(":")[-1]
            count, total = steps.get(name, (0, 0.0))
            steps[name] = (count + 1, total + seconds(task["realtime"]))
    return steps


def timed(command: list[str], folder: Path) -> float:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    start = time.perf_counter()
    subprocess.run(command, cwd=folder, env=environment(), check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    times: dict[str, list[float]] = {"nextflow": [], "scratchflow": []}
    for repeat in range(args.repeats):
        times["nextflow"].append(timed(nextflow(WORK / f"nf{repeat}"), WORK / f"nf{repeat}"))
        times["scratchflow"].append(timed(one_machine(WORK / f"sf{repeat}"), WORK / f"sf{repeat}"))
    best = {name: min(values) for name, values in times.items()}
    lines = [
        f"Machine: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}; "
        f"best of {args.repeats}.",
        "",
        "| run | wall time (s) |",
        "| --- | ---: |",
        f"| `nextflow run main.nf -profile test` (local executor) | {best['nextflow']:.0f} |",
        f"| `scratchflow run` (same demo, same settings) | {best['scratchflow']:.0f} |",
        f"| ratio Nextflow / scratchflow run | {best['nextflow'] / best['scratchflow']:.2f} |",
        "",
        "Nextflow's tasks (the execution trace of its fastest run):",
        "",
        "| process | tasks | summed task time (s) |",
        "| --- | ---: | ---: |",
    ]
    fastest = times["nextflow"].index(best["nextflow"])
    for name, (count, total) in task_time_per_step(WORK / f"nf{fastest}").items():
        lines.append(f"| {name} | {count} | {total:.0f} |")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
