"""`scratchflow run`: a whole experiment on one machine, through the same commands Nextflow runs.

Each task is one `scratchflow <step>` command line, as the Nextflow modules render it, run in
a subprocess: a crash in one sample cannot take the others down, and what runs here is what
runs on AWS Batch. Crop and quantify tasks run in parallel up to the CPU count. Pose runs as
one process over every mouse (the model loads once, and a GPU takes one task at a time).

Resuming: after a task succeeds, a ledger entry records its command, its inputs' sha256 and its
outputs. A rerun skips a task whose entry matches and whose outputs all exist.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from scratchflow import outputs
from scratchflow.errors import InputError
from scratchflow.metadata import Sample


@dataclass(frozen=True)
class Task:
    step: str
    sample: str
    command: list[str]
    inputs: list[Path]
    # Which files the task made, found after it ran (crop names come from metadata).
    find_outputs: Callable[[], list[Path]]


@dataclass
class Outcome:
    step: str
    sample: str
    ok: bool
    skipped: bool = False
    outputs: list[Path] = field(default_factory=list)
    reason: str = ""


@dataclass(frozen=True)
class RunLayout:
    """OUT/crop, OUT/pose, OUT/quantify, OUT/summary, OUT/logs and the ledger."""

    root: Path

    def step_dir(self, step: str) -> Path:
        return self.root / ("summary" if step == "summarise" else step)

    def log(self, task: Task) -> Path:
        return self.root / "logs" / task.step / f"{task.sample}.log"

    def ledger(self, task: Task) -> Path:
        return self.root / "logs" / ".ledger" / task.step / f"{task.sample}.json"


def cli() -> list[str]:
    """The scratchflow command of this interpreter (works in a venv that is not activated)."""
    return [sys.executable, "-m", "scratchflow"]


def run_task(task: Task, layout: RunLayout) -> Outcome:
    """Run one task unless its ledger entry shows it done with these inputs."""
    ledger = layout.ledger(task)
    if _ledger_matches(ledger, task):
        return Outcome(task.step, task.sample, True, True, _ledger_outputs(ledger))
    log = layout.log(task)
    with _log_file(log, task.command) as handle:
        code = subprocess.call([str(c) for c in task.command], stdout=handle,
                               stderr=subprocess.STDOUT)
    if code != 0:
        return Outcome(task.step, task.sample, False, reason=error_reason(log, code))
    made = task.find_outputs()
    if not made:
        return Outcome(task.step, task.sample, False, reason=f"no outputs (see {log})")
    outputs.write_json({"command": [str(c) for c in task.command], "inputs": _checksums(task),
                        "outputs": [str(p) for p in made]}, ledger)
    return Outcome(task.step, task.sample, True, outputs=made)


@contextlib.contextmanager
def _log_file(path: Path, command: list):
    """A task's log, opened with its command line on top."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        handle.write("$ " + " ".join(map(str, command)) + "\n")
        handle.flush()
        yield handle


def _checksums(task: Task) -> dict[str, str]:
    return {str(p): outputs.sha256_file(p) for p in task.inputs}


def _ledger_matches(ledger: Path, task: Task) -> bool:
    if not ledger.is_file():
        return False
    entry = json.loads(ledger.read_text())
    return (entry["command"] == [str(c) for c in task.command]
            and all(Path(p).exists() for p in entry["outputs"])
            and entry["inputs"] == _checksums(task))


def _ledger_outputs(ledger: Path) -> list[Path]:
    return [Path(p) for p in json.loads(ledger.read_text())["outputs"]]


def error_reason(log: Path, code: int) -> str:
    """The first `error:` line the command printed (with its fix), else the exit status."""
    lines = log.read_text(errors="replace").splitlines()
    for index, line in enumerate(lines):
        if line.startswith("error:"):
            fix = lines[index + 1].strip() if index + 1 < len(lines) else ""
            return line[len("error:"):].strip() + (f" ({fix})" if fix.startswith("fix:") else "")
    return f"exit status {code} (see {log})"


def run_parallel(tasks: list[Task], layout: RunLayout, on_done: Callable[[Outcome], None],
                 workers: int | None = None) -> list[Outcome]:
    workers = workers or max(1, os.cpu_count() or 1)
    results = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for outcome in pool.map(lambda t: run_task(t, layout), tasks):
            on_done(outcome)
            results.append(outcome)
    return results


def write_failures(outcomes: list[Outcome], path: Path) -> Path:
    """sample,step,reason for every failed task: the summary keeps those mice with the reason."""
    with outputs.atomic_path(path) as tmp, open(tmp, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sample", "step", "reason"])
        for outcome in outcomes:
            if not outcome.ok:
                writer.writerow([outcome.sample, outcome.step, outcome.reason])
    return path


@dataclass(frozen=True)
class RunOptions:
    model: Path
    crop_args: tuple[str, ...] = ()  # `scratchflow crop` options, e.g. the box geometry
    pose_args: tuple[str, ...] = ()  # e.g. --batch-size 8 --device cuda
    quantify_args: tuple[str, ...] = ()  # e.g. --params detector.yaml
    workers: int | None = None
    clips_per_mouse: int = 0  # review clips of this many bouts per mouse (0: none)
    control: str | None = None  # the group summarise compares the others with


def find_raw_samples(source: str, cache: Path) -> tuple[list[Sample], list[Outcome]]:
    """Video + TXT pairs from a folder or ``s3://`` prefix (paired by stem), or a samplesheet
    CSV (sample,video,metadata; paths relative to the CSV). S3 objects are downloaded to
    ``cache``. Unpaired or clashing videos are failures; the rest go on."""
    from scratchflow.storage import fetch_input, is_s3, list_pairs

    if not is_s3(source) and Path(source).is_file() and source.lower().endswith(".csv"):
        rows, failed = _read_samplesheet(Path(source)), []
    elif is_s3(source) or Path(source).is_dir():
        pairing = list_pairs(source)
        if not pairing.pairs and not pairing.lonely_videos:
            raise InputError(source, "no video + TXT pairs found",
                             "each video needs a metadata TXT of the same stem beside it")
        rows = [Sample(_stem(v), v, t) for v, t in pairing.pairs]
        failed = [Outcome("crop", _stem(v), False, reason=f"{v}: {why}")
                  for why, found in (("no metadata TXT with the same stem", pairing.lonely_videos),
                                     ("several files share this stem", pairing.clashes))
                  for v in found]
    else:
        raise InputError(source, "not a folder, s3:// prefix or samplesheet .csv",
                         "pass a folder of video + TXT pairs, or a CSV sample,video,metadata")
    samples = [Sample(r.name, fetch_input(r.video, cache), fetch_input(r.metadata, cache))
               for r in rows]
    return samples, failed


def _stem(path: str | Path) -> str:
    return Path(str(path)).stem


def _read_samplesheet(path: Path) -> list[Sample]:
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    missing = {"sample", "video", "metadata"} - set(rows[0] if rows else {})
    if missing:
        raise InputError(path, f"samplesheet lacks column(s) {sorted(missing)}",
                         "use the header sample,video,metadata[,experiment]")
    return [Sample(row["sample"], _relative_to(path, row["video"]),
                      _relative_to(path, row["metadata"])) for row in rows]


def _relative_to(samplesheet: Path, value: str) -> str | Path:
    return value if value.startswith("s3://") else (samplesheet.parent / value).resolve()


def crop_task(raw: Sample, layout: RunLayout, options: RunOptions) -> Task:
    out_dir = layout.step_dir("crop")

    def made() -> list[Path]:
        found = []
        for sidecar in sorted(out_dir.glob("*.json")):
            record = json.loads(sidecar.read_text())
            if record.get("inputs", [{}])[0].get("path") == str(raw.video):
                found += [sidecar.with_suffix(".mp4"), sidecar]
        return found

    command = [*cli(), "crop", raw.video, "--metadata", raw.metadata, "--out", out_dir,
               "--overwrite", *options.crop_args]
    return Task("crop", raw.name, command, [raw.video, raw.metadata], made)


def quantify_task(pose_h5: Path, layout: RunLayout, options: RunOptions) -> Task:
    out_dir = layout.step_dir("quantify")
    stem = pose_h5.stem

    def made() -> list[Path]:
        return sorted(p for p in out_dir.glob(f"{stem}_scratch_*") if p.is_file())

    command = [*cli(), "quantify", pose_h5, "--out", out_dir, *options.quantify_args]
    return Task("quantify", stem, command, [pose_h5, pose_h5.with_suffix(".json")], made)


def run_pose_step(videos: list[Path], layout: RunLayout, options: RunOptions,
                  on_done: Callable[[Outcome], None]) -> list[Outcome]:
    """One `scratchflow pose` process over every mouse video; it skips up-to-date ones."""
    log = layout.root / "logs" / "pose" / "pose.log"
    command = [*cli(), "pose", *map(str, videos), "--model", str(options.model), "--out",
               str(layout.step_dir("pose")), "--overwrite", *options.pose_args]
    by_stem = {v.stem: v for v in videos}
    results: dict[str, Outcome] = {}
    with _log_file(log, command) as handle:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True)
        pending_error = None
        for line in process.stdout:
            handle.write(line)
            outcome, pending_error = _pose_line(line, pending_error, by_stem)
            if outcome and outcome.sample not in results:
                results[outcome.sample] = outcome
                on_done(outcome)
        code = process.wait()
    if pending_error is not None:
        stem, reason = pending_error
        results[stem] = Outcome("pose", stem, False, reason=reason)
        on_done(results[stem])
    for stem in sorted(by_stem.keys() - results.keys()):  # e.g. the model failed to load
        results[stem] = Outcome("pose", stem, False, reason=error_reason(log, code))
        on_done(results[stem])
    return [results[stem] for stem in by_stem]


def _pose_line(line: str, pending, by_stem):
    """Turn the pose command's `wrote X.h5`, `up to date X.h5` and `error: VIDEO: problem`
    lines into outcomes."""
    line = line.rstrip("\n")
    for prefix, skipped in (("wrote ", False), ("up to date ", True)):
        if line.startswith(prefix):
            h5 = Path(line[len(prefix):])
            return Outcome("pose", h5.stem, True, skipped, [h5, h5.with_suffix(".json")]), None
    if pending is not None:  # the line after an error may hold its fix
        stem, reason = pending
        fix = f" ({line.strip()})" if line.strip().startswith("fix:") else ""
        return Outcome("pose", stem, False, reason=reason + fix), None
    if line.startswith("error: "):
        path, _, problem = line[len("error: "):].partition(": ")
        stem = Path(path).stem
        if stem in by_stem:
            return None, (stem, problem)
    return None, None


# progress(label, total) -> a context manager whose update(n) marks n more tasks done
ProgressBar = Callable[[str, int], contextlib.AbstractContextManager]


def run_experiment(source: str, out: Path, options: RunOptions,
                   progress: ProgressBar) -> list[Outcome]:
    """Crop, pose, quantify and summarise every sample; return every task's outcome."""
    from scratchflow.pose import open_project, require_engine

    require_engine(open_project(options.model))  # a wrong --model stops the run before any crop
    layout = RunLayout(Path(out))
    raw, outcomes = find_raw_samples(source, layout.root / "logs" / ".s3-cache")

    crops = _stage(progress, "crop", [crop_task(r, layout, options) for r in raw], layout,
                   options.workers)
    videos = [p for o in crops if o.ok for p in o.outputs if p.suffix == ".mp4"]
    with progress("pose", len(videos)) as bar:
        poses = run_pose_step(videos, layout, options, lambda _: bar.update(1)) if videos else []
    tables = [p for o in poses if o.ok for p in o.outputs if p.suffix == ".h5"]
    quantified = _stage(progress, "quantify", [quantify_task(h, layout, options) for h in tables],
                        layout, options.workers)
    outcomes += crops + poses + quantified
    if options.clips_per_mouse and tables:
        clips = clips_task(layout, options.clips_per_mouse)
        outcomes += _stage(progress, "clips", [clips], layout, 1)
    failures = write_failures(outcomes, layout.root / "logs" / "failures.csv")
    summary = summarise_task(layout, failures, options.control)
    outcomes += _stage(progress, "summarise", [summary], layout, 1)
    return outcomes


def _stage(progress: ProgressBar, label: str, tasks: list[Task], layout: RunLayout,
           workers: int | None) -> list[Outcome]:
    with progress(label, len(tasks)) as bar:
        return run_parallel(tasks, layout, lambda _: bar.update(1), workers)


def clips_task(layout: RunLayout, per_mouse: int) -> Task:
    """Review clips of up to ``per_mouse`` bouts per mouse, for the report to link."""
    out_dir = layout.step_dir("clips")
    folders = [layout.step_dir(step) for step in ("crop", "pose", "quantify")]
    command = [*cli(), "clips", *folders, "--out", out_dir, "--sample", per_mouse, "--overwrite"]
    inputs = sorted(p for folder in folders for p in folder.glob("*") if p.is_file())
    # Mice without bouts give no clips; the folder then stands for the (empty) result.
    return Task("clips", "experiment", command, inputs,
                lambda: sorted(out_dir.glob("*.mp4")) or [out_dir])


def summarise_task(layout: RunLayout, failures: Path, control: str | None = None) -> Task:
    out_dir = layout.step_dir("summarise")
    names = ("experiment_summary.csv", "group_statistics.csv", "group_comparisons.csv",
             "report.html")
    folders = [layout.step_dir(step) for step in ("crop", "quantify", "clips")]

    def made() -> list[Path]:
        return [out_dir / n for n in names if (out_dir / n).is_file()]

    command = [*cli(), "summarise", *[f for f in folders if f.is_dir()], "--out", out_dir,
               "--failures", failures, *(["--control", control] if control else [])]
    inputs = sorted(p for folder in folders if folder.is_dir() for p in folder.iterdir()
                    if p.is_file()) + [failures]
    return Task("summarise", "experiment", command, inputs, made)
