"""`scratchflow run`: a whole experiment on one machine.

Each task is one `scratchflow <step>` command line from ``run.commands``, which the Nextflow
modules are checked against, run in a subprocess: a crash in one sample cannot take the others
down. Crop and quantify tasks run in parallel up to the CPU count. Pose runs as one process
over every mouse (the model loads once, and a GPU takes one task at a time). How the runner's
commands differ from Nextflow's is listed in ``run.commands``.

A task's outcome comes from the files and records it leaves (crop and pose records, quantify's
outputs), never from what it prints; its log gives the reason when it fails.

Resuming: after a task succeeds, a ledger entry records its command, its inputs' sha256 and its
outputs. A rerun skips a task whose entry matches and whose outputs all exist.
"""

from __future__ import annotations

import contextlib
import csv
import ctypes
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from scratchflow import outputs
from scratchflow.clips.files import CLIP_NAME
from scratchflow.crop import record as crop_record
from scratchflow.crop.naming import name_clashes
from scratchflow.errors import InputError
from scratchflow.formats import dlc, pose_record
from scratchflow.metadata import VIDEO_SUFFIXES, Sample
from scratchflow.quantify import files as quantify_files
from scratchflow.run import commands
from scratchflow.run.commands import CropArgs, PoseArgs, QuantifyArgs, SummariseArgs
from scratchflow.summarise.files import OUTPUT_NAMES


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
    """OUT/<step> for each of ``commands.STEPS``, OUT/logs and the ledger."""

    root: Path

    def step_dir(self, step: str) -> Path:
        if step not in commands.STEPS:
            raise ValueError(f"unknown step {step!r}, expected one of {commands.STEPS}")
        return self.root / step

    def log(self, task: Task) -> Path:
        return self.root / "logs" / task.step / f"{task.sample}.log"

    def ledger(self, task: Task) -> Path:
        return self.root / "logs" / ".ledger" / task.step / f"{task.sample}.json"


# Linux's prctl, looked up once here: the child calls it between fork and exec, where
# nothing may be imported or allocated (the runner has threads).
_PRCTL = ctypes.CDLL(None, use_errno=True).prctl if sys.platform == "linux" else None
_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In a task's child process: be sent SIGTERM when the runner dies, even by SIGKILL, so
    that no crop or pose keeps running (and writing) after `run` was stopped."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGTERM)


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
                               stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
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


def error_reason(log: Path, code: int, about: str = "") -> str:
    """The first `error:` line the command printed (with its fix), else the exit status; with
    ``about``, the first such line that names it (e.g. one video of several)."""
    lines = log.read_text(errors="replace").splitlines()
    for index, line in enumerate(lines):
        if line.startswith("error:") and about in line:
            fix = lines[index + 1].strip() if index + 1 < len(lines) else ""
            return line[len("error:"):].strip() + (f" ({fix})" if fix.startswith("fix:") else "")
    if about:
        return error_reason(log, code)
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


def write_samples(crops: list[Outcome], path: Path) -> Path:
    """The mice this run cropped (or found cropped): the summary is of these alone, however
    many an earlier run left in a reused folder."""
    with outputs.atomic_path(path) as tmp, open(tmp, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sample"])
        for outcome in crops:
            for video in (p for p in outcome.outputs if p.suffix == crop_record.VIDEO_SUFFIX):
                writer.writerow([video.stem])
    return path


@dataclass(frozen=True)
class RunOptions:
    model: Path
    crop: CropArgs = field(default_factory=CropArgs)
    pose: PoseArgs = field(default_factory=PoseArgs)
    quantify: QuantifyArgs = field(default_factory=QuantifyArgs)
    summarise: SummariseArgs = field(default_factory=SummariseArgs)
    bodyparts: tuple[str, ...] = ()  # ROLE=NAME, for pose and quantify
    workers: int | None = None
    clips_per_mouse: int = 0  # review clips of this many bouts per mouse (0: none)
    behaviour_model: Path | None = None  # behaviour classes per frame with this model


def find_raw_samples(source: str, cache: Path) -> tuple[list[Sample], list[Outcome]]:
    """Video + TXT pairs from a folder or ``s3://`` prefix (paired by stem), or a samplesheet
    CSV (sample,video,metadata; paths relative to the CSV). S3 objects are downloaded to
    ``cache``. Unpaired or clashing videos are failures; the rest go on."""
    from scratchflow.storage import fetch_input, is_s3, list_pairs

    if not is_s3(source) and Path(source).is_file() and source.lower().endswith(".csv"):
        rows, failed = _read_samplesheet(Path(source))
    elif is_s3(source) or Path(source).is_dir():
        pairing = list_pairs(source)
        if not pairing.pairs and not pairing.lonely_videos:
            raise InputError(source, "no video + TXT pairs found",
                             "each video needs a metadata TXT of the same stem beside it")
        rows = [Sample(_stem(v), v, t) for v, t in pairing.pairs]
        failed = [Outcome("crop", _stem(v), False, reason=f"{v}: no metadata TXT with the "
                          "same stem") for v in pairing.lonely_videos]
        failed += stem_clash_failures(pairing.clashes)
    else:
        raise InputError(source, "not a folder, s3:// prefix or samplesheet .csv",
                         "pass a folder of video + TXT pairs, or a CSV sample,video,metadata")
    # Downloaded from here on: every sample's files are local paths.
    samples = [Sample(r.name, fetch_input(r.video, cache), fetch_input(r.metadata, cache))
               for r in rows]
    return samples, failed


def without_name_clashes(raw: list[Sample]) -> tuple[list[Sample], list[Outcome]]:
    """The samples whose crop outputs cannot overwrite another's, and a failure for each of
    the others, found before any crop runs (each crop runs alone and cannot see the clash)."""
    clashes = name_clashes([(str(r.video), Path(r.metadata)) for r in raw])
    reasons: dict[str, str] = {}
    for first, second, name in clashes:
        text = (f"{first} and {second} would both write crop outputs named {name}: their "
                "metadata TXTs give the same date, time and camera; fix: correct the date, "
                "time or camera in one of the two TXTs")
        for video in (first, second):
            reasons.setdefault(video, text)
    failed = [Outcome("crop", r.name, False, reason=reasons[str(r.video)])
              for r in raw if str(r.video) in reasons]
    return [r for r in raw if str(r.video) not in reasons], failed


def stem_clash_failures(clashes: list) -> list[Outcome]:
    """One failure per stem that several files share, naming them; TXTs alone (notes.txt and
    notes.TXT) are no sample, so no failure."""
    by_stem: dict[str, list] = {}
    for path in clashes:
        by_stem.setdefault(_stem(path), []).append(path)
    return [Outcome("crop", stem, False, reason=f"{', '.join(map(str, paths))}: several files "
                    "share this stem; fix: rename or remove all but one video and one TXT")
            for stem, paths in by_stem.items()
            if any(Path(str(p)).suffix.lower() in VIDEO_SUFFIXES for p in paths)]


def _stem(path: str | Path) -> str:
    return Path(str(path)).stem


# A sample name names the sample's logs and ledger entries, so it must stay one plain file
# name inside OUT/logs: no '/', no leading '.', nothing but letters, digits, '.', '_' and '-'.
SAFE_SAMPLE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _read_samplesheet(path: Path) -> tuple[list[Sample], list[Outcome]]:
    """The samplesheet's samples, and a failure for each row whose name is unsafe or taken."""
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    missing = {"sample", "video", "metadata"} - set(rows[0] if rows else {})
    if missing:
        raise InputError(path, f"samplesheet lacks column(s) {sorted(missing)}",
                         "use the header sample,video,metadata[,experiment]")
    samples, failed, lines = [], [], {}
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        name = (row["sample"] or "").strip()
        problem = _sample_name_problem(name, lines)
        if problem:
            failed.append(Outcome("crop", name, False, reason=f"{path}: line {line}: {problem}; "
                                  "fix: rename the sample in the samplesheet"))
            continue
        lines[name] = line
        samples.append(Sample(name, _relative_to(path, row["video"]),
                              _relative_to(path, row["metadata"])))
    return samples, failed


def _sample_name_problem(name: str, lines: dict[str, int]) -> str | None:
    """What is wrong with a samplesheet name, given the line of each name taken so far."""
    if not SAFE_SAMPLE.match(name) or ".." in name:
        return (f"sample name {name!r} is not a plain file name (allowed: letters, digits, '.', "
                "'_' and '-', starting with a letter or digit)")
    if name in lines:
        return f"sample name {name!r} is also on line {lines[name]}"
    return None


def _relative_to(samplesheet: Path, value: str) -> str | Path:
    return value if value.startswith("s3://") else (samplesheet.parent / value).resolve()


def crop_task(raw: Sample, layout: RunLayout, options: RunOptions) -> Task:
    out_dir = layout.step_dir("crop")

    def made() -> list[Path]:
        return [p for r in crop_record.records_of(out_dir, raw.video) for p in (r.video, r.path)]

    command = [*cli(), *commands.crop(raw.video, raw.metadata, out_dir, options.crop,
                                      overwrite=True)]
    return Task("crop", raw.name, command, [raw.video, raw.metadata], made)


def quantify_task(pose_h5: Path, layout: RunLayout, options: RunOptions) -> Task:
    out_dir = layout.step_dir("quantify")
    stem = pose_h5.stem
    command = [*cli(), *commands.quantify(pose_h5, out_dir, options.quantify, options.bodyparts)]
    return Task("quantify", stem, command, [pose_h5, pose_record.record_path(pose_h5)],
                lambda: quantify_files.written(out_dir, stem))


def behaviour_task(video: Path, pose_h5: Path, layout: RunLayout, options: RunOptions) -> Task:
    from scratchflow.behaviour import files as behaviour_files

    out_dir = layout.step_dir("behaviour")
    # the pose step's device, where it names one (auto is pose's own choice, not torch's)
    device = options.pose.device if options.pose.device != "auto" else "cpu"
    bouts = quantify_files.paths(layout.step_dir("quantify"), video.stem)["bouts"]
    bouts = bouts if bouts.is_file() else None  # quantify failed: behaviour runs without
    command = [*cli(), *commands.behaviour(video, pose_h5, options.behaviour_model, out_dir,
                                           device, bouts)]
    outputs_of = behaviour_files.paths(out_dir, video.stem).values()
    model_files = sorted(p for p in options.behaviour_model.iterdir() if p.is_file())
    return Task("behaviour", video.stem, command,
                [video, pose_h5, *model_files, *([bouts] if bouts else [])],
                lambda: [p for p in outputs_of if p.is_file()])


def run_pose_step(videos: list[Path], layout: RunLayout, options: RunOptions,
                  on_done: Callable[[Outcome], None]) -> list[Outcome]:
    """One `scratchflow pose` process over every mouse video; it skips up-to-date ones.

    Each video's outcome is read from its pose record: done when a new record for this video
    appears; skipped when the record already there names this video with its current sha256
    and the process leaves it alone; failed otherwise."""
    log = layout.root / "logs" / "pose" / "pose.log"
    out_dir = layout.step_dir("pose")
    command = [*cli(), *commands.pose(videos, options.model, out_dir, options.pose,
                                      options.bodyparts, overwrite=True)]
    pending = {v: out_dir / f"{v.stem}{dlc.H5_SUFFIX}" for v in videos}
    before = {v: pose_record.read(pose_record.record_path(h5)) for v, h5 in pending.items()}
    results: dict[Path, Outcome] = {}

    def settle(video: Path, outcome: Outcome) -> None:
        results[video] = outcome
        del pending[video]
        on_done(outcome)

    with _log_file(log, command) as handle:
        process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT,
                                   preexec_fn=die_with_parent)
        code = None
        while pending and code is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = process.wait(timeout=1)
            for video, h5 in list(pending.items()):
                record = pose_record.read(pose_record.record_path(h5))
                fresh = record is not None and record != before[video]
                if fresh and str(record.video) == str(video) and h5.is_file():
                    settle(video, Outcome("pose", video.stem, True, outputs=[h5, record.path]))
        code = process.wait()
    for video, h5 in list(pending.items()):
        record = before[video]
        if (record is not None and str(record.video) == str(video) and h5.is_file()
                and record.video_sha256 == outputs.sha256_file(video)):
            settle(video, Outcome("pose", video.stem, True, True, [h5, record.path]))
        else:
            settle(video, Outcome("pose", video.stem, False,
                                  reason=error_reason(log, code, about=video.name)))
    return [results[v] for v in videos]


# progress(label, total) -> a context manager whose update(n) marks n more tasks done
ProgressBar = Callable[[str, int], contextlib.AbstractContextManager]


def run_experiment(source: str, out: Path, options: RunOptions,
                   progress: ProgressBar) -> list[Outcome]:
    """Crop, pose and quantify every sample, classify its behaviour with
    ``options.behaviour_model`` where one is given, and summarise; return every task's
    outcome."""
    from scratchflow.pose import open_project, require_engine

    require_engine(open_project(options.model))  # a wrong --model stops the run before any crop
    layout = RunLayout(Path(out))
    raw, outcomes = find_raw_samples(source, layout.root / "logs" / ".s3-cache")
    raw, clashed = without_name_clashes(raw)
    outcomes += clashed

    crops = _stage(progress, "crop", [crop_task(r, layout, options) for r in raw], layout,
                   options.workers)
    videos = [p for o in crops if o.ok for p in o.outputs
              if p.suffix == crop_record.VIDEO_SUFFIX]
    with progress("pose", len(videos)) as bar:
        poses = run_pose_step(videos, layout, options, lambda _: bar.update(1)) if videos else []
    tables = [p for o in poses if o.ok for p in o.outputs if p.suffix == dlc.H5_SUFFIX]
    quantified = _stage(progress, "quantify", [quantify_task(h, layout, options) for h in tables],
                        layout, options.workers)
    outcomes += crops + poses + quantified
    outcomes += behaviour_stage(progress, videos, tables, layout, options)
    if options.clips_per_mouse and tables:
        clips = clips_task(layout, options.clips_per_mouse)
        outcomes += _stage(progress, "clips", [clips], layout, 1)
    failures = write_failures(outcomes, layout.root / "logs" / "failures.csv")
    samples = write_samples(crops, layout.root / "logs" / "samples.csv")
    summary = summarise_task(layout, failures, options.summarise, samples,
                             behaviour=bool(options.behaviour_model))
    outcomes += _stage(progress, "summarise", [summary], layout, 1)
    return outcomes


def behaviour_stage(progress: ProgressBar, videos: list[Path], tables: list[Path],
                    layout: RunLayout, options: RunOptions) -> list[Outcome]:
    """Behaviour classes of every mouse with a pose file, after quantify (its bouts give the
    scratch class) and before the summary (whose report shows them). A mouse whose behaviour
    fails keeps its scratch counts: the summary reads the failure as its behaviour's alone."""
    if not (options.behaviour_model and tables):
        return []
    videos_by_stem = {video.stem: video for video in videos}
    return _stage(progress, "behaviour",
                  [behaviour_task(videos_by_stem[h.stem], h, layout, options) for h in tables],
                  layout, options.workers)


def _stage(progress: ProgressBar, label: str, tasks: list[Task], layout: RunLayout,
           workers: int | None) -> list[Outcome]:
    with progress(label, len(tasks)) as bar:
        return run_parallel(tasks, layout, lambda _: bar.update(1), workers)


def clips_task(layout: RunLayout, per_mouse: int, videos: list[Path] | None = None) -> Task:
    """Review clips of up to ``per_mouse`` bouts per mouse, for the report to link. The
    videos are the crop step's, or ``videos`` (the open arena's, cut from the whole arena),
    and the pose the pose step's, or with ``videos`` the identity step's repaired tracks."""
    out_dir = layout.step_dir("clips")
    steps = ("crop", "pose", "quantify") if videos is None else ("identity", "quantify")
    folders = [layout.step_dir(step) for step in steps]
    command = [*cli(), *commands.clips([*folders, *(videos or [])], out_dir, per_mouse,
                                       overwrite=True)]
    inputs = sorted([p for folder in folders for p in folder.glob("*") if p.is_file()]
                    + (videos or []))

    def made() -> list[Path]:
        # Mice without bouts give no clips; the folder then stands for the (empty) result.
        return sorted(p for p in out_dir.iterdir() if CLIP_NAME.search(p.name)) or [out_dir]

    return Task("clips", "experiment", command, inputs, made)


def summarise_task(layout: RunLayout, failures: Path, args: SummariseArgs | None = None,
                   samples: Path | None = None, behaviour: bool = False) -> Task:
    """``behaviour``: this run classified behaviour, so the summary reads behaviour/ too (an
    earlier run's behaviour outputs are left out of a run without a behaviour model)."""
    args = args or SummariseArgs()
    out_dir = layout.step_dir("summarise")
    names = [OUTPUT_NAMES[k] for k in ("summary", "statistics", "comparisons", "report")]
    steps = ("crop", "identity", "quantify", "clips", *(["behaviour"] if behaviour else []))
    folders = [layout.step_dir(step) for step in steps]

    def made() -> list[Path]:
        return [out_dir / n for n in names if (out_dir / n).is_file()]

    present = [f for f in folders if f.is_dir()]
    command = [*cli(), *commands.summarise(present, out_dir, args, failures, samples=samples)]
    # Summarise reads crop records and previews but never the cropped videos: those are left
    # out of the ledger's checksums (hashing every video again would be slow).
    inputs = sorted(p for folder in present for p in folder.iterdir() if p.is_file()
                    and not (folder == layout.step_dir("crop")
                             and p.suffix == crop_record.VIDEO_SUFFIX))
    inputs += [failures] + [p for p in (args.groups, samples) if p]
    return Task("summarise", "experiment", command, inputs, made)
