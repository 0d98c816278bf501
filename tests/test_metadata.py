"""Metadata TXT parsing: spellings accepted, normalisation, and errors that name file and line;
pairing each video with its TXT."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from scratchflow.errors import InputError
from scratchflow.metadata import pair_by_stem, parse_metadata

EXAMPLE = """\
# rig 2, morning session
Date: 05.03.2024
TIME = 2:30 PM
camera :  cam2
fps: 120

Left_Mouse: M12
left treatment: saline
right_mouse: M13
right_group: B
room: 4.12
"""


def write(tmp_path, text, name="rec.txt"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_parses_tolerant_spelling_and_keeps_unknown_keys(tmp_path):
    meta = parse_metadata(write(tmp_path, EXAMPLE))
    assert (meta.date, meta.time, meta.camera, meta.fps) == ("2024-03-05", "14:30:00", "cam2", 120)
    assert meta.positions == {"left": {"mouse": "M12", "treatment": "saline"},
                              "right": {"mouse": "M13", "group": "B"}}
    assert meta.extra == {"room": "4.12"}
    assert meta.mouse_id("left") == "M12" and meta.mouse_id("cage3") is None


@pytest.mark.parametrize(("text", "iso"), [
    ("2024-03-05", "2024-03-05"), ("2024/3/5", "2024-03-05"), ("20240305", "2024-03-05"),
    ("05.03.2024", "2024-03-05"), ("05/03/2024", "2024-03-05"), ("5 Mar 2024", "2024-03-05"),
    ("March 5, 2024", "2024-03-05"), ("5-mar-2024", "2024-03-05"), ("Sept 5 2024", "2024-09-05"),
])
def test_dates_normalise_to_iso(tmp_path, text, iso):
    meta = parse_metadata(write(tmp_path, f"date: {text}\ntime: 14:30\ncamera: c1\n"))
    assert meta.date == iso


def test_date_order_mdy_reads_month_first(tmp_path):
    text = "date: 03/05/2024\ndate_order: mdy\ntime: 9:05\ncamera: c1\n"
    assert parse_metadata(write(tmp_path, text)).date == "2024-03-05"


@pytest.mark.parametrize(("text", "iso"), [
    ("14:30", "14:30:00"), ("14:30:05", "14:30:05"), ("2:30 PM", "14:30:00"),
    ("12:05 am", "00:05:00"), ("143005", "14:30:05"), ("0930", "09:30:00"),
])
def test_times_normalise_to_iso(tmp_path, text, iso):
    meta = parse_metadata(write(tmp_path, f"date: 2024-03-05\ntime: {text}\ncamera: c1\n"))
    assert meta.time == iso


@pytest.mark.parametrize(("text", "expected"), [
    ("date: 2024-03-05\ntime: 14:30\n", "required key 'camera'"),
    ("date: 31/02/2024\ntime: 14:30\ncamera: c\n", "line 1: cannot read date '31/02/2024'"),
    ("date: yesterday\ntime: 14:30\ncamera: c\n", "line 1: cannot read date 'yesterday'"),
    ("date: 2024-03-05\ntime: 25:61\ncamera: c\n", "line 2: cannot read time '25:61'"),
    ("date: 2024-03-05\ntime: 14:30\ncamera: c\nno separator here\n", "line 4: expected 'key"),
    ("date: 2024-03-05\ntime: 14:30\ncamera: c\nCamera: d\n", "line 4: key 'camera' already"),
    ("date: 2024-03-05\ntime: 14:30\ncamera: c\nfps: fast\n", "line 4: fps 'fast'"),
])
def test_errors_name_file_line_and_expectation(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as err:
        parse_metadata(path)
    assert str(path) in str(err.value)
    assert expected in str(err.value)
    assert err.value.fix


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="metadata file not found"):
        parse_metadata(tmp_path / "absent.txt")


def test_pair_by_stem_pairs_each_video_with_its_txt_and_reports_the_rest():
    names = ("a.mp4", "a.txt", "b.MOV", "b.TXT", "c.mp4", "d.txt", "e.mp4", "e.avi", "e.txt",
             "notes.csv")
    pairing = pair_by_stem(PurePosixPath(name) for name in names)
    as_names = [[str(p) for p in group] for group in pairing[1:]]
    assert [(str(v), str(t)) for v, t in pairing.pairs] == [("a.mp4", "a.txt"), ("b.MOV", "b.TXT")]
    assert as_names == [["c.mp4"], ["d.txt"], ["e.avi", "e.mp4", "e.txt"]]
