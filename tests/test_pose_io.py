"""Readers on real third-party files, and every bad input they must reject clearly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scratchflow.errors import InputError
from scratchflow.formats import PoseData, dlc, load_pose, resolve_roles
from scratchflow_devtools.synthetic_pose import procedural_mouse, write_dlc

BSOID = "bsoid_bottomup/yttri-bottomup_dlc-model/examples/raw_clip1DLC_resnet50_OpenFieldHighResApr8shuffle1_1030000"
DEEPOF = "deepof_tests/tests/test_examples"


def test_dlc_single_animal_h5_and_csv_agree(shared_data):
    h5 = load_pose(shared_data / f"{BSOID}.h5", fps=60)
    csv = load_pose(shared_data / f"{BSOID}.csv", fps=60)
    assert h5.position.shape == (7200, 1, 6, 2)
    assert h5.keypoints == ("Snout", "Front Paw R", "Front Paw L", "Hind Paw R", "Hind Paw L",
                            "Butt/Proximal Tail")
    # The file names no animal: its one mouse is named after the sample, the file's stem.
    assert h5.individuals == csv.individuals == (Path(BSOID).name,) and h5.fps == 60
    np.testing.assert_allclose(h5.position, csv.position, rtol=1e-6)
    np.testing.assert_allclose(h5.likelihood, csv.likelihood, rtol=1e-6)
    raw = pd.read_hdf(shared_data / f"{BSOID}.h5")
    assert h5.position[10, 0, 3, 1] == raw.iloc[10][(raw.columns[0][0], "Hind Paw R", "y")]


def test_dlc_multi_animal_tracklets_use_tracks_key(shared_data):
    pose = load_pose(shared_data / f"{DEEPOF}/test_madlc_topview/Tables/testDLC_h5_table_madlc.h5")
    assert pose.individuals == ("mouse_black_tail", "mouse_white_tail")
    assert pose.position.shape == (100, 2, 14, 2)
    raw = pd.read_hdf(shared_data / f"{DEEPOF}/test_madlc_topview/Tables/testDLC_h5_table_madlc.h5")
    scorer = raw.columns[0][0]
    assert pose.position[5, 1, 0, 0] == pytest.approx(raw.iloc[5][(scorer, "mouse_white_tail",
                                                                   "Nose", "x")], nan_ok=True)


def test_dlc_multi_animal_csv_has_individuals_level(shared_data):
    pose = load_pose(shared_data / f"{DEEPOF}/test_madlc_topview/Tables/testDLC_csv_table_madlc.csv")
    assert pose.individuals == ("mouse_black_tail", "mouse_white_tail")
    assert pose.position.shape[1:] == (2, 14, 2)


def test_dlc_labelled_data_csv_without_likelihood(shared_data):
    labelled = shared_data / (
        "dlc_openfield/examples/openfield-Pranav-2018-10-30/labeled-data/m4s1/CollectedData_Pranav.csv"
    )
    pose = load_pose(labelled)
    assert pose.keypoints == ("snout", "leftear", "rightear", "tailbase")
    assert pose.n_frames == 116
    present = np.isfinite(pose.position[..., 0])
    assert np.all(pose.likelihood[present] == 1.0)


def test_sleap_analysis_h5(shared_data):
    path = shared_data / f"{DEEPOF}/test_single_topview/Tables/SLEAP/testDLC_sleap.analysis.h5"
    pose = load_pose(path, fps=30)
    assert pose.individuals == ("track_0",)
    assert pose.keypoints[:3] == ("Nose", "Left_ear", "Right_ear")
    assert pose.position.shape == (101, 1, 14, 2)
    import tables

    with tables.open_file(path) as h5:
        tracks = h5.root.tracks.read()  # (track, xy, node, frame)
    np.testing.assert_array_equal(pose.position[7, 0, 4], tracks[0, :, 4, 7])


def test_dlc_h5_written_by_pandas_3():
    """pandas 2's read_hdf fails on tables pandas 3 wrote; the reader must not
    (tests/data/make_pandas3_tracks.py made the file)."""
    pose = load_pose(Path(__file__).parent / "data" / "pandas3_tracks.h5", fps=30)
    assert pose.individuals == ("mouse1", "mouse2")
    assert pose.keypoints == ("nose", "hind_paw_left")
    values = np.arange(60, dtype=float).reshape(5, 2, 2, 3)
    values[2, 0, 1, 0] = np.nan
    np.testing.assert_array_equal(pose.position, values[..., :2])
    np.testing.assert_array_equal(pose.likelihood, values[..., 2])


def test_dlc_table_round_trip_keeps_individuals(tmp_path):
    pose = procedural_mouse(2, 30, seed=3)
    two = PoseData(np.concatenate([pose.position] * 2, axis=1),
                   np.concatenate([pose.likelihood] * 2, axis=1), pose.keypoints, ("a", "b"),
                   30, "two")
    back = load_pose(dlc.write(dlc.pose_table(two), tmp_path / "two.h5"))
    assert back.individuals == ("a", "b") and back.keypoints == pose.keypoints
    np.testing.assert_array_equal(back.position, two.position)


def test_default_roles_cover_real_skeletons(shared_data):
    bsoid = load_pose(shared_data / f"{BSOID}.h5")
    assert resolve_roles(bsoid) == {"nose": 0, "fore_right": 1, "fore_left": 2,
                                    "hind_right": 3, "hind_left": 4, "tail_base": 5}
    vame = load_pose(shared_data / "vame_bottomup/tests/tests_project_sample_data/cropped_video.csv")
    assert set(resolve_roles(vame)) == {"nose", "tail_base", "fore_left", "fore_right",
                                        "hind_left", "hind_right"}


# --- bad input -----------------------------------------------------------------------


def _write_h5(pose: PoseData, path):
    return write_dlc(pose, path)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="pose file not found"):
        load_pose(tmp_path / "nope.h5")


@pytest.mark.parametrize(("name", "content", "message"), [
    ("tracks.json", b"{}", r"tracks.json: unsupported pose file type '.json'"),
    ("broken.h5", b"not an hdf5 file", "broken.h5: not a readable HDF5 file"),
    ("other.csv", b"frame,x,y\n0,1,2\n", r"other.csv: not a DeepLabCut CSV.*expected 'scorer'"),
])
def test_wrong_or_broken_file(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        load_pose(path)


def test_hdf5_that_is_not_pose(shared_data):
    with pytest.raises(InputError, match=r"sample_pose_est_v2.h5: HDF5 file holds neither"):
        load_pose(shared_data / "jabs_pose/tests/data/sample_pose_est_v2.h5")


def test_empty_table(tmp_path):
    pose = procedural_mouse(1, 30, seed=0)
    path = tmp_path / "empty.csv"
    dlc.pose_table(pose).iloc[:0].to_csv(path)  # DeepLabCut's header rows, no frames
    with pytest.raises(InputError, match="empty.csv: pose file has no frames"):
        load_pose(path)


def test_all_nan(tmp_path):
    pose = procedural_mouse(1, 30, seed=0)
    nan_pose = PoseData(pose.position * np.nan, pose.likelihood * np.nan, pose.keypoints,
                        pose.individuals, 30, "x")
    with pytest.raises(InputError, match="nan.h5: every position is NaN"):
        load_pose(_write_h5(nan_pose, tmp_path / "nan.h5"))


def test_missing_role_lists_available_bodyparts(tmp_path):
    pose = procedural_mouse(1, 30, seed=0)
    renamed = PoseData(pose.position, pose.likelihood,
                       ("nose", "tail_base", "a", "b", "Left Foot", "Right Foot"),
                       pose.individuals, 30, "file.h5")
    with pytest.raises(InputError) as err:
        resolve_roles(renamed)
    message = str(err.value)
    assert "hind_left" in message and "hind_right" in message
    assert "'Left Foot'" in message and "--bodypart" in message
    mapped = resolve_roles(renamed, {"hind_left": "Left Foot", "hind_right": "Right Foot"},
                           required=("nose", "tail_base", "hind_left", "hind_right"))
    assert mapped == {"nose": 0, "tail_base": 1, "hind_left": 4, "hind_right": 5}


def test_unknown_role_is_rejected():
    pose = procedural_mouse(1, 30, seed=0)
    with pytest.raises(InputError, match=r"unknown role\(s\) \['hind_middle'\]"):
        resolve_roles(pose, {"hind_middle": "x"})


def test_spelled_out_body_part_names_are_recognised():
    """Aliases some labs use (lost once in a rewrite): front_left_paw, front_right_paw and
    base_of_tail."""
    from scratchflow.formats.roles import resolve_role_names

    keypoints = ("nose", "base_of_tail", "front_left_paw", "front_right_paw", "hind_paw_left",
                 "hind_paw_right")
    assert resolve_role_names(keypoints) == {
        "nose": 0, "tail_base": 1, "fore_left": 2, "fore_right": 3, "hind_left": 4,
        "hind_right": 5}
