"""S3 storage against a real S3 API over HTTP: moto's server, driven by the real boto3.

The fixtures point boto3 at the local server with AWS_ENDPOINT_URL(_S3) and dummy
credentials, and hide any real AWS configuration, so these tests never reach AWS.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import require_module

require_module("boto3", "boto3 is not installed: pip install -e '.[dev]'")
require_module("moto.server", "moto[server] is not installed: pip install -e '.[dev]'")

from scratchflow import storage  # noqa: E402
from scratchflow.cli import main  # noqa: E402
from scratchflow.errors import InputError  # noqa: E402
from tests.conftest import ACCESS_KEY, SECRET_KEY  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
MiB = 1 << 20
METADATA = "date: 2024-03-05\ntime: 14:30\ncamera: {camera}\nleft_mouse: M01\nright_mouse: M02\n"


# --- fetching -------------------------------------------------------------------------------

def test_fetch_downloads_once_and_again_when_the_object_changes(s3, tmp_path):
    s3.client.put_object(Bucket=s3.name, Key="pose/m1.h5", Body=b"first version")
    cache = tmp_path / "cache"

    path = storage.fetch_input(s3.uri("pose/m1.h5"), cache)
    assert path == cache / s3.name / "pose" / "m1.h5" and path.read_bytes() == b"first version"
    stamp = path.stat().st_mtime_ns
    assert storage.fetch_input(s3.uri("pose/m1.h5"), cache).stat().st_mtime_ns == stamp

    s3.client.put_object(Bucket=s3.name, Key="pose/m1.h5", Body=b"second version")
    assert storage.fetch_input(s3.uri("pose/m1.h5"), cache).read_bytes() == b"second version"
    assert sorted(p.name for p in path.parent.iterdir()) == [".m1.h5.s3.json", "m1.h5"]


def test_fetch_leaves_local_paths_and_reports_missing_objects(s3, tmp_path):
    assert storage.fetch_input("some/local.h5", tmp_path) == Path("some/local.h5")
    assert storage.fetch_input(s3.uri("absent.json"), tmp_path, missing_ok=True) is None
    with pytest.raises(InputError, match=r"absent\.h5: no such object"):
        storage.fetch_input(s3.uri("absent.h5"), tmp_path)
    with pytest.raises(InputError, match="not the URI of one object"):
        storage.fetch_input(s3.uri("../escape.h5"), tmp_path)


def test_fetch_rejects_a_download_that_does_not_match_its_sha256(s3, tmp_path):
    s3.client.put_object(Bucket=s3.name, Key="m1.h5", Body=b"bytes",
                         Metadata={"sha256": "0" * 64})
    with pytest.raises(InputError, match="download does not match"):
        storage.fetch_input(s3.uri("m1.h5"), tmp_path)
    assert list((tmp_path / s3.name).iterdir()) == []  # no partial or bad file left


# --- listing --------------------------------------------------------------------------------

def test_list_pairs_under_a_prefix_uses_the_folder_rule(s3):
    for key in ("raw/a.mp4", "raw/a.txt", "raw/b.MOV", "raw/b.txt", "raw/c.mp4", "raw/d.txt",
                "raw/samplesheet.csv", "raw/sub/e.mp4", "raw/sub/e.txt", "rawer/f.mp4"):
        s3.client.put_object(Bucket=s3.name, Key=key, Body=b"x")

    pairing = storage.list_pairs(s3.uri("raw"))

    assert pairing.pairs == [(s3.uri("raw/a.mp4"), s3.uri("raw/a.txt")),
                             (s3.uri("raw/b.MOV"), s3.uri("raw/b.txt"))]
    assert pairing.lonely_videos == [s3.uri("raw/c.mp4")]
    assert pairing.lonely_texts == [s3.uri("raw/d.txt")]
    assert pairing.clashes == []


# --- sending --------------------------------------------------------------------------------

def test_verify_deletes_an_object_that_does_not_match_the_local_file(s3, tmp_path):
    local = tmp_path / "a.txt"
    local.write_bytes(b"what we meant to send")
    digest = storage.file_digest(local, None)
    s3.client.put_object(Bucket=s3.name, Key="a.txt", Body=b"what arrived instead",
                         Metadata={"sha256": digest.sha256}, ChecksumAlgorithm="SHA256")

    with pytest.raises(InputError, match="S3 SHA256 checksum .* it was deleted"):
        storage.verify_object(s3.client, s3.name, "a.txt", digest)
    assert s3.keys() == []


# --- upload ---------------------------------------------------------------------------------

def run(*args: str):
    """Run the CLI; no output may ever contain the credentials."""
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert SECRET_KEY not in result.output and ACCESS_KEY not in result.output
    return result


def make_experiment(root: Path, big_bytes: int = 64 * 1024) -> Path:
    """Two raw videos with their metadata TXTs (bytes only: upload never decodes video)."""
    folder = root / "exp-42"
    folder.mkdir()
    rng = random.Random(0)
    (folder / "2024-03-05_cam1.mp4").write_bytes(rng.randbytes(big_bytes))
    (folder / "2024-03-05_cam1.txt").write_text(METADATA.format(camera="cam1"))
    (folder / "2024-03-05_cam2.mp4").write_bytes(rng.randbytes(4096))
    (folder / "2024-03-05_cam2.txt").write_text(METADATA.format(camera="cam2"))
    return folder


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


EXPECTED_KEYS = ["exp/2024-03-05_cam1.mp4", "exp/2024-03-05_cam1.txt", "exp/2024-03-05_cam2.mp4",
                 "exp/2024-03-05_cam2.txt", "exp/samplesheet.csv"]


def test_upload_sends_large_files_in_parts_verifies_them_and_writes_a_samplesheet(s3, tmp_path):
    folder = make_experiment(tmp_path, big_bytes=12 * MiB)
    result = run("upload", folder, s3.uri("exp/"), "--multipart-threshold", 5, "--part-size", 5)

    assert result.exit_code == 0, result.output
    assert s3.keys() == EXPECTED_KEYS
    big = (folder / "2024-03-05_cam1.mp4").read_bytes()
    head = s3.client.head_object(Bucket=s3.name, Key=EXPECTED_KEYS[0], ChecksumMode="ENABLED")
    assert head["ETag"].endswith('-3"')  # 5 + 5 + 2 MiB: a multipart upload
    assert head["Metadata"]["sha256"] == sha256(big)
    assert head["ChecksumSHA256"]  # S3 checked each part's SHA256
    assert s3.read(EXPECTED_KEYS[0]) == big
    assert "in 3 parts" in result.output and "S3 SHA256 checksum verified" in result.output
    assert s3.read("exp/samplesheet.csv").decode().splitlines() == [
        "sample,video,metadata,experiment",
        f"2024-03-05_cam1,{s3.uri('exp/2024-03-05_cam1.mp4')},{s3.uri('exp/2024-03-05_cam1.txt')},"
        "exp-42",
        f"2024-03-05_cam2,{s3.uri('exp/2024-03-05_cam2.mp4')},{s3.uri('exp/2024-03-05_cam2.txt')},"
        "exp-42",
    ]
    assert f"samplesheet: {s3.uri('exp/samplesheet.csv')}" in result.output


def test_rerun_skips_what_is_there_and_sends_the_rest(s3, tmp_path):
    folder = make_experiment(tmp_path)
    assert run("upload", folder, s3.uri("exp")).exit_code == 0  # no trailing '/': same prefix
    # An interrupted run: the second video and the samplesheet never arrived.
    s3.client.delete_object(Bucket=s3.name, Key="exp/2024-03-05_cam2.mp4")
    s3.client.delete_object(Bucket=s3.name, Key="exp/samplesheet.csv")
    # Mark the first video: a rerun that sent it again would replace these bytes.
    video = folder / "2024-03-05_cam1.mp4"
    marker = b"m" * video.stat().st_size
    s3.client.put_object(Bucket=s3.name, Key=EXPECTED_KEYS[0], Body=marker,
                         Metadata={"sha256": sha256(video.read_bytes())})

    result = run("upload", folder, s3.uri("exp/"))

    assert result.exit_code == 0, result.output
    assert "sent 2 file(s), 3 already there" in result.output
    assert "2024-03-05_cam1.mp4: already uploaded (same sha256), skipped" in result.output
    assert s3.keys() == EXPECTED_KEYS
    assert s3.read(EXPECTED_KEYS[0]) == marker


def test_an_object_with_other_content_is_replaced_only_with_overwrite(s3, tmp_path):
    folder = make_experiment(tmp_path)
    assert run("upload", folder, s3.uri("exp/")).exit_code == 0
    txt = folder / "2024-03-05_cam2.txt"
    old = s3.read("exp/2024-03-05_cam2.txt")
    txt.write_text(METADATA.format(camera="cam2") + "room: 4.12\n")

    refused = run("upload", folder, s3.uri("exp/"))

    assert refused.exit_code == 2
    assert f"{s3.uri('exp/2024-03-05_cam2.txt')} exists with other content" in refused.output
    assert "nothing was uploaded" in refused.output and "--overwrite" in refused.output
    assert s3.read("exp/2024-03-05_cam2.txt") == old

    replaced = run("upload", folder, s3.uri("exp/"), "--overwrite")

    assert replaced.exit_code == 0, replaced.output
    assert "sent 1 file(s), 4 already there" in replaced.output
    assert s3.read("exp/2024-03-05_cam2.txt") == txt.read_bytes()


@pytest.mark.parametrize(("change", "named"), [
    (lambda f: (f / "lonely.mp4").write_bytes(b"video"), "lonely.mp4: no metadata TXT"),
    (lambda f: (f / "notes.txt").write_text("date: 2024-03-05"), "notes.txt: no video"),
    (lambda f: (f / "2024-03-05_cam2.avi").write_bytes(b"v"), "2024-03-05_cam2.avi: another"),
    (lambda f: (f / "2024-03-05_cam2.txt").write_text("time: 14:30\ncamera: c2\n"),
     "2024-03-05_cam2.txt: required key 'date' is missing"),
    (lambda f: (f / "2024-03-05_cam2.txt").write_text(METADATA.format(camera="c") + "x\n"),
     "2024-03-05_cam2.txt: line 6: expected 'key: value'"),
    (lambda f: [(f / "my video.mp4").write_bytes(b"v"),
                (f / "my video.txt").write_text(METADATA.format(camera="c"))],
     "my video.mp4: the sample name 'my video'"),
    # Crop pairs any case; the pipeline's glob only lower or upper case.
    (lambda f: [(f / "clip.Mp4").write_bytes(b"v"),
                (f / "clip.txt").write_text(METADATA.format(camera="c"))],
     "clip.Mp4: the pipeline reads .mp4, .avi, .mov, .mkv, .m4v videos (lower or upper case)"),
])
def test_a_bad_folder_stops_the_upload_before_anything_is_sent(s3, tmp_path, change, named):
    folder = make_experiment(tmp_path)
    change(folder)

    result = run("upload", folder, s3.uri("exp/"))

    assert result.exit_code == 2
    assert "nothing was uploaded" in result.output and named in result.output
    assert s3.keys() == []


def test_a_missing_bucket_is_named(s3, tmp_path):
    result = run("upload", make_experiment(tmp_path), "s3://no-such-bucket-here/exp/")
    assert result.exit_code == 2
    assert "s3://no-such-bucket-here/: no such bucket" in result.output
    assert "aws s3 mb s3://no-such-bucket-here" in result.output


def test_missing_credentials_are_reported(s3, tmp_path, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    result = run("upload", make_experiment(tmp_path), s3.uri("exp/"))
    assert result.exit_code == 2
    assert "no AWS credentials found" in result.output and "AWS_PROFILE" in result.output


# --- quantify from S3 -----------------------------------------------------------------------

def test_quantify_from_s3_gives_the_same_tables_as_from_the_local_file(s3, tmp_path):
    demo = REPO / "examples" / "demo"
    for name in ("demo_pose.h5", "demo_pose.pose.json"):  # fps comes from the pose record
        s3.client.upload_file(str(demo / name), s3.name, f"pose/{name}")
    uri = s3.uri("pose/demo_pose.h5")

    remote = run("quantify", uri, "--out", tmp_path / "from_s3")
    local = run("quantify", demo / "demo_pose.h5", "--out", tmp_path / "from_local")
    cached = tmp_path / "from_s3" / ".s3-cache" / s3.name / "pose" / "demo_pose.h5"
    stamp = cached.stat().st_mtime_ns
    again = run("quantify", uri, "--out", tmp_path / "from_s3")
    assert cached.stat().st_mtime_ns == stamp  # the cached copy was reused, not fetched again

    assert remote.exit_code == local.exit_code == again.exit_code == 0, remote.output
    for table in ("bouts", "strokes", "summary", "timebins"):
        name = f"demo_pose_scratch_{table}.csv"
        assert (tmp_path / "from_s3" / name).read_bytes() == \
            (tmp_path / "from_local" / name).read_bytes()
    record = json.loads((tmp_path / "from_s3" / "demo_pose_scratch_provenance.json").read_text())
    assert record["inputs"][0]["uri"] == uri
    assert record["inputs"][0]["sha256"] == sha256((demo / "demo_pose.h5").read_bytes())
