"""Scratch calls on the untouched real tracks in ../shared/data, with default parameters.

Nothing is injected: every call here is either real scratching or a false call. For VAME,
whose real video matches its tracks (CSV row i+2 is decoded frame i), each call also gets
a contact sheet of its frames with the hind paws marked, so a person can say what it is.

    python benchmarks/real_track_calls.py [--shared ../shared/data] [--out benchmarks/out]
"""

from __future__ import annotations

import argparse
import subprocess
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import scratch_generator as gen

from scratchflow.formats import PoseData
from scratchflow.quantify import ScratchParams, detect_scratching

ROLES = {role: i for i, role in enumerate(gen.ROLES)}
VAME_VIDEO = "vame_bottomup/tests/tests_project_sample_data/cropped_video.mp4"


def as_pose(background: gen.Background) -> PoseData:
    return PoseData(background.position[:, None], background.likelihood[:, None], gen.ROLES,
                    ("mouse",), background.fps, background.name)


JABS_MULTI = "jabs_pose/tests/data/sample_pose_est_v5.h5"
# Not scratch tracks, and why: DeepLabCut's openfield project tracks no paws; the
# LightningPose mirror-mouse set is labelled frames of a head-fixed mouse, not a track;
# JABS v3 holds the same mice as v5 as short tracklets without identities.


def jabs_identities(shared: Path) -> list[gen.Background]:
    """The three identified mice of the JABS v5 sample (30 fps), one background each."""
    import tables

    with tables.open_file(shared / JABS_MULTI) as h5:
        points = h5.root.poseest.points[:].astype(float)[..., ::-1]  # stored as (y, x)
        confidence = h5.root.poseest.confidence[:].astype(float)
        identity = h5.root.poseest.instance_embed_id[:]
    index = [gen.JABS_INDEX[r] for r in gen.ROLES]
    mice = []
    for mouse in (1, 2, 3):
        frames, slots = np.nonzero(identity == mouse)
        position = np.full((len(points), len(index), 2), np.nan)
        likelihood = np.zeros((len(points), len(index)))
        position[frames] = points[frames, slots][:, index]
        likelihood[frames] = confidence[frames, slots][:, index]
        position[likelihood <= 0] = np.nan
        length = np.nanmedian(np.hypot(*(position[:, gen.NOSE] - position[:, gen.TAIL]).T))
        mice.append(gen.Background(f"jabs_v5_mouse{mouse}", position, likelihood, 30.0,
                                   float(length)))
    return mice


def calls(shared: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    summary, bouts = [], []
    tracks = [gen.load_background(shared, name) for name in gen.SHARED_BACKGROUNDS]
    for background in tracks + jabs_identities(shared):
        name = background.name
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # 25-30 fps tracks alias fast strokes: known
            result = detect_scratching(as_pose(background), ROLES, ScratchParams())
        hours = result.duration_s / 3600
        summary.append({"track": name, "fps": background.fps, "seconds": result.duration_s,
                        "bouts": len(result.bouts), "bouts_per_hour": len(result.bouts) / hours,
                        "noise_floor_bl": max(result.noise_floor_bl.values()),
                        **{f"rejected_{k}": v for k, v in result.rejected.items() if v}})
        if len(result.bouts):
            bouts.append(result.bouts.assign(track=name))
    table = (pd.concat(bouts, ignore_index=True) if bouts
             else pd.DataFrame(columns=[*result.bouts.columns, "track"]))
    return pd.DataFrame(summary), table


def contact_sheet(video: Path, pose: PoseData, bout, out: Path, columns: int = 6) -> Path:
    """Frames from half a second before to half a second after a call, hind paws marked."""
    import cv2

    first = max(0, int(bout.start_frame - 0.5 * pose.fps))
    last = min(pose.n_frames - 1, int(bout.end_frame + 0.5 * pose.fps))
    # The mouse is small in a dark arena: crop 2 body lengths around it and stretch contrast.
    window = pose.position[first:last + 1, 0]
    centre = np.nanmedian(window.reshape(-1, 2), axis=0)
    length = np.nanmedian(np.hypot(*(window[:, ROLES["nose"]] - window[:, ROLES["tail_base"]]).T))
    half = int(length)
    capture = cv2.VideoCapture(str(video))
    capture.set(cv2.CAP_PROP_POS_FRAMES, first)
    tiles = []
    for frame_index in range(first, last + 1):
        ok, frame = capture.read()
        if not ok:
            break
        inside = bout.start_frame <= frame_index <= bout.end_frame
        for role, colour in (("hind_left", (255, 80, 0)), ("hind_right", (0, 80, 255))):
            x, y = pose.position[frame_index, 0, ROLES[role]]
            if np.isfinite(x):
                cv2.circle(frame, (int(x), int(y)), 4, colour, 1)
        x0, y0 = (int(v) - half for v in centre)
        crop = frame[max(0, y0):y0 + 2 * half, max(0, x0):x0 + 2 * half]
        crop = cv2.normalize(crop, None, 0, 255, cv2.NORM_MINMAX)
        tile = cv2.resize(crop, (240, 240))
        cv2.putText(tile, f"{frame_index / pose.fps:.2f}s{' CALL' if inside else ''}", (5, 20),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 255, 0) if inside else (200, 200, 200), 1)
        tiles.append(tile)
    capture.release()
    blank = np.zeros_like(tiles[0])
    tiles += [blank] * (-len(tiles) % columns)
    rows = [np.hstack(tiles[i:i + columns]) for i in range(0, len(tiles), columns)]
    out.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(out), np.vstack(rows))
    return out


def review_clip(video: Path, bout, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    start = max(0.0, bout.start_s - 1.0)
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-ss", f"{start:.3f}", "-i", str(video),
                    "-t", f"{bout.end_s - start + 1.0:.3f}", "-c:v", "libx264", "-crf", "20",
                    str(out)], check=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    parser.add_argument("--review-vame", nargs=2, type=float, metavar=("START_S", "END_S"),
                        help="also review this stretch of the VAME video (e.g. an old call)")
    args = parser.parse_args()
    summary, bouts = calls(args.shared)
    args.out.mkdir(parents=True, exist_ok=True)
    summary.to_csv(args.out / "real_track_calls_summary.csv", index=False)
    bouts.to_csv(args.out / "real_track_calls.csv", index=False)
    print(summary.round(3).to_string(index=False), end="\n\n")
    print(bouts.round(3).to_string(index=False))
    vame = as_pose(gen.load_background(args.shared, "vame"))
    to_review = list(bouts[bouts.track == "vame"].itertuples())
    if args.review_vame:
        start_s, end_s = args.review_vame
        to_review.append(SimpleNamespace(
            bout_id=0, start_s=start_s, end_s=end_s,
            start_frame=int(start_s * vame.fps), end_frame=int(end_s * vame.fps)))
    for bout in to_review:
        stem = args.out / "vame_calls" / f"call{bout.bout_id:02d}_at_{bout.start_frame}"
        review_clip(args.shared / VAME_VIDEO, bout, stem.with_suffix(".mp4"))
        print("review:", contact_sheet(args.shared / VAME_VIDEO, vame, bout,
                                       stem.with_suffix(".png")))


if __name__ == "__main__":
    main()
