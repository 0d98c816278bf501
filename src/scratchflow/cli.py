"""The ``scratchflow`` command. Each subcommand parses options and calls one step."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from scratchflow import __version__
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


@main.command("params")
def show_params():
    """Print the default detector parameters as YAML (a starting point for --params)."""
    from scratchflow.scratch import ScratchParams

    click.echo(ScratchParams().to_yaml(), nl=False)


if __name__ == "__main__":
    main()
