"""Each file that passes between steps has one owner: its name is spelled out in that module
alone (docs/design.md, "Files between steps")."""

from pathlib import Path

import pytest

from scratchflow import upload
from scratchflow.behaviour import files as behaviour_files
from scratchflow.crop import record as crop_record
from scratchflow.formats import pose_record
from scratchflow.identity import files as identity_files
from scratchflow.quantify import files as quantify_files
from scratchflow.quantify import tune
from scratchflow.summarise import files as summarise_files

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "scratchflow"
OWNED = [
    *[(suffix, quantify_files) for suffix in quantify_files.SUFFIXES.values()],
    (pose_record.SUFFIX, pose_record),
    (crop_record.PREVIEW_SUFFIX, crop_record),
    *[(name, summarise_files) for name in summarise_files.OUTPUT_NAMES.values()],
    (summarise_files.BUNDLE_DIR, summarise_files),
    (upload.MANIFEST_NAME, upload),
    (tune.TRIALS_SUFFIX, tune),
    *[(suffix, identity_files) for suffix in identity_files.SUFFIXES.values()],
    *[(suffix, behaviour_files) for suffix in behaviour_files.SUFFIXES.values()],
    *[(name, behaviour_files) for name in behaviour_files.EVALUATION.values()],
]


@pytest.mark.parametrize(("name", "owner"), OWNED, ids=[name for name, _ in OWNED])
def test_a_file_name_is_spelled_out_by_its_owner_alone(name, owner):
    spelled = {path for path in PACKAGE.rglob("*.py") if name in path.read_text()}
    assert spelled == {Path(owner.__file__)}
