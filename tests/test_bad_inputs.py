"""The bad inputs of issue 13, each run as a user would meet it, in a batch with a good one.

Every case checks the exit status; that the message names the bad file and says how to fix
it, on stderr; that no input file changed (sha256); that no partial output is left (no ``.part`` file,
nothing of the bad sample); and that the good sample of the batch still finishes. The count
of cases is given in docs/run.md ("Bad inputs"); a test below keeps the two in step.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from scratchflow.cli import main
from scratchflow.outputs import sha256_file

DEMO = Path("examples/demo/demo_pose.h5")
DEMO_RECORD = Path("examples/demo/demo_pose.pose.json")


def invoke(*args) -> object:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@dataclass
class Batch:
    """A folder of inputs: one good sample and the bad ones a case adds."""

    folder: Path
    out: Path

    def checksums(self) -> dict[Path, str]:
        return {p: sha256_file(p) for p in sorted(self.folder.rglob("*")) if p.is_file()}


def check(result, code: int, names: list[str], fix: str, batch: Batch,
          before: dict[Path, str], bad: list[str], good: list[str]) -> None:
    """The five promises: exit status, message with file and fix, inputs untouched, no partial
    output, the good samples finished."""
    assert result.exit_code == code, result.output
    for name in names:
        assert name in result.output, (name, result.output)
    assert fix in result.output, result.output
    assert "error:" not in result.stdout  # every command's errors go to stderr
    assert batch.checksums() == before  # no input was touched
    left = [p for p in batch.out.rglob("*") if p.name.endswith(".part")] if batch.out.exists() \
        else []
    assert not left
    for stem in bad:
        assert not list(batch.out.glob(f"{stem}_*")) if batch.out.exists() else True, stem
    for stem in good:
        assert (batch.out / f"{stem}_scratch_summary.csv").is_file(), result.output


# --- quantify: pose files -------------------------------------------------------------------

@pytest.fixture
def pose_batch(tmp_path) -> Batch:
    folder = tmp_path / "pose"
    folder.mkdir()
    shutil.copy(DEMO, folder / "good.h5")
    shutil.copy(DEMO_RECORD, folder / "good.pose.json")
    return Batch(folder, tmp_path / "out")


def demo_table() -> pd.DataFrame:
    from scratchflow.formats import dlc, load_pose

    return dlc.pose_table(load_pose(DEMO))


def write_bad_pose(folder: Path, case: str) -> Path:
    """The bad pose file (and its record) of ``case``; its stem is ``bad``."""
    from scratchflow.formats import dlc

    if case == "sidecar fps not a number":
        shutil.copy(DEMO, folder / "bad.h5")
        (folder / "bad.pose.json").write_text('{"fps": "fast"}')
        return folder / "bad.h5"
    shutil.copy(DEMO_RECORD, folder / "bad.pose.json")
    if case == "zero-byte h5":
        (folder / "bad.h5").write_bytes(b"")
    elif case == "truncated h5":
        (folder / "bad.h5").write_bytes(DEMO.read_bytes()[:20000])
    elif case == "string cell in CSV":
        table = demo_table().astype(object)
        table.iloc[5, 3] = "abc"
        table.to_csv(folder / "bad.csv")
        return folder / "bad.csv"
    elif case == "truncated CSV":
        demo_table().to_csv(folder / "whole.csv")
        text = (folder / "whole.csv").read_text()
        (folder / "whole.csv").unlink()
        (folder / "bad.csv").write_text(text[: text.rindex(",", 0, len(text) // 2)])  # mid-row
        return folder / "bad.csv"
    elif case == "coordinate 1e300":
        table = demo_table()
        table.iloc[5, 0] = 1e300
        dlc.write(table, folder / "bad.h5")
    return folder / "bad.h5"


@pytest.mark.parametrize("case, problem, fix", [
    ("sidecar fps not a number", "fps 'fast' is not a positive number", "write the frame rate"),
    ("zero-byte h5", "the file is empty (0 bytes)", "copy it again"),
    ("truncated h5", "not a readable HDF5 file", "re-export it"),
    ("string cell in CSV", "'abc' is not a number", "correct that cell"),
    ("truncated CSV", "the file was cut short", "export the CSV again"),
    ("coordinate 1e300", "1e+300 px is not a position", "re-export the pose file"),
])
def test_bad_pose_file_fails_alone(pose_batch, case, problem, fix):
    bad = write_bad_pose(pose_batch.folder, case)
    before = pose_batch.checksums()
    result = invoke("quantify", bad, pose_batch.folder / "good.h5", "--out", pose_batch.out)
    named = "bad.pose.json" if "sidecar" in case else bad.name
    check(result, 1, [named, problem, "1 of 2 file(s) failed"], fix, pose_batch, before,
          bad=["bad"], good=["good"])
    assert len(result.stderr.splitlines()) <= 3  # error, fix, count: no back trace


def untracked(folder: Path, hind_likelihood: float) -> Path:
    from scratchflow.formats import load_pose
    from scratchflow_devtools.synthetic_pose import write_dlc

    pose = load_pose(DEMO)
    hind = [pose.keypoints.index(k) for k in ("hind_paw_left", "hind_paw_right")]
    likelihood, position = pose.likelihood.copy(), pose.position.copy()
    likelihood[:, :, hind] = hind_likelihood
    if np.isnan(hind_likelihood):
        position[:, :, hind] = np.nan
    shutil.copy(DEMO_RECORD, folder / "bad.pose.json")
    return write_dlc(replace(pose, likelihood=likelihood, position=position), folder / "bad.h5")


@pytest.mark.parametrize("hind_likelihood", [np.nan, 0.005], ids=["all-NaN", "likelihood"])
def test_untracked_hind_paws_say_so_and_are_not_zero(pose_batch, hind_likelihood):
    """Not an error (the file is sound), but never "ok, 0 bouts": status no_tracking."""
    bad = untracked(pose_batch.folder, hind_likelihood)
    before = pose_batch.checksums()
    result = invoke("quantify", bad, pose_batch.folder / "good.h5", "--out", pose_batch.out)
    check(result, 0, ["bad.h5", "no_tracking", "hind paws usable in 0.0% of frames"],
          "--bodypart mapping", pose_batch, before, bad=[], good=["good", "bad"])
    row = pd.read_csv(pose_batch.out / "bad_scratch_summary.csv").iloc[0]
    assert row.status == "no_tracking" and pd.isna(row.n_bouts)


@pytest.mark.parametrize("options, problem, fix", [
    (["--bodypart", "hind_left=hind_paw_left", "--bodypart", "hind_right=hind_paw_left"],
     "hind_left and hind_right are all 'hind_paw_left'", "its own body part"),
])
def test_nonsense_role_mapping_is_refused_for_each_file(pose_batch, options, problem, fix):
    before = pose_batch.checksums()
    result = invoke("quantify", pose_batch.folder / "good.h5", *options, "--out", pose_batch.out)
    check(result, 1, ["good.h5", problem], fix, pose_batch, before, bad=["good"], good=[])


def nothing_written(batch: Batch) -> bool:
    return not batch.out.exists() or not any(batch.out.rglob("*_scratch_*"))


@pytest.mark.parametrize("make_args, names, fix", [
    # a role given twice: the last value must not win silently
    (lambda b: [b.folder / "good.h5", "--bodypart", "hind_left=hind_paw_left",
                "--bodypart", "hind_left=hind_paw_right"],
     ["role 'hind_left' given twice", "--bodypart"], "give each role once"),
    # two inputs of one stem: the second would overwrite the first's outputs
    (lambda b: [b.folder / "good.h5", b.folder / "sub" / "good.h5"],
     ["good.h5", str(Path("sub") / "good.h5"), "has the stem 'good'"], "separate --out"),
    # an out-of-range parameter
    (lambda b: [b.folder / "good.h5", "--params", b.folder / "params.yaml"],
     ["params.yaml", "likelihood_floor must be >= 0 and <= 1, got 5"], "scratchflow params"),
])
def test_refused_before_any_file_is_read(pose_batch, make_args, names, fix):
    (pose_batch.folder / "sub").mkdir()
    shutil.copy(DEMO, pose_batch.folder / "sub" / "good.h5")
    (pose_batch.folder / "params.yaml").write_text("likelihood_floor: 5\n")
    before = pose_batch.checksums()
    result = invoke("quantify", *make_args(pose_batch), "--out", pose_batch.out)
    check(result, 2, names, fix, pose_batch, before, bad=[], good=[])
    assert nothing_written(pose_batch)


@pytest.mark.parametrize("where", ["under a file", "read-only"])
def test_unwritable_out_is_refused_before_any_work(pose_batch, where):
    if where == "read-only":
        if os.geteuid() == 0:
            pytest.skip("root writes into read-only folders")
        locked = pose_batch.folder.parent / "locked"
        locked.mkdir(mode=0o555)
        out = locked / "out"
    else:
        (pose_batch.folder.parent / "a-file").write_text("")
        out = pose_batch.folder.parent / "a-file" / "out"
    before = pose_batch.checksums()
    result = invoke("quantify", pose_batch.folder / "good.h5", "--out", out)
    check(result, 2, [str(out), "cannot write here"], "--out folder you can write to",
          replace(pose_batch, out=out), before, bad=[], good=[])


# --- crop: metadata that cannot name a file ---------------------------------------------------

@pytest.fixture(scope="module")
def raw_video(tmp_path_factory):
    from scratchflow_devtools.synthetic_video import SyntheticRig, make_synthetic_video

    rig = SyntheticRig(width=960, height=540, fps=30, seconds=0.5, enclosure_px=260,
                       qr_module_px=6, occluded_frames=0)
    return make_synthetic_video(tmp_path_factory.mktemp("raw"), "rec", rig)


def crop_batch(raw_video, tmp_path, changes: dict[str, str]) -> tuple[Batch, dict, object]:
    """A folder with a good raw video and a bad one whose TXT has ``changes``; crop both."""
    folder = tmp_path / "raw"
    folder.mkdir()
    for stem in ("good", "bad"):
        shutil.copy(raw_video.video, folder / f"{stem}.mp4")
    text = raw_video.metadata.read_text()
    (folder / "good.txt").write_text(text)
    bad = text
    for key, value in changes.items():
        bad = re.sub(rf"(?m)^{key}:.*$", f"{key}: {value}", bad)
    assert bad != text
    (folder / "bad.txt").write_text(bad)
    batch = Batch(folder, tmp_path / "out")
    before = batch.checksums()
    geometry = raw_video.geometry_options
    result = invoke("crop", folder, "--out", batch.out, "--box-size", geometry["box_width"],
                    "--offset-x", geometry["offset_x"])
    return batch, before, result


@pytest.mark.parametrize("key, value, what", [
    ("left_mouse", "M" * 300, "mouse id is 300 characters long"),
    ("camera", "c" * 5000, "camera is 5000 characters long"),
])
def test_overlong_metadata_value_fails_its_video_alone(raw_video, tmp_path, key, value, what):
    batch, before, result = crop_batch(raw_video, tmp_path, {key: value})
    check(result, 1, ["bad.txt", what, "1 of 2 video(s) failed"], "shorten the", batch, before,
          bad=[], good=[])
    assert len(list(batch.out.glob("*.mp4"))) == 2  # the good video's two mice
    assert all(len(p.name) < 100 for p in batch.out.iterdir())


# --- run and upload: the whole experiment, checked before any work --------------------------

def raw_pairs(raw_video, folder: Path, stems: dict[str, str]) -> Path:
    """Raw video + TXT pairs; ``stems`` maps each stem to the camera its TXT names."""
    folder.mkdir(parents=True, exist_ok=True)
    text = raw_video.metadata.read_text()
    for stem, camera in stems.items():
        shutil.copy(raw_video.video, folder / f"{stem}.mp4")
        (folder / f"{stem}.txt").write_text(re.sub(r"(?m)^camera:.*$", f"camera: {camera}",
                                                   text))
    return folder


def test_run_fails_both_videos_of_an_output_name_clash_before_cropping(raw_video, tmp_path):
    from scratchflow.run.runner import find_raw_samples, without_name_clashes

    folder = raw_pairs(raw_video, tmp_path / "raw", {"a": "cam1", "b": "cam1", "c": "cam2"})
    (folder / "notes.txt").write_text("x")  # TXTs alone are no sample, even when they clash
    (folder / "notes.TXT").write_text("y")
    before = Batch(folder, tmp_path / "out").checksums()
    raw, failed = find_raw_samples(str(folder), tmp_path / "cache")
    assert failed == []
    kept, clashed = without_name_clashes(raw)
    assert [s.name for s in kept] == ["c"]  # the other sample still runs
    assert sorted(o.sample for o in clashed) == ["a", "b"]
    for outcome in clashed:
        assert str(folder / "a.mp4") in outcome.reason and str(folder / "b.mp4") in outcome.reason
        assert "_cam1_*" in outcome.reason and "fix: correct the date, time or camera" \
            in outcome.reason
    assert Batch(folder, tmp_path / "out").checksums() == before


def test_upload_refuses_an_output_name_clash_before_sending(raw_video, tmp_path):
    folder = raw_pairs(raw_video, tmp_path / "raw", {"a": "cam1", "b": "cam1", "c": "cam2"})
    batch = Batch(folder, tmp_path / "out")
    before = batch.checksums()
    result = invoke("upload", folder, "s3://no-such-bucket-needed/exp/")
    check(result, 2, ["a.mp4 and b.mp4", "_cam1_*", "nothing was uploaded"],
          "correct one of them", batch, before, bad=[], good=[])


def test_upload_refuses_an_invalid_bucket_name_plainly(raw_video, tmp_path):
    folder = raw_pairs(raw_video, tmp_path / "raw", {"a": "cam1"})
    batch = Batch(folder, tmp_path / "out")
    before = batch.checksums()
    result = invoke("upload", folder, "s3://My_Bucket/exp/")
    check(result, 2, ["s3://My_Bucket/exp/", "'My_Bucket' is not a valid S3 bucket name"],
          "lower-case letters, digits", batch, before, bad=[], good=[])
    assert "network" not in result.output and "^[" not in result.output


def test_undecodable_video_says_what_ffmpeg_said(raw_video, tmp_path):
    from scratchflow.errors import InputError
    from scratchflow.ffmpeg import probe, read_frames

    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\0" * 4096)
    info = replace(probe(raw_video.video), path=broken)  # probed whole, then damaged
    with pytest.raises(InputError, match="ffmpeg could not decode the video .*: .+") as err:
        list(read_frames(info))
    assert str(broken) in str(err.value) and "re-copied" in str(err.value)


@pytest.mark.parametrize("name", ["/tmp/escape", "../escape", "a/../../escape", ".hidden", ""])
def test_unsafe_samplesheet_name_fails_its_row_alone(raw_video, tmp_path, name):
    from scratchflow.run.runner import RunLayout, Task, find_raw_samples

    folder = raw_pairs(raw_video, tmp_path / "raw", {"a": "cam1", "b": "cam2"})
    sheet = tmp_path / "raw" / "samplesheet.csv"
    sheet.write_text(f"sample,video,metadata\n{name},a.mp4,a.txt\ngood,b.mp4,b.txt\n"
                     "good,a.mp4,a.txt\n")
    before = Batch(folder, tmp_path / "out").checksums()
    raw, failed = find_raw_samples(str(sheet), tmp_path / "cache")
    assert [s.name for s in raw] == ["good"]  # the good row still runs
    assert [o.reason for o in failed] == [
        f"{sheet}: line 2: sample name {name!r} is not a plain file name (allowed: letters, "
        "digits, '.', '_' and '-', starting with a letter or digit); fix: rename the sample "
        "in the samplesheet",
        f"{sheet}: line 4: sample name 'good' is also on line 3; fix: rename the sample in the "
        "samplesheet"]
    layout = RunLayout(tmp_path / "out")  # every kept name stays inside OUT/logs
    for sample in raw:
        task = Task("crop", sample.name, [], [], list)
        assert layout.log(task).resolve().is_relative_to(layout.root / "logs")
    assert Batch(folder, tmp_path / "out").checksums() == before


def test_case_count_is_documented():
    import ast

    tree = ast.parse(Path(__file__).read_text())
    cases = 0
    for node in tree.body:
        if not (isinstance(node, ast.FunctionDef) and node.name.startswith("test_")) \
                or node.name == "test_case_count_is_documented":
            continue
        marks = [d for d in node.decorator_list if isinstance(d, ast.Call)
                 and ast.unparse(d.func) == "pytest.mark.parametrize"]
        cases += len(marks[0].args[1].elts) if marks else 1
    assert f"{cases} bad inputs" in Path("docs/run.md").read_text(), cases
