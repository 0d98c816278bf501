"""Each file that passes between steps has one owner: its name is spelled out in that module
alone (docs/design.md, "Files between steps")."""

import shutil
import subprocess
import sys
import zipfile
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

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "scratchflow"
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


def test_no_runtime_module_imports_the_development_tools():
    importing = [path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*.py")
                 if "scratchflow_devtools" in path.read_text()]
    assert importing == []


def test_the_installed_package_leaves_out_the_development_tools(tmp_path):
    """The wheel pip installs holds scratchflow alone; devtools live only in a checkout."""
    # A copy: setuptools builds in the source tree, and the checkout's build/ is Nextflow's.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "src"):
        copy = shutil.copytree if (REPO / name).is_dir() else shutil.copy
        copy(REPO / name, source / name, **({"ignore": shutil.ignore_patterns(
            "__pycache__", "*.egg-info")} if name == "src" else {}))
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                           "--quiet", "--wheel-dir", str(tmp_path / "wheel"), str(source)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    (wheel,) = (tmp_path / "wheel").glob("scratchflow-*.whl")
    packages = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert {p for p in packages if not p.endswith(".dist-info")} == {"scratchflow"}
