"""The one place that builds each step's ``scratchflow`` command line.

The one-machine runner runs these commands, and a test renders every Nextflow module's script
and checks it parses to the same options as the command built here, so the two cannot drift
apart. Each step's options are a typed dataclass whose defaults are the command's own; a
command line carries only the options that differ from them.

Where the two differ on purpose: the runner adds ``--overwrite`` (its ledger, not the output
files, decides what is up to date), runs one pose process over every mouse (the model loads
once), passes ``--failures`` and ``--samples`` to summarise (a reused run folder may hold an
earlier run's mice) and no ``--link-dir`` (its report keeps copies of the files it links), and
cuts every mouse's clips in one task where Nextflow has one per mouse. In the open arena
(``identity``), the runner links the user's pose files into its pose folder where Nextflow
stages them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path

# The steps in order. Each writes into a folder of its own name, in the one-machine run folder
# and in Nextflow's --outdir alike. The open arena has no crop and runs identity after pose.
# Behaviour (with a behaviour model) runs before the summary, whose report shows it.
STEPS = ("crop", "pose", "identity", "quantify", "behaviour", "clips", "summarise")
# Nextflow's report sits in summarise/ and links each mouse's CSVs and clips where they are
# published, in the step folders beside it.
LINK_DIR = Path("..")


@dataclass(frozen=True)
class CropArgs:
    box_size: str = "900x900"  # WxH or N
    anchor: str = "top-right"
    offset_x: int = 0
    offset_y: int = 0
    direction: str = "down-right"
    boxes: str | None = None  # "left=x,y,w,h;right=..." or a JSON file: no QR detection
    codes: int = 2  # QR codes expected per video


@dataclass(frozen=True)
class PoseArgs:
    shuffle: int = 1
    snapshot: str | None = None  # index, -1 for the last, or "best"; None: config.yaml's
    batch_size: int = 8
    device: str = "auto"


@dataclass(frozen=True)
class QuantifyArgs:
    params: Path | None = None  # detector parameters YAML
    fps: float | None = None


@dataclass(frozen=True)
class IdentityArgs:
    colours: str = ""  # NAME,NAME,... (or NAME=H0-H1,S,V): one per mouse, required
    params: Path | None = None  # identity parameters YAML
    learn_colours: bool = False
    clips: int = 0  # review clips of the least confident repairs


@dataclass(frozen=True)
class SummariseArgs:
    groups: Path | None = None  # CSV sample,group or mouse,group
    control: str | None = None  # the group every other group is compared with


def flags(args) -> list[str]:
    """``--name value`` for every field of ``args`` that differs from its default."""
    found = []
    for item in fields(args):
        value = getattr(args, item.name)
        if value != item.default:
            found += [f"--{item.name.replace('_', '-')}", str(value)]
    return found


def _bodyparts(bodyparts: tuple[str, ...]) -> list[str]:
    return [f"--bodypart={b}" for b in bodyparts]


def _overwrite(overwrite: bool) -> list[str]:
    return ["--overwrite"] if overwrite else []


def crop(video, metadata, out, args: CropArgs, overwrite: bool = False) -> list[str]:
    return ["crop", str(video), "--metadata", str(metadata), "--out", str(out), *flags(args),
            *_overwrite(overwrite)]


def pose(videos: list, model, out, args: PoseArgs, bodyparts: tuple[str, ...] = (),
         overwrite: bool = False) -> list[str]:
    return ["pose", *map(str, videos), "--model", str(model), "--out", str(out), *flags(args),
            *_bodyparts(bodyparts), *_overwrite(overwrite)]


def quantify(pose_file, out, args: QuantifyArgs, bodyparts: tuple[str, ...] = ()) -> list[str]:
    return ["quantify", str(pose_file), "--out", str(out), *flags(args), *_bodyparts(bodyparts)]


def behaviour(video, pose_file, model, out, device: str = "cpu",
              scratch_bouts: Path | None = None) -> list[str]:
    """Behaviour classes per frame of one mouse video (its pose file feeds a pose model; the
    scratch detector's bouts, where there are some, give the scratch class)."""
    return ["behaviour", "classify", str(video), "--pose", str(pose_file), "--model", str(model),
            "--out", str(out), "--device", device,
            *(["--scratch-bouts", str(scratch_bouts)] if scratch_bouts else [])]


def identity(video, pose_file, out, args: IdentityArgs) -> list[str]:
    """``--colours`` always (it has no default); ``--learn-colours`` is a flag."""
    options = flags(replace(args, colours="", learn_colours=False))
    return ["identity", str(video), str(pose_file), "--colours", args.colours, "--out", str(out),
            *options, *(["--learn-colours"] if args.learn_colours else [])]


def clips(sources: list, out, per_mouse: int | None, overwrite: bool = False) -> list[str]:
    count = [] if per_mouse is None else ["--clips-per-mouse", str(per_mouse)]
    return ["clips", *map(str, sources), "--out", str(out), *count, *_overwrite(overwrite)]


def summarise(folders: list, out, args: SummariseArgs, failures: Path | None = None,
              link_dir: Path | None = None, samples: Path | None = None) -> list[str]:
    return ["summarise", *map(str, folders), "--out", str(out), *flags(args),
            *(["--failures", str(failures)] if failures else []),
            *(["--link-dir", str(link_dir)] if link_dir else []),
            *(["--samples", str(samples)] if samples else [])]
