"""The docs stay true to the code: every parameter documented, CI runs the README's test."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest
import yaml

from scratchflow.identity import IdentityParams
from scratchflow.quantify import ScratchParams

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("params, doc", [(ScratchParams, "parameters.md"),
                                         (IdentityParams, "identity.md")])
def test_every_parameter_is_documented_with_its_default(params, doc):
    table = (REPO / "docs" / doc).read_text()
    for field in fields(params):
        row = re.search(rf"^\| `{field.name}` \| ([^|]+) \|", table, re.MULTILINE)
        assert row, f"{field.name} is not documented in docs/{doc}"
        assert float(row.group(1)) == float(field.default), field.name


def test_ci_runs_the_readme_test_command():
    readme = (REPO / "README.md").read_text()
    assert re.search(r"^make test\b", readme, re.MULTILINE)
    ci = [line for line in (REPO / ".ci" / "run").read_text().splitlines()
          if line and not line.startswith("#")]
    assert ci[-1] == "make test"


def test_every_image_installs_extras_the_package_defines():
    """The images cannot be built here; at least their pip lines name real extras, the same
    ones `make install` / `make install-tf` install and test."""
    import tomllib

    extras = set(tomllib.loads((REPO / "pyproject.toml").read_text())["project"][
        "optional-dependencies"])
    makefile = (REPO / "Makefile").read_text()
    images = sorted((REPO / "docker").glob("Dockerfile*"))
    assert [p.name for p in images] == ["Dockerfile", "Dockerfile.pose", "Dockerfile.pose-tf"]
    for image in images:
        wanted = re.findall(r"pip install [^\n]*'\.\[([a-z0-9,-]+)\]'", image.read_text())
        assert wanted, f"{image.name} installs no extras"
        for extra in wanted[0].split(","):
            assert extra in extras, f"{image.name}: no extra {extra!r} in pyproject.toml"
    assert "'.[dev,dlc]'" in makefile and "'.[dev,tf]'" in makefile


def test_params_prints_every_default_with_a_comment_line():
    from click.testing import CliRunner

    from scratchflow.cli import main

    printed = CliRunner().invoke(main, ["params"]).output
    assert yaml.safe_load(printed) == ScratchParams().to_dict()
    lines = printed.splitlines()
    for field in fields(ScratchParams):
        at = next(i for i, line in enumerate(lines) if line.startswith(f"{field.name}: "))
        assert lines[at - 1].startswith("# ") and "Valid: " in lines[at - 1], field.name
