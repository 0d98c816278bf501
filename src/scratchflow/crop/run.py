"""Crop one raw video into one video per mouse, or a folder of video + TXT pairs.

Raw files are only ever read. Every output is written under a temporary name in the output
folder and renamed once complete (videos only after their frame count is checked), and an
existing output is replaced only with ``overwrite``.
"""

from __future__ import annotations

import contextlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from scratchflow import outputs
from scratchflow.crop import record as crop_record
from scratchflow.crop.boxes import Box, CropGeometry, check_boxes
from scratchflow.crop.encode import EncoderSettings, encode_crops
from scratchflow.crop.naming import output_stem
from scratchflow.crop.preview import draw_preview, write_png
from scratchflow.crop.qr import QrCode, find_codes, frames_at, sample_indices
from scratchflow.errors import InputError
from scratchflow.ffmpeg import VideoInfo, ffmpeg_version, probe
from scratchflow.metadata import VIDEO_SUFFIXES, VideoMetadata, parse_metadata
from scratchflow.progress import Report, frame_reporter
from scratchflow.storage import list_pairs

EXTRA_PACKAGES = ("opencv-python-headless", "pyzbar")
FPS_TOLERANCE = 0.01  # a camera's nominal 30 fps may be stored as 29.97


@dataclass(frozen=True)
class CropOptions:
    out_dir: Path
    geometry: CropGeometry = field(default_factory=CropGeometry)
    encoder: EncoderSettings = field(default_factory=EncoderSettings)
    boxes: dict[str, Box] | None = None  # by hand: skips QR detection
    expected_codes: int = 2
    sample_seconds: float = 5.0
    sample_frames: int = 8
    scan_scale: float = 0.5
    overwrite: bool = False

    def parameters(self) -> dict:
        params = asdict(self)
        params["out_dir"] = str(self.out_dir)
        params["boxes"] = {k: b.to_dict() for k, b in self.boxes.items()} if self.boxes else None
        return params


@dataclass(frozen=True)
class CroppedMouse:
    label: str
    box: Box
    video: Path
    sidecar: Path
    preview: Path
    frames: int


def crop_video(video: str | Path, metadata: str | Path | None, options: CropOptions,
               claimed: dict[Path, Path] | None = None,
               progress: Report | None = None) -> list[CroppedMouse]:
    """Crop ``video`` (metadata defaults to ``<stem>.txt`` beside it) into one file per mouse.

    ``claimed`` maps outputs already written in this run to their source, so two videos whose
    metadata give the same name are caught instead of silently replacing each other.
    """
    video = Path(video)
    txt = Path(metadata) if metadata else video.with_suffix(".txt")
    meta = parse_metadata(txt)
    info = probe(video)
    check_fps(meta, info)
    # Boxes given by hand need no QR scan: one frame is enough for the preview.
    indices = [0] if options.boxes else sample_indices(
        info.frames, info.fps, options.sample_seconds, options.sample_frames)
    frames = frames_at(video, indices)
    codes, boxes = locate_boxes(video, frames, info, options)
    paths = plan_outputs(meta, video, boxes, options, claimed)
    record = base_record(video, txt, meta, info, options)
    results = write_videos(info, boxes, paths, options.encoder,
                           frame_reporter(video.name, info.frames, progress))
    preview_frame = frame_with_all_codes(frames, codes)
    done = []
    for (label, box), result in zip(boxes.items(), results, strict=True):
        code = next((c for c in codes if c.label == label), None)
        target = paths[label]
        details = sidecar(record, label, box, code, meta, result, target)
        outputs.write_json(details, target["record"])
        write_png(draw_preview(preview_frame, boxes, codes, label), target["preview"])
        done.append(CroppedMouse(label, box, target["video"], target["record"],
                                 target["preview"], result.frames))
    if claimed is not None:
        claimed.update({p["video"]: video for p in paths.values()})
    return done


def write_videos(info: VideoInfo, boxes: dict[str, Box], paths: dict[str, dict[str, Path]],
                 encoder: EncoderSettings, on_frame) -> list[VideoInfo]:
    """Encode to temporary names; all are renamed into place only if every one checks out."""
    with contextlib.ExitStack() as stack:
        temps = [stack.enter_context(outputs.atomic_path(paths[label]["video"])) for label in boxes]
        return encode_crops(info, list(zip(boxes.values(), temps, strict=True)), encoder, on_frame)


def check_fps(meta: VideoMetadata, info: VideoInfo) -> None:
    if meta.fps is not None and abs(meta.fps - info.fps) > FPS_TOLERANCE * info.fps:
        raise InputError(meta.source, f"line {meta.lines['fps']}: fps {meta.fps:g} disagrees with "
                         f"the video's {info.fps:g} fps ({info.path.name})",
                         "correct the fps line or remove it (the video's own rate is used)")


def locate_boxes(video: Path, frames: dict[int, np.ndarray], info: VideoInfo,
                 options: CropOptions) -> tuple[list[QrCode], dict[str, Box]]:
    if options.boxes:
        codes, boxes = [], dict(options.boxes)
    else:
        codes = find_codes(video, frames, options.expected_codes, options.scan_scale)
        boxes = {code.label: options.geometry.box_for(code.outline) for code in codes}
    check_boxes(boxes, info.width, info.height, video)
    return codes, boxes


def plan_outputs(meta: VideoMetadata, video: Path, boxes: dict[str, Box], options: CropOptions,
                 claimed: dict[Path, Path] | None) -> dict[str, dict[str, Path]]:
    """Output paths per box; refuse names taken in this run, raw inputs, or existing files."""
    paths = {label: crop_record.output_paths(options.out_dir, output_stem(meta, label, video))
             for label in boxes}
    raw = {video.resolve(), meta.source.resolve()}
    for target in (p for group in paths.values() for p in group.values()):
        if target.resolve() in raw:
            raise InputError(target, "output name equals a raw input", "use another --out")
        if claimed and target in claimed:
            raise InputError(video, f"output {target.name} is also made from {claimed[target]} "
                             "in this run (same date, time, camera and position)",
                             "correct the metadata TXT of one of the two videos")
        if target.exists() and not options.overwrite:
            raise InputError(target, "output already exists; not overwritten",
                             "pass --overwrite to replace it, or choose another --out")
    return paths


def base_record(video: Path, txt: Path, meta: VideoMetadata, info: VideoInfo,
                options: CropOptions) -> dict:
    """Provenance shared by every crop of this video (input checksums are computed once)."""
    record = outputs.provenance(crop_record.STEP, [video, txt], options.parameters())
    record["software"].update(outputs.software_versions(EXTRA_PACKAGES))
    record["software"]["ffmpeg"] = ffmpeg_version()
    return crop_record.video_record(record, meta.to_dict(), {
        "width": info.width, "height": info.height, "frame_rate": info.frame_rate,
        "frames": info.frames, "codec": info.codec})


def sidecar(record: dict, label: str, box: Box, code: QrCode | None, meta: VideoMetadata,
            result: VideoInfo, target: dict[str, Path]) -> dict:
    return crop_record.mouse_record(
        record, label, meta.positions.get(label, {}), box.to_dict(),
        code.to_dict() if code else None,
        {"video": target["video"].name, "preview": target["preview"].name,
         "frames": result.frames, "frame_rate": result.frame_rate,
         "width": result.width, "height": result.height})


def frame_with_all_codes(frames: dict[int, np.ndarray], codes: list[QrCode]) -> np.ndarray:
    for index, frame in sorted(frames.items()):
        if all(index in code.frames for code in codes):
            return frame
    return frames[min(frames)]


def crop_batch(jobs: list[tuple[Path, Path | None]], options: CropOptions, report: Report,
               errors: Report, progress: Report | None = None) -> int:
    """Crop every (video, metadata) job; a failing video is reported to ``errors`` and the
    rest go on; what was made goes to ``report``.

    Returns the number of videos that failed.
    """
    claimed: dict[Path, Path] = {}
    failures = 0
    for video, metadata in jobs:
        try:
            done = crop_video(video, metadata, options, claimed, progress)
        except InputError as err:
            failures += 1
            errors(f"error: {err}")
            continue
        for mouse in done:
            report(f"{video}: {mouse.label} -> {mouse.video} ({mouse.frames} frames, {mouse.box})")
    return failures


def collect_jobs(source: Path, metadata: Path | None, out_dir: Path,
                 report: Report) -> tuple[list[tuple[Path, Path | None]], int]:
    """Jobs for a video or a folder of pairs, and how many videos lack a TXT (failures)."""
    if not source.is_dir():
        return [(source, metadata)], 0
    if metadata is not None:
        raise InputError(metadata, "--metadata applies to one video, not a folder",
                         "drop --metadata: each video's TXT of the same stem is used")
    if out_dir.resolve() == source.resolve():
        raise InputError(out_dir, "output folder is the raw-video folder",
                         "write crops to a separate --out folder; raw folders stay untouched")
    pairs, lonely_videos, lonely_texts, clashes = list_pairs(source)
    for video in lonely_videos:
        report(f"error: {video}: no metadata TXT with the same stem; skipped")
    for text in lonely_texts:
        report(f"warning: {text}: no video with the same stem; ignored")
    for path in clashes:
        report(f"error: {path}: another video or TXT has the same stem; skipped")
    failed = len(lonely_videos) + sum(p.suffix.lower() in VIDEO_SUFFIXES for p in clashes)
    if not pairs and not failed:
        raise InputError(source, f"no videos ({', '.join(VIDEO_SUFFIXES)}) in the folder",
                         "pass a video file or a folder of video + TXT pairs")
    return pairs, failed
