"""Local paths and ``s3://`` URIs: fetch inputs, list video + TXT pairs, send and check objects.

boto3 (the ``[s3]`` extra) is imported only when an ``s3://`` URI is used, so the core stays
lean. Clients use boto3's standard credential chain (environment, ``~/.aws``, SSO, instance or
task role) and its standard endpoint override, ``AWS_ENDPOINT_URL_S3`` or ``AWS_ENDPOINT_URL``
(boto3 >= 1.28 reads them itself), which points them at another S3 API such as MinIO or, in
the tests, moto. Credentials are never printed: errors carry only the URI and S3's error code
and message.

Objects sent by scratchflow carry their sha256 as user metadata (``x-amz-meta-sha256``) and an
S3 SHA256 checksum; a download is checked against both, an upload is checked after sending.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from scratchflow import outputs
from scratchflow.errors import InputError
from scratchflow.metadata import Pairing, pair_by_stem

S3_SCHEME = "s3://"
MiB = 1 << 20
READ_BYTES = MiB
EXTRA_HINT = "install the S3 extra: pip install 'scratchflow[s3]'"
CREDENTIALS_HINT = ("check the AWS credentials (AWS_PROFILE, `aws sso login`, `aws configure`) "
                    "and that they may use this bucket")
FIXES = {
    "NoSuchBucket": "check the bucket name, or create the bucket (aws s3 mb s3://BUCKET)",
    "NoSuchKey": "check the URI (aws s3 ls s3://BUCKET/PREFIX/)",
    "404": "check the URI (aws s3 ls s3://BUCKET/PREFIX/)",
    "AccessDenied": CREDENTIALS_HINT,
    "403": CREDENTIALS_HINT,
    "InvalidAccessKeyId": CREDENTIALS_HINT,
    "SignatureDoesNotMatch": CREDENTIALS_HINT,
    "ExpiredToken": "the session has expired: log in again (aws sso login)",
    "PreconditionFailed": "the object changed while it was read: run again",
}


def is_s3(uri: str | Path) -> bool:
    return str(uri).startswith(S3_SCHEME)


def parse_s3(uri: str) -> tuple[str, str]:
    """``s3://bucket/some/key`` -> ``("bucket", "some/key")``; the key may be empty."""
    bucket, _, key = str(uri).removeprefix(S3_SCHEME).partition("/")
    if not is_s3(uri) or not bucket:
        raise InputError(uri, "not an s3://bucket/key URI", "write it as s3://BUCKET/KEY")
    return bucket, key


def s3_uri(bucket: str, key: str) -> str:
    return f"{S3_SCHEME}{bucket}/{key}"


def s3_client():
    """An S3 client from boto3's standard credential chain and endpoint settings."""
    try:
        import boto3
    except ImportError as err:
        raise InputError(None, "s3:// paths need boto3, which is not installed",
                         EXTRA_HINT) from err
    # A new session each time: boto3's default session would keep the credentials and
    # settings it first found for the whole process.
    return boto3.session.Session().client("s3")


@contextlib.contextmanager
def s3_errors(uri: str) -> Iterator[None]:
    """Turn botocore's exceptions into an InputError naming ``uri`` and what to do."""
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        yield
    except NoCredentialsError as err:
        raise InputError(uri, "no AWS credentials found", CREDENTIALS_HINT) from err
    except ClientError as err:
        # Only the code and message: other fields of an S3 error may echo the access key id.
        message = err.response.get("Error", {}).get("Message")
        code = error_code(err)
        detail = f": {message}" if message else ""
        raise InputError(uri, f"S3 refused the request ({code}{detail})",
                         FIXES.get(code, "see the S3 error code above")) from err
    except BotoCoreError as err:
        raise InputError(uri, f"S3 request failed: {err}",
                         "check the network, the region and AWS_ENDPOINT_URL if set") from err


def error_code(err) -> str:
    """S3's error code of a botocore ClientError (HEAD requests give the HTTP status)."""
    return str(err.response.get("Error", {}).get("Code", "unknown"))


@dataclass(frozen=True)
class RemoteObject:
    bucket: str
    key: str
    size: int
    etag: str
    sha256: str | None  # user metadata set by `scratchflow upload`; absent on other objects
    checksum_sha256: str | None  # S3's own checksum (base64; composite for multipart)

    @property
    def uri(self) -> str:
        return s3_uri(self.bucket, self.key)


def head(client, bucket: str, key: str) -> RemoteObject | None:
    """The object's size, ETag and checksums, or None if there is no such key."""
    from botocore.exceptions import ClientError

    try:
        found = client.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    except ClientError as err:
        if error_code(err) in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    return RemoteObject(bucket, key, found["ContentLength"], found["ETag"],
                        found.get("Metadata", {}).get("sha256"), found.get("ChecksumSHA256"))


def check_bucket(client, bucket: str) -> None:
    """Stop early, with a clear message, if the bucket does not exist."""
    from botocore.exceptions import ClientError

    try:
        client.head_bucket(Bucket=bucket)
    except ClientError as err:
        if error_code(err) in ("404", "NoSuchBucket"):
            raise InputError(s3_uri(bucket, ""), "no such bucket", "check the bucket name, "
                             f"or create the bucket (aws s3 mb s3://{bucket})") from err
        raise


# --- fetching -------------------------------------------------------------------------------

def fetch_input(uri: str | Path, cache_dir: str | Path, missing_ok: bool = False) -> Path | None:
    """A local path for ``uri``. Local paths are returned unchanged.

    An ``s3://`` object is downloaded to ``cache_dir/<bucket>/<key>`` (atomically, checked
    against its size and recorded sha256) and reused on a rerun while the object's ETag or
    sha256 is unchanged. With ``missing_ok`` an absent object gives None instead of an error.
    The source object is only read.
    """
    if not is_s3(uri):
        return Path(uri)
    uri = str(uri)
    bucket, key = parse_s3(uri)
    target = cache_path(Path(cache_dir), bucket, key, uri)
    client = s3_client()
    with s3_errors(uri):
        remote = head(client, bucket, key)
        if remote is None:
            if missing_ok:
                return None
            raise InputError(uri, "no such object in S3", FIXES["NoSuchKey"])
        if not cached_copy_matches(target, remote):
            download(client, remote, target)
    return target


def cache_path(cache_dir: Path, bucket: str, key: str, uri: str) -> Path:
    parts = PurePosixPath(key).parts
    if not parts or key.endswith("/") or parts[0] == "/" or ".." in parts:
        raise InputError(uri, "not the URI of one object (a key such as prefix/file.h5)",
                         "give the full key of a file, not a prefix")
    return cache_dir.joinpath(bucket, *parts)


def record_path(target: Path) -> Path:
    # Hidden, and named apart from every step's files (a pose record beside a cached pose file).
    return target.with_name(f".{target.name}.s3.json")


def cached_copy_matches(target: Path, remote: RemoteObject) -> bool:
    try:
        record = json.loads(record_path(target).read_text())
    except (OSError, ValueError):
        return False
    if not target.is_file() or target.stat().st_size != remote.size:
        return False
    same_version = record.get("etag") == remote.etag
    same_content = remote.sha256 is not None and record.get("sha256") == remote.sha256
    return same_version or same_content


def download(client, remote: RemoteObject, target: Path) -> None:
    """Stream the object to a temporary file, hashing it, and rename it into place if it checks."""
    digest = hashlib.sha256()
    size = 0
    with outputs.atomic_path(target) as tmp:
        # IfMatch: the version whose size and sha256 we check, even if it is replaced meanwhile.
        body = client.get_object(Bucket=remote.bucket, Key=remote.key, IfMatch=remote.etag,
                                 ChecksumMode="ENABLED")["Body"]
        with open(tmp, "wb") as out:
            for chunk in body.iter_chunks(READ_BYTES):
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        sha256 = digest.hexdigest()
        check_download(remote, size, sha256)
    outputs.write_json({"uri": remote.uri, "size": size, "etag": remote.etag, "sha256": sha256},
                       record_path(target))


def check_download(remote: RemoteObject, size: int, sha256: str) -> None:
    if size != remote.size or (remote.sha256 is not None and sha256 != remote.sha256):
        raise InputError(remote.uri, f"download does not match the object (got {size} bytes, "
                         f"sha256 {sha256}; expected {remote.size} bytes, sha256 {remote.sha256})",
                         "run again; if it repeats, upload the file again")


# --- listing --------------------------------------------------------------------------------

def list_pairs(source: str | Path) -> Pairing:
    """Video + metadata TXT pairs directly in a local folder or under an ``s3://`` prefix.

    Sub-folders are not searched (as in the pipeline's ``--input``). Local entries are Paths,
    S3 entries ``s3://`` URIs; the pairing rule is ``metadata.pair_by_stem``.
    """
    if not is_s3(source):
        return pair_by_stem(p for p in Path(source).iterdir() if p.is_file())
    bucket, prefix = parse_s3(str(source))
    prefix = folder_prefix(prefix)
    client = s3_client()
    with s3_errors(str(source)):
        keys = [PurePosixPath(key) for key in list_keys(client, bucket, prefix)]
    pairing = pair_by_stem(keys)

    def to_uri(key: PurePosixPath) -> str:
        return s3_uri(bucket, str(key))

    return Pairing(
        pairs=[(to_uri(video), to_uri(text)) for video, text in pairing.pairs],
        lonely_videos=[to_uri(k) for k in pairing.lonely_videos],
        lonely_texts=[to_uri(k) for k in pairing.lonely_texts],
        clashes=[to_uri(k) for k in pairing.clashes],
    )


def folder_prefix(prefix: str) -> str:
    """A key prefix naming a folder: empty (the bucket's top) or ending in '/'."""
    return prefix if not prefix or prefix.endswith("/") else prefix + "/"


def list_keys(client, bucket: str, prefix: str) -> list[str]:
    """Keys directly under ``prefix`` (the delimiter keeps sub-folders out)."""
    pages = client.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=prefix, Delimiter="/")
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


# --- sending --------------------------------------------------------------------------------

@dataclass(frozen=True)
class TransferSettings:
    """When to split an upload into parts, how large the parts are, how many go at once."""

    multipart_threshold: int = 64 * MiB
    part_size: int = 64 * MiB
    concurrency: int = 4

    def config(self):
        from boto3.s3.transfer import TransferConfig

        # "classic": the part sizes must be s3transfer's (part_size_for) for the checksum check.
        return TransferConfig(multipart_threshold=self.multipart_threshold,
                              multipart_chunksize=self.part_size,
                              max_concurrency=self.concurrency,
                              preferred_transfer_client="classic")

    def part_size_for(self, size: int) -> int | None:
        """The part size s3transfer will use for a file of ``size`` bytes; None: one PUT."""
        if size < self.multipart_threshold:
            return None
        from s3transfer.utils import ChunksizeAdjuster

        return ChunksizeAdjuster().adjust_chunksize(self.part_size, size)


@dataclass(frozen=True)
class FileDigest:
    size: int
    sha256: str  # hex, of the whole file
    s3_checksum: str  # the ChecksumSHA256 S3 should report: base64, composite if in parts
    parts: int  # 0: a single PUT


def file_digest(path: Path, part_size: int | None) -> FileDigest:
    """sha256 of the whole file and, for a multipart upload, of each part (one read)."""
    size = path.stat().st_size
    step = part_size or max(size, 1)
    whole = hashlib.sha256()
    part_digests = []
    with open(path, "rb") as handle:
        for _ in range(max(1, math.ceil(size / step))):
            piece = hashlib.sha256()
            for chunk in read_part(handle, step):
                whole.update(chunk)
                piece.update(chunk)
            part_digests.append(piece.digest())
    if part_size is None:
        checksum = whole.digest()
    else:  # S3's composite checksum: the sha256 of the parts' sha256 digests
        checksum = hashlib.sha256(b"".join(part_digests)).digest()
    parts = 0 if part_size is None else len(part_digests)
    return FileDigest(size, whole.hexdigest(), base64.b64encode(checksum).decode(), parts)


def read_part(handle, size: int) -> Iterator[bytes]:
    """Chunks of at most 1 MiB until ``size`` bytes (or the end of the file) are read."""
    while size > 0 and (chunk := handle.read(min(READ_BYTES, size))):
        size -= len(chunk)
        yield chunk


def send_file(client, path: Path, bucket: str, key: str, digest: FileDigest,
              transfer: TransferSettings, on_bytes: Callable[[int], None]) -> None:
    """Upload with the sha256 as metadata; S3 checks each part against its SHA256 checksum."""
    client.upload_file(str(path), bucket, key,
                       ExtraArgs={"Metadata": {"sha256": digest.sha256},
                                  "ChecksumAlgorithm": "SHA256"},
                       Config=transfer.config(), Callback=on_bytes)


def verify_object(client, bucket: str, key: str, digest: FileDigest) -> RemoteObject:
    """Check a sent object against the local file; a bad copy is deleted so no rerun trusts it."""
    remote = head(client, bucket, key)
    problems = mismatches(remote, digest)
    if problems:
        if remote is not None:
            client.delete_object(Bucket=bucket, Key=key)
        raise InputError(s3_uri(bucket, key), "the uploaded object does not match the local "
                         f"file ({'; '.join(problems)}); it was deleted", "run the upload again")
    return remote


def mismatches(remote: RemoteObject | None, digest: FileDigest) -> list[str]:
    if remote is None:
        return ["it is missing after the upload"]
    problems = []
    if remote.size != digest.size:
        problems.append(f"{remote.size} bytes, expected {digest.size}")
    if remote.sha256 != digest.sha256:
        problems.append(f"metadata sha256 {remote.sha256}, expected {digest.sha256}")
    # Stores without S3 checksums (some S3-compatible ones) report none: size + sha256 then.
    # S3 may append the part count ("...=-3") to a composite checksum; moto does not.
    if remote.checksum_sha256 and remote.checksum_sha256.split("-")[0] != digest.s3_checksum:
        problems.append(f"S3 SHA256 checksum {remote.checksum_sha256}, expected "
                        f"{digest.s3_checksum} from the local file")
    return problems
