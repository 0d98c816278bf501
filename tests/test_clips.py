"""`scratchflow clips`: one MP4 per bout with the paws drawn on, cut at the right frames.

The synthetic video writes each frame's index as eight black/white bars, so a clip's frames
can be traced back to the source frames after H.264 encoding.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import cv2
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from scratchflow.cli import main
from scratchflow.clips.step import choose_bouts, clip_name
from scratchflow.ffmpeg import probe, write_video
from scratchflow.formats import PoseData
from scratchflow.summarise.step import SummariseRequest, summarise
from scratchflow_devtools.synthetic_pose import SKELETON, write_dlc

FPS, FRAMES, WIDTH, HEIGHT = 30, 150, 320, 240
BAR_ROWS = slice(100, 130)  # below the text lines, away from the paws
# bout id, first frame, last frame, limb, strokes
BOUTS = [(1, 10, 20, "left", 4), (2, 60, 75, "right", 7), (3, 130, 149, "left", 9)]


def frame_with_index(index: int) -> np.ndarray:
    frame = np.full((HEIGHT, WIDTH, 3), 200, np.uint8)
    for bit in range(8):
        if (index >> bit) & 1:
            frame[BAR_ROWS, bit * 40:(bit + 1) * 40] = 0
    return frame


def read_indices(path) -> list[int]:
    capture = cv2.VideoCapture(str(path))
    indices = []
    while (frame := capture.read()[1]) is not None:
        bars = [frame[115, bit * 40 + 20].mean() < 100 for bit in range(8)]
        indices.append(sum(1 << bit for bit, dark in enumerate(bars) if dark))
    capture.release()
    return indices


@pytest.fixture(scope="module")
def mouse(tmp_path_factory):
    """m1.mp4, m1.h5 (paws circling at 15 Hz), and m1's bouts, strokes and provenance."""
    folder = tmp_path_factory.mktemp("mouse")
    write_video(folder / "m1.mp4", (frame_with_index(i) for i in range(FRAMES)), FPS)
    t = np.arange(FRAMES) / FPS
    position = np.full((FRAMES, 1, len(SKELETON), 2), 160.0)
    position[:, 0, 4, 0] = 140 + 10 * np.sin(2 * np.pi * 15 * t)
    pose = PoseData(position, np.ones((FRAMES, 1, len(SKELETON))), SKELETON, ("m1",), FPS, "test")
    write_dlc(pose, folder / "m1.h5")
    rows = [("m1", b, first, last, first / FPS, last / FPS, (last - first) / FPS, limb,
             n, 12.0, 0.1) for b, first, last, limb, n in BOUTS]
    pd.DataFrame(rows, columns=["individual", "bout_id", "start_frame", "end_frame", "start_s",
                                "end_s", "duration_s", "limb", "n_strokes", "stroke_rate_hz",
                                "mean_amplitude_bl"]).to_csv(folder / "m1_scratch_bouts.csv",
                                                             index=False)
    strokes = [("m1", b, k + 1, f, f / FPS, limb, 0.1) for b, first, last, limb, n in BOUTS
               for k, f in enumerate(np.linspace(first, last, n).astype(int))]
    pd.DataFrame(strokes, columns=["individual", "bout_id", "stroke_id", "frame", "time_s",
                                   "limb", "amplitude_bl"]).to_csv(
        folder / "m1_scratch_strokes.csv", index=False)
    (folder / "m1_scratch_provenance.json").write_text(json.dumps(
        {"step": "quantify", "parameters": {"bin_s": 300.0},
         "bodyparts": {"hind_left": "hind_paw_left", "hind_right": "hind_paw_right"}}))
    return folder


def clips(*args):
    return CliRunner().invoke(main, ["clips", *map(str, args)])


def duration_s(path) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of",
                          "csv=p=0", str(path)], capture_output=True, text=True, check=True)
    return float(out.stdout)


def test_one_clip_per_bout_with_margin(mouse, tmp_path):
    result = clips(mouse, "--out", tmp_path / "clips", "--margin", 0.5)
    assert result.exit_code == 0, result.output
    made = sorted((tmp_path / "clips").iterdir())
    assert [p.name for p in made] == ["m1_bout001_t0000.3s.mp4", "m1_bout002_t0002.0s.mp4",
                                      "m1_bout003_t0004.3s.mp4"]
    # 0.5 s = 15 frames each side, cut at the video's ends
    for path, (first, last) in zip(made, [(0, 35), (45, 90), (115, 149)], strict=True):
        info = probe(path)
        assert (info.frames, info.frame_rate, info.codec) == (last - first + 1, "30/1", "h264")
        assert duration_s(path) == pytest.approx((last - first + 1) / FPS, abs=0.02)
        assert read_indices(path) == list(range(first, last + 1))  # the right source frames
    assert not list((tmp_path / "clips").glob(".*"))  # no temporary files left


def test_paws_and_counter_are_drawn(mouse, tmp_path):
    assert clips(mouse, "--out", tmp_path, "--margin", 0).exit_code == 0
    capture = cv2.VideoCapture(str(tmp_path / "m1_bout002_t0002.0s.mp4"))
    frame = capture.read()[1]
    capture.release()
    plain = frame_with_index(60).astype(float)
    changed = np.abs(frame.astype(float) - plain).max(axis=2) > 60
    assert np.abs(frame[160, 160].astype(int) - (0, 94, 213)).max() < 40  # right paw, orange
    assert changed[:80, :200].sum() > 150  # the text lines (small on a small video)
    assert changed[5:35, WIDTH - 35:].any()  # the red "scratching" dot


def test_sample_draws_the_same_bouts_for_a_seed(mouse, tmp_path):
    for out in ("a", "b"):
        result = clips(mouse, "--out", tmp_path / out, "--clips-per-mouse", 2, "--seed", 3)
        assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert len(names) == 2 and names == sorted(p.name for p in (tmp_path / "b").iterdir())
    bouts = pd.DataFrame({"bout_id": range(1, 21)})
    picked = choose_bouts(bouts, 5, 0, "m1")
    assert len(picked) == 5 and picked.equals(choose_bouts(bouts, 5, 0, "m1"))
    assert not picked.equals(choose_bouts(bouts, 5, 0, "m2"))  # each mouse its own draw


def test_clip_names():
    assert clip_name("m1", None, 3, 12.44) == "m1_bout003_t0012.4s.mp4"
    assert clip_name("m1", "mouse/2", 12, 1234.5) == "m1_mouse-2_bout012_t1234.5s.mp4"


def test_existing_clip_is_kept_unless_overwrite(mouse, tmp_path):
    target = tmp_path / "m1_bout001_t0000.3s.mp4"
    target.write_bytes(b"mine")
    result = clips(mouse, "--out", tmp_path)
    assert result.exit_code == 0 and "exists, kept" in result.output
    assert target.read_bytes() == b"mine"
    assert clips(mouse, "--out", tmp_path, "--overwrite").exit_code == 0
    assert probe(target).frames > 0


def test_missing_video_or_mismatched_pose(mouse, tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    for name in ("m1_scratch_bouts.csv", "m1.h5"):
        (folder / name).write_bytes((mouse / name).read_bytes())
    result = clips(folder, "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert "no video for m1 among the sources" in result.output
    write_video(folder / "m1.mp4", (frame_with_index(i) for i in range(FRAMES - 10)), FPS)
    result = clips(folder, "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert "pose has 150 frames, video m1.mp4 has 140" in result.output


def test_no_bouts_files(tmp_path):
    result = clips(tmp_path, "--out", tmp_path / "out")
    assert result.exit_code == 2 and "no *_scratch_bouts.csv" in result.output


def test_missing_opencv_is_one_clear_error(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "cv2", None)  # import cv2 now raises ImportError
    result = clips(tmp_path, "--out", tmp_path / "out")
    assert result.exit_code == 2 and "pip install 'scratchflow[video]'" in result.output


def test_report_lists_the_clips(mouse, tmp_path):
    assert clips(mouse, "--out", tmp_path / "clips").exit_code == 0
    (tmp_path / "q").mkdir()
    summary = "individual,duration_s,n_bouts,n_strokes,scratching_s\nm1,5,3,20,1.5\n"
    (tmp_path / "q" / "m1_scratch_summary.csv").write_text(summary)
    (tmp_path / "q" / "m1_scratch_timebins.csv").write_text(
        "individual,bin_start_s,bin_end_s,n_bouts,n_strokes,scratching_s\n"
        "m1,0,5,3,20,1.5\n")
    result = summarise(SummariseRequest((mouse, tmp_path / "q", tmp_path / "clips"),
                                        tmp_path / "out"))
    page = result.paths["report"].read_text()
    assert 'href="report_files/m1_bout002_t0002.0s.mp4">bout002 at 2 s</a>' in page


def test_an_arenas_mice_get_their_own_clips_and_report_rows(mouse, tmp_path):
    """An open arena: the repaired tracks <video>_identity.h5 hold two painted mice, cut from
    the whole video <video>.mp4; only red scratched, yet the clip names carry the colour, and
    each mouse's row of the report links its own clips."""
    arena = tmp_path / "arena"
    arena.mkdir()
    (arena / "cage.mp4").write_bytes((mouse / "m1.mp4").read_bytes())
    two = PoseData(np.full((FRAMES, 2, len(SKELETON), 2), 160.0),
                   np.ones((FRAMES, 2, len(SKELETON))), SKELETON, ("red", "green"), FPS, "test")
    write_dlc(two, arena / "cage_identity.h5")
    for kind in ("bouts", "strokes"):
        table = pd.read_csv(mouse / f"m1_scratch_{kind}.csv").assign(individual="red")
        table.to_csv(arena / f"cage_identity_scratch_{kind}.csv", index=False)
    (arena / "cage_identity_scratch_provenance.json").write_text(
        (mouse / "m1_scratch_provenance.json").read_text())
    (arena / "cage_identity_scratch_summary.csv").write_text(
        "individual,duration_s,n_bouts,n_strokes,scratching_s\nred,5,3,20,1.5\ngreen,5,0,0,0\n")
    (arena / "cage_identity_scratch_timebins.csv").write_text(
        "individual,bin_start_s,bin_end_s,n_bouts,n_strokes,scratching_s\n"
        "red,0,5,3,20,1.5\ngreen,0,5,0,0,0\n")
    result = clips(arena, "--out", tmp_path / "clips")
    assert result.exit_code == 0, result.output
    made = sorted(p.name for p in (tmp_path / "clips").glob("*.mp4"))
    assert made == ["cage_identity_red_bout001_t0000.3s.mp4",
                    "cage_identity_red_bout002_t0002.0s.mp4",
                    "cage_identity_red_bout003_t0004.3s.mp4"]
    assert read_indices(tmp_path / "clips" / made[1])[0] == 60 - FPS  # from the whole video
    page = summarise(SummariseRequest((arena, tmp_path / "clips"), tmp_path / "out")
                     ).paths["report"].read_text()
    rows = {colour: re.search(rf"<tr>(?:(?!</tr>).)*identity \[{colour}\].*?</tr>",
                              page, re.S).group(0) for colour in ("red", "green")}
    assert rows["red"].count("_red_bout") == 3 and "bout002 at 2 s" in rows["red"]
    assert "_bout0" not in rows["green"]
