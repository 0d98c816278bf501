"""The ``scratchflow`` command. Each subcommand parses options and calls one step."""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

import click

from scratchflow import __version__
from scratchflow.crop.boxes import ANCHORS, DIRECTIONS
from scratchflow.errors import InputError


class _Group(click.Group):
    """Turn InputError into a one-paragraph message and exit status 2, without a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except InputError as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(2)


def _parse_bodyparts(values: tuple[str, ...]) -> dict[str, str]:
    mapping = {}
    for item in values:
        role, sep, name = item.partition("=")
        if not sep or not role.strip() or not name.strip():
            raise click.BadParameter(f"{item!r} is not ROLE=NAME", param_hint="--bodypart")
        mapping[role.strip()] = name.strip()
    return mapping


def _load_params(path: str | None):
    from scratchflow.scratch import ScratchParams

    return ScratchParams.from_yaml(path) if path else ScratchParams()


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="scratchflow")
def main():
    """Per-mouse scratching counts from videos of mice."""


@main.command()
@click.argument("pose_files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for the CSVs and provenance JSON.")
@click.option("--fps", type=float, help="Frame rate (else read from <pose stem>.json).")
@click.option("--params", "params_path", type=click.Path(dir_okay=False),
              help="YAML of detector parameters (see docs/parameters.md).")
@click.option("--bodypart", "bodyparts", multiple=True, metavar="ROLE=NAME",
              help="Map a role to a body-part name, e.g. hind_left=\"Hind Paw L\". Repeatable.")
@click.option("--individual", help="Quantify only this individual (multi-animal files).")
def quantify(pose_files, out_dir, fps, params_path, bodyparts, individual):
    """Detect scratch strokes and bouts in POSE_FILES (DeepLabCut .h5/.csv, SLEAP .analysis.h5).

    Writes <stem>_scratch_{bouts,strokes,summary,timebins}.csv and a provenance JSON per
    file. A file that fails is reported and the others still run.
    """
    from scratchflow.scratch.quantify import QuantifyRequest, quantify_file

    params = _load_params(params_path)
    mapping = _parse_bodyparts(bodyparts)
    failures = 0
    for pose_file in pose_files:
        request = QuantifyRequest(Path(pose_file), Path(out_dir), params, fps, mapping, individual)
        try:
            paths = quantify_file(request)
        except InputError as err:
            failures += 1
            click.echo(f"error: {err}", err=True)
            continue
        click.echo(f"{pose_file}: wrote {paths['scratch_bouts.csv'].parent}/"
                   f"{Path(pose_file).stem}_scratch_*.csv")
    if failures:
        click.echo(f"{failures} of {len(pose_files)} file(s) failed", err=True)
        sys.exit(1)


@main.command()
@click.option("--pred", "preds", multiple=True, required=True, type=click.Path(dir_okay=False),
              help="Predicted <stem>_scratch_bouts.csv. Repeat, paired with --truth in order.")
@click.option("--truth", "truths", multiple=True, required=True, type=click.Path(dir_okay=False),
              help="Annotation CSV: start_s,end_s[,limb][,n_strokes].")
@click.option("--min-iou", default=0.2, show_default=True, help="IoU for a bout to match.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False), help="Write scores as JSON.")
def evaluate(preds, truths, min_iou, out_path):
    """Score predicted bouts against annotations, pooled over all pairs."""
    import pandas as pd

    from scratchflow import outputs
    from scratchflow.evaluate import read_annotations, score

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
@click.option("--seed", default=0, show_default=True)
@click.option("--space", "space_path", type=click.Path(dir_okay=False),
              help="YAML mapping parameter names to candidate values.")
@click.option("--bodypart", "bodyparts", multiple=True, metavar="ROLE=NAME")
def tune(manifest, out_path, trials, seed, space_path, bodyparts):
    """Pick detector parameters by bout F1 on annotated files listed in MANIFEST.

    MANIFEST is a CSV with columns pose,annotations[,fps], paths relative to it.
    """
    from scratchflow import outputs
    from scratchflow.tune import read_manifest, read_space
    from scratchflow.tune import tune as run_tune

    cases = read_manifest(manifest, _parse_bodyparts(bodyparts))
    space = read_space(space_path)
    with click.progressbar(length=trials, label=f"tuning on {len(cases)} file(s)") as bar:
        best, table = run_tune(cases, space, trials, seed, progress=bar.update)
    out = Path(out_path)
    with outputs.atomic_path(out) as tmp:
        tmp.write_text(best.to_yaml())
    outputs.write_csv(table, out.with_suffix(".trials.csv"))
    top = table.sort_values(["bout_f1", "time_f1"], ascending=False).iloc[0]
    click.echo(f"best bout F1 {top.bout_f1:.3f}, time F1 {top.time_f1:.3f}: wrote {out}")


def _box_size(value: str) -> tuple[int, int]:
    width, _, height = value.lower().partition("x")
    try:
        return int(width), int(height or width)
    except ValueError as err:
        raise click.BadParameter(f"{value!r} is not N or WxH", param_hint="--box-size") from err


@main.command()
@click.argument("video", type=click.Path(exists=True))
@click.option("--metadata", type=click.Path(dir_okay=False),
              help="Metadata TXT (default: <video stem>.txt beside the video).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for the per-mouse videos, JSON sidecars and preview PNGs.")
@click.option("--box-size", default="900x900", show_default=True, help="Crop box, WxH or N.")
@click.option("--anchor", type=click.Choice(ANCHORS), default="top-right", show_default=True,
              help="QR-code corner the box is placed from.")
@click.option("--offset-x", type=int, default=0, show_default=True, help="Pixels right of anchor.")
@click.option("--offset-y", type=int, default=0, show_default=True, help="Pixels below anchor.")
@click.option("--direction", type=click.Choice(DIRECTIONS), default="down-right",
              show_default=True, help="Which way the box extends from the anchor point.")
@click.option("--boxes", "boxes_spec", metavar="SPEC|FILE.json",
              help='Boxes by hand, skipping QR codes: "left=x,y,w,h;right=x,y,w,h" or a JSON.')
@click.option("--codes", "expected_codes", type=int, default=2, show_default=True,
              help="QR codes expected per video.")
@click.option("--sample-seconds", type=float, default=5.0, show_default=True,
              help="Scan frames spread over this many first seconds.")
@click.option("--sample-frames", type=int, default=8, show_default=True,
              help="How many frames to scan for QR codes.")
@click.option("--codec", default="libx264", show_default=True, help="ffmpeg video encoder.")
@click.option("--crf", type=int, default=18, show_default=True, help="x264/x265 quality.")
@click.option("--preset", default="veryfast", show_default=True, help="x264/x265 speed preset.")
@click.option("--pix-fmt", default="yuv420p", show_default=True, help="Output pixel format.")
@click.option("--overwrite", is_flag=True, help="Replace outputs that already exist.")
def crop(video, metadata, out_dir, box_size, anchor, offset_x, offset_y, direction, boxes_spec,
         expected_codes, sample_seconds, sample_frames, codec, crf, preset, pix_fmt, overwrite):
    """Crop VIDEO (or every video + TXT pair in a folder) into one video per mouse.

    Boxes are placed from the QR codes beside the enclosures (docs/crop.md); outputs are
    {date}_{time}_{camera}_{position}[_{mouse}].mp4 with a .json sidecar and .preview.png.
    A video that fails is reported and the others still run.
    """
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
        boxes=parse_boxes(boxes_spec) if boxes_spec else None,
        expected_codes=expected_codes, sample_seconds=sample_seconds,
        sample_frames=sample_frames, overwrite=overwrite,
    )
    report = partial(click.echo, err=True)
    jobs, unpaired = collect_jobs(Path(video), metadata and Path(metadata), Path(out_dir), report)
    failures = unpaired + crop_batch(jobs, options, click.echo, report)
    if failures:
        click.echo(f"{failures} of {len(jobs) + unpaired} video(s) failed", err=True)
        sys.exit(1)


@main.command()
@click.argument("folders", nargs=-1, required=True,
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for experiment_summary.csv, group_statistics.csv and report.html.")
@click.option("--failures", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV sample,step,reason of mice that failed an earlier step.")
@click.option("--groups", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV sample,group or mouse,group; overrides the metadata's groups.")
@click.option("--link-dir", type=click.Path(path_type=Path),
              help="Folder (relative to --out) the report links the per-mouse CSVs in.")
def summarise(folders, out_dir, failures, groups, link_dir):
    """Join every mouse's results in FOLDERS (searched recursively) into an experiment summary,
    per-group statistics and a self-contained report.html (docs/report.md)."""
    from scratchflow.report.summarise import SummariseRequest
    from scratchflow.report.summarise import summarise as run_summarise

    result = run_summarise(SummariseRequest(folders, out_dir, failures, groups, link_dir))
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"{result.n_ok} of {result.n_ok + result.n_failed} mice with results: wrote "
               f"{result.paths['summary']} and {result.paths['report']}")


@main.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the clips.")
@click.option("--sample", "per_mouse", type=click.IntRange(min=1),
              help="At most N bouts per mouse, drawn at random (see --seed). Default: all.")
@click.option("--seed", default=0, show_default=True, help="Seed of --sample's draw.")
@click.option("--margin", "margin_s", default=1.0, show_default=True,
              type=click.FloatRange(min=0), help="Seconds of video before and after each bout.")
@click.option("--overwrite", is_flag=True, help="Replace clips that already exist.")
def clips(sources, out_dir, per_mouse, seed, margin_s, overwrite):
    """Cut a review clip per bout, with the hind paws and stroke count drawn on.

    SOURCES are files or folders (searched recursively) holding each mouse's
    <sample>_scratch_bouts.csv, its video <sample>.mp4 and pose <sample>.h5 (docs/report.md).
    """
    from scratchflow.report.clips import ClipOptions, clip_batch

    options = ClipOptions(out_dir, margin_s, per_mouse, seed, overwrite)
    written, failed = clip_batch(list(sources), options, partial(click.echo, err=True))
    click.echo(f"wrote {written} clip(s) to {out_dir}")
    if failed:
        click.echo(f"{failed} mouse(s) failed", err=True)
        sys.exit(1)


@main.command("params")
def show_params():
    """Print the default detector parameters as YAML (a starting point for --params)."""
    from scratchflow.scratch import ScratchParams

    click.echo(ScratchParams().to_yaml(), nl=False)


if __name__ == "__main__":
    main()
