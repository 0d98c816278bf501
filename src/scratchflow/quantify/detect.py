"""Find scratch strokes in the hind-paw difference and group them into bouts.

Pipeline for one individual:

1. clean each track with the likelihood policy (see ScratchParams);
2. d(t) = hind_right - hind_left, band-passed to the stroke band: a scratching paw makes
   a fast oscillation here, while whole-body motion cancels;
3. candidate segments where the band amplitude is high; in each, project d onto its
   principal axis and count peaks (one per stroke) with prominence and width bounds;
4. group strokes into bouts, then reject bouts where the body moves (walking) or where
   the body oscillates as much as the paws (whole-body shake);
5. the scratching limb is the paw with more band energy relative to the body centre.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import ndimage, signal

from scratchflow.errors import InputError
from scratchflow.formats import PoseData
from scratchflow.quantify.params import ScratchParams

REQUIRED_ROLES = ("nose", "tail_base", "hind_left", "hind_right")
BOUT_COLUMNS = [
    "individual", "bout_id", "start_frame", "end_frame", "start_s", "end_s", "duration_s",
    "limb", "n_strokes", "stroke_rate_hz", "mean_amplitude_bl",
]
STROKE_COLUMNS = ["individual", "bout_id", "stroke_id", "frame", "time_s", "limb", "amplitude_bl"]


@dataclass
class ScratchResult:
    individual: str
    fps: float
    n_frames: int
    body_length_px: float
    bouts: pd.DataFrame
    strokes: pd.DataFrame
    rejected: dict[str, int] = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        return self.n_frames / self.fps


def detect_scratching(
    pose: PoseData, roles: dict[str, int], params: ScratchParams, individual: int = 0
) -> ScratchResult:
    """Detect scratch bouts of one individual. ``roles`` maps role name to keypoint index."""
    fps = _check_fps(pose, params)
    raw = {r: pose.point(individual, roles[r]) for r in REQUIRED_ROLES}
    body_length = params.body_length_px or _estimate_body_length(raw, pose.source)
    tracks = {r: _clean_track(xy, lik, params, body_length, fps) for r, (xy, lik) in raw.items()}
    centre = (tracks["nose"] + tracks["tail_base"]) / 2
    band = _band_filter(fps, params)

    diff = tracks["hind_right"] - tracks["hind_left"]
    diff_band = _filtered(diff, band)
    segments = _candidate_segments(diff_band, fps, params, body_length)
    peaks, amplitude = _find_strokes(diff, diff_band, segments, fps, params, body_length)
    groups = _group_strokes(peaks, fps, params)

    speed = _body_speed(centre, fps) / body_length
    centre_band = _filtered(centre, band)
    paw_band = {
        side: _filtered(tracks[f"hind_{side}"] - centre, band) for side in ("left", "right")
    }
    bouts, strokes, rejected = [], [], {"moving": 0, "whole_body": 0}
    name = pose.individuals[individual]
    for group in groups:
        first, last = peaks[group[0]], peaks[group[-1]] + 1
        if np.nanmedian(speed[first:last]) > params.max_body_speed_bl_s:
            rejected["moving"] += 1
            continue
        if _rms(centre_band[first:last]) > params.max_body_ratio * _rms(diff_band[first:last]):
            rejected["whole_body"] += 1
            continue
        right = _rms(paw_band["right"][first:last]) > _rms(paw_band["left"][first:last])
        limb = "right" if right else "left"
        bout_id = len(bouts) + 1
        row = _bout_row(name, bout_id, peaks[group], amplitude[group], limb, fps, params, pose)
        bouts.append(row)
        strokes += [
            (name, bout_id, k + 1, int(f), f / fps, limb, float(a))
            for k, (f, a) in enumerate(zip(peaks[group], amplitude[group], strict=True))
        ]
    return ScratchResult(
        individual=name,
        fps=fps,
        n_frames=pose.n_frames,
        body_length_px=float(body_length),
        bouts=pd.DataFrame(bouts, columns=BOUT_COLUMNS),
        strokes=pd.DataFrame(strokes, columns=STROKE_COLUMNS),
        rejected=rejected,
    )


def _check_fps(pose: PoseData, params: ScratchParams) -> float:
    fps = pose.fps
    if fps is None or not np.isfinite(fps) or fps <= 0:
        raise InputError(pose.source, f"frame rate unknown or invalid ({fps})", "pass --fps")
    if fps < 2 * params.min_stroke_hz:
        raise InputError(
            pose.source,
            f"at {fps:g} fps strokes of {params.min_stroke_hz:g} Hz and faster cannot be "
            f"sampled (need at least {2 * params.min_stroke_hz:g} fps)",
            "check --fps; scratching needs video of 30 fps or more (120 fps recommended)",
        )
    if fps < 2 * params.max_stroke_hz:
        warnings.warn(
            f"{pose.source}: at {fps:g} fps strokes faster than {fps / 2:g} Hz alias; "
            "stroke counts of fast bouts will be low",
            stacklevel=2,
        )
    minimum = int(np.ceil(fps / params.min_stroke_hz)) * 4
    if pose.n_frames < minimum:
        raise InputError(
            pose.source, f"only {pose.n_frames} frames; need at least {minimum}", None
        )
    return float(fps)


def _estimate_body_length(raw: dict, source: str) -> float:
    (nose, nose_lik), (tail, tail_lik) = raw["nose"], raw["tail_base"]
    length = np.hypot(*(nose - tail).T)
    confident = (nose_lik >= 0.5) & (tail_lik >= 0.5) & np.isfinite(length)
    usable = length[confident] if confident.any() else length[np.isfinite(length)]
    if usable.size == 0 or not np.median(usable) > 0:
        raise InputError(
            source,
            "cannot estimate body length: nose and tail base are never tracked together",
            "set body_length_px in a --params file",
        )
    return float(np.median(usable))


def _clean_track(xy, lik, params: ScratchParams, body_length: float, fps: float) -> np.ndarray:
    """Apply the likelihood policy; return (T, 2) positions with NaN where unusable."""
    xy = np.array(xy, dtype=float)
    lik = np.nan_to_num(lik, nan=0.0)
    xy[~(lik >= params.likelihood_floor)] = np.nan
    filled = _interpolate(xy, max_gap=None)
    if filled is None:  # nothing usable at all
        return xy
    # Only an unsure point can be a glitch, so the neighbours' median is needed there alone.
    suspect = np.flatnonzero(lik < params.glitch_likelihood)
    if suspect.size:
        window = _odd(params.glitch_window_s * fps)
        padded = np.pad(filled, ((window // 2, window // 2), (0, 0)), mode="edge")
        neighbours = np.lib.stride_tricks.sliding_window_view(padded, window, axis=0)[suspect]
        offset = filled[suspect] - np.median(neighbours, axis=-1)
        far = np.hypot(*offset.T) > params.glitch_distance_bl * body_length
        xy[suspect[far]] = np.nan
    cleaned = _interpolate(xy, max_gap=max(1, int(round(params.max_interp_gap_s * fps))))
    return xy if cleaned is None else cleaned


def _interpolate(xy: np.ndarray, max_gap: int | None) -> np.ndarray | None:
    """Fill NaN runs linearly; runs longer than ``max_gap`` frames stay NaN."""
    good = np.isfinite(xy).all(axis=1)
    if not good.any():
        return None
    frames = np.arange(len(xy))
    out = np.column_stack([np.interp(frames, frames[good], xy[good, i]) for i in range(2)])
    if max_gap is not None:
        out[_long_gaps(~good, max_gap)] = np.nan
    return out


def _long_gaps(missing: np.ndarray, max_gap: int) -> np.ndarray:
    labels, n = ndimage.label(missing)
    if n == 0:
        return np.zeros_like(missing)
    sizes = np.bincount(labels)[1:]
    return np.isin(labels, np.flatnonzero(sizes > max_gap) + 1)


def _band_filter(fps: float, params: ScratchParams) -> np.ndarray:
    high = min(params.max_stroke_hz, 0.45 * fps)
    return signal.butter(2, [params.min_stroke_hz, high], btype="bandpass", fs=fps, output="sos")


def _filtered(xy: np.ndarray, sos: np.ndarray, keep_mean: bool = False) -> np.ndarray:
    """Zero-phase filter each column; frames that were NaN come out as NaN."""
    filled = _interpolate(xy, max_gap=None)
    if filled is None:
        return np.full_like(xy, np.nan)
    mean = filled.mean(axis=0)
    out = signal.sosfiltfilt(sos, filled - mean, axis=0) + (mean if keep_mean else 0)
    out[~np.isfinite(xy).all(axis=1)] = np.nan
    return out


def _odd(frames: float) -> int:
    return int(frames) // 2 * 2 + 1


def _rms(xy: np.ndarray) -> float:
    power = np.nansum(xy**2, axis=1)
    return float(np.sqrt(power.mean())) if power.size else 0.0


def _candidate_segments(diff_band, fps, params: ScratchParams, body_length) -> list[slice]:
    """Spans where the band amplitude could hold strokes of at least the minimum size."""
    window = _odd(2 * fps / params.min_stroke_hz)
    power = ndimage.uniform_filter1d(np.nan_to_num(diff_band**2).sum(axis=1), window)
    # A stroke of excursion P has a band component of amplitude ~P/2; keep spans above half.
    active = np.sqrt(2 * power) >= 0.25 * params.min_prominence_bl * body_length
    # Close small holes so one bout is one segment, then pad by a window either side.
    active = ndimage.binary_closing(active, np.ones(_odd(params.merge_gap_s * fps)))
    labels, _ = ndimage.label(active)
    pad = window // 2
    return [
        slice(max(0, s.start - pad), min(len(active), s.stop + pad))
        for (s,) in ndimage.find_objects(labels)
    ]


def _find_strokes(diff, diff_band, segments, fps, params: ScratchParams, body_length):
    """Count strokes in each segment: peaks of the paw difference along its stroke axis.

    The axis comes from the band-passed signal; the peaks are counted on the unfiltered
    difference, because band-pass ringing at a bout's edges would add false strokes.
    """
    peaks, amplitude = [], []
    options = dict(
        distance=max(1, int(fps / params.max_stroke_hz)),
        prominence=(params.min_prominence_bl * body_length, params.max_prominence_bl * body_length),
        width=(params.min_stroke_width_s * fps, params.max_stroke_width_s * fps),
        wlen=_odd(2 * fps / params.min_stroke_hz),
        rel_height=0.5,
    )
    for segment in segments:
        usable = diff_band[segment][np.isfinite(diff_band[segment]).all(axis=1)]
        if len(usable) < 3:
            continue
        _, vectors = np.linalg.eigh(np.cov(usable.T))
        along = diff[segment] @ vectors[:, -1]
        along = np.nan_to_num(along - np.nanmedian(along))
        # The axis has no preferred sign: a stroke's excursion is the polarity with more peaks.
        found, props = max(
            (signal.find_peaks(sign * along, **options) for sign in (1, -1)),
            key=lambda fp: (len(fp[0]), fp[1]["prominences"].sum()),
        )
        peaks.append(found + segment.start)
        amplitude.append(props["prominences"] / body_length)
    if not peaks:
        return np.zeros(0, dtype=int), np.zeros(0)
    return np.concatenate(peaks), np.concatenate(amplitude)


def _group_strokes(peaks: np.ndarray, fps: float, params: ScratchParams) -> list[np.ndarray]:
    """Strokes within one slow stroke period form a train; lone strokes are dropped; trains
    closer than merge_gap_s join one bout; a bout needs at least min_strokes strokes."""
    if peaks.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(peaks) > fps / params.min_stroke_hz) + 1
    trains = np.split(np.arange(peaks.size), breaks)
    trains = [t for t in trains if t.size >= 2]
    bouts: list[np.ndarray] = []
    for train in trains:
        if bouts and peaks[train[0]] - peaks[bouts[-1][-1]] <= params.merge_gap_s * fps:
            bouts[-1] = np.concatenate([bouts[-1], train])
        else:
            bouts.append(train)
    return [b for b in bouts if b.size >= params.min_strokes]


def _body_speed(centre: np.ndarray, fps: float) -> np.ndarray:
    """Speed of the body centre (px/s) after removing motion faster than 3 Hz."""
    sos = signal.butter(2, min(3.0, 0.4 * fps), btype="lowpass", fs=fps, output="sos")
    smooth = _filtered(centre, sos, keep_mean=True)
    step = np.hypot(*np.diff(smooth, axis=0).T) * fps
    return np.append(step, step[-1:]) if step.size else np.zeros(len(centre))


def _bout_row(name, bout_id, peak_frames, amplitude, limb, fps, params, pose) -> tuple:
    intervals = np.diff(peak_frames) / fps
    # The stroke period is the mean interval within trains; pauses merged into the bout
    # (merge_gap_s) would otherwise lower the rate.
    within = intervals[intervals <= 1 / params.min_stroke_hz]
    period = float(np.mean(within) if within.size else np.median(intervals))
    start_s = max(0.0, peak_frames[0] / fps - period / 2)
    end_s = min(pose.n_frames / fps, peak_frames[-1] / fps + period / 2)
    return (
        name, bout_id,
        int(round(start_s * fps)), min(pose.n_frames - 1, int(round(end_s * fps))),
        start_s, end_s, end_s - start_s, limb, len(peak_frames),
        1 / period, float(np.mean(amplitude)),
    )
