"""`scratchflow run --arena open`: colour-marked mice together in one arena.

No crop: each video is one arena. No multi-animal DeepLabCut model ships with scratchflow,
so the user gives the tracks (``--pose-dir``): per video, the one ``.h5`` there whose name
starts with the video's stem (DeepLabCut's ``<stem>DLC_...h5`` or ``_el.h5``, a SLEAP
``<stem>.analysis.h5``). The runner links it into ``OUT/pose/<stem>.h5`` (the user's file
is only read), then per video: identity, then quantify of the repaired tracks (one row per
colour), review clips of each colour's bouts cut from the arena video (``--clips-per-mouse``),
then one summary. Each mouse is named ``<stem>_<colour>`` in the summary.

Every task is the runner's: a subprocess per command from ``run.commands``, outcomes from
the files it leaves, the ledger for resuming, and a bad video failing alone. A video's
sample name is that of its repaired tracks (``identity.files.tracks_stem``), so that logs,
failures and the summary name it alike.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from pathlib import Path

from scratchflow import outputs
from scratchflow.errors import InputError
from scratchflow.formats import dlc, pose_record
from scratchflow.identity import files as identity_files
from scratchflow.metadata import VIDEO_SUFFIXES
from scratchflow.run import commands
from scratchflow.run.commands import IdentityArgs, QuantifyArgs, SummariseArgs
from scratchflow.run.runner import (
    Outcome,
    ProgressBar,
    RunLayout,
    Task,
    _stage,
    cli,
    clips_task,
    quantify_task,
    summarise_task,
    write_failures,
)


@dataclass(frozen=True)
class OpenArenaOptions:
    pose_dir: Path
    identity: IdentityArgs
    quantify: QuantifyArgs = field(default_factory=QuantifyArgs)
    summarise: SummariseArgs = field(default_factory=SummariseArgs)
    bodyparts: tuple[str, ...] = ()  # ROLE=NAME, for quantify
    workers: int | None = None
    clips_per_mouse: int = 0  # review clips of this many bouts per mouse (0: none)


@dataclass(frozen=True)
class Arena:
    video: Path
    pose: Path | None  # None: no single pose file pairs with the video (see ``problem``)
    problem: str = ""

    @property
    def sample(self) -> str:
        return identity_files.tracks_stem(self.video.stem)


def find_arenas(videos_dir: Path, pose_dir: Path) -> list[Arena]:
    """Each video in ``videos_dir`` with the one pose file in ``pose_dir`` named after it (the
    longest video stem that starts a pose file's name owns it)."""
    for folder, what in ((videos_dir, "videos"), (pose_dir, "pose files")):
        if not folder.is_dir():
            raise InputError(folder, f"not a folder of {what}",
                             "give the folder of arena videos as INPUT and the folder of "
                             "their tracks as --pose-dir")
    videos = sorted(p for p in videos_dir.iterdir()
                    if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES)
    if not videos:
        raise InputError(videos_dir, "no videos found",
                         f"put the arena videos ({', '.join(VIDEO_SUFFIXES)}) in this folder")
    owned: dict[Path, list[Path]] = {v: [] for v in videos}
    for pose in sorted(pose_dir.glob(f"*{dlc.H5_SUFFIX}")):
        owners = [v for v in videos if pose.name.startswith(v.stem)]
        if owners:
            owned[max(owners, key=lambda v: len(v.stem))].append(pose)
    arenas = []
    for video, poses in owned.items():
        if len(poses) == 1:
            arenas.append(Arena(video, poses[0]))
            continue
        found = (f"several pose files start with its name: {', '.join(p.name for p in poses)}"
                 "; fix: keep one of them in --pose-dir" if poses else
                 f"no pose file named {video.stem}*{dlc.H5_SUFFIX} in {pose_dir}; fix: put "
                 "this video's multi-animal tracks there")
        arenas.append(Arena(video, None, f"{video}: {found}"))
    return arenas


def link_pose(arena: Arena, layout: RunLayout) -> Path:
    """OUT/pose/<stem>.h5, a link to the user's pose file: identity names its outputs after
    it. A link to another file is replaced (atomically: a rerun never finds none)."""
    link = layout.step_dir("pose") / f"{arena.video.stem}{dlc.H5_SUFFIX}"
    target = arena.pose.resolve()
    if link.is_symlink() and link.resolve() == target:
        return link
    link.parent.mkdir(parents=True, exist_ok=True)
    part = link.with_name(f".{link.name}.part")
    part.unlink(missing_ok=True)
    os.symlink(target, part)
    part.replace(link)
    return link


def identity_task(arena: Arena, pose: Path, layout: RunLayout, args: IdentityArgs) -> Task:
    out_dir = layout.step_dir("identity")
    made = identity_files.paths(out_dir, pose.stem)
    wanted = [*made.values(), pose_record.record_path(made["tracks"])]
    command = [*cli(), *commands.identity(arena.video, pose, out_dir, args)]
    inputs = [arena.video, pose, *([args.params] if args.params else [])]

    def written() -> list[Path]:  # all of them (and any review clips), or nothing usable
        clips = sorted(p for p in out_dir.glob(f"{pose.stem}_*")
                       if identity_files.EVENT_CLIP.search(p.name)
                       and p.name.startswith(identity_files.tracks_stem(pose.stem)))
        return wanted + clips if all(p.is_file() for p in wanted) else []

    return Task("identity", arena.sample, command, inputs, written)


def write_samples(arenas: list[Arena], path: Path) -> Path:
    """The arenas of this run (by sample), so the summary leaves out an earlier run's."""
    with outputs.atomic_path(path) as tmp, open(tmp, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sample"])
        writer.writerows([a.sample] for a in arenas)
    return path


def run_open_arena(videos_dir: Path, out: Path, options: OpenArenaOptions,
                   progress: ProgressBar) -> list[Outcome]:
    """Identity, quantify and summarise for every arena video; every task's outcome."""
    layout = RunLayout(Path(out))
    arenas = find_arenas(videos_dir, options.pose_dir)
    outcomes = [Outcome("pose", a.sample, False, reason=a.problem) for a in arenas if not a.pose]
    paired = [a for a in arenas if a.pose]
    tasks = [identity_task(a, link_pose(a, layout), layout, options.identity) for a in paired]
    identified = _stage(progress, "identity", tasks, layout, options.workers)
    tracks = [p for o in identified if o.ok for p in o.outputs
              if p.name.endswith(identity_files.SUFFIXES["tracks"])]
    quantified = _stage(progress, "quantify", [quantify_task(t, layout, options) for t in tracks],
                        layout, options.workers)
    outcomes += identified + quantified
    if options.clips_per_mouse and any(o.ok for o in quantified):
        clips = clips_task(layout, options.clips_per_mouse, [a.video for a in paired])
        outcomes += _stage(progress, "clips", [clips], layout, 1)
    failures = write_failures(outcomes, layout.root / "logs" / "failures.csv")
    samples = write_samples(arenas, layout.root / "logs" / "samples.csv")
    summary = summarise_task(layout, failures, options.summarise, samples)
    outcomes += _stage(progress, "summarise", [summary], layout, 1)
    return outcomes
