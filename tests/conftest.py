"""Shared fixtures. Real third-party data lives in ../shared/data beside the clone."""

from __future__ import annotations

import importlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
DEMO_MODEL = REPO / "examples" / "demo_model" / "project"
# Trained test models are kept between runs on one machine (keyed by their settings).
CACHE = Path(os.environ.get("SCRATCHFLOW_CACHE", Path.home() / ".cache" / "scratchflow"))


# In CI every prerequisite is installed, so a missing one fails the run: a skip there would
# let tests that never ran pass as green.
IN_CI = os.environ.get("CI", "").lower() == "true"


def missing_prerequisite(reason: str) -> NoReturn:
    """Skip the test on a user's machine; fail it under CI=true."""
    if IN_CI:
        pytest.fail(f"CI=true, but a prerequisite is missing: {reason}", pytrace=False)
    pytest.skip(reason)


def require_module(name: str, reason: str) -> ModuleType:
    """``pytest.importorskip`` that fails under CI=true."""
    try:
        return importlib.import_module(name)
    except ImportError:
        missing_prerequisite(reason)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared real-data folder; tests using it skip where a user's clone lacks it."""
    if not SHARED_DATA.is_dir():
        missing_prerequisite(f"shared test data not found at {SHARED_DATA} (only present in CI)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def demo_model() -> Path:
    """The bundled demo DeepLabCut project; tests using it need DeepLabCut installed."""
    require_module("deeplabcut", "DeepLabCut is not installed (pip install '.[dlc]')")
    if not (DEMO_MODEL / "config.yaml").is_file():
        missing_prerequisite(f"demo model missing at {DEMO_MODEL} "
                             "(examples/demo_model/train_demo_model.py)")
    return DEMO_MODEL


# --- S3: moto's server on 127.0.0.1, driven by the real boto3 ---------------------------------

ACCESS_KEY = "AKIAFAKEKEYFORTESTS1"
SECRET_KEY = "fake/secret+never-printed-0123456789abcd"


@pytest.fixture(scope="session")
def moto_endpoint():
    """moto's S3 server on a free loopback port: a real S3 API over HTTP, no AWS."""
    require_module("boto3", "boto3 is not installed: pip install -e '.[dev]'")
    require_module("moto.server", "moto[server] is not installed: pip install -e '.[dev]'")
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
    from scratchflow import storage

    client = storage.s3_client()
    assert client.meta.endpoint_url == moto_endpoint  # boto3 read the endpoint variable itself
    name = f"test-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name)
    return Bucket(client, name)
