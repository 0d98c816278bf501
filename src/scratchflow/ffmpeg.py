"""Thin wrappers around the ffmpeg and ffprobe programs, shared by every step that touches video.

Video is decoded and encoded by ffmpeg itself (not frame by frame in Python) because that is
several times faster and keeps timestamps, and so frame counts, exact.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from scratchflow.errors import InputError

ProgressCallback = Callable[[int], None]


@dataclass(frozen=True)
class VideoInfo:
    path: Path
    width: int
    height: int
    frame_rate: str  # exact, as ffprobe reports it, e.g. "30000/1001"
    frames: int
    codec: str

    @property
    def fps(self) -> float:
        return float(Fraction(self.frame_rate))


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise InputError(None, f"{name} not found on PATH",
                         "install it (Debian: apt-get install ffmpeg), or run `make install`")
    return found


def ffmpeg_version() -> str:
    result = subprocess.run([tool("ffmpeg"), "-version"], capture_output=True, text=True)
    return result.stdout.splitlines()[0] if result.stdout else "unknown"


def probe(path: str | Path) -> VideoInfo:
    """Size, frame rate and exact frame count (packets counted, no decoding) of the video stream."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "video file not found", "check the path")
    cmd = [tool("ffprobe"), "-v", "error", "-select_streams", "v:0", "-count_packets",
           "-show_entries", "stream=width,height,r_frame_rate,nb_read_packets,codec_name",
           "-of", "json", str(path)]
    result = subprocess.run(cmd, capture_output=True, text=True)
    streams = json.loads(result.stdout or "{}").get("streams", []) if result.returncode == 0 else []
    if not streams or not int(streams[0].get("nb_read_packets", 0) or 0):
        reason = last_line(result.stderr) or "no video stream with frames"
        raise InputError(path, f"not a readable video: {reason}",
                         "check the file is complete (copy it again from the camera or backup)")
    stream = streams[0]
    return VideoInfo(path, int(stream["width"]), int(stream["height"]), stream["r_frame_rate"],
                     int(stream["nb_read_packets"]), stream.get("codec_name", "unknown"))


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def run_ffmpeg(args: list[str], source: Path, on_progress: ProgressCallback | None = None) -> None:
    """Run ffmpeg with ``args``; report decoded frames to ``on_progress``; raise on failure."""
    cmd = [tool("ffmpeg"), "-nostdin", "-hide_banner", "-v", "error", "-nostats",
           "-progress", "pipe:1", *args]
    # stderr goes to a file: a chatty ffmpeg could fill a pipe and block while we read stdout.
    with tempfile.TemporaryFile(mode="w+") as errors:
        process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errors, text=True)
        for line in process.stdout:
            key, _, value = line.strip().partition("=")
            if key == "frame" and on_progress is not None and value.isdigit():
                on_progress(int(value))
        process.wait()
        errors.seek(0)
        message = errors.read()
    if process.returncode != 0:
        raise InputError(source, f"ffmpeg failed (exit {process.returncode}): "
                         f"{last_line(message) or 'no message'}",
                         "check the video plays; a truncated or corrupt file must be re-copied")


def write_video(path: str | Path, frames: Iterable[np.ndarray], fps: float | str,
                encoder_args: tuple[str, ...] = ("-c:v", "libx264", "-preset", "ultrafast",
                                                 "-crf", "18", "-pix_fmt", "yuv420p")) -> Path:
    """Encode BGR uint8 frames (all the same size) to ``path`` through an ffmpeg pipe."""
    iterator = iter(frames)
    first = next(iterator)
    height, width = first.shape[:2]
    cmd = [tool("ffmpeg"), "-nostdin", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24",
           "-s", f"{width}x{height}", "-r", str(fps), "-i", "pipe:0", *encoder_args, str(path)]
    process = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    try:
        process.stdin.write(np.ascontiguousarray(first).tobytes())
        for frame in iterator:
            process.stdin.write(np.ascontiguousarray(frame).tobytes())
    finally:
        process.stdin.close()
        process.wait()
    if process.returncode != 0:
        raise RuntimeError(f"ffmpeg could not write {path} (exit {process.returncode})")
    return Path(path)


def read_frames(info: VideoInfo, pix_fmt: str = "rgb24",
                scale_to: tuple[int, int] | None = None) -> Iterator[np.ndarray]:
    """Decode every frame of a probed video through an ffmpeg pipe, in order, as uint8 arrays,
    scaled by ffmpeg (area averaging) to ``scale_to`` = (width, height) when given.

    ``-fps_mode passthrough`` keeps the stream's frames one to one, so the count matches
    ``info.frames``.
    """
    channels = {"rgb24": 3, "bgr24": 3, "gray": 1}[pix_fmt]
    width, height = scale_to or (info.width, info.height)
    size = width * height * channels
    scaling = ["-vf", f"scale={width}:{height}:flags=area"] if scale_to else []
    cmd = [tool("ffmpeg"), "-nostdin", "-v", "error", "-i", str(info.path), "-map", "0:v:0",
           *scaling, "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", pix_fmt,
           "pipe:1"]
    with tempfile.TemporaryFile() as messages:
        process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=messages)
        try:
            while chunk := process.stdout.read(size):
                if len(chunk) < size:
                    break
                yield np.frombuffer(chunk, np.uint8).reshape(height, width, channels)
            code = process.wait()
        finally:  # a reader that stops early leaves ffmpeg mid-stream: stop it
            process.stdout.close()
            process.kill()
            process.wait()
        # Only a reader that took every frame gets here; a failed decode says why.
        if code != 0:
            messages.seek(0)
            reason = last_line(messages.read().decode(errors="replace")) or "no message"
            raise InputError(info.path, f"ffmpeg could not decode the video (exit {code}): "
                             f"{reason}", "check the video plays; a truncated or corrupt file "
                             "must be re-copied")


def read_keyframes(info: VideoInfo, pix_fmt: str = "rgb24") -> Iterator[np.ndarray]:
    """Decode only the key frames, in order: a sample spread over the whole video for the
    cost of a few frames (the decoder skips the rest), for statistics such as a background."""
    channels = {"rgb24": 3, "bgr24": 3, "gray": 1}[pix_fmt]
    size = info.width * info.height * channels
    cmd = [tool("ffmpeg"), "-nostdin", "-v", "error", "-skip_frame", "nokey", "-i",
           str(info.path), "-map", "0:v:0", "-fps_mode", "passthrough", "-f", "rawvideo",
           "-pix_fmt", pix_fmt, "pipe:1"]
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        while len(chunk := process.stdout.read(size)) == size:
            yield np.frombuffer(chunk, np.uint8).reshape(info.height, info.width, channels)
    finally:
        process.stdout.close()
        process.kill()
        process.wait()
