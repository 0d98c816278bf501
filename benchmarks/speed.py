"""Speed of the scratch detector on a 15-minute, 120 fps track, against a pandas baseline.

The baseline is a straightforward pandas implementation of the previous, fixed-threshold
detector (rolling-median glitch test, interpolation, band energy, peaks found and measured
with Python loops, grouping, stillness and shake checks), with that detector's thresholds.
The current detector does more (noise floor, short-time spectra, evidence tests), so the
ratio says what that costs against a plain pandas version of the simpler method. Both run
in the same process on one core, with the same number of repeats; the script reports the
best of each and the ratio.

    python benchmarks/speed.py [--repeats 5]
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, before numpy loads
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import signal  # noqa: E402

from scratchflow.formats import PoseData, resolve_roles  # noqa: E402
from scratchflow.quantify import REQUIRED_ROLES, ScratchParams, detect_scratching  # noqa: E402
from scratchflow_devtools.synthetic_pose import Scenario, inject, procedural_mouse  # noqa: E402

FRAMES = 108_000  # 15 min at 120 fps


@dataclass(frozen=True)
class BaselineParams:
    """The previous detector's fixed thresholds; the rest comes from ScratchParams."""

    min_prominence_bl: float = 0.04
    max_prominence_bl: float = 0.8
    min_stroke_width_s: float = 0.008
    max_stroke_width_s: float = 0.08
    merge_gap_s: float = 0.2


def fifteen_minutes() -> tuple[PoseData, dict[str, int]]:
    background = procedural_mouse(duration_s=840, fps=60, seed=11)
    roles = resolve_roles(background)
    scenario = Scenario(n_bouts=60, n_shakes=10, n_glitches=40)
    pose, _, _ = inject(background, roles, 120, seed=11, scenario=scenario)
    pose = PoseData(pose.position[:FRAMES], pose.likelihood[:FRAMES], pose.keypoints,
                    pose.individuals, pose.fps, pose.source)
    return pose, roles


# --- the pandas baseline ---------------------------------------------------------------


def _clean(frame: pd.DataFrame, p: ScratchParams, body: float, fps: float) -> pd.DataFrame:
    xy = frame[["x", "y"]].where(frame["likelihood"] >= p.likelihood_floor)
    filled = xy.interpolate(limit_direction="both")
    window = int(p.glitch_window_s * fps) // 2 * 2 + 1
    reference = filled.rolling(window, center=True, min_periods=1).median()
    far = np.hypot(filled.x - reference.x, filled.y - reference.y) > p.glitch_distance_bl * body
    xy = xy.mask(far & (frame["likelihood"] < p.glitch_likelihood))
    return xy.interpolate(limit=int(round(p.max_interp_gap_s * fps)), limit_area="inside")


def _peaks(values: np.ndarray, p: ScratchParams, body: float, fps: float) -> list[tuple]:
    v1 = BaselineParams()
    """Local maxima with prominence and half-height width, measured by walking outwards."""
    wlen = int(2 * fps / p.min_stroke_hz) // 2
    found = []
    for i in range(1, len(values) - 1):
        if not (values[i] > values[i - 1] and values[i] >= values[i + 1]):
            continue
        lo, hi = max(0, i - wlen), min(len(values), i + wlen + 1)
        left = i
        while left > lo and values[left - 1] <= values[i]:
            left -= 1
        right = i
        while right < hi - 1 and values[right + 1] <= values[i]:
            right += 1
        base = max(values[left:i + 1].min(), values[i:right + 1].min())
        prominence = values[i] - base
        half = values[i] - prominence / 2
        a, b = i, i
        while a > left and values[a] > half:
            a -= 1
        while b < right and values[b] > half:
            b += 1
        width = b - a
        if (v1.min_prominence_bl * body <= prominence <= v1.max_prominence_bl * body
                and v1.min_stroke_width_s * fps <= width <= v1.max_stroke_width_s * fps):
            found.append((i, prominence))
    kept = []  # enforce the minimum distance, tallest first
    for i, prom in sorted(found, key=lambda f: -f[1]):
        if all(abs(i - j) >= max(1, int(fps / p.max_stroke_hz)) for j, _ in kept):
            kept.append((i, prom))
    return sorted(kept)


def pandas_detect(pose: PoseData, roles: dict[str, int], p: ScratchParams) -> int:
    """Number of bouts found by the baseline."""
    fps = pose.fps
    frames = {r: pd.DataFrame({"x": pose.position[:, 0, roles[r], 0],
                               "y": pose.position[:, 0, roles[r], 1],
                               "likelihood": pose.likelihood[:, 0, roles[r]]})
              for r in REQUIRED_ROLES}
    length = np.hypot(frames["nose"].x - frames["tail_base"].x,
                      frames["nose"].y - frames["tail_base"].y).median()
    clean = {r: _clean(f, p, length, fps) for r, f in frames.items()}
    diff = (clean["hind_right"] - clean["hind_left"]).interpolate(limit_direction="both")
    sos = signal.butter(2, [p.min_stroke_hz, min(p.max_stroke_hz, 0.45 * fps)], "bandpass",
                        fs=fps, output="sos")
    band = pd.DataFrame(signal.sosfiltfilt(sos, diff - diff.mean(), axis=0), columns=["x", "y"])
    window = int(2 * fps / p.min_stroke_hz) // 2 * 2 + 1
    power = (band**2).sum(axis=1).rolling(window, center=True, min_periods=1).mean()
    active = np.sqrt(2 * power) >= 0.25 * BaselineParams().min_prominence_bl * length
    runs = (active != active.shift()).cumsum()
    peaks = []
    for _, run in band[active].groupby(runs[active]):
        lo, hi = max(0, run.index[0] - window // 2), run.index[-1] + window // 2 + 1
        axis = np.linalg.eigh(band.iloc[lo:hi].cov().to_numpy())[1][:, -1]
        along = diff.iloc[lo:hi].to_numpy() @ axis
        along = along - np.median(along)
        best = max((_peaks(s * along, p, length, fps) for s in (1, -1)), key=len)
        peaks += [lo + i for i, _ in best]
    centre = (clean["nose"] + clean["tail_base"]) / 2
    speed = np.hypot(*centre.rolling(int(fps / 3), center=True).mean().diff().T.values) * fps
    centre_band = signal.sosfiltfilt(sos, centre.interpolate(limit_direction="both")
                                     - centre.mean(), axis=0)
    bouts = 0
    for group in _group(sorted(peaks), fps, p):
        span = slice(group[0], group[-1] + 1)
        still = np.nanmedian(speed[span]) / length <= p.max_body_speed_bl_s
        paws = np.sqrt((band.iloc[span] ** 2).sum(axis=1).mean())
        body = np.sqrt((centre_band[span] ** 2).sum(axis=1).mean())
        bouts += bool(still and body <= p.max_body_ratio * paws)
    return bouts


def _group(peaks: list[int], fps: float, p: ScratchParams) -> list[list[int]]:
    """Trains within one slow period, lone strokes dropped, trains merged over short gaps."""
    trains: list[list[int]] = []
    for peak in peaks:
        if trains and peak - trains[-1][-1] <= fps / p.min_stroke_hz:  # same train
            trains[-1].append(peak)
        else:
            trains.append([peak])
    bouts: list[list[int]] = []
    for train in (t for t in trains if len(t) >= 2):
        if bouts and train[0] - bouts[-1][-1] <= BaselineParams().merge_gap_s * fps:
            bouts[-1] += train
        else:
            bouts.append(train)
    return [b for b in bouts if len(b) >= p.min_strokes]


def best_of(repeats: int, run) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.process_time()
        result = run()
        times.append(time.process_time() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    pose, roles = fifteen_minutes()
    params = ScratchParams()
    warnings.simplefilter("ignore")
    ours, result = best_of(args.repeats, lambda: detect_scratching(pose, roles, params))
    theirs, baseline_bouts = best_of(args.repeats, lambda: pandas_detect(pose, roles, params))
    print(f"track: {pose.n_frames} frames, {len(REQUIRED_ROLES)} keypoints used, {pose.fps:g} fps")
    print(f"scratchflow detector : {ours:.3f} s CPU (best of {args.repeats}), "
          f"{len(result.bouts)} bouts")
    print(f"pandas baseline      : {theirs:.3f} s CPU (best of {args.repeats}), "
          f"{baseline_bouts} bouts")
    print(f"speed-up             : {theirs / ours:.1f}x")


if __name__ == "__main__":
    main()
