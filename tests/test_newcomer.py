"""A new user's path: what `make` installs, and what the README tells them to do after it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FAKE_APT = """#!/bin/sh
echo "$@" >> "$APT_LOG"
"""


def system_deps(tmp_path: Path, present: list[str]) -> list[str]:
    """Run `make system-deps` with only ``present`` tools on PATH and a fake apt-get; return
    the apt-get command lines it ran."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    # This interpreter, not whatever `python3` is on PATH: a pyenv shim would not run with
    # PATH cut down to bin_dir.
    for tool, target in (("python3", sys.executable), ("grep", shutil.which("grep"))):
        (bin_dir / tool).unlink(missing_ok=True)
        (bin_dir / tool).symlink_to(target)
    for tool in ["apt-get", *present]:
        (bin_dir / tool).write_text(FAKE_APT if tool == "apt-get" else "#!/bin/sh\n")
        (bin_dir / tool).chmod(0o755)
    log = tmp_path / "apt.log"
    log.unlink(missing_ok=True)
    subprocess.run([shutil.which("make"), "-s", "system-deps", "SUDO="], cwd=REPO, check=True,
                   env={**os.environ, "PATH": str(bin_dir), "APT_LOG": str(log)},
                   capture_output=True)
    return log.read_text().splitlines() if log.exists() else []


@pytest.mark.skipif(shutil.which("make") is None, reason="make not installed")
def test_system_deps_installs_only_what_is_missing_without_recommends(tmp_path):
    calls = system_deps(tmp_path, ["ffmpeg", "ffprobe", "java"])  # no chromium
    assert calls[0] == "update"
    installed = calls[1].split()
    assert installed[:3] == ["install", "-y", "--no-install-recommends"]
    assert "chromium" in installed
    assert not {"ffmpeg", "openjdk-17-jre-headless"} & set(installed)
    assert system_deps(tmp_path, ["ffmpeg", "ffprobe", "java", "chromium"]) in (
        [], ["update", "install -y --no-install-recommends libzbar0"])  # zbar is a library


def test_long_pip_installs_show_progress():
    makefile = (REPO / "Makefile").read_text()
    for extras in ("dev,dlc", "dev,tf"):
        line = next(line for line in makefile.splitlines() if f"'.[{extras}]'" in line)
        assert "--quiet" not in line, line


def test_readme_says_how_to_reach_the_command_after_make_demo():
    readme = (REPO / "README.md").read_text()
    assert "source .venv/bin/activate" in readme and ".venv/bin/scratchflow" in readme
    use = readme[readme.index("## Use"):]
    first_pip = use.index("pip install")
    assert "python3 -m venv" in use[:first_pip]  # a named environment before any pip install


def test_readme_says_where_shared_data_comes_from():
    """Every folder of ../shared/data that the tests read has its repository in the README."""
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("../shared/data/"):readme.index("## Use")]
    assert "skip" in section and "git clone" in section
    used = set()
    for test in (REPO / "tests").glob("*.py"):
        used |= set(re.findall(r'"(\w+)/[^"]*"', test.read_text()))
    listed = set(re.findall(r"^\| `(\w+)` \| github\.com/", section, re.MULTILINE))
    assert listed, "no table of folders and repositories"
    folders = {"dlc_openfield", "bsoid_bottomup", "vame_bottomup", "deepof_tests", "jabs_pose",
               "lightning_pose_mirror_mouse"}
    assert used & folders <= listed



def test_package_metadata_has_no_deprecated_licence_table():
    """setuptools >= 77 warns on every install about `license = {text = ...}`."""
    import warnings

    pytest.importorskip("setuptools", minversion="77")
    from setuptools.config.pyprojecttoml import apply_configuration
    from setuptools.dist import Distribution

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        apply_configuration(Distribution(), REPO / "pyproject.toml")
