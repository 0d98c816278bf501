"""The docs stay true to the code: every parameter documented, CI runs the README's test."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

from scratchflow.scratch import ScratchParams

REPO = Path(__file__).resolve().parents[1]


def test_every_parameter_is_documented_with_its_default():
    table = (REPO / "docs" / "parameters.md").read_text()
    for field in fields(ScratchParams):
        row = re.search(rf"^\| `{field.name}` \| ([^|]+) \|", table, re.MULTILINE)
        assert row, f"{field.name} is not documented in docs/parameters.md"
        assert float(row.group(1)) == float(field.default), field.name


def test_ci_runs_the_readme_test_command():
    readme = (REPO / "README.md").read_text()
    assert re.search(r"^make test\b", readme, re.MULTILINE)
    ci = [line for line in (REPO / ".ci" / "run").read_text().splitlines()
          if line and not line.startswith("#")]
    assert ci[-1] == "make test"
