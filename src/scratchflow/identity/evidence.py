"""Colour evidence: how many pixels of each named colour lie around each tracked keypoint.

The floor is masked by a background image (the median of frames spread over the video), so
a red lamp or a green floor mark never counts as fur. Colour is read only at a small grid of
points around each keypoint, through a lookup table, so the cost per frame is a few hundred
pixels whatever the image size and decoding is what bounds the speed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from scratchflow import ffmpeg
from scratchflow.errors import InputError
from scratchflow.formats import PoseData
from scratchflow.identity.colours import ColourRange, class_table, pixel_index
from scratchflow.identity.params import IdentityParams


@dataclass(frozen=True)
class ColourEvidence:
    counts: np.ndarray  # (time, track, keypoint, colour) uint8: coloured fur samples
    n_samples: int  # sample points around each keypoint
    decode_s: float  # wall time of decoding and sampling


# Fewer key frames than this make a poor median (a short clip has one or two): decode the
# whole clip instead and take frames spread over it.
MIN_KEY_FRAMES = 9


def key_frames(info: ffmpeg.VideoInfo, n_frames: int) -> list[np.ndarray]:
    """Up to ``n_frames`` frames spread evenly over the video: key frames (only those are
    decoded, so this costs a few frames whatever the video's length), or, in a clip with
    too few key frames, frames of a full decode."""
    kept: list[np.ndarray] = []
    every = 1
    for index, frame in enumerate(ffmpeg.read_keyframes(info)):
        if index % every == 0:
            kept.append(frame)
        if len(kept) > 2 * n_frames:  # a long video: keep every other one, spread still even
            kept, every = kept[::2], every * 2
    if len(kept) < min(n_frames, MIN_KEY_FRAMES):
        wanted = set(np.linspace(0, info.frames - 1, n_frames).round().astype(int).tolist())
        kept = [frame for index, frame in enumerate(ffmpeg.read_frames(info))
                if index in wanted]
    if not kept:
        raise InputError(info.path, "no frame could be decoded", "check the video plays")
    return kept[::max(1, len(kept) // n_frames)]


def background(frames: list[np.ndarray]) -> np.ndarray:
    """The per-pixel median of frames spread over the video: the empty arena, as long as no
    mouse sits in one place for most of the recording."""
    return np.median(np.stack(frames), axis=0).astype(np.int16)


def fur_pixels(frames: list[np.ndarray], empty: np.ndarray, params: IdentityParams,
               stride: int = 2) -> np.ndarray:
    """(P, 3) uint8 RGB of the pixels that differ from the background (the mice), on every
    ``stride``-th row and column of ``frames``: what ``--learn-colours`` clusters."""
    contrast = round(255 * params.foreground_contrast)
    found = []
    for frame in frames:
        pixels = frame[::stride, ::stride]
        fur = np.abs(pixels - empty[::stride, ::stride]).max(-1) > contrast
        found.append(pixels[fur])
    return np.concatenate(found)


def sample_offsets(radius_px: float) -> np.ndarray:
    """(P, 2) integer x, y offsets on a grid inside a disk: about 21 points at any radius."""
    step = max(1.0, radius_px / 2)
    ticks = np.arange(-2, 3) * step
    dx, dy = np.meshgrid(ticks, ticks)
    inside = dx ** 2 + dy ** 2 <= radius_px ** 2 + 1e-9
    return np.column_stack([dx[inside], dy[inside]]).round().astype(np.int32)


def colour_evidence(info: ffmpeg.VideoInfo, pose: PoseData, colours: list[ColourRange],
                    params: IdentityParams, body_length_px: float,
                    empty: np.ndarray) -> ColourEvidence:
    """Count, per frame, track and keypoint, the samples of each colour that differ from
    the background ``empty``."""
    started = time.perf_counter()
    table = class_table(colours)
    offsets = sample_offsets(params.sample_radius_bl * body_length_px)
    contrast = round(255 * params.foreground_contrast)
    n_time, n_tracks, n_keypoints = pose.likelihood.shape
    counts = np.zeros((n_time, n_tracks, n_keypoints, len(colours)), np.uint8)
    colour_ids = np.arange(1, len(colours) + 1, dtype=np.uint8)
    for index, frame in enumerate(ffmpeg.read_frames(info)):
        if index >= n_time:
            break
        xy = pose.position[index]
        tracked = np.isfinite(xy).all(-1)
        x = np.clip(np.nan_to_num(xy[..., 0]).astype(np.int32)[..., None] + offsets[:, 0],
                    0, info.width - 1)
        y = np.clip(np.nan_to_num(xy[..., 1]).astype(np.int32)[..., None] + offsets[:, 1],
                    0, info.height - 1)
        pixels = frame[y, x]
        fur = np.abs(pixels - empty[y, x]).max(-1) > contrast
        kind = np.where(fur, table[pixel_index(pixels)], 0)
        found = (kind[..., None] == colour_ids).sum(-2)
        counts[index] = np.where(tracked[..., None], found, 0)
    return ColourEvidence(counts, len(offsets), time.perf_counter() - started)


# A video in which fewer than this share of the samples on the mice is coloured is grey.
MIN_COLOURED_SHARE = 0.002
# A colour with less than this share of the coloured samples is not on any mouse.
MIN_COLOUR_SHARE = 0.02


def check_colours_seen(evidence: ColourEvidence, colours: list[ColourRange], video,
                       n_tracked: int) -> None:
    """Refuse a grey video, or a colour that no mouse wears, before repairing with it."""
    per_colour = evidence.counts.sum(axis=(0, 1, 2), dtype=np.int64)
    sampled = max(n_tracked * evidence.n_samples, 1)
    if per_colour.sum() < MIN_COLOURED_SHARE * sampled:
        raise InputError(video, f"the video shows no fur colour around the tracked mice "
                         f"({100 * per_colour.sum() / sampled:.2f} % of samples coloured): it "
                         "is grey or black-and-white", "identity needs the colour video of "
                         "colour-marked mice; check the camera's colour mode and --colours")
    share = per_colour / per_colour.sum()
    missing = [f"{c.name} ({100 * s:.1f} %)" for c, s in zip(colours, share, strict=True)
               if s < MIN_COLOUR_SHARE]
    if missing:
        seen = ", ".join(f"{c.name} {100 * s:.0f} %" for c, s in zip(colours, share, strict=True))
        raise InputError(video, f"colour(s) {', '.join(missing)} not seen on the tracked mice "
                         f"(coloured samples: {seen})", "check --colours names each mouse's "
                         "colour, or give its range as NAME=H0-H1,S,V (docs/identity.md)")
