"""Send an experiment folder (raw videos + metadata TXTs) to S3 with a samplesheet for Nextflow.

Nothing is sent until every check passes: each video has its TXT and each TXT its video, every
TXT parses, and the names suit the pipeline's samplesheet. Existing objects are never replaced
without ``overwrite``; one with the same size and sha256 counts as sent, so a rerun resumes.
Every object is checked after sending (size, sha256 metadata, S3's SHA256 checksum), and the
samplesheet goes last: its presence means the whole experiment is there.
"""

from __future__ import annotations

import csv
import re
import tempfile
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

from scratchflow import storage
from scratchflow.crop.naming import name_clashes
from scratchflow.errors import InputError
from scratchflow.metadata import VIDEO_SUFFIXES, Sample, parse_metadata
from scratchflow.progress import Report
from scratchflow.storage import FileDigest, TransferSettings

MANIFEST_NAME = "samplesheet.csv"
MANIFEST_COLUMNS = ("sample", "video", "metadata", "experiment")
# The rules of assets/schema_input.json (tests/test_storage.py checks they are the same), so
# that a samplesheet written here always passes the pipeline's check.
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
# The pipeline's glob (videoGlob in subworkflows/local/pipeline_initialisation) matches each
# video suffix in lower or upper case, as this pattern and the samplesheet schema do.
VIDEO_EXTENSIONS = [case(s[1:]) for s in VIDEO_SUFFIXES for case in (str.lower, str.upper)]
VIDEO_PATTERN = rf"^\S+\.({'|'.join(VIDEO_EXTENSIONS)})$"
METADATA_PATTERN = r"^\S+\.txt$"

# progress(label, total_bytes) -> a context manager whose update(n) adds n bytes sent
Progress = Callable[[str, int], AbstractContextManager]


@dataclass(frozen=True)
class UploadOptions:
    transfer: TransferSettings = field(default_factory=TransferSettings)
    overwrite: bool = False
    experiment: str | None = None  # default: the folder's name


@dataclass(frozen=True)
class Item:
    """One local file and the key it goes to."""

    path: Path
    key: str
    digest: FileDigest


@dataclass
class UploadResult:
    manifest: str  # s3:// URI of the samplesheet
    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def upload_experiment(folder: str | Path, destination: str, options: UploadOptions,
                      report: Report, progress: Progress) -> UploadResult:
    """Check ``folder``, then send its pairs and a samplesheet under the ``s3://`` prefix."""
    folder = Path(folder)
    bucket, prefix = destination_prefix(destination)
    experiment = options.experiment or folder.resolve().name
    samples = check_experiment(folder, experiment)
    client = storage.s3_client()
    with tempfile.TemporaryDirectory(prefix="scratchflow-upload-") as tmp:
        sheet = write_samplesheet(samples, bucket, prefix, experiment, Path(tmp) / MANIFEST_NAME)
        files = [path for s in samples for path in (s.video, s.metadata)] + [sheet]  # sheet last
        items = [describe(path, prefix + path.name, options.transfer, report) for path in files]
        todo, done = plan(client, bucket, items, options.overwrite, destination)
        result = UploadResult(storage.s3_uri(bucket, prefix + MANIFEST_NAME))
        for item in done:
            report(f"{item.path.name}: already uploaded (same sha256), skipped")
            result.skipped.append(storage.s3_uri(bucket, item.key))
        for item in todo:
            send(client, bucket, item, options.transfer, report, progress)
            result.sent.append(storage.s3_uri(bucket, item.key))
    return result


# S3's rule for bucket names: 3-63 lower-case letters, digits, '.' and '-', starting and
# ending with a letter or digit. boto3 would refuse others with its own regex in the message.
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def destination_prefix(destination: str) -> tuple[str, str]:
    bucket, prefix = storage.parse_s3(destination)
    if re.search(r"\s", destination):
        raise InputError(destination, "the destination contains white space",
                         "the pipeline's samplesheet allows none: choose another prefix")
    if not BUCKET_NAME.match(bucket) or ".." in bucket:
        raise InputError(destination, f"{bucket!r} is not a valid S3 bucket name",
                         "bucket names have 3-63 lower-case letters, digits, '.' and '-', "
                         "and start and end with a letter or digit")
    return bucket, storage.folder_prefix(prefix)


def check_experiment(folder: Path, experiment: str) -> list[Sample]:
    """The folder's samples; every problem found is reported at once, before anything is sent."""
    if not folder.is_dir():
        raise InputError(folder, "not a folder", "pass the folder holding the videos and TXTs")
    pairs, lonely_videos, lonely_texts, clashes = storage.list_pairs(folder)
    problems = [f"{v.name}: no metadata TXT {v.stem}.txt beside it" for v in lonely_videos]
    problems += [f"{t.name}: no video with the same stem beside it" for t in lonely_texts]
    problems += [f"{p.name}: another video or TXT has the stem {p.stem!r}" for p in clashes]
    if not re.match(NAME_PATTERN, experiment):
        problems.append(f"experiment name {experiment!r} may use only letters, digits, '.', "
                        "'_' and '-' (pass --experiment)")
    for video, text in pairs:
        problems += name_problems(video, text)
        try:
            parse_metadata(text)
        except InputError as err:
            problems.append(str(err).replace("\n", "\n    "))
    for first, second, name in name_clashes([(video.name, text) for video, text in pairs]):
        problems.append(f"{first} and {second} would both be cropped to files named {name}: "
                        "their TXTs give the same date, time and camera; correct one of them")
    if not pairs and not problems:
        problems.append("no video + TXT pairs in the folder")
    if problems:
        raise InputError(folder, "nothing was uploaded:\n  - " + "\n  - ".join(problems),
                         "fix the files named above and run again (docs/metadata.md)")
    return [Sample(video.stem, video, text) for video, text in pairs]


def name_problems(video: Path, text: Path) -> list[str]:
    problems = []
    if not re.match(NAME_PATTERN, video.stem):
        problems.append(f"{video.name}: the sample name {video.stem!r} may use only letters, "
                        "digits, '.', '_' and '-': rename the video and its TXT")
    if not re.match(VIDEO_PATTERN, video.name):
        problems.append(f"{video.name}: the pipeline reads {', '.join(VIDEO_SUFFIXES)} videos "
                        "(lower or upper case)")
    if not re.match(METADATA_PATTERN, text.name):
        problems.append(f"{text.name}: the pipeline reads metadata ending in lower-case .txt")
    return problems


def write_samplesheet(samples: list[Sample], bucket: str, prefix: str, experiment: str,
                      path: Path) -> Path:
    """``sample,video,metadata,experiment`` with the S3 URIs the files will have."""
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(MANIFEST_COLUMNS)
        for s in samples:
            writer.writerow([s.name, storage.s3_uri(bucket, prefix + s.video.name),
                             storage.s3_uri(bucket, prefix + s.metadata.name), experiment])
    return path


def describe(path: Path, key: str, transfer: TransferSettings, report: Report) -> Item:
    size = path.stat().st_size
    if size >= 256 * storage.MiB:
        report(f"{path.name}: computing its sha256 ({size / storage.MiB:,.0f} MiB)")
    return Item(path, key, storage.file_digest(path, transfer.part_size_for(size)))


def plan(client, bucket: str, items: list[Item], overwrite: bool,
         destination: str) -> tuple[list[Item], list[Item]]:
    """Split into (to send, already there); stop if an object differs and may not be replaced."""
    todo, done, conflicts = [], [], []
    with storage.s3_errors(destination):
        storage.check_bucket(client, bucket)
        for item in items:
            remote = storage.head(client, bucket, item.key)
            if remote is None or (overwrite and not same_content(remote, item.digest)):
                todo.append(item)
            elif same_content(remote, item.digest):
                done.append(item)
            else:
                conflicts.append(f"{remote.uri} exists with other content ({remote.size} bytes, "
                                 f"sha256 {remote.sha256 or 'not recorded'})")
    if conflicts:
        raise InputError(destination, "nothing was uploaded; these objects differ from the local "
                         "files:\n  - " + "\n  - ".join(conflicts),
                         "pass --overwrite to replace them, or upload to another prefix")
    return todo, done


def same_content(remote: storage.RemoteObject, digest: FileDigest) -> bool:
    return remote.size == digest.size and remote.sha256 == digest.sha256


def send(client, bucket: str, item: Item, transfer: TransferSettings, report: Report,
         progress: Progress) -> None:
    uri = storage.s3_uri(bucket, item.key)
    lock = threading.Lock()  # s3transfer reports bytes from its worker threads
    with progress(item.path.name, item.digest.size) as bar, storage.s3_errors(uri):
        def on_bytes(count: int) -> None:
            with lock:
                bar.update(count)

        storage.send_file(client, item.path, bucket, item.key, item.digest, transfer, on_bytes)
        remote = storage.verify_object(client, bucket, item.key, item.digest)
    parts = f"{item.digest.parts} parts" if item.digest.parts else "one request"
    checks = "size, sha256" + (" and S3 SHA256 checksum" if remote.checksum_sha256 else "")
    report(f"{item.path.name}: sent to {uri} ({item.digest.size:,} bytes in {parts}); "
           f"{checks} verified")
