"""Crop step end to end on synthetic and real video, plus every bad input we can think of."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from scratchflow.cli import main
from scratchflow.crop.boxes import Box, CropGeometry, parse_boxes
from scratchflow.crop.qr import QrCode, assign_labels, find_codes, frames_at, payload_label
from scratchflow.crop.run import CropOptions, crop_video
from scratchflow.errors import InputError
from scratchflow.ffmpeg import probe, write_video
from scratchflow.outputs import sha256_file
from scratchflow_devtools.synthetic_video import (
    DEFAULT_METADATA,
    SyntheticRig,
    make_synthetic_video,
    paste_code,
    write_metadata,
)

RIG = SyntheticRig(width=960, height=540, fps=30, seconds=2, enclosure_px=260, qr_module_px=6,
                   occluded_frames=10)
SHORT = replace(RIG, seconds=0.5, occluded_frames=0)
REAL_VIDEO = "dlc_openfield/examples/openfield-Pranav-2018-10-30/videos/m3v1mp4.mp4"


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    return make_synthetic_video(tmp_path_factory.mktemp("raw"), "rec1", RIG)


def options_for(video, out: Path, **changes) -> CropOptions:
    return replace(CropOptions(out, geometry=CropGeometry(**video.geometry_options)), **changes)


def copy_pair(video, folder: Path, stem: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(video.video, folder / f"{stem}.mp4")
    shutil.copy(video.metadata, folder / f"{stem}.txt")
    return folder / f"{stem}.mp4"


def checksums(*paths: Path) -> dict[Path, str]:
    return {path: sha256_file(path) for path in paths}


def read_all(path: Path) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(path))
    frames = []
    while (frame := capture.read()[1]) is not None:
        frames.append(frame)
    capture.release()
    return frames


def assert_crops_match(raw: list[np.ndarray], crop: list[np.ndarray], box: Box) -> None:
    assert len(crop) == len(raw)
    for index in (0, len(raw) // 2, len(raw) - 1):
        region = raw[index][box.y:box.bottom, box.x:box.right].astype(float)
        assert np.abs(crop[index].astype(float) - region).mean() < 3.0, index


def test_synthetic_video_is_cropped_per_mouse(synthetic, tmp_path):
    before = checksums(synthetic.video, synthetic.metadata)
    done = crop_video(synthetic.video, None, options_for(synthetic, tmp_path))
    assert checksums(synthetic.video, synthetic.metadata) == before  # raw data untouched
    assert [m.video.name for m in done] == ["2024-03-05_14-30-05_cam1_left_M01.mp4",
                                            "2024-03-05_14-30-05_cam1_right_M02.mp4"]
    source = probe(synthetic.video)
    raw = read_all(synthetic.video)
    for mouse in done:
        assert mouse.box == Box(*synthetic.enclosures[mouse.label])
        out = probe(mouse.video)
        assert (out.frames, out.frame_rate) == (source.frames, source.frame_rate) == (60, "30/1")
        assert_crops_match(raw, read_all(mouse.video), mouse.box)
        record = json.loads(mouse.sidecar.read_text())
        assert record["box"] == mouse.box.to_dict() and record["box_source"] == "qr"
        assert record["qr"]["payload"] == f"position={mouse.label}"
        assert record["metadata"]["date"] == "2024-03-05"
        assert record["inputs"][0]["sha256"] == before[synthetic.video]
        assert record["software"]["ffmpeg"].startswith("ffmpeg version")
        assert cv2.imread(str(mouse.preview)).shape == (RIG.height, RIG.width, 3)
    # a hand hid the left code in the first frames: the consensus still found it
    left = json.loads(done[0].sidecar.read_text())["qr"]["frames_seen"]
    right = json.loads(done[1].sidecar.read_text())["qr"]["frames_seen"]
    assert 0 not in left and 0 in right
    assert not list(tmp_path.glob(".*part*"))


def test_real_video_with_pasted_codes(shared_data, tmp_path):
    """Two copies of a real open-field clip side by side, a QR code pasted left of each."""
    original = read_all_first(shared_data / REAL_VIDEO, 45)
    height, width = original[0].shape[:2]
    module, quiet, gap = 6, 24, 40
    code_x = [quiet + 10, quiet + 10 + 126 + gap + width + quiet + 20]
    boxes = {"left": Box(code_x[0] + 126 + gap, 30, width, height),
             "right": Box(code_x[1] + 126 + gap, 30, width, height)}
    canvas_w = boxes["right"].right + 20

    def composite():
        for frame in original:
            canvas = np.full((height + 60, canvas_w, 3), 90, dtype=np.uint8)
            for label, x in zip(boxes, code_x, strict=True):
                paste_code(canvas, f"position={label}", x, 30, module)
                box = boxes[label]
                canvas[box.y:box.bottom, box.x:box.right] = frame
            yield canvas

    video = write_video(tmp_path / "real.mp4", composite(), 30)
    fields = {"date": "30 Oct 2018", "time": "1430", "camera": "pranav"}
    write_metadata(tmp_path / "real.txt", fields)
    geometry = CropGeometry(width, height, "top-right", gap, 0, "down-right")
    done = crop_video(video, None, CropOptions(tmp_path / "out", geometry=geometry))
    assert [m.video.name for m in done] == ["2018-10-30_14-30-00_pranav_left.mp4",
                                            "2018-10-30_14-30-00_pranav_right.mp4"]
    for mouse in done:
        assert mouse.box == boxes[mouse.label] and mouse.frames == len(original)
        crop = read_all(mouse.video)
        assert len(crop) == len(original)
        for index in (0, 22, 44):
            diff = np.abs(crop[index].astype(float) - original[index].astype(float)).mean()
            assert diff < 4.0, (mouse.label, index, diff)


def read_all_first(path: Path, count: int) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(path))
    frames = [capture.read()[1] for _ in range(count)]
    capture.release()
    return frames


def test_rotated_unnamed_codes_are_ordered_left_to_right(tmp_path):
    rig = replace(SHORT, payloads=("rig7 code A", "rig7 code B"), qr_rotation_deg=25)
    video = make_synthetic_video(tmp_path, "rot", rig)
    codes = find_codes(video.video, frames_at(video.video, [0, 7, 14]), expected=2)
    assert [(c.payload, c.label) for c in codes] == [("rig7 code A", "left"),
                                                     ("rig7 code B", "right")]


@pytest.mark.parametrize(("payload", "label"), [
    ("left", "left"), ("RIGHT", "right"), ("position=left", "left"), ("pos:right", "right"),
    ("rig=2;cage=3", "cage3"), ("https://lab.example/rig2", None), ("mouse box", None),
])
def test_payload_names_position_or_cage(payload, label):
    assert payload_label(payload) == label


def test_named_payloads_win_over_order():
    codes = [QrCode("position=right", [(0, 0, 10, 10)]),
             QrCode("position=left", [(50, 0, 60, 10)])]
    assign_labels(Path("v.mp4"), codes)
    assert [c.label for c in codes] == ["right", "left"]
    twins = [QrCode("left", [(0, 0, 1, 1)]), QrCode("left", [(5, 0, 6, 1)])]
    with pytest.raises(InputError, match="duplicate positions"):
        assign_labels(Path("v.mp4"), twins)


@pytest.mark.parametrize("payloads", [(), ("position=left",)])
def test_missing_codes_list_frames_and_fix(tmp_path, payloads):
    video = make_synthetic_video(tmp_path, "few", replace(SHORT, payloads=payloads))
    with pytest.raises(InputError) as err:
        crop_video(video.video, None, options_for(video, tmp_path / "out"))
    message = str(err.value)
    assert str(video.video) in message
    assert f"expected 2 QR codes, found {len(payloads)}" in message
    assert "scanned frames [0, 2, 4" in message and "--boxes" in message
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_damaged_video_fails_naming_the_file(synthetic, tmp_path, damage):
    video = copy_pair(synthetic, tmp_path, "bad")
    data = synthetic.video.read_bytes()
    video.write_bytes(data[: len(data) // 2] if damage == "truncated" else b"\x00junk" * 999)
    with pytest.raises(InputError, match="not a readable video") as err:
        crop_video(video, None, options_for(synthetic, tmp_path / "out"))
    assert str(video) in str(err.value)


def test_frame_count_mismatch_keeps_nothing(synthetic, tmp_path, monkeypatch):
    import scratchflow.crop.encode as encode

    real_probe = encode.probe
    monkeypatch.setattr(encode, "probe", lambda p: replace(real_probe(p), frames=59))
    with pytest.raises(InputError, match="crop has 59 frames .* input has 60"):
        crop_video(synthetic.video, None, options_for(synthetic, tmp_path))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("line", "problem"), [
    ("camera: ../../etc", "line 4: camera '../../etc' cannot be used in a file name"),
    ("camera: a/b", "camera 'a/b' cannot be used"),
    ("left_mouse: ../M1", "mouse id '../M1' cannot be used"),
])
def test_path_traversal_in_metadata_is_refused(synthetic, tmp_path, line, problem):
    video = copy_pair(synthetic, tmp_path / "raw", "rec")
    fields = {**DEFAULT_METADATA}
    key, value = line.split(": ")
    fields[key] = value
    write_metadata(video.with_suffix(".txt"), fields)
    with pytest.raises(InputError) as err:
        crop_video(video, None, options_for(synthetic, tmp_path / "out" / "deep"))
    assert str(video.with_suffix(".txt")) in str(err.value) and problem in str(err.value)
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["rec.mp4", "rec.txt"]


def test_path_traversal_in_qr_payload_is_refused(tmp_path):
    video = make_synthetic_video(tmp_path, "evil", replace(SHORT, payloads=("pos=../x", "right")))
    with pytest.raises(InputError, match=r"position .*'\.\./x' cannot be used"):
        crop_video(video.video, None, options_for(video, tmp_path / "out"))


def test_box_outside_frame_gives_numbers(synthetic, tmp_path):
    options = options_for(synthetic, tmp_path, geometry=CropGeometry(
        **{**synthetic.geometry_options, "offset_y": 300}))
    with pytest.raises(InputError) as err:
        crop_video(synthetic.video, None, options)
    assert str(synthetic.video) in str(err.value)
    assert "crop box 'left' (x=202 y=440 w=260 h=260, right=462, bottom=700) leaves the " \
           "960x540 frame" in str(err.value)


def test_overlapping_manual_boxes_are_refused(synthetic, tmp_path):
    boxes = parse_boxes("left=0,0,400,400; right=300,100,400,400")
    with pytest.raises(InputError, match="'left' .* and 'right' .* overlap"):
        crop_video(synthetic.video, None, options_for(synthetic, tmp_path, boxes=boxes))


def test_manual_boxes_skip_qr_codes(tmp_path):
    video = make_synthetic_video(tmp_path, "noqr", replace(SHORT, payloads=()))
    spec = tmp_path / "boxes.json"
    spec.write_text(json.dumps({k: list(v) for k, v in video.enclosures.items()}))
    done = crop_video(video.video, None, options_for(video, tmp_path / "out",
                                                     boxes=parse_boxes(str(spec))))
    assert {m.label: m.box for m in done} == {k: Box(*v) for k, v in video.enclosures.items()}
    assert json.loads(done[0].sidecar.read_text())["box_source"] == "manual"


@pytest.mark.parametrize("spec", ["left=1,2,3", "left:1,2,3,4", ""])
def test_bad_boxes_spec(spec):
    with pytest.raises(InputError, match="--boxes"):
        parse_boxes(spec)


def test_fps_in_metadata_must_match_video(synthetic, tmp_path):
    video = copy_pair(synthetic, tmp_path, "rec")
    write_metadata(video.with_suffix(".txt"), {**DEFAULT_METADATA, "fps": "120"})
    with pytest.raises(InputError, match="fps 120 disagrees with the video's 30 fps"):
        crop_video(video, None, options_for(synthetic, tmp_path / "out"))


def test_existing_output_needs_overwrite(synthetic, tmp_path):
    crop_video(synthetic.video, None, options_for(synthetic, tmp_path))
    first = sha256_file(next(tmp_path.glob("*left_M01.mp4")))
    with pytest.raises(InputError, match="already exists; not overwritten") as err:
        crop_video(synthetic.video, None, options_for(synthetic, tmp_path))
    assert "left_M01" in str(err.value) and "--overwrite" in str(err.value)
    assert sha256_file(next(tmp_path.glob("*left_M01.mp4"))) == first
    output = next(tmp_path.glob("*left_M01.mp4"))
    output.write_bytes(b"damaged")  # a rewrite repairs it; a skip would leave it
    crop_video(synthetic.video, None, options_for(synthetic, tmp_path, overwrite=True))
    assert sha256_file(output) == first


def cli(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_cli_folder_reports_collisions_and_unpaired_files(synthetic, tmp_path):
    raw = tmp_path / "raw"
    copy_pair(synthetic, raw, "a")
    copy_pair(synthetic, raw, "b")  # same metadata: same output names as "a"
    shutil.copy(synthetic.video, raw / "lonely.mp4")
    (raw / "orphan.txt").write_text("date: 2024-03-05\n")
    for name in ("twin.mp4", "twin.mov"):  # which video twin.txt describes is unclear
        shutil.copy(synthetic.video, raw / name)
    shutil.copy(synthetic.metadata, raw / "twin.txt")
    before = checksums(*(p for p in raw.iterdir()))
    geometry = synthetic.geometry_options
    result = cli("crop", raw, "--out", tmp_path / "out", "--box-size", geometry["box_width"],
                 "--offset-x", geometry["offset_x"])
    assert result.exit_code == 1
    assert "lonely.mp4: no metadata TXT" in result.output
    assert "orphan.txt: no video" in result.output
    assert f"{raw / 'b.mp4'}" in result.output and "also made from" in result.output
    assert "twin.mov: another video or TXT has the same stem" in result.output
    assert "4 of 5 video(s) failed" in result.output
    assert len(list((tmp_path / "out").glob("*.mp4"))) == 2
    assert checksums(*(p for p in raw.iterdir())) == before


def test_cli_single_video_with_manual_boxes(synthetic, tmp_path):
    boxes = ";".join(f"{k}={','.join(map(str, v))}" for k, v in synthetic.enclosures.items())
    result = cli("crop", synthetic.video, "--metadata", synthetic.metadata, "--out", tmp_path,
                 "--boxes", boxes, "--preset", "ultrafast")
    assert result.exit_code == 0, result.output
    assert "right -> " in result.output and "100% (60/60 frames)" in result.output


def test_cli_refuses_raw_folder_as_output(synthetic, tmp_path):
    copy_pair(synthetic, tmp_path, "a")
    result = cli("crop", tmp_path, "--out", tmp_path)
    assert result.exit_code == 2 and "output folder is the raw-video folder" in result.output
