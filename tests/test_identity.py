"""The identity step: worked repairs on small arrays, a tiny rendered arena end to end, and
every bad input refused with an error that names the file and the fix."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from scratchflow import ffmpeg
from scratchflow.cli import main
from scratchflow.errors import InputError
from scratchflow.formats import PoseData, dlc, load_pose
from scratchflow.formats.sleap import write_sleap
from scratchflow.identity import IdentityParams, assign
from scratchflow.identity.assign import permutations, repair_identity, viterbi
from scratchflow.identity.colours import (
    HUE_TABLE,
    class_table,
    learn_colours,
    parse_colours,
    pixel_index,
)
from scratchflow.identity.events import event_table
from scratchflow.identity.files import EVENT_CLIP, SUFFIXES, event_clip_name
from scratchflow.identity.review import bgr, chosen_events
from scratchflow_devtools import synthetic_colony
from scratchflow_devtools.identity_score import idf1, score, switches_per_minute
from scratchflow_devtools.synthetic_colony import ColonySettings, render_colony

FPS = 10.0
BODY_PX = 40.0
# A mouse of six keypoints in body lengths, facing +x: nose, tail base, fore paws, hind paws.
SIX_PARTS_BL = np.array([[0.5, 0.0], [-0.5, 0.0], [0.3, -0.12], [0.3, 0.12], [-0.25, -0.15],
                         [-0.25, 0.15]])


# --- worked examples on arrays ----------------------------------------------------------------

def test_viterbi_switches_only_for_evidence_worth_the_cost():
    emission = np.zeros((10, 2))
    emission[:, 0] = 1.0
    emission[4:6, 1] = 3.0  # two frames where state 1 is better by 2 each: a gain of 4
    assert viterbi(emission, 1.0).tolist() == [0, 0, 0, 0, 1, 1, 0, 0, 0, 0]  # 2 switches: 2
    assert viterbi(emission, 5.0).tolist() == [0] * 10  # 2 switches cost 10 > 4


def test_permutations_start_with_the_identity():
    perms = permutations(3)
    assert perms.shape == (6, 3)
    assert perms[0].tolist() == [0, 1, 2]


def two_mice(n_time: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """Two three-keypoint mice walking in parallel 4 body lengths apart, and votes that say
    track 0 is colour 0 and track 1 colour 1 at every keypoint."""
    t = np.arange(n_time)[:, None]
    body = np.array([[0.5, 0.0], [0.0, 0.0], [-0.5, 0.0]]) * BODY_PX
    start = np.array([[100.0, 100.0], [100.0, 100.0 + 4 * BODY_PX]])
    position = (start[None, :, None] + body[None, None]
                + np.stack([0.05 * BODY_PX * t, 0 * t], -1)[:, :, None])
    votes = np.zeros((n_time, 2, 3, 2))
    votes[:, 0, :, 0] = 1.0
    votes[:, 1, :, 1] = 1.0
    return position, votes


def test_a_whole_animal_switch_is_undone_exactly():
    position, votes = two_mice()
    switched = slice(10, 30)  # the tracker swapped the two mice for 2 s
    position[switched] = position[switched, ::-1]
    votes[switched] = votes[switched, ::-1]
    repair = repair_identity(position, votes, FPS, IdentityParams(), BODY_PX)
    expected = np.tile([0, 1], (40, 1))
    expected[switched] = [1, 0]
    assert repair.animal_source.tolist() == expected.tolist()
    assert (repair.source == expected[:, :, None]).all()  # no body part moved on its own


def test_a_jump_of_one_body_part_is_put_back_and_nothing_else_moves():
    position, votes = two_mice()
    jumped = slice(5, 8)  # keypoint 1 of each mouse carried by the other for 3 frames
    position[jumped, :, 1] = position[jumped, ::-1, 1]
    votes[jumped, :, 1] = votes[jumped, ::-1, 1]
    repair = repair_identity(position, votes, FPS, IdentityParams(), BODY_PX)
    expected = np.tile(np.array([0, 1])[:, None], (40, 1, 3))
    expected[jumped, :, 1] = [1, 0]
    assert repair.animal_source.tolist() == np.tile([0, 1], (40, 1)).tolist()
    assert repair.source.tolist() == expected.tolist()


def test_a_drift_of_the_painted_parts_is_not_taken_for_a_switch():
    """Heads unpainted (no colour vote), backs painted: while two touching mice trade their
    backs for 2 s the tracks' colours flip, but the heads and necks stay on their own
    paths; relabelling the whole tracks would make those jump, so only the backs move."""
    n_time, body = 40, np.array([[0.5, 0.0], [0.25, 0.0], [0.0, 0.0], [-0.25, 0.0],
                                 [-0.5, 0.0]]) * BODY_PX  # nose, head, neck, back, rump
    t = np.arange(n_time)[:, None]
    start = np.array([[100.0, 100.0], [100.0, 100.0 + 0.5 * BODY_PX]])  # side by side
    position = (start[None, :, None] + body[None, None]
                + np.stack([0.05 * BODY_PX * t, 0 * t], -1)[:, :, None])
    votes = np.zeros((n_time, 2, 5, 2))
    votes[:, 0, 3:, 0] = 1.0  # only the back and rump show paint
    votes[:, 1, 3:, 1] = 1.0
    drifted = slice(10, 30)
    position[drifted, :, 3:] = position[drifted, ::-1, 3:]
    votes[drifted, :, 3:] = votes[drifted, ::-1, 3:]
    repair = repair_identity(position, votes, FPS, IdentityParams(), BODY_PX)
    expected = np.tile(np.array([0, 1])[:, None], (n_time, 1, 5))
    expected[drifted, :, 3:] = [[1], [0]]
    assert repair.animal_source.tolist() == np.tile([0, 1], (n_time, 1)).tolist()
    assert repair.source.tolist() == expected.tolist()


def test_an_unpainted_paw_drifting_onto_the_mirror_side_is_put_back():
    """Two mice side by side facing opposite ways; mouse 1's right fore paw lies 0.61 body
    lengths from mouse 0's, where a mirrored mouse 0 would have it, so its distances to
    mouse 0's other parts are nearly the usual ones (off by 0.13 BL). The paws show no
    colour. The tracker swaps the two right fore paws for 3 s: the usual shape turned onto
    each mouse's other parts (never mirrored) sees the paw on the wrong side."""
    n_time = 120
    body = SIX_PARTS_BL * BODY_PX
    mice = np.stack([[200.0, 200.0] + body,
                     [200.0 + 0.6 * BODY_PX, 200.0 - 0.37 * BODY_PX] - body])
    walk = np.stack([0.02 * BODY_PX * np.arange(n_time), np.zeros(n_time)], -1)
    position = mice[None] + walk[:, None, None]
    votes = np.zeros((n_time, 2, 6, 2))
    votes[:, 0, [0, 1, 4, 5], 0] = 1.0  # head, tail and hind paws show the paint
    votes[:, 1, [0, 1, 4, 5], 1] = 1.0
    drifted = slice(40, 70)
    position[drifted, :, 3] = position[drifted, ::-1, 3]
    repair = repair_identity(position, votes, FPS, IdentityParams(), BODY_PX)
    expected = np.tile(np.array([0, 1])[:, None], (n_time, 1, 6))
    expected[drifted, :, 3] = [1, 0]
    assert repair.animal_source.tolist() == np.tile([0, 1], (n_time, 1)).tolist()
    assert repair.source.tolist() == expected.tolist()


def facing_mice_touching_paws(n_time: int, paw_gap_bl: float) -> np.ndarray:
    """(time, mouse, keypoint, 2): mouse 1 walks head-on towards mouse 0 at 0.05 body
    lengths a frame until, from frame 48, their left fore paws lie ``paw_gap_bl`` apart."""
    body = SIX_PARTS_BL * BODY_PX
    facing = [200.0, 200.0] - body + np.array([0.6 + paw_gap_bl, -0.24]) * BODY_PX
    approach = np.clip(48 - np.arange(n_time), 0, None)[:, None] * [0.05 * BODY_PX, 0.0]
    return np.stack([np.broadcast_to([200.0, 200.0] + body, (n_time, 6, 2)),
                     facing + approach[:, None]], 1)


def test_a_paw_drift_while_the_paws_touch_is_held_to_the_trackers_switch_back():
    """The tracker swaps the two left fore paws (unpainted) from frame 40, while they close
    in, to frame 89; from frame 48 on they lie 0.06 body lengths apart, so each frame's
    skeleton favours the right owners by less than the move cost. The repair used to take
    the paws back to the tracker's assignment 6 frames in, where that costs little; the
    paws' path says the swap goes on: holding it is continuous then and at frame 90, where
    the tracker's own tracks jump back. The same mice without the swap are left alone."""
    n_time, drifted = 120, slice(40, 90)
    position = facing_mice_touching_paws(n_time, 0.06)
    votes = np.zeros((n_time, 2, 6, 2))
    votes[:, 0, [0, 1, 4, 5], 0] = 1.0  # head, tail and hind paws show the paint
    votes[:, 1, [0, 1, 4, 5], 1] = 1.0
    own = np.tile(np.array([0, 1])[:, None], (n_time, 1, 6))
    assert (repair_identity(position, votes, FPS, IdentityParams(), BODY_PX).source
            == own).all()
    position[drifted, :, 2] = position[drifted, ::-1, 2]
    repair = repair_identity(position, votes, FPS, IdentityParams(), BODY_PX)
    expected = own.copy()
    expected[drifted, :, 2] = [1, 0]
    assert repair.source.tolist() == expected.tolist()


def one_mouse_over_another(n_time: int, overlap: slice) -> tuple[np.ndarray, np.ndarray]:
    """Two mice walking side by side, 1.5 body lengths apart, until mouse 1 (colour 1) comes
    in under mouse 0 over 20 frames, lies there 0.2 body lengths behind it through
    ``overlap`` and leaves over 20 frames. Votes where they are apart: every keypoint its
    own colour; under mouse 0, mouse 1's nose and fore paws show colour 0, its left hind paw
    its own, and mouse 0's tail base and hind paws lie over mouse 1's uncovered back and show
    colour 1, its nose colour 0."""
    body = SIX_PARTS_BL * BODY_PX
    t = np.arange(n_time)
    apart = np.clip(np.maximum(overlap.start - t, t - overlap.stop + 1) / 20, 0, 1)
    offset = np.stack([-0.2 * (1 - apart), 1.5 * apart], -1) * BODY_PX
    walk = np.stack([0.05 * BODY_PX * t, np.zeros(n_time)], -1)[:, None]
    position = np.stack([[200.0, 200.0] + body + walk,
                         [200.0, 200.0] + body + walk + offset[:, None]], 1)
    votes = np.zeros((n_time, 2, 6, 2))
    votes[:, 0, :, 0] = votes[:, 1, :, 1] = 1.0
    votes[overlap] = 0.0
    votes[overlap, 0, 0, 0] = votes[overlap, 1, 4, 1] = 1.0
    votes[overlap, 0, [1, 4, 5], 1] = 1.0
    votes[overlap, 1, [0, 2, 3], 0] = 1.0
    return position, votes


def test_colour_seen_where_one_mouse_lies_over_another_neither_swaps_nor_is_trusted():
    """While mouse 1 lies under mouse 0 for 6 s the colours around the keypoints favour
    swapping the two (0.5 a frame: 30 against 19 for relabelling in and out); the swap used
    to be taken. Every keypoint but mouse 0's nose (ahead of the other) now lies within the
    sample radius of the other mouse's body, so only that nose's vote counts for whole
    animals: the assignment is held, and the evidence behind the confidence is that one vote
    of six. A real switch beginning under the overlap is still undone, by the colours once
    the mice are apart."""
    n_time, overlap = 140, slice(30, 90)
    position, votes = one_mouse_over_another(n_time, overlap)
    repair = repair_identity(position, votes, FPS, IdentityParams(), BODY_PX)
    assert (repair.source == np.array([0, 1])[:, None]).all()
    assert (repair.evidence[overlap, 0] == [1 / 6, 0]).all()
    assert (repair.evidence[overlap, 1] == 0).all()
    assert (repair.evidence[:10] == np.eye(2)).all()
    switched = slice(60, n_time)  # the tracker swaps the two mice while they overlap
    position[switched] = position[switched, ::-1]
    votes[switched] = votes[switched, ::-1]
    repair = repair_identity(position, votes, FPS, IdentityParams(), BODY_PX)
    expected = np.tile([0, 1], (n_time, 1))
    expected[switched] = [1, 0]
    assert repair.animal_source.tolist() == expected.tolist()
    assert (repair.source == expected[:, :, None]).all()


def test_the_passes_give_the_same_repair_a_block_of_frames_at_a_time(monkeypatch):
    """A long video's scores are made block by block; blocks of 7 frames (a switch, a jump
    and drifts across their edges) give exactly the repair of one block."""
    position, votes = two_mice(60)
    position[:, 1, :, 1] -= 3.5 * BODY_PX  # side by side, half a body length apart
    position[10:30] = position[10:30, ::-1]
    votes[10:30] = votes[10:30, ::-1]
    position[33:37, :, 0] = position[33:37, ::-1, 0]
    votes[33:37, :, 0] = votes[33:37, ::-1, 0]
    position[45:50, :, 2] = position[45:50, ::-1, 2]
    votes[45:50, :, 2] = votes[45:50, ::-1, 2]
    whole = repair_identity(position, votes, FPS, IdentityParams(), BODY_PX)
    steps = assign._step_lengths(position, slice(0, 60), BODY_PX)
    monkeypatch.setattr(assign, "CHUNK_FRAMES", 7)
    blocked = repair_identity(position, votes, FPS, IdentityParams(), BODY_PX)
    assert np.array_equal(np.concatenate([assign._step_lengths(position, frames, BODY_PX)
                                          for frames in assign._blocks(60)]), steps)
    assert np.array_equal(blocked.source, whole.source)
    assert np.array_equal(blocked.animal_source, whole.animal_source)
    assert np.array_equal(blocked.evidence, whole.evidence)
    assert (whole.source != np.array([0, 1])[:, None]).any()  # something was repaired


def test_untracked_points_stay_where_they_are_and_say_nothing():
    position, votes = two_mice()
    position[12:18, 0, 2] = np.nan  # mouse 0's tail lost for 6 frames, as a tracker loses it
    votes[12:18, 0, 2] = 0.0  # no position: no colour sampled
    position[30:, 1] = np.nan  # mouse 1 gone for the last 10 frames
    votes[30:, 1] = 0.0
    repair = repair_identity(position, votes, FPS, IdentityParams(), BODY_PX)
    assert (repair.source == np.array([0, 1])[:, None]).all()


def test_repairs_are_reported_as_switch_or_jump_with_their_frames():
    position, votes = two_mice()
    position[20:35] = position[20:35, ::-1]
    votes[20:35] = votes[20:35, ::-1]
    position[5:8, :, 1] = position[5:8, ::-1, 1]
    votes[5:8, :, 1] = votes[5:8, ::-1, 1]
    repair = repair_identity(position, votes, FPS, IdentityParams(), BODY_PX)
    events = event_table(repair, position, ["red", "green"], ("nose", "centre", "tail"), FPS,
                         1.2, np.ones((40, 2)))
    rows = events[["kind", "start_frame", "end_frame", "bodyparts"]].values.tolist()
    assert rows == [["switch", 20, 34, "nose;centre;tail"], ["jump", 5, 7, "centre"]]
    assert events["start_s"].tolist() == [2.0, 0.5]


def test_a_swap_while_the_mice_touch_is_a_drift():
    position, votes = two_mice()
    position[:, 1, :, 1] -= 3.5 * BODY_PX  # side by side, half a body length apart
    position[10:14, :, 0] = position[10:14, ::-1, 0]
    votes[10:14, :, 0] = votes[10:14, ::-1, 0]
    repair = repair_identity(position, votes, FPS, IdentityParams(), BODY_PX)
    events = event_table(repair, position, ["red", "green"], ("nose", "centre", "tail"), FPS,
                         1.2, np.ones((40, 2)))
    assert events[["kind", "start_frame", "end_frame", "individuals", "bodyparts"]
                  ].values.tolist() == [["drift", 10, 13, "red;green", "nose"]]


# --- colours ----------------------------------------------------------------------------------

def test_pixels_fall_in_the_colour_whose_hue_they_have():
    colours = parse_colours("red,green,blue,yellow")
    table = class_table(colours)
    pixels = np.array([[220, 30, 30], [40, 200, 60], [30, 90, 220], [230, 220, 40],
                       [150, 150, 150], [20, 20, 20], [235, 200, 200]], np.uint8)
    # red, green, blue, yellow; grey floor, black fur and pale pink paws are no colour
    assert table[pixel_index(pixels)].tolist() == [1, 2, 3, 4, 0, 0, 0]


def test_the_documented_hue_table_is_the_one_used():
    doc = (Path(__file__).resolve().parents[1] / "docs" / "identity.md").read_text()
    rows = re.findall(r"^\| (\w+) \| (\d+)-(\d+) \| >= ([\d.]+) \| >= ([\d.]+) \|$", doc,
                      re.MULTILINE)
    documented = {name: ((float(a), float(b)), float(s), float(v)) for name, a, b, s, v in rows}
    assert documented == {c.name: (c.hue, c.saturation[0], c.value[0])
                          for c in HUE_TABLE.values()}


def test_a_custom_colour_range_is_parsed_with_its_floors():
    orange, red = parse_colours("orange=15-40,0.5,0.3-0.9,red")
    assert (orange.name, orange.hue, orange.saturation, orange.value) == (
        "orange", (15.0, 40.0), (0.5, 1.0), (0.3, 0.9))
    assert red.name == "red"


def test_learned_colours_move_to_the_hues_the_mice_show():
    rng = np.random.default_rng(0)
    orange = np.column_stack([rng.integers(215, 240, 500), rng.integers(100, 130, 500),
                              rng.integers(20, 40, 500)])  # hue about 25 degrees
    green = np.column_stack([rng.integers(40, 60, 500), rng.integers(180, 210, 500),
                             rng.integers(50, 70, 500)])  # about 125 degrees
    floor = np.full((2000, 3), 150)  # grey pixels: no hue, left out
    pixels = np.concatenate([orange, green, floor]).astype(np.uint8)
    red, green_range = learn_colours(parse_colours("red,green"), pixels)
    table = class_table([red, green_range])
    assert (red.name, green_range.name) == ("red", "green")
    assert (table[pixel_index(orange.astype(np.uint8))] == 1).mean() > 0.99
    assert (table[pixel_index(green.astype(np.uint8))] == 2).mean() > 0.99
    assert (table[pixel_index(floor.astype(np.uint8))] == 0).all()


@pytest.mark.parametrize("text, problem", [
    ("red,mauve", "colour 'mauve' is not in the hue table"),
    ("red,red", "a colour is named twice"),
    ("pink=300-400,0.4,0.3", "hue must be within 0-360 degrees, got 300-400"),
    ("pink=300-340,0.4", "'pink=300-340' is not NAME=H0-H1,S,V"),
])
def test_bad_colour_lists_say_what_is_wrong(text, problem):
    with pytest.raises(InputError, match="--colours") as caught:
        parse_colours(text)
    assert problem in str(caught.value)
    assert caught.value.fix


def test_parameters_out_of_range_say_the_range_and_the_value():
    with pytest.raises(InputError) as caught:
        IdentityParams.from_dict({"min_switch_s": -1}, "p.yaml")
    assert "min_switch_s must be > 0 and <= 60, got -1.0" in str(caught.value)
    assert str(caught.value).startswith("p.yaml")


# --- scoring ----------------------------------------------------------------------------------

def test_idf1_of_a_track_taken_over_by_a_second_identity():
    # one mouse for 10 frames: hypothesis 1 follows it for 6 frames, hypothesis 2 for 4
    truth = np.zeros(10, int)
    hypothesis = np.array([1] * 6 + [2] * 4)
    assert idf1(truth, hypothesis) == pytest.approx(2 * 6 / 20)
    assert idf1(truth, np.ones(10, int)) == 1.0
    # a missed detection (-1) counts against IDF1 on the truth side only
    assert idf1(truth, np.array([1] * 9 + [-1])) == pytest.approx(2 * 9 / 19)


def test_idf1_agrees_with_motmetrics():
    mm = pytest.importorskip("motmetrics")
    rng = np.random.default_rng(0)
    truth = np.repeat(np.arange(3)[None], 50, 0)  # three objects over 50 frames
    # detection j matches object j; in a fifth of the frames the tracker reverses its ids
    swapped = rng.random(50) < 0.2
    hypothesis = np.where(swapped[:, None], truth[:, ::-1], truth) + 10
    accumulator = mm.MOTAccumulator(auto_id=True)
    for gt_row, hyp_row in zip(truth, hypothesis, strict=True):
        accumulator.update(gt_row, hyp_row, np.where(np.eye(3, dtype=bool), 0.0, np.nan))
    expected = mm.metrics.create().compute(accumulator, metrics=["idf1"])["idf1"].iloc[0]
    assert idf1(truth.ravel(), hypothesis.ravel()) == pytest.approx(expected)


def test_score_counts_repairs_and_new_errors_point_by_point():
    source = np.tile(np.array([0, 1])[:, None], (10, 1, 2))  # (time, track, keypoint)
    source[2:4, :, 0] = [1, 0]  # a jump: keypoint 0 swapped for 2 frames
    errors = pd.DataFrame([{"kind": "jump", "start_frame": 2, "end_frame": 3}])
    filed_under = source.copy()  # a perfect repair files every point under its own mouse
    filed_under[8, :, 1] = [1, 0]  # ... but swaps keypoint 1 at frame 8: a new error
    result = score(source, np.array([0, 1]), filed_under, errors, FPS)
    assert result["accuracy_before"] == pytest.approx(36 / 40)
    assert result["accuracy_after"] == pytest.approx(38 / 40)
    assert result["newly_wrong"] == pytest.approx(2 / 40)
    assert result["jump_repaired"] == 1.0


def test_switches_are_changes_of_a_tracks_majority_mouse():
    source = np.tile(np.array([0, 1])[:, None], (10, 1, 3))  # 10 frames at 10 fps: 1 s
    source[2:4, :, 0] = [1, 0]  # one keypoint of three: the majority holds
    assert switches_per_minute(source, FPS) == 0.0
    source[6:8] = source[6:8, ::-1]  # the whole tracks swap and swap back: 2 tracks x 2
    assert switches_per_minute(source, FPS) == pytest.approx(4 * 60)


# --- a tiny rendered arena --------------------------------------------------------------------

TINY = ColonySettings(colours=("red", "green"), seconds=4.0, fps=25, width=320, height=240,
                      body_length_px=BODY_PX)
SWITCHED = slice(30, 70)


@pytest.fixture(scope="module")
def arena(tmp_path_factory):
    """A 4-s, two-mouse render, its tracks with the mice swapped for frames 30-69, and a
    grey copy of the video."""
    folder = tmp_path_factory.mktemp("arena")
    colony = render_colony(folder, "arena", TINY, seed=4)
    position = colony.truth.position.copy()
    position[SWITCHED] = position[SWITCHED, ::-1]
    tracks = PoseData(position, colony.truth.likelihood, colony.truth.keypoints,
                      ("mouse1", "mouse2"), 25.0, "test")
    pose_path = dlc.write(dlc.pose_table(tracks), folder / "arena.h5")
    # the same tracks as DeepLabCut's tracklets and as a SLEAP analysis file
    dlc.write(dlc.pose_table(tracks), folder / "arena_el.h5", key=dlc.TRACKLETS_KEY)
    write_sleap(tracks, folder / "arena.analysis.h5")
    grey = folder / "grey.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(colony.video), "-vf", "hue=s=0",
                    "-c:v", "libx264", "-pix_fmt", "yuv420p", str(grey)], check=True)
    return colony, pose_path, grey, folder


def run_identity(*args):
    return CliRunner().invoke(main, ["identity", *map(str, args)])


@pytest.mark.parametrize("tracks", ["arena_el.h5", "arena.analysis.h5"])
def test_tracklets_and_sleap_files_are_repaired_alike(arena, tmp_path, tracks):
    colony, _, _, folder = arena
    result = run_identity(colony.video, folder / tracks, "--colours", "red,green", "--out",
                          tmp_path)
    assert result.exit_code == 0, result.output
    stem = tracks.removesuffix(".h5")
    repaired = load_pose(tmp_path / f"{stem}_identity.h5")
    assert np.allclose(repaired.position, colony.truth.position)


# The arena is filmed at 25 fps, which quantify rightly warns is too slow to count strokes.
@pytest.mark.filterwarnings("ignore:.*at 25 fps strokes:UserWarning")
def test_the_step_undoes_a_switch_in_a_rendered_video(arena, tmp_path):
    colony, pose_path, _, _ = arena
    result = run_identity(colony.video, pose_path, "--colours", "red,green", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    assert "1 repair(s) (1 switch)" in result.output
    repaired = load_pose(tmp_path / "arena_identity.h5")
    assert repaired.individuals == ("red", "green")
    assert np.allclose(repaired.position, colony.truth.position)
    events = pd.read_csv(tmp_path / "arena_identity_events.csv")
    assert events[["kind", "start_frame", "end_frame", "individuals"]].values.tolist() == [
        ["switch", 30, 69, "red;green"]]
    frames = pd.read_csv(tmp_path / "arena_identity_frames.csv")
    assert len(frames) == 2 * 100
    assert frames.loc[(frames.frame == 50) & (frames.individual == "red"),
                      "source_track"].item() == "mouse2"
    for suffix in SUFFIXES.values():
        assert (tmp_path / f"arena{suffix}").stat().st_size > 0
    # each mouse's repaired tracks go on to quantify, the frame rate read from their record
    quantified = CliRunner().invoke(main, ["quantify", str(tmp_path / "arena_identity.h5"),
                                           "--individual", "green", "--out", str(tmp_path)])
    assert quantified.exit_code == 0, quantified.output
    summary = pd.read_csv(tmp_path / "arena_identity_scratch_summary.csv")
    assert summary["individual"].tolist() == ["green"]


def test_deeplabcuts_unique_bodyparts_are_left_out(arena, tmp_path):
    colony, pose_path, _, _ = arena
    mice = load_pose(pose_path)
    # DeepLabCut's 'single' individual: a unique body part (here a lamp) no mouse has
    lamp = np.full((mice.n_frames, 1, 1, 2), 12.0)
    position = np.concatenate([
        np.concatenate([mice.position, np.full((mice.n_frames, 2, 1, 2), np.nan)], axis=2),
        np.concatenate([np.full((mice.n_frames, 1, 6, 2), np.nan), lamp], axis=2)], axis=1)
    likelihood = np.where(np.isnan(position[..., 0]), np.nan, 1.0)
    with_lamp = PoseData(position, likelihood, (*mice.keypoints, "lamp"),
                         (*mice.individuals, "single"), None, "test")
    path = dlc.write(dlc.pose_table(with_lamp), tmp_path / "lamp.h5")
    result = run_identity(colony.video, path, "--colours", "red,green", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    repaired = load_pose(tmp_path / "lamp_identity.h5")
    assert (repaired.individuals, repaired.keypoints) == (("red", "green"), mice.keypoints)
    assert np.allclose(repaired.position, colony.truth.position)


def test_inputs_are_never_modified(arena, tmp_path):
    colony, pose_path, _, _ = arena
    before = pose_path.read_bytes(), colony.video.read_bytes()
    run_identity(colony.video, pose_path, "--colours", "red,green", "--out", tmp_path)
    assert (pose_path.read_bytes(), colony.video.read_bytes()) == before


def test_a_pose_file_with_one_individual_is_refused(arena, tmp_path):
    colony, _, _, folder = arena
    one = replace(colony.truth, position=colony.truth.position[:, :1],
                  likelihood=colony.truth.likelihood[:, :1], individuals=("red",))
    single = dlc.write(dlc.pose_table(one), tmp_path / "single.h5")
    result = run_identity(colony.video, single, "--colours", "red,green", "--out", tmp_path)
    assert result.exit_code == 2
    assert f"{single}: has one individual" in result.output
    assert "fix: give multi-animal tracks" in result.output


@pytest.mark.parametrize("colours", ["red,green,blue", "red"])
def test_more_or_fewer_colours_than_individuals_are_refused(arena, tmp_path, colours):
    colony, pose_path, _, _ = arena
    result = run_identity(colony.video, pose_path, "--colours", colours, "--out", tmp_path)
    assert result.exit_code == 2
    n = len(colours.split(","))
    assert f"{pose_path}: has 2 individuals (mouse1, mouse2) but {n} colour(s)" in result.output
    assert "give exactly 2 colours" in result.output


def test_a_video_of_another_length_is_refused(arena, tmp_path):
    colony, _, _, _ = arena
    short = replace(colony.truth, position=colony.truth.position[:60],
                    likelihood=colony.truth.likelihood[:60])
    short_path = dlc.write(dlc.pose_table(short), tmp_path / "short.h5")
    result = run_identity(colony.video, short_path, "--colours", "red,green", "--out", tmp_path)
    assert result.exit_code == 2
    assert f"{colony.video}: has 100 frames, but the tracks in {short_path} have 60" \
        in result.output
    assert "give the video these tracks were made from" in result.output


def test_a_colour_name_not_in_the_table_is_refused(arena, tmp_path):
    colony, pose_path, _, _ = arena
    result = run_identity(colony.video, pose_path, "--colours", "red,teal", "--out", tmp_path)
    assert result.exit_code == 2
    assert "colour 'teal' is not in the hue table" in result.output
    assert "use one of red, orange, yellow" in result.output


def test_a_grey_video_is_refused(arena, tmp_path):
    _, pose_path, grey, _ = arena
    result = run_identity(grey, pose_path, "--colours", "red,green", "--out", tmp_path)
    assert result.exit_code == 2
    assert f"{grey}: the video shows no fur colour around the tracked mice" in result.output
    assert not list(tmp_path.glob("*_identity*"))


def test_a_colour_no_mouse_wears_is_refused(arena, tmp_path):
    colony, pose_path, _, _ = arena
    result = run_identity(colony.video, pose_path, "--colours", "red,blue", "--out", tmp_path)
    assert result.exit_code == 2
    assert "colour(s) blue (0.0 %) not seen on the tracked mice" in result.output


def test_learn_colours_fits_the_range_to_a_paint_off_the_table(tmp_path, monkeypatch):
    # the 'red' mouse is painted orange (hue 35 degrees), outside the table's red (340-15)
    monkeypatch.setitem(synthetic_colony.PAINT, "red", (30, 150, 235))
    colony = render_colony(tmp_path, "orange", replace(TINY, seconds=2.0), seed=5)
    tracks = dlc.write(dlc.pose_table(replace(colony.truth, individuals=("m1", "m2"))),
                       tmp_path / "orange.h5")
    out = tmp_path / "out"
    learned = run_identity(colony.video, tracks, "--colours", "red,green", "--learn-colours",
                           "--out", out)
    assert learned.exit_code == 0, learned.output
    low, high = map(float, re.search(r"red ([\d.]+)-([\d.]+) deg", learned.output).groups())
    assert 15 < low < 35 < high < 60  # around the paint's hue, clear of the table's red
    assert np.allclose(load_pose(out / "orange_identity.h5").position, colony.truth.position)
    record = json.loads((out / "orange_identity_provenance.json").read_text())
    assert record["learned_colours"] and record["colours"]["red"]["hue"] == [low, high]


def test_review_clips_show_the_least_confident_repairs(arena, tmp_path):
    colony, pose_path, _, _ = arena
    result = run_identity(colony.video, pose_path, "--colours", "red,green", "--out", tmp_path,
                          "--clips", "3")
    assert result.exit_code == 0, result.output
    assert "and 1 review clip(s)" in result.output  # one repair, so one clip
    clip = tmp_path / event_clip_name("arena", 1, 1.2)
    assert clip.name == "arena_identity_event001_t0001.2s.mp4"
    assert EVENT_CLIP.search(clip.name)["event"] == "001"
    assert ffmpeg.probe(clip).frames == (69 + 25) - (30 - 25) + 1  # the switch, 1 s each side
    provenance = json.loads((tmp_path / "arena_identity_provenance.json").read_text())
    assert provenance["review_clips"] == [clip.name]
    events = pd.DataFrame({"event_id": [1, 2, 3], "start_frame": [10, 20, 30],
                           "confidence": [0.9, 0.5, 0.7]})
    assert list(chosen_events(events, 2)["event_id"]) == [2, 3]  # in time order
    assert bgr(HUE_TABLE["red"])[2] > 200 > 60 > bgr(HUE_TABLE["red"])[1]  # BGR: red is red
