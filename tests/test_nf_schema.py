"""nextflow_schema.json and assets/schema_input.json accept good input and reject bad input.

Under Nextflow the nf-schema plugin applies these schemas (validateParameters,
samplesheetToList). The plugin cannot be installed on the build machines, so CI runs the
pipeline with --validate_params false (docs/nextflow.md) and checks the schemas here with
`jsonschema` (JSON Schema draft 2020-12, as nf-schema 2 uses). Two of nf-schema's own
keywords, `exists` and `uniqueEntries`, are added to the validator with the plugin's
meaning; `errorMessage` and `meta` only change how the plugin reports and reads a row.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, ValidationError
from jsonschema.validators import extend

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "examples" / "demo_experiment"
PARAMS_SCHEMA = json.loads((REPO / "nextflow_schema.json").read_text())
SHEET_SCHEMA = json.loads((REPO / "assets" / "schema_input.json").read_text())


def _exists(validator, wanted, instance, schema):
    if wanted and validator.is_type(instance, "string") and not Path(instance).exists():
        yield ValidationError(f"the file or directory '{instance}' does not exist")


def _unique_entries(validator, columns, instance, schema):
    seen = set()
    for row in instance:
        key = tuple(row.get(column) for column in columns)
        if key in seen:
            yield ValidationError(f"entry {dict(zip(columns, key, strict=True))} is not unique")
        seen.add(key)


NfSchemaValidator = extend(Draft202012Validator,
                           {"exists": _exists, "uniqueEntries": _unique_entries})


def errors(schema: dict, instance) -> list[str]:
    """Each error as 'path: message', the way nf-schema names the parameter or cell."""
    found = NfSchemaValidator(schema).iter_errors(instance)
    return sorted("/".join(str(p) for p in e.absolute_path) + ": " + e.message for e in found)


def read_samplesheet(path: Path) -> list[dict]:
    """Rows as nf-schema sees them: strings, empty cells left out."""
    with open(path, newline="") as handle:
        return [{k: v for k, v in row.items() if v} for row in csv.DictReader(handle)]


@pytest.mark.parametrize("schema", [PARAMS_SCHEMA, SHEET_SCHEMA], ids=["params", "samplesheet"])
def test_schema_is_valid_draft_2020_12(schema):
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def good_params() -> dict:
    """The defaults of nextflow.config, with what -profile test sets."""
    defaults = {name: prop["default"] for group in PARAMS_SCHEMA["$defs"].values()
                for name, prop in group["properties"].items() if "default" in prop}
    return defaults | {"input": str(DEMO), "model": str(REPO / "examples/demo_model/project"),
                       "experiment": "demo_experiment", "validate_params": False}


def test_good_params_pass(tmp_path):
    assert errors(PARAMS_SCHEMA, good_params()) == []
    detector = tmp_path / "rig.yaml"
    detector.write_text("min_strokes: 3\n")
    with_yaml = good_params() | {"params_yaml": str(detector), "outdir": "s3://b/results",
                                 "aws_workdir": "s3://b/work", "publish_dir_mode": "symlink"}
    assert errors(PARAMS_SCHEMA, with_yaml) == []


@pytest.mark.parametrize(("change", "flagged"), [
    ({"input": None}, ": 'input' is a required property"),
    ({"model": None}, ": 'model' is a required property"),
    ({"input": "my videos/"}, "input: 'my videos/' does not match"),
    ({"experiment": "pilot 1"}, "experiment: 'pilot 1' does not match"),
    ({"params_yaml": "rig.json"}, "params_yaml: 'rig.json' does not match"),
    ({"params_yaml": "/no/such/rig.yaml"}, "params_yaml: the file or directory '/no/such/rig.yaml' does not exist"),
    ({"publish_dir_mode": "hardlink"}, "publish_dir_mode: 'hardlink' is not one of"),
    ({"aws_workdir": "/tmp/work"}, "aws_workdir: '/tmp/work' does not match"),
    ({"validate_params": "no"}, "validate_params: 'no' is not of type 'boolean'"),
], ids=lambda value: next(iter(value)) if isinstance(value, dict) else "")
def test_bad_params_fail(change, flagged):
    params = {k: v for k, v in (good_params() | change).items() if v is not None}
    found = errors(PARAMS_SCHEMA, params)
    assert any(e.startswith(flagged) for e in found), found


def test_open_arena_needs_tracks_and_colours_not_a_model(tmp_path):
    open_arena = {k: v for k, v in good_params().items() if k != "model"} | {
        "arena": "open", "pose_input": str(tmp_path), "colours": "red,green,blue,yellow"}
    assert errors(PARAMS_SCHEMA, open_arena) == []
    found = errors(PARAMS_SCHEMA, {k: v for k, v in open_arena.items() if k != "pose_input"})
    assert found == [": 'pose_input' is a required property"]
    assert any(e.startswith("colours: 'red green' does not match")
               for e in errors(PARAMS_SCHEMA, open_arena | {"colours": "red green"}))
    assert any(e.startswith("arena: 'closed' is not one of")
               for e in errors(PARAMS_SCHEMA, open_arena | {"arena": "closed"}))


def write_sheet(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def demo_rows() -> list[list[str]]:
    return [["sample", "video", "metadata", "experiment"]] + [
        [stem, str(DEMO / f"{stem}.mp4"), str(DEMO / f"{stem}.txt"), "itch-pilot"]
        for stem in ("rig1_0305_pm", "rig2_0305_pm")]


def test_good_samplesheet_passes(tmp_path):
    assert errors(SHEET_SCHEMA, read_samplesheet(write_sheet(tmp_path / "s.csv", demo_rows()))) == []
    without_experiment = [row[:3] for row in demo_rows()]
    sheet = write_sheet(tmp_path / "s3.csv", without_experiment)
    assert errors(SHEET_SCHEMA, read_samplesheet(sheet)) == []


def _edit(rows, row, column, value):
    rows = [list(r) for r in rows]
    rows[row][rows[0].index(column)] = value
    return rows


@pytest.mark.parametrize(("name", "rows", "flagged"), [
    ("space in sample", lambda r: _edit(r, 1, "sample", "rig 1"), "0/sample: 'rig 1' does not match"),
    ("wrong video type", lambda r: _edit(r, 1, "video", str(DEMO / "truth_bouts.csv")),
     "0/video: '"),
    ("missing video", lambda r: _edit(r, 2, "video", str(DEMO / "rig9.mp4")),
     "1/video: the file or directory"),
    ("metadata not .txt", lambda r: _edit(r, 2, "metadata", str(DEMO / "rig2_0305_pm.mp4")),
     "1/metadata: '"),
    ("no metadata", lambda r: _edit(r, 1, "metadata", ""), "0: 'metadata' is a required property"),
    ("duplicate sample", lambda r: _edit(r, 2, "sample", "rig1_0305_pm"),
     ": entry {'sample': 'rig1_0305_pm'} is not unique"),
    ("bad experiment", lambda r: _edit(r, 2, "experiment", "itch/pilot"),
     "1/experiment: 'itch/pilot' does not match"),
])
def test_bad_samplesheet_fails(tmp_path, name, rows, flagged):
    sheet = write_sheet(tmp_path / "s.csv", rows(demo_rows()))
    found = errors(SHEET_SCHEMA, read_samplesheet(sheet))
    assert any(e.startswith(flagged) for e in found), found
