"""S3 storage against a real S3 API over HTTP: moto's server, driven by the real boto3.

The fixtures point boto3 at the local server with AWS_ENDPOINT_URL(_S3) and dummy
credentials, and hide any real AWS configuration, so these tests never reach AWS.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.importorskip("boto3", reason="boto3 is not installed: pip install -e '.[dev]'")
pytest.importorskip("moto.server", reason="moto[server] is not installed: pip install -e '.[dev]'")

from scratchflow import storage  # noqa: E402
from scratchflow.errors import InputError  # noqa: E402

MiB = 1 << 20
ACCESS_KEY = "AKIAFAKEKEYFORTESTS1"
SECRET_KEY = "fake/secret+never-printed-0123456789abcd"


@pytest.fixture(scope="session")
def moto_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()  # port 0: the port the OS chose
    yield f"http://{host}:{port}"
    server.stop()


@dataclass
class Bucket:
    client: object
    name: str

    def uri(self, key: str = "") -> str:
        return f"s3://{self.name}/{key}"

    def keys(self) -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.name)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()


@pytest.fixture
def s3(monkeypatch, moto_endpoint, tmp_path) -> Bucket:
    """A new bucket on the moto server; boto3 reaches only that server, with dummy keys."""
    empty = tmp_path / "aws-config"
    empty.write_text("[default]\n")
    for name in ("AWS_PROFILE", "AWS_REGION", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
                 "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_CA_BUNDLE", "AWS_ROLE_ARN",
                 "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                 "AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance-role lookups
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    client = storage.s3_client()
    assert client.meta.endpoint_url == moto_endpoint  # boto3 read the endpoint variable itself
    name = f"test-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name)
    return Bucket(client, name)


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
