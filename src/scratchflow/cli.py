"""The ``scratchflow`` command. Each subcommand parses options and calls one step."""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

import click

from scratchflow import __version__
from scratchflow.crop import record as crop_record
from scratchflow.crop.boxes import ANCHORS, DIRECTIONS
from scratchflow.errors import InputError
from scratchflow.formats import pose_record
from scratchflow.quantify import files as quantify_files
from scratchflow.run.commands import CropArgs, PoseArgs
from scratchflow.summarise.files import BUNDLE_DIR, OUTPUT_NAMES
from scratchflow.upload import MANIFEST_NAME

ALIASES = {"summarize": "summarise"}


class _Group(click.Group):
    """Turn InputError into a one-paragraph message and exit status 2, without a traceback;
    accept ``ALIASES``."""

    def get_command(self, ctx, cmd_name):
        return super().get_command(ctx, ALIASES.get(cmd_name, cmd_name))

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except InputError as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(2)


def writable_folder(folder) -> Path:
    """--out, checked before any work (outputs imports pandas, which --help need not load)."""
    from scratchflow.outputs import writable_folder as checked

    return checked(folder)


def _parse_bodyparts(values: tuple[str, ...]) -> dict[str, str]:
    mapping = {}
    for item in values:
        role, sep, name = item.partition("=")
        if not sep or not role.strip() or not name.strip():
            raise click.BadParameter(f"{item!r} is not ROLE=NAME", param_hint="--bodypart")
        if role.strip() in mapping:  # never let the last of two values win silently
            raise click.BadParameter(f"role {role.strip()!r} given twice ({mapping[role.strip()]!r}"
                                     f" and {name.strip()!r}); give each role once",
                                     param_hint="--bodypart")
        mapping[role.strip()] = name.strip()
    return mapping


def _load_params(path: str | None):
    from scratchflow.quantify import ScratchParams

    return ScratchParams.from_yaml(path) if path else ScratchParams()


def _options(*options):
    """Apply click options in the order listed (several commands share these)."""
    def apply(command):
        for option in reversed(options):
            command = option(command)
        return command
    return apply


_CROP, _POSE = CropArgs(), PoseArgs()
_crop_options = _options(
    click.option("--box-size", default=_CROP.box_size, show_default=True,
                 help="Crop box, WxH or N."),
    click.option("--anchor", type=click.Choice(ANCHORS), default=_CROP.anchor,
                 show_default=True, help="QR-code corner the box is placed from."),
    click.option("--offset-x", type=int, default=_CROP.offset_x, show_default=True,
                 help="Pixels right of anchor."),
    click.option("--offset-y", type=int, default=_CROP.offset_y, show_default=True,
                 help="Pixels below anchor."),
    click.option("--direction", type=click.Choice(DIRECTIONS), default=_CROP.direction,
                 show_default=True, help="Which way the box extends from the anchor point."),
    click.option("--boxes", metavar="SPEC|FILE.json",
                 help='Boxes by hand, skipping QR codes: "left=x,y,w,h;right=x,y,w,h" or a JSON.'),
    click.option("--codes", type=int, default=_CROP.codes, show_default=True,
                 help="QR codes expected per video."),
)
_pose_options = _options(
    click.option("--shuffle", type=int, default=_POSE.shuffle, show_default=True,
                 help="The project's shuffle (training split) whose model runs."),
    click.option("--snapshot", show_default="config.yaml's snapshotindex",
                 help="Snapshot index (-1 = last) or 'best'."),
    click.option("--batch-size", type=int, default=_POSE.batch_size, show_default=True,
                 help="Frames per batch."),
    click.option("--device", default=_POSE.device, show_default=True,
                 help="cpu, cuda, cuda:0 or auto."),
)
_bodypart_option = click.option(
    "--bodypart", "bodyparts", multiple=True, metavar="ROLE=NAME",
    help='Map a role to a body-part name, e.g. hind_left="Hind Paw L". Repeatable.')


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="scratchflow")
def main():
    """Per-mouse scratching counts from videos of mice."""


QUANTIFY_TABLES = ",".join(quantify_files.TABLES)


@main.command(help=f"""Detect scratch strokes and bouts in POSE_FILES (DeepLabCut .h5/.csv,
    SLEAP .analysis.h5).

    Writes <stem>_scratch_{{{QUANTIFY_TABLES}}}.csv and a provenance JSON per file. A file that
    fails is reported and the others still run. POSE_FILES may be s3:// URIs (with the [s3]
    extra); each is fetched with its <stem>{pose_record.SUFFIX} record.
    """)
@click.argument("pose_files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for the CSVs and provenance JSON.")
@click.option("--fps", type=float, show_default=f"the fps in <pose stem>{pose_record.SUFFIX}",
              help="Frame rate.")
@click.option("--params", "params_path", type=click.Path(dir_okay=False),
              help="YAML of detector parameters (see docs/parameters.md).")
@_bodypart_option
@click.option("--individual", help="Quantify only this individual (multi-animal files).")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False),
              show_default="OUT/.s3-cache", help="Folder for local copies of s3:// pose files.")
def quantify(pose_files, out_dir, fps, params_path, bodyparts, individual, cache_dir):
    from scratchflow.quantify.files import ALL
    from scratchflow.quantify.step import QuantifyRequest, fetch_pose, quantify_file
    from scratchflow.storage import is_s3

    params = _load_params(params_path)
    mapping = _parse_bodyparts(bodyparts)
    _refuse_shared_stems(pose_files)
    writable_folder(out_dir)
    cache = Path(cache_dir) if cache_dir else Path(out_dir) / ".s3-cache"
    failures = 0
    for pose_file in pose_files:
        try:
            request = QuantifyRequest(fetch_pose(pose_file, cache), Path(out_dir), params, fps,
                                      mapping, individual,
                                      source_uri=pose_file if is_s3(pose_file) else None)
            done = quantify_file(request)
        except InputError as err:
            failures += 1
            click.echo(f"error: {err}", err=True)
            continue
        for message in done.untracked:
            click.echo(f"warning: {message}", err=True)
        click.echo(f"{pose_file}: wrote {done.paths['bouts'].parent}/{request.pose_path.stem}{ALL}")
    if failures:
        click.echo(f"{failures} of {len(pose_files)} file(s) failed", err=True)
        sys.exit(1)


def _refuse_shared_stems(pose_files: tuple[str, ...]) -> None:
    """Outputs are named by the pose file's stem: two inputs of one stem would overwrite."""
    from pathlib import PurePosixPath

    first: dict[str, str] = {}
    for pose_file in pose_files:
        stem = PurePosixPath(pose_file).stem
        if stem in first and first[stem] != pose_file:
            raise InputError(pose_file, f"has the stem {stem!r} of {first[stem]}, so its outputs "
                             "would overwrite that file's", "quantify them into separate --out "
                             "folders, or rename one")
        first.setdefault(stem, pose_file)


@main.command()
@click.option("--pred", "preds", multiple=True, required=True, type=click.Path(dir_okay=False),
              help=f"Predicted <stem>{quantify_files.SUFFIXES['bouts']}. Repeat, paired with "
              "--truth in order.")
@click.option("--truth", "truths", multiple=True, required=True, type=click.Path(dir_okay=False),
              help="Annotation CSV: start_s,end_s[,limb][,n_strokes].")
@click.option("--min-iou", default=0.2, show_default=True, help="IoU for a bout to match.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False), help="Write scores as JSON.")
def evaluate(preds, truths, min_iou, out_path):
    """Score predicted bouts against annotations, pooled over all pairs."""
    import pandas as pd

    from scratchflow import outputs
    from scratchflow.quantify.evaluate import read_annotations, score

    if len(preds) != len(truths):
        raise click.UsageError("give one --truth per --pred")
    pairs = [(pd.read_csv(p), read_annotations(t)) for p, t in zip(preds, truths, strict=True)]
    scores = score(pairs, min_iou).to_dict()
    for name, value in scores.items():
        shown = f"{value:.3f}" if isinstance(value, float) else value
        click.echo(f"{name:>22}: {shown}")
    if out_path:
        outputs.write_json(scores, out_path)


@main.command()
@click.argument("manifest", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False),
              help="Where to write the best parameters (YAML); trials go beside it as CSV.")
@click.option("--trials", default=200, show_default=True, help="Random-search trials.")
@click.option("--seed", default=0, show_default=True, help="Seed of the random search.")
@click.option("--space", "space_path", type=click.Path(dir_okay=False),
              help="YAML mapping parameter names to candidate values.")
@_bodypart_option
def tune(manifest, out_path, trials, seed, space_path, bodyparts):
    """Pick detector parameters by bout F1 on annotated files listed in MANIFEST.

    MANIFEST is a CSV with columns pose,annotations[,fps], paths relative to it.
    """
    from scratchflow import outputs
    from scratchflow.quantify.tune import read_manifest, read_space, trials_path
    from scratchflow.quantify.tune import tune as run_tune

    cases = read_manifest(manifest, _parse_bodyparts(bodyparts))
    space = read_space(space_path)
    with click.progressbar(length=trials, label=f"tuning on {len(cases)} file(s)") as bar:
        best, table = run_tune(cases, space, trials, seed, progress=bar.update)
    out = Path(out_path)
    with outputs.atomic_path(out) as tmp:
        tmp.write_text(best.to_yaml())
    outputs.write_csv(table, trials_path(out))
    top = table.sort_values(["bout_f1", "time_f1"], ascending=False).iloc[0]
    click.echo(f"best bout F1 {top.bout_f1:.3f}, time F1 {top.time_f1:.3f}: wrote {out}")


def _box_size(value: str) -> tuple[int, int]:
    width, _, height = value.lower().partition("x")
    try:
        return int(width), int(height or width)
    except ValueError as err:
        raise click.BadParameter(f"{value!r} is not N or WxH", param_hint="--box-size") from err


@main.command(help=f"""Crop a video (or every video + TXT pair in a folder) into one video per
    mouse.

    Boxes are placed from the QR codes beside the enclosures (docs/crop.md); outputs are
    {{date}}_{{time}}_{{camera}}_{{position}}[_{{mouse}}]{crop_record.VIDEO_SUFFIX} with a
    {crop_record.RECORD_SUFFIX} crop record and {crop_record.PREVIEW_SUFFIX}.
    A video that fails is reported and the others still run.
    """)
@click.argument("source", metavar="VIDEO_OR_FOLDER", type=click.Path(exists=True))
@click.option("--metadata", type=click.Path(dir_okay=False), show_default="<video stem>.txt",
              help="Metadata TXT of a single video.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for the per-mouse videos, crop records (JSON) and preview PNGs.")
@_crop_options
@click.option("--sample-seconds", type=float, default=5.0, show_default=True,
              help="Scan frames spread over this many first seconds.")
@click.option("--sample-frames", type=int, default=8, show_default=True,
              help="How many frames to scan for QR codes.")
@click.option("--codec", default="libx264", show_default=True, help="ffmpeg video encoder.")
@click.option("--crf", type=int, default=18, show_default=True, help="x264/x265 quality.")
@click.option("--preset", default="veryfast", show_default=True, help="x264/x265 speed preset.")
@click.option("--pix-fmt", default="yuv420p", show_default=True, help="Output pixel format.")
@click.option("--overwrite", is_flag=True, help="Replace outputs that already exist.")
def crop(source, metadata, out_dir, box_size, anchor, offset_x, offset_y, direction, boxes,
         codes, sample_seconds, sample_frames, codec, crf, preset, pix_fmt, overwrite):
    try:
        from scratchflow.crop.boxes import CropGeometry, parse_boxes
        from scratchflow.crop.encode import EncoderSettings
        from scratchflow.crop.run import CropOptions, collect_jobs, crop_batch
    except ImportError as err:
        raise click.ClickException(
            f"the crop step needs the video extra ({err.name} is missing): "
            "pip install 'scratchflow[video]'"
        ) from err

    width, height = _box_size(box_size)
    options = CropOptions(
        out_dir=Path(out_dir),
        geometry=CropGeometry(width, height, anchor, offset_x, offset_y, direction),
        encoder=EncoderSettings(codec, crf, preset, pix_fmt),
        boxes=parse_boxes(boxes) if boxes else None,
        expected_codes=codes, sample_seconds=sample_seconds,
        sample_frames=sample_frames, overwrite=overwrite,
    )
    report = partial(click.echo, err=True)
    jobs, unpaired = collect_jobs(Path(source), metadata and Path(metadata), Path(out_dir), report)
    writable_folder(out_dir)  # after collect_jobs has refused the raw folder as --out
    # Errors go to stderr, as every command's do; what was made goes to stdout.
    failures = unpaired + crop_batch(jobs, options, click.echo, report, report)
    if failures:
        click.echo(f"{failures} of {len(jobs) + unpaired} video(s) failed", err=True)
        sys.exit(1)


@main.command()
@click.argument("videos", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--model", "model_dir", required=True, type=click.Path(file_okay=False),
              help="DeepLabCut project folder (the one with config.yaml), anywhere: "
              "DeepLabCut 3 (PyTorch), or 2.x (TensorFlow) with scratchflow[tf].")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for <video stem>.h5 (+ .csv) and the pose record "
              f"{pose_record.SUFFIX}.")
@_pose_options
@click.option("--csv", "save_csv", is_flag=True, help="Also write <stem>.csv.")
@_bodypart_option
@click.option("--overwrite", is_flag=True, help="Replace outputs made from other inputs.")
def pose(videos, model_dir, out_dir, shuffle, snapshot, batch_size, device, save_csv,
         bodyparts, overwrite):
    """Track VIDEOS with a lab's DeepLabCut model, writing tracks quantify reads.

    The project's body parts are checked against the quantifier's roles before any video is
    read. A video whose outputs were made from the same inputs is skipped; one that fails is
    reported and the others still run.
    """
    from scratchflow.pose import PoseSettings, open_project, require_engine, run_pose
    from scratchflow.quantify import REQUIRED_ROLES

    index = snapshot if snapshot in (None, "best") else _int_option(snapshot, "--snapshot")
    project = open_project(model_dir, shuffle, index, _parse_bodyparts(bodyparts), REQUIRED_ROLES)
    require_engine(project)
    settings = PoseSettings(batch_size, device, save_csv, overwrite)
    writable_folder(out_dir)
    done, failures = run_pose([Path(v) for v in videos], Path(out_dir), project, settings,
                              partial(click.echo, err=True))
    for paths, skipped in done:
        click.echo(f"{'up to date' if skipped else 'wrote'} {paths['h5']}")
    for failure in failures:
        click.echo(f"error: {failure.error}", err=True)
    if failures:
        click.echo(f"{len(failures)} of {len(videos)} video(s) failed", err=True)
        sys.exit(1)


def _int_option(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError as err:
        raise click.BadParameter(f"{value!r} is not a whole number", param_hint=name) from err


# `run --arena open`: colour-marked mice in one arena, tracks given (docs/run.md).
_open_arena_options = _options(
    click.option("--arena", type=click.Choice(["split", "open"]), default="split",
                 show_default=True, help="split: one mouse per QR-marked box, cropped; open: "
                 "colour-marked mice together, INPUT a folder of videos, tracks in --pose-dir."),
    click.option("--pose-dir", type=click.Path(exists=True, file_okay=False),
                 help="--arena open: each video's multi-animal tracks, <video stem>*.h5."),
    click.option("--colours", metavar="NAME,NAME,...",
                 help="--arena open: each mouse's fur colour, as for `scratchflow identity`."),
    click.option("--identity-params", type=click.Path(exists=True, dir_okay=False),
                 help="--arena open: identity parameters YAML (docs/identity.md)."),
    click.option("--identity-clips", type=click.IntRange(min=0), default=0, show_default=True,
                 help="--arena open: review clips of the N least confident repairs per video."),
)


# Options of one arena only: given with the other, they would be ignored, so they are refused.
OPEN_ARENA_ONLY = ("pose_dir", "colours", "identity_params", "identity_clips")
SPLIT_ARENA_ONLY = ("model_dir", "box_size", "anchor", "offset_x", "offset_y", "direction",
                    "boxes", "codes", "shuffle", "snapshot", "batch_size", "device",
                    "truth_path", "behaviour_model")


def _refuse_other_arenas_options(arena: str) -> None:
    ctx = click.get_current_context()
    foreign = SPLIT_ARENA_ONLY if arena == "open" else OPEN_ARENA_ONLY
    given = [param.opts[0] for param in ctx.command.params if param.name in foreign
             and ctx.get_parameter_source(param.name) == click.core.ParameterSource.COMMANDLINE]
    if given:
        raise click.UsageError(f"{', '.join(given)} do(es) not apply with --arena {arena}: "
                               "remove it, or choose the other --arena")


def _run_open_arena(input_path, out_dir, pose_dir, colours, identity_params, identity_clips,
                    quantify, summarise, bodyparts, workers, clips_per_mouse) -> list:
    """The open-arena run; the split-arena options (model, crop, pose) do not apply."""
    from scratchflow.identity.colours import parse_colours
    from scratchflow.run.commands import IdentityArgs
    from scratchflow.run.open_arena import OpenArenaOptions, run_open_arena

    if not (pose_dir and colours):
        raise click.UsageError("--arena open needs --pose-dir and --colours")
    parse_colours(colours)  # a typo stops the run here, not once per video
    options = OpenArenaOptions(
        Path(pose_dir).resolve(),
        IdentityArgs(colours, identity_params and Path(identity_params).resolve(),
                     clips=identity_clips),
        quantify, summarise, bodyparts, workers, clips_per_mouse)
    return run_open_arena(Path(input_path).resolve(), writable_folder(out_dir).resolve(),
                          options, _progress_bar)


@main.command()
@click.argument("input_path", metavar="INPUT")
@click.option("--model", "model_dir", type=click.Path(file_okay=False),
              help="DeepLabCut project folder (PyTorch, or TensorFlow with scratchflow[tf]); "
              "required but with --arena open.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Run folder: crop/, pose/, quantify/, clips/, summarise/, logs/.")
@_crop_options
@_pose_options
@click.option("--params", "params_path", type=click.Path(exists=True, dir_okay=False),
              help="Detector parameters YAML, for quantify.")
@_bodypart_option
@click.option("--groups", type=click.Path(exists=True, dir_okay=False),
              help="CSV sample,group or mouse,group for the summary; overrides the metadata.")
@click.option("--control", metavar="GROUP",
              help="Compare every other group with this one in the summary and report.")
@click.option("--workers", type=click.IntRange(min=1), show_default="CPU count",
              help="Parallel crop and quantify tasks.")
@click.option("--clips-per-mouse", type=click.IntRange(min=0), default=0, show_default=True,
              help="Review clips of up to N bouts per mouse, linked from the report (0: none).")
@click.option("--truth", "truth_path", type=click.Path(exists=True, dir_okay=False),
              help="Known bouts, video,position,start_s,end_s[,limb][,n_strokes], to score the "
              "calls against.")
@click.option("--behaviour-model", type=click.Path(exists=True, file_okay=False),
              help="Behaviour model folder (scratchflow behaviour train): classify every frame "
              "of each mouse video into behaviour/ (docs/behaviour.md).")
@_open_arena_options
def run(input_path, model_dir, out_dir, box_size, anchor, offset_x, offset_y, direction, boxes,
        codes, shuffle, snapshot, batch_size, device, params_path, bodyparts, groups, control,
        workers, clips_per_mouse, truth_path, behaviour_model, arena, pose_dir, colours,
        identity_params, identity_clips):
    """Run a whole experiment on this machine: crop, pose, quantify, clips, summarise.

    INPUT is a folder or s3:// prefix of video + TXT pairs, or a samplesheet CSV
    (sample,video,metadata; local paths or s3:// URIs). With --arena open, INPUT is a folder
    of videos of colour-marked mice together, and the run is identity (your tracks in
    --pose-dir), quantify per colour and summarise. Each step runs as a `scratchflow`
    command (docs/run.md); a rerun skips tasks whose inputs are unchanged, and a failing
    sample is reported while the rest finish.
    """
    from scratchflow.run.commands import QuantifyArgs, SummariseArgs
    from scratchflow.run.report import print_run_report
    from scratchflow.run.runner import RunOptions, run_experiment

    quantify = QuantifyArgs(params=params_path and Path(params_path).resolve())
    summarise = SummariseArgs(groups=groups and Path(groups).resolve(), control=control)
    _refuse_other_arenas_options(arena)
    if arena == "open":
        outcomes = _run_open_arena(input_path, out_dir, pose_dir, colours, identity_params,
                                   identity_clips, quantify, summarise, bodyparts, workers,
                                   clips_per_mouse)
        sys.exit(1 if print_run_report(outcomes, Path(out_dir), None, click.echo) else 0)
    if model_dir is None:
        raise click.UsageError("Missing option '--model'.")
    _box_size(box_size)  # a typo stops the run here, not once per video
    if snapshot not in (None, "best"):
        _int_option(snapshot, "--snapshot")
    options = RunOptions(
        model=Path(model_dir).resolve(),
        crop=CropArgs(box_size, anchor, offset_x, offset_y, direction, boxes, codes),
        pose=PoseArgs(shuffle, snapshot, batch_size, device),
        quantify=quantify, summarise=summarise, bodyparts=bodyparts, workers=workers,
        clips_per_mouse=clips_per_mouse,
        behaviour_model=behaviour_model and Path(behaviour_model).resolve())
    source = input_path if input_path.startswith("s3://") else str(Path(input_path).resolve())
    outcomes = run_experiment(source, writable_folder(out_dir).resolve(), options,
                              _progress_bar)
    failed = print_run_report(outcomes, Path(out_dir), truth_path and Path(truth_path),
                              click.echo)
    sys.exit(1 if failed else 0)


@main.command(help=f"""Send the video + TXT pairs in EXPERIMENT_DIR to S3, with a
    {MANIFEST_NAME} for --input.

    Checks every pair and metadata TXT before sending anything; verifies each object after
    sending; skips objects already there with the same sha256, so a rerun resumes.
    """)
@click.argument("experiment_dir", type=click.Path(exists=True, file_okay=False))
@click.argument("destination", metavar="s3://BUCKET/PREFIX/")
@click.option("--experiment", show_default="the folder's name",
              help="Experiment name in the samplesheet.")
@click.option("--overwrite", is_flag=True, help="Replace objects that exist with other content.")
@click.option("--multipart-threshold", type=click.IntRange(1), default=64, show_default=True,
              metavar="MiB", help="Files at least this large are sent in parts.")
@click.option("--part-size", type=click.IntRange(5, 5120), default=64, show_default=True,
              metavar="MiB", help="Size of each part.")
@click.option("--concurrency", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Parts sent at once.")
def upload(experiment_dir, destination, experiment, overwrite, multipart_threshold, part_size,
           concurrency):
    from scratchflow.storage import MiB, TransferSettings
    from scratchflow.upload import UploadOptions, upload_experiment

    transfer = TransferSettings(multipart_threshold * MiB, part_size * MiB, concurrency)
    options = UploadOptions(transfer, overwrite, experiment)
    result = upload_experiment(experiment_dir, destination, options,
                               partial(click.echo, err=True), _progress_bar)
    click.echo(f"sent {len(result.sent)} file(s), {len(result.skipped)} already there; "
               f"samplesheet: {result.manifest}")


def _progress_bar(label: str, length: int):
    return click.progressbar(length=length, label=label, file=sys.stderr)


@main.command(help=f"""Run the pipeline on AWS Batch (nextflow run -profile awsbatch ...), all
    data on S3.

    INPUT is the s3:// {MANIFEST_NAME} `scratchflow upload` wrote, or an s3:// prefix of
    video + TXT pairs.

    Runs nextflow if it is on PATH; otherwise prints the exact command to run elsewhere.
    """)
@click.argument("input", metavar="INPUT")
@click.option("--model", required=True, help="s3:// DeepLabCut project folder.")
@click.option("--out", "outdir", required=True, help="s3:// prefix for the results.")
@click.option("--work-dir", required=True, help="s3:// prefix for Nextflow's work directory.")
@click.option("--cpu-queue", default="scratchflow-cpu", show_default=True,
              help="AWS Batch queue for crop, quantify and summarise.")
@click.option("--gpu-queue", default="scratchflow-gpu", show_default=True,
              help="AWS Batch queue with GPUs, for pose estimation.")
@click.option("--region", envvar=["AWS_REGION", "AWS_DEFAULT_REGION"],
              show_default="$AWS_REGION, else the pipeline's", help="AWS region.")
@click.option("--params", "params_yaml", help="Detector parameters YAML (local or s3://).")
@click.option("--experiment", help="Experiment name in the summary.")
@click.option("--control", metavar="GROUP",
              help="Compare every other group with this one (summarise --control).")
@click.option("--clips-per-mouse", type=click.IntRange(min=0),
              help="Review clips of up to N bouts per mouse, linked from the report.")
@click.option("--behaviour-model", help="s3:// behaviour model folder: behaviour classes per "
              "frame of each mouse (docs/behaviour.md).")
@click.option("--pipeline", show_default="this checkout",
              help="Pipeline checkout, main.nf or GitHub repo.")
@click.option("--revision", help="Git branch, tag or commit of the pipeline (nextflow -r).")
@click.option("--profile", default="awsbatch", show_default=True, help="Nextflow profile(s).")
@click.option("--cpu-container", help="Image for crop, quantify, summarise (e.g. on ECR).")
@click.option("--gpu-container", help="Image with DeepLabCut, for pose (e.g. on ECR).")
@click.option("--resume", is_flag=True, help="Reuse the results of an earlier run (-resume).")
@click.option("--print-only", is_flag=True, help="Print the command; do not run it.")
def submit(print_only, **fields):
    from scratchflow.submit import Submission, nextflow_command, run_or_print

    command = nextflow_command(Submission(**fields))  # option names are Submission's fields
    sys.exit(run_or_print(command, click.echo, partial(click.echo, err=True), print_only))


@main.command(help=f"""Join every mouse's results in FOLDERS (searched recursively) into an
    experiment summary, per-group statistics and a self-contained {OUTPUT_NAMES['report']}
    (docs/report.md). Also: summarize.

    With no FOLDERS (every sample failed before it was cropped), --failures alone gives a
    summary of failed mice.""")
@click.argument("folders", nargs=-1,
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help=f"Folder for {OUTPUT_NAMES['summary']}, {OUTPUT_NAMES['statistics']} and "
              f"{OUTPUT_NAMES['report']}.")
@click.option("--failures", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV sample,step,reason of mice that failed an earlier step.")
@click.option("--groups", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV sample,group or mouse,group; overrides the metadata's groups.")
@click.option("--link-dir", type=click.Path(path_type=Path),
              show_default=f"copies in {BUNDLE_DIR}/ beside {OUTPUT_NAMES['report']}",
              help="Folder (relative to --out) holding the step folders (quantify/, behaviour/, "
              "clips/) the report links the per-mouse CSVs and clips in.")
@click.option("--control", metavar="GROUP",
              help=f"Compare every other group with this one ({OUTPUT_NAMES['comparisons']}).")
@click.option("--samples", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              show_default="every mouse found", help="CSV with a sample column: summarise only "
              "these mice (the runner passes the mice of this run).")
def summarise(folders, out_dir, failures, groups, link_dir, control, samples):
    from scratchflow.summarise.step import SummariseRequest
    from scratchflow.summarise.step import summarise as run_summarise

    writable_folder(out_dir)
    result = run_summarise(SummariseRequest(folders, out_dir, failures, groups, link_dir,
                                            control, samples))
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"{result.n_ok} of {result.n_ok + result.n_failed} mice with results: wrote "
               f"{result.paths['summary']} and {result.paths['report']}")


@main.command(help=f"""Cut a review clip per bout, with the hind paws and stroke count drawn on.

    SOURCES are files or folders (searched recursively) holding each mouse's
    <sample>{quantify_files.SUFFIXES['bouts']}, its video <sample>{crop_record.VIDEO_SUFFIX}
    and pose <sample>.h5 (docs/report.md).
    """)
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the clips.")
@click.option("--clips-per-mouse", "per_mouse", type=click.IntRange(min=1), show_default="all",
              help="At most N bouts per mouse, drawn at random (see --seed).")
@click.option("--seed", default=0, show_default=True, help="Seed of --clips-per-mouse's draw.")
@click.option("--margin", "margin_s", default=1.0, show_default=True,
              type=click.FloatRange(min=0), help="Seconds of video before and after each bout.")
@click.option("--overwrite", is_flag=True, help="Replace clips that already exist.")
def clips(sources, out_dir, per_mouse, seed, margin_s, overwrite):
    from scratchflow.clips.step import ClipOptions, clip_batch

    options = ClipOptions(writable_folder(out_dir), margin_s, per_mouse, seed, overwrite)
    written, failed = clip_batch(list(sources), options, partial(click.echo, err=True))
    click.echo(f"wrote {written} clip(s) to {out_dir}")
    if failed:
        click.echo(f"{failed} mouse(s) failed", err=True)
        sys.exit(1)


@main.command()
@click.argument("video", type=click.Path(dir_okay=False))
@click.argument("pose_file", metavar="POSE", type=click.Path(dir_okay=False))
@click.option("--colours", required=True, metavar="NAME,NAME,...",
              help="Each mouse's fur colour: names from the hue table (docs/identity.md) "
              "or NAME=H0-H1,S,V ranges.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for the repaired tracks, the repairs and per-frame CSVs, the QC "
              "figure and the provenance JSON (docs/identity.md).")
@click.option("--learn-colours", is_flag=True,
              help="Fit each colour's hue range to the fur this video shows, starting from "
              "the named range.")
@click.option("--params", "params_path", type=click.Path(dir_okay=False),
              help="YAML of identity parameters (docs/identity.md).")
@click.option("--clips", type=click.IntRange(min=0), default=0, show_default=True,
              help="Review clips of the N least confident repairs, each mouse drawn in its "
              "colour (needs the video extra).")
def identity(video, pose_file, colours, out_dir, learn_colours, params_path, clips):
    """Repair the identities of colour-marked mice tracked in one arena (VIDEO, its POSE
    tracks: multi-animal DeepLabCut .h5 or _el.h5, or a SLEAP analysis file).

    Undoes whole-animal switches and body parts carried by the wrong mouse, names each
    mouse by its colour and writes every repair made, with its confidence."""
    from scratchflow.identity import IdentityParams
    from scratchflow.identity.colours import parse_colours
    from scratchflow.identity.step import IdentityRequest, identify

    params = IdentityParams.from_yaml(params_path) if params_path else IdentityParams()
    request = IdentityRequest(Path(video), Path(pose_file), parse_colours(colours),
                              writable_folder(out_dir), params, learn_colours, clips)
    done = identify(request)
    if learn_colours:
        click.echo("learned hue ranges: " + ", ".join(
            f"{c.name} {c.hue[0]:g}-{c.hue[1]:g} deg" for c in done.colours))
    counts = done.events["kind"].value_counts().to_dict()
    click.echo(f"{pose_file}: {len(done.events)} repair(s) "
               f"({', '.join(f'{n} {kind}' for kind, n in counts.items()) or 'none needed'}), "
               f"{done.frames_per_s:.0f} frames/s: wrote {done.paths['tracks']}"
               + (f" and {len(done.clips)} review clip(s)" if clips else ""))


@main.command("params")
def show_params():
    """Print the default detector parameters as YAML, each with a comment line saying what it
    is, its unit and its valid range (a starting point for --params)."""
    from scratchflow.quantify import ScratchParams

    click.echo(ScratchParams().to_commented_yaml(), nl=False)



@main.group(cls=_Group)
def behaviour():
    """Per-frame behaviour classes (drink, eat, groom, hang, mm, rear, rest, walk, ...):
    train on annotated videos, evaluate, classify (docs/behaviour.md)."""


def _behaviour_settings(settings_path: str | None, model: str | None, classes: str | None,
                        out_dir: str):
    """--settings JSON (else the defaults), with --model and --classes on top; --out checked
    before any work."""
    from dataclasses import replace

    from scratchflow.behaviour.settings import BehaviourSettings

    settings = BehaviourSettings.from_json(settings_path) if settings_path else BehaviourSettings()
    overrides = {"model": model} if model else {}
    if classes:
        overrides["classes"] = tuple(name.strip() for name in classes.split(","))
    try:
        settings = replace(settings, **overrides)
    except ValueError as err:
        raise InputError(None, f"invalid option: {err}", "see docs/behaviour.md") from err
    writable_folder(out_dir)
    return settings


def _behaviour_training_options(out_help: str):
    """The options train and evaluate share; --out is a model or an evaluation folder."""
    return _options(*_BEHAVIOUR_TRAINING, click.option(
        "--out", "out_dir", required=True, type=click.Path(file_okay=False), help=out_help))


_BEHAVIOUR_TRAINING = (
    click.argument("videos", nargs=-1, required=True,
                   type=click.Path(exists=True, dir_okay=False)),
    click.option("--annotations", multiple=True, required=True,
                 type=click.Path(exists=True, dir_okay=False),
                 help="Annotation CSV per video, in the videos' order (DeepEthoProfile's "
                      "format or start_s,end_s,behaviour)."),
    click.option("--settings", "settings_path", type=click.Path(exists=True, dir_okay=False),
                 help="JSON of model settings (docs/behaviour.md)."),
    click.option("--model", "model_kind", type=click.Choice(["pixel", "pose"]),
                 show_default="--settings' model, else pose",
                 help="Classifier: frames, or the pose step's tracks."),
    click.option("--classes", help="Comma-separated class list, in legend order "
                 "[default: drink,eat,groom,hang,mm,rear,rest,walk]."),
    click.option("--pose", "poses", multiple=True, type=click.Path(exists=True, dir_okay=False),
                 show_default="<video stem>.h5 beside each video",
                 help="Pose file per video, in the videos' order (pose model)."),
)


@behaviour.command("train")
@_behaviour_training_options("Model folder to write.")
def behaviour_train(videos, annotations, settings_path, model_kind, classes, poses, out_dir):
    """Train a behaviour model on VIDEOS and their --annotations."""
    from scratchflow.behaviour.train import train_folder

    settings = _behaviour_settings(settings_path, model_kind, classes, out_dir)
    train_folder(list(videos), list(annotations), Path(out_dir), settings, list(poses),
                 partial(click.echo, err=True))
    click.echo(f"wrote the {settings.model} model to {out_dir}")


@behaviour.command("evaluate")
@_behaviour_training_options("Folder for the confusion matrix, figure and scores.")
def behaviour_evaluate(videos, annotations, settings_path, model_kind, classes, poses, out_dir):
    """Leave-one-video-out validation: frame and macro accuracy, confusion matrix."""
    from scratchflow.behaviour.evaluate import evaluate_folder
    from scratchflow.behaviour.recordings import open_recordings

    settings = _behaviour_settings(settings_path, model_kind, classes, out_dir)
    recordings = open_recordings(list(videos), settings, list(poses), list(annotations))
    result = evaluate_folder(recordings, settings, Path(out_dir), partial(click.echo, err=True))
    click.echo(f"frame accuracy {100 * result.frame_accuracy:.1f} %, macro accuracy "
               f"{100 * result.macro_accuracy:.1f} % over {result.frames} frames; wrote {out_dir}")


@behaviour.command("classify")
@click.argument("videos", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--model", "model_dir", required=True, type=click.Path(file_okay=False),
              help="Model folder from `scratchflow behaviour train`.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for the per-video outputs.")
@click.option("--pose", "poses", multiple=True, type=click.Path(exists=True, dir_okay=False),
              show_default="<video stem>.h5 beside each video",
              help="Pose file per video, in the videos' order (pose model).")
@click.option("--classes", help="Comma-separated class list the model must have.")
@click.option("--device", default="cpu", show_default=True,
              help="torch device of the pixel model, e.g. cuda:0.")
@click.option("--scratch-bouts", "scratch_bouts", multiple=True,
              type=click.Path(exists=True, dir_okay=False),
              help=f"The scratch detector's <stem>{quantify_files.SUFFIXES['bouts']} per video, "
              "in the videos' order: its bouts become the scratch class.")
def behaviour_classify(videos, model_dir, out_dir, poses, classes, device, scratch_bouts):
    """Per-frame behaviour of each video: DeepEthoProfile CSV, probabilities, time budget,
    bouts, provenance. Finished videos are skipped; a failing video does not stop the others."""
    from scratchflow.behaviour.classify import classify_video
    from scratchflow.behaviour.model_dir import load_model
    from scratchflow.behaviour.recordings import one_per_video

    one_per_video(videos, "--pose", poses)
    one_per_video(videos, "--scratch-bouts", scratch_bouts)
    wanted = tuple(name.strip() for name in classes.split(",")) if classes else None
    model = load_model(model_dir, wanted, device)
    writable_folder(out_dir)
    failures = 0
    for index, video in enumerate(videos):
        try:
            done = classify_video(model, Path(model_dir), Path(video), Path(out_dir),
                                  Path(poses[index]) if poses else None,
                                  partial(click.echo, err=True),
                                  Path(scratch_bouts[index]) if scratch_bouts else None)
        except InputError as err:
            failures += 1
            click.echo(f"error: {err}", err=True)
            continue
        state = "up to date, skipped" if done.skipped else "wrote"
        click.echo(f"[{index + 1}/{len(videos)}] {video}: {state} {done.paths['labels']}")
    if failures:
        click.echo(f"{failures} of {len(videos)} video(s) failed", err=True)
        sys.exit(1)
