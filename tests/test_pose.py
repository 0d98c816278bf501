"""The pose step: project checks (no DeepLabCut needed) and real inference with the demo model."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from scratchflow.cli import main
from scratchflow.errors import InputError
from scratchflow.ffmpeg import probe
from scratchflow.formats import load_pose
from scratchflow.pose import open_project, require_engine
from scratchflow.quantify import REQUIRED_ROLES
from tests.conftest import require_module

SHUFFLE = "dlc-models-pytorch/iteration-0/demoJan1-trainset95shuffle1"
BODYPARTS = ["nose", "tail_base", "fore_paw_left", "fore_paw_right", "hind_paw_left",
             "hind_paw_right"]


def make_project(root, bodyparts=BODYPARTS, snapshots=("snapshot-005.pt", "snapshot-010.pt"),
                 project_path="/somewhere/else/entirely"):
    """A project skeleton with the files inference needs (weights are empty stand-ins)."""
    root.mkdir(parents=True)
    (root / "config.yaml").write_text(yaml.safe_dump(
        {"Task": "demo", "project_path": project_path, "bodyparts": bodyparts, "iteration": 0}))
    train = root / SHUFFLE / "train"
    train.mkdir(parents=True)
    (train / "pytorch_config.yaml").write_text("net_type: cspnext_s\n")
    (root / SHUFFLE / "test").mkdir()
    (root / SHUFFLE / "test" / "pose_cfg.yaml").write_text("{}\n")
    for name in snapshots:
        (train / name).write_bytes(b"")
    return root


def test_project_found_by_folder_not_by_stale_project_path(tmp_path):
    project = open_project(make_project(tmp_path / "copied"), required_roles=REQUIRED_ROLES)
    assert project.snapshot.name == "snapshot-010.pt"  # the last by epoch
    assert project.train_dir == tmp_path / "copied" / SHUFFLE / "train"
    assert project.bodyparts == tuple(BODYPARTS)


def test_snapshot_index_and_bad_index(tmp_path):
    root = make_project(tmp_path / "p", snapshots=("snapshot-100.pt", "snapshot-020.pt"))
    assert open_project(root, snapshot=0).snapshot.name == "snapshot-020.pt"
    with pytest.raises(InputError, match=r"no snapshot number 5 \(have: snapshot-020.pt, "):
        open_project(root, snapshot=5)


def test_missing_roles_named_before_any_video_is_read(tmp_path):
    root = make_project(tmp_path / "p", bodyparts=["snout", "tailbase", "leftear", "rightear"])
    with pytest.raises(InputError, match=r"hind_left .*The file has: 'snout', 'tailbase'"):
        open_project(root, required_roles=REQUIRED_ROLES)
    mapping = {"nose": "snout", "tail_base": "tailbase", "hind_left": "leftear",
               "hind_right": "rightear"}
    assert open_project(root, mapping=mapping, required_roles=REQUIRED_ROLES).bodyparts[0] == "snout"


@pytest.mark.parametrize("remove, message", [
    ("config.yaml", "config.yaml missing"),
    (f"{SHUFFLE}/test/pose_cfg.yaml", "file missing from the project"),
    (f"{SHUFFLE}/train/snapshot-005.pt", None),
])
def test_missing_files_are_named(tmp_path, remove, message):
    root = make_project(tmp_path / "p", snapshots=("snapshot-005.pt",))
    (root / remove).unlink()
    with pytest.raises(InputError) as err:
        open_project(root)
    assert (message or "no snapshot-*.pt weights") in str(err.value)


TF_SHUFFLE = "dlc-models/iteration-0/demoJan1-trainset95shuffle1"


def make_tf_project(root, snapshots=(500, 1000)):
    """A DeepLabCut 2.x (TensorFlow) project skeleton: checkpoints are .index + .data-*."""
    root.mkdir(parents=True)
    (root / "config.yaml").write_text(yaml.safe_dump({"bodyparts": BODYPARTS, "iteration": 0}))
    train = root / TF_SHUFFLE / "train"
    train.mkdir(parents=True)
    (root / TF_SHUFFLE / "test").mkdir()
    (root / TF_SHUFFLE / "test" / "pose_cfg.yaml").write_text("{}\n")
    for step in snapshots:
        for suffix in (".index", ".data-00000-of-00001", ".meta"):
            (train / f"snapshot-{step}{suffix}").write_bytes(b"")
    return root


def test_tensorflow_project_found_with_its_checkpoint_files(tmp_path):
    project = open_project(make_tf_project(tmp_path / "tf"))
    assert project.engine == "tensorflow"
    assert project.snapshot.name == "snapshot-1000.index"  # the last by iteration
    assert project.model_config == tmp_path / "tf" / TF_SHUFFLE / "test" / "pose_cfg.yaml"
    assert [p.name for p in project.weight_files] == ["snapshot-1000.data-00000-of-00001",
                                                      "snapshot-1000.index"]


def test_tensorflow_project_without_tensorflow_names_the_extra_and_image(tmp_path, monkeypatch):
    import importlib.util

    project = open_project(make_tf_project(tmp_path / "tf"))
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "tensorflow" else real_find_spec(name, *a))
    with pytest.raises(InputError, match=r"(?s)DeepLabCut 2.x \(TensorFlow\) project, and "
                       r"tensorflow is not installed.*scratchflow\[tf\].*Dockerfile.pose-tf"):
        require_engine(project)


def test_multi_animal_tensorflow_project_refused(tmp_path):
    root = make_tf_project(tmp_path / "tf")
    (root / "config.yaml").write_text(yaml.safe_dump({
        "multianimalproject": True, "multianimalbodyparts": BODYPARTS, "iteration": 0}))
    with pytest.raises(InputError, match="multi-animal TensorFlow projects are not supported"):
        open_project(root)


def test_cli_reports_project_error_without_traceback(tmp_path):
    video = tmp_path / "v.mp4"
    video.write_bytes(b"not a video")
    result = CliRunner().invoke(main, ["pose", str(video), "--model", str(tmp_path / "none"),
                                       "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "model folder not found" in result.output


# Real DeepLabCut inference with the bundled demo model.

@pytest.fixture(scope="module")
def mouse_video(tmp_path_factory):
    """One cropped mouse video from a freshly rendered arena, and its truth in crop pixels."""
    from scratchflow_devtools.synthetic_arena import ArenaSettings, render_arena, with_seconds

    folder = tmp_path_factory.mktemp("arena")
    settings = with_seconds(ArenaSettings(), 2.0, 0)
    arena = render_arena(folder / "raw", "clip", settings, seed=901)
    subprocess.run([sys.executable, "-m", "scratchflow", "crop", str(arena.video), "--out", str(folder / "crops"),
                    *settings.crop_args()], check=True, capture_output=True)
    video = next((folder / "crops").glob("*_left_*.mp4"))
    box = json.loads(video.with_suffix(".json").read_text())["box"]
    truth = arena.mice[0].pose.position[:, 0] - np.array([box["x"], box["y"]])
    return video, truth


def run_pose(*args):
    return CliRunner().invoke(main, ["pose", *map(str, args)], catch_exceptions=False)


def test_demo_model_tracks_rendered_mouse(demo_model, mouse_video, tmp_path):
    video, truth = mouse_video
    before = video.read_bytes()
    result = run_pose(video, "--model", demo_model, "--out", tmp_path, "--csv")
    assert result.exit_code == 0, result.output
    assert video.read_bytes() == before  # the input is only read
    table = pd.read_hdf(tmp_path / f"{video.stem}.h5", "df_with_missing")
    assert table.columns.names == ["scorer", "bodyparts", "coords"]
    assert len(table) == probe(video).frames == len(truth)
    record = json.loads((tmp_path / f"{video.stem}.pose.json").read_text())
    assert record["fps"] == 120 and record["frames"] == len(truth) and record["engine"] == "pytorch"
    assert record["inputs"][0]["path"] == str(video) and len(record["inputs"][0]["sha256"]) == 64
    assert record["software"]["deeplabcut"] == "3.0.2"
    pose = load_pose(tmp_path / f"{video.stem}.h5")  # what quantify reads
    error = np.hypot(*(pose.position[:, 0] - truth).transpose(2, 0, 1))
    assert np.median(error) < 2.0, f"median keypoint error {np.median(error):.2f} px"
    assert pd.read_csv(tmp_path / f"{video.stem}.csv", header=[0, 1, 2], index_col=0).shape == \
        table.shape


def test_rerun_skips_and_bad_video_fails_alone(demo_model, mouse_video, tmp_path):
    video, _ = mouse_video
    assert run_pose(video, "--model", demo_model, "--out", tmp_path).exit_code == 0
    made = (tmp_path / f"{video.stem}.h5").stat().st_mtime_ns
    broken = tmp_path.parent / "broken.mp4"
    broken.write_bytes(video.read_bytes()[:2000])
    result = run_pose(broken, video, "--model", demo_model, "--out", tmp_path)
    assert result.exit_code == 1
    assert "broken.mp4" in result.output and "not a readable video" in result.output
    assert f"up to date {tmp_path / video.stem}.h5" in result.output
    assert (tmp_path / f"{video.stem}.h5").stat().st_mtime_ns == made
    assert not list(tmp_path.glob("broken.*")) and not list(tmp_path.glob(".*part"))


def test_crop_sidecar_is_never_replaced(demo_model, mouse_video, tmp_path):
    """Pose outputs beside the crops: the pose record has a name of its own."""
    video, _ = mouse_video
    for path in (video, video.with_suffix(".json")):
        shutil.copy(path, tmp_path / path.name)
    sidecar = (tmp_path / f"{video.stem}.json").read_bytes()
    result = run_pose(tmp_path / video.name, "--model", demo_model, "--out", tmp_path)
    assert result.exit_code == 0 and (tmp_path / f"{video.stem}.pose.json").is_file()
    assert (tmp_path / f"{video.stem}.json").read_bytes() == sidecar


def test_deeplabcut_calls_use_current_argument_names():
    """DeepLabCut 3 renamed maxiters, batchsize, ... and warns on the old names: every keyword
    the project passes to a `deeplabcut.<function>` must be in that function's signature."""
    import ast
    import inspect

    deeplabcut = require_module("deeplabcut", "DeepLabCut is not installed (pip install '.[dlc]')")
    repo = Path(__file__).resolve().parents[1]
    checked = 0
    for path in [*(repo / "src").rglob("*.py"), *(repo / "tests").glob("*.py"),
                 *(repo / "examples").rglob("*.py"), *(repo / "benchmarks").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "deeplabcut"):
                continue
            names = inspect.signature(getattr(deeplabcut, node.func.attr)).parameters
            for keyword in (k for k in node.keywords if k.arg):  # not **options
                assert keyword.arg in names, (f"{path.name}:{node.lineno}: "
                                              f"deeplabcut.{node.func.attr}({keyword.arg}=...)")
            checked += 1
    assert checked >= 4
