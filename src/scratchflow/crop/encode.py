"""One ffmpeg run decodes the raw video once and encodes every mouse's crop (``split``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scratchflow.crop.boxes import Box
from scratchflow.errors import InputError
from scratchflow.ffmpeg import ProgressCallback, VideoInfo, probe, run_ffmpeg


@dataclass(frozen=True)
class EncoderSettings:
    """Defaults: visually lossless H.264 (crf 18) at a speed that keeps up with 2 cores."""

    codec: str = "libx264"
    crf: int = 18
    preset: str = "veryfast"
    pix_fmt: str = "yuv420p"

    def args(self) -> list[str]:
        # crf and preset are x264/x265 options; other encoders (e.g. ffv1) take none of them.
        x26x = self.codec in ("libx264", "libx265")
        quality = ["-crf", str(self.crf), "-preset", self.preset] if x26x else []
        return ["-c:v", self.codec, *quality, "-pix_fmt", self.pix_fmt]


def split_crop_args(video: Path, crops: list[tuple[Box, Path]],
                    encoder: EncoderSettings) -> list[str]:
    """ffmpeg arguments: decode once, ``split`` into one crop + encoder per output."""
    names = [f"v{i}" for i in range(len(crops))]
    graph = f"[0:v]split={len(crops)}" + "".join(f"[s{i}]" for i in range(len(crops)))
    for i, (box, _) in enumerate(crops):
        graph += f";[s{i}]crop={box.w}:{box.h}:{box.x}:{box.y}[{names[i]}]"
    args = ["-y", "-i", str(video), "-filter_complex", graph]
    for name, (_, target) in zip(names, crops, strict=True):
        # passthrough: every decoded frame is written once with its timestamp (no dup/drop).
        args += ["-map", f"[{name}]", "-an", "-fps_mode", "passthrough", *encoder.args(),
                 "-f", "mp4", str(target)]
    return args


def encode_crops(info: VideoInfo, crops: list[tuple[Box, Path]], encoder: EncoderSettings,
                 on_progress: ProgressCallback | None = None) -> list[VideoInfo]:
    """Write all crops in one pass; check each has the input's frame count and frame rate."""
    run_ffmpeg(split_crop_args(info.path, crops, encoder), info.path, on_progress)
    results = []
    for _, target in crops:
        out = probe(target)
        if out.frames != info.frames or out.frame_rate != info.frame_rate:
            raise InputError(info.path, f"crop has {out.frames} frames at {out.frame_rate} fps, "
                             f"input has {info.frames} at {info.frame_rate}; nothing was kept",
                             "the video may be damaged part-way: check it plays to the end")
        results.append(out)
    return results
