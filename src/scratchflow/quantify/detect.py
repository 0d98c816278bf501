"""Find scratch strokes in the hind-paw trajectories and group them into bouts.

Scratching is a fast (10-25 Hz), regular oscillation of one hind paw relative to a still
body. Every decision below is scaled to the recording's own tracking noise, so the same
parameters hold for a clean and a jittery pose model. For one individual:

1. Likelihood policy: clean each track (see ScratchParams).
2. Noise floor: the tracking jitter of each signal, from second differences (white
   jitter) and from the stroke band's power (any jitter), in the quietest stretches.
3. Candidates: short-time spectra of each hind paw relative to the body centre; a window
   is a candidate where the peak in the stroke band stands ``min_window_snr`` above what
   the jitter alone would give; within ``train_reach_s`` of a called bout (bouts come in
   trains), ``min_train_window_snr`` is enough.
4. Strokes: within a candidate, the paw's motion along its principal axis, band-passed
   around the dominant frequency; one peak per stroke.
5. Bouts: strokes split at pauses longer than ``merge_gap_s``; a bout slower than
   ``min_stroke_hz`` is dropped. Each bout is weighed by evidence tests (signal-to-noise,
   regular intervals, periodicity, one paw only, not a label swap, body not shaking, body
   not moving); ``confidence`` summarises their margins, and bouts below
   ``min_confidence`` are dropped. docs/design.md says what each test is for.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from scipy import ndimage, signal
from scipy.signal._peak_finding_utils import PeakPropertyWarning

from scratchflow.errors import InputError
from scratchflow.formats import PoseData
from scratchflow.quantify.params import ScratchParams

REQUIRED_ROLES = ("nose", "tail_base", "hind_left", "hind_right")
SIDES = ("left", "right")
BOUT_COLUMNS = [
    "individual", "bout_id", "start_frame", "end_frame", "start_s", "end_s", "duration_s",
    "limb", "n_strokes", "stroke_rate_hz", "mean_amplitude_bl", "confidence",
]
STROKE_COLUMNS = ["individual", "bout_id", "stroke_id", "frame", "time_s", "limb", "amplitude_bl"]
# Short-time spectra at two lengths: a short window sees 3-stroke bouts, a long one gains
# signal-to-noise on long bouts of small strokes.
SPECTRUM_WINDOWS_S = (0.25, 0.6)
# Strokes weaker than this fraction of the bout's typical stroke are filter ringing or
# jitter at the bout's edges or in a brief pause.
WEAK_STROKE_FRACTION = 0.5
# From this many peaks on, a long candidate's strongest peaks may be tracking glitches (0.5 BL
# and more against strokes of 0.1-0.2): its strongest stroke is then taken as its
# STRONG_QUANTILE peak, which glitches do not reach while they are at most a fifth of the
# peaks.
GLITCH_MIN_PEAKS = 8
STRONG_QUANTILE = 0.8
# A stroke this few frames long or shorter is near the band's cap: its peaks are easily
# missed or doubled, so its periodicity is also taken at the spectrum's period.
FEW_FRAMES_PER_STROKE = 3.0
# Confidence is a logistic of the weakest test's margin in doublings: 0.88 at one doubling.
CONFIDENCE_SLOPE = 2.0


@dataclass
class ScratchResult:
    individual: str
    fps: float
    n_frames: int
    body_length_px: float
    bouts: pd.DataFrame
    strokes: pd.DataFrame
    rejected: dict[str, int] = field(default_factory=dict)
    # The train pass's own: it sees again, at its lower threshold, candidates near called
    # bouts that the first pass may have counted already.
    rejected_in_trains: dict[str, int] = field(default_factory=dict)
    noise_floor_bl: dict[str, float] = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        return self.n_frames / self.fps


@dataclass(frozen=True)
class _Signals:
    """Cleaned signals of one individual, in pixels, with their jitter."""

    fps: float
    body_length: float
    band: tuple[float, float]  # the stroke band, Hz
    # (T, 2) each, gaps filled: "left" and "right" hind paw minus the body centre, the same
    # paws in the image ("left_absolute", "right_absolute"), the body "centre", the paws'
    # "sum" (left + right) and "diff" (right - left). The sum is not
    # taken relative to the body: a pose model whose tail base follows the scratching paw
    # would cancel it.
    series: dict[str, np.ndarray]
    in_band: dict[str, np.ndarray]  # each series through the stroke band's filter
    # The jitter's variance per coordinate of each series: white jitter from second
    # differences or, where larger, what explains the stroke band's quiet power.
    noise_var: dict[str, float]
    valid: np.ndarray  # frames where every series was tracked
    speed_bl_s: np.ndarray  # body centre speed, slow motion only
    heading: np.ndarray  # tail base to nose, (T, 2)


def detect_scratching(
    pose: PoseData, roles: dict[str, int], params: ScratchParams, individual: int = 0
) -> ScratchResult:
    """Detect scratch bouts of one individual. ``roles`` maps role name to keypoint index."""
    fps = _check_fps(pose, params)
    raw = {r: pose.point(individual, roles[r]) for r in REQUIRED_ROLES}
    body_length = params.body_length_px or _estimate_body_length(raw, pose.source)
    tracks = {r: _clean_track(xy, lik, params, body_length, fps) for r, (xy, lik) in raw.items()}
    sig = _signals(tracks, fps, params, body_length)

    name = pose.individuals[individual]
    bouts, strokes = [], []
    rejected: dict[str, int] = {"too_slow": 0} | {test: 0 for test in _TESTS}
    rejected_in_trains = dict.fromkeys(rejected, 0)
    spectra = {side: _window_snr(sig, side) for side in SIDES}
    for side in SIDES:
        for segment in _candidate_segments(spectra[side], pose.n_frames, params.min_window_snr):
            bouts += _judged_bouts(sig, side, segment, params, rejected)
    bouts += _bouts_in_trains(sig, spectra, bouts, params, rejected_in_trains)
    bouts.sort(key=lambda b: b[0].peaks[0])
    rows = []
    for bout_id, (found, side, confidence) in enumerate(bouts, start=1):
        rows.append(_bout_row(name, bout_id, found, side, confidence, pose.n_frames, fps))
        strokes += [
            (name, bout_id, k + 1, int(f), t / fps, side, float(a))
            for k, (f, t, a) in enumerate(
                zip(found.peaks, found.times, found.amplitude_bl, strict=True))
        ]
    return ScratchResult(
        individual=name,
        fps=fps,
        n_frames=pose.n_frames,
        body_length_px=float(body_length),
        bouts=pd.DataFrame(rows, columns=BOUT_COLUMNS),
        strokes=pd.DataFrame(strokes, columns=STROKE_COLUMNS),
        rejected=rejected,
        rejected_in_trains=rejected_in_trains,
        noise_floor_bl={k: float(np.sqrt(v)) / body_length for k, v in sig.noise_var.items()},
    )


def _judged_bouts(sig: _Signals, side: str, segment: slice, params: ScratchParams,
                  rejected: dict[str, int]) -> list[tuple[_Bout, str, float]]:
    """The bouts of one candidate that pass the evidence tests, with their confidence;
    ``rejected`` counts the others by their weakest test."""
    # Walking is common and costly to examine stroke by stroke: a candidate without
    # enough still time for the shortest bout is refused at once.
    still_s = np.sum(sig.speed_bl_s[segment] <= params.max_body_speed_bl_s) / sig.fps
    if still_s < params.min_strokes / params.max_stroke_hz:
        rejected["moving"] += 1
        return []
    passed = []
    for found in _bouts_in_segment(sig, side, segment, params):
        # Slower than the band is not scratching, however regular: a hard limit.
        if sig.fps / _stroke_period(found.times) < params.min_stroke_hz:
            rejected["too_slow"] += 1
            continue
        confidence, weakest = _confidence(_evidence(sig, side, found, params), params)
        if confidence < params.min_confidence:
            rejected[weakest] += 1
            continue
        passed.append((found, side, confidence))
    return passed


def _bouts_in_trains(sig: _Signals, spectra: dict[str, list],
                     called: list[tuple[_Bout, str, float]], params: ScratchParams,
                     rejected: dict[str, int]) -> list[tuple[_Bout, str, float]]:
    """Weaker bouts next to called ones. Scratch bouts come in trains, a paw-down pause
    apart, and a train's short bouts are the ones whose spectrum misses ``min_window_snr``;
    next to a called bout the mouse is already still and scratching, so a candidate there
    needs only ``min_train_window_snr`` and must pass every evidence test as before. A bout
    found so does not vouch for further ones."""
    if not called:
        return []
    reach = int(round(params.train_reach_s * sig.fps))
    near = np.zeros(len(sig.valid), dtype=bool)
    taken = np.zeros(len(sig.valid), dtype=bool)
    for found, _, _ in called:
        near[max(0, found.peaks[0] - reach):found.peaks[-1] + reach + 1] = True
        taken[found.peaks[0]:found.peaks[-1] + 1] = True
    weaker = []
    for side in SIDES:
        for segment in _candidate_segments(spectra[side], len(near),
                                           params.min_train_window_snr, near):
            # The called bouts' own candidates are found again at the lower threshold.
            weaker += [bout for bout in _judged_bouts(sig, side, segment, params, rejected)
                       if not taken[bout[0].peaks[0]:bout[0].peaks[-1] + 1].any()]
    return weaker


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
        neighbours = sliding_window_view(padded, window, axis=0)[suspect]
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


def _odd(frames: float) -> int:
    return int(frames) // 2 * 2 + 1


# --- noise floor and filtered signals ---------------------------------------------------

def _quiet_level(energy: np.ndarray, fps: float) -> float:
    """The typical value of a per-frame energy when nothing happens: the median over 1-s
    stretches, at the quietest quarter of the recording, so that scratching, fast steps and
    walking do not count."""
    energy = energy[np.isfinite(energy)]
    if energy.size < 3:
        return np.nan
    size = max(3, int(fps))
    if energy.size < 4 * size:
        return float(np.median(energy))
    local = np.median(sliding_window_view(energy, size)[::max(1, size // 2)], axis=1)
    return float(np.percentile(local, 25))


# The median of a chi-square with 2 degrees of freedom, in units of its mean over 2.
_MEDIAN_CHI2_2 = 2 * np.log(2)


def _jitter_variance(xy: np.ndarray, fps: float) -> float:
    """Variance per coordinate of white tracking jitter, from second differences: white
    jitter of variance s2 gives second differences of variance 6 s2 per coordinate, while
    smooth motion gives almost none."""
    second = xy[2:] - 2 * xy[1:-1] + xy[:-2]
    return _quiet_level(np.sum(second**2, axis=1), fps) / (6 * _MEDIAN_CHI2_2)


def _band_variance(in_band: np.ndarray, valid: np.ndarray, fps: float,
                   band: tuple[float, float]) -> float:
    """The white jitter variance that would explain the stroke-band power seen while
    nothing happens. Jitter that is not white (a low-frame-rate tracker, smoothing, a
    keypoint that wobbles) hides from second differences but not from this."""
    power = np.sum(in_band**2, axis=1)
    return _quiet_level(np.where(valid, power, np.nan), fps) / (
        _noise_gain(fps, band, BAND_ORDER) * _MEDIAN_CHI2_2)


def _band(fps: float, params: ScratchParams) -> tuple[float, float]:
    return params.min_stroke_hz, min(params.max_stroke_hz, 0.45 * fps)


@functools.lru_cache(maxsize=512)
def _sos(fps: float, band: tuple[float, float], order: int = 2) -> np.ndarray:
    return signal.butter(order, band, btype="bandpass", fs=fps, output="sos")


@functools.lru_cache(maxsize=512)
def _noise_gain(fps: float, band: tuple[float, float], order: int = 2) -> float:
    """Fraction of white noise power the zero-phase (forward-backward) band filter passes."""
    _, response = signal.sosfreqz(_sos(fps, band, order), worN=4096, fs=fps)
    return float(np.mean(np.abs(response) ** 4))


# The stroke band's own filter is steep, so that slow paw movements (a step, a paw raised
# to lick) leak little into it; the narrow filters around a stroke frequency are gentle,
# so that they ring little after a bout.
BAND_ORDER = 4


def _filtered(xy: np.ndarray, sos: np.ndarray, keep_mean: bool = False) -> np.ndarray:
    """Zero-phase filter each column; frames that were NaN come out as NaN."""
    filled = _interpolate(xy, max_gap=None)
    if filled is None:
        return np.full_like(xy, np.nan)
    mean = filled.mean(axis=0)
    out = signal.sosfiltfilt(sos, filled - mean, axis=0) + (mean if keep_mean else 0)
    out[~np.isfinite(xy).all(axis=1)] = np.nan
    return out


def _signals(tracks: dict, fps: float, params: ScratchParams, body_length: float) -> _Signals:
    centre = (tracks["nose"] + tracks["tail_base"]) / 2
    left, right = tracks["hind_left"], tracks["hind_right"]
    raw = {"left": left - centre, "right": right - centre, "left_absolute": left,
           "right_absolute": right, "centre": centre, "sum": left + right, "diff": right - left}
    jitter = {r: _jitter_variance(tracks[r], fps) for r in REQUIRED_ROLES}
    # A floor keeps the ratios finite on noiseless input: 0.1 % of a body length.
    floor = (1e-3 * body_length) ** 2
    jitter = {r: float(np.nan_to_num(v, nan=floor)) + floor for r, v in jitter.items()}
    paw_l, paw_r = jitter["hind_left"], jitter["hind_right"]
    body = (jitter["nose"] + jitter["tail_base"]) / 4
    noise_var = {"left": paw_l + body, "right": paw_r + body, "centre": body,
                 "sum": paw_l + paw_r, "diff": paw_l + paw_r, "left_absolute": paw_l,
                 "right_absolute": paw_r}
    valid = np.all([np.isfinite(v).all(axis=1) for v in raw.values()], axis=0)
    filled = {k: _interpolate(v, max_gap=None) for k, v in raw.items()}
    series = {k: np.zeros_like(raw[k]) if v is None else v for k, v in filled.items()}
    band = _band(fps, params)
    band_sos = _sos(fps, band, BAND_ORDER)
    in_band = {k: _zero_phase(band_sos, xy, axis=0) for k, xy in series.items()}
    if valid.any():
        for name, xy in in_band.items():
            noise_var[name] = max(noise_var[name], _band_variance(xy, valid, fps, band))
    return _Signals(
        fps=fps,
        body_length=body_length,
        band=band,
        series=series,
        in_band=in_band,
        noise_var={k: float(v) for k, v in noise_var.items()},
        valid=valid,
        speed_bl_s=_body_speed(centre, fps) / body_length,
        heading=tracks["nose"] - tracks["tail_base"],
    )


def _body_speed(centre: np.ndarray, fps: float) -> np.ndarray:
    """Speed of the body centre (px/s) after removing motion faster than 3 Hz."""
    sos = signal.butter(2, min(3.0, 0.4 * fps), btype="lowpass", fs=fps, output="sos")
    smooth = _filtered(centre, sos, keep_mean=True)
    step = np.hypot(*np.diff(smooth, axis=0).T) * fps
    return np.append(step, step[-1:]) if step.size else np.zeros(len(centre))


# --- candidates --------------------------------------------------------------------------

def _window_snr(sig: _Signals, side: str) -> list[tuple[int, int, np.ndarray]]:
    """The paw's short-time spectra: per window length, (window frames, hop, the peak in
    the stroke band over the jitter's power in that bin, per window)."""
    sos = _sos(sig.fps, sig.band, BAND_ORDER)
    relative = np.where(sig.valid[:, None], sig.in_band[side], 0.0)
    spectra = []
    for window_s in SPECTRUM_WINDOWS_S:
        size = max(8, int(round(window_s * sig.fps)))
        if size > len(relative):
            continue
        hop = max(1, size // 4)
        taper = np.hanning(size + 2)[1:-1]
        n_fft = 4 * size
        windows = sliding_window_view(relative, size, axis=0)[::hop]  # (W, 2, size)
        power = (np.abs(np.fft.rfft(windows * taper, n=n_fft, axis=-1)) ** 2).sum(axis=1)
        freqs = np.fft.rfftfreq(n_fft, 1 / sig.fps)
        response = np.abs(signal.sosfreqz(sos, worN=freqs, fs=sig.fps)[1]) ** 4  # zero-phase
        usable = (freqs >= sig.band[0]) & (freqs <= sig.band[1]) & (response > 0.5)
        expected = 2 * sig.noise_var[side] * np.sum(taper**2) * response[usable]
        spectra.append((size, hop, (power[:, usable] / expected).max(axis=1)))
    return spectra


def _candidate_segments(spectra: list[tuple[int, int, np.ndarray]], n_frames: int,
                        min_snr: float, within: np.ndarray | None = None) -> list[slice]:
    """Spans covered by windows whose spectral peak is ``min_snr`` times the jitter's; with
    ``within``, only windows that lie wholly where it is True."""
    active = np.zeros(n_frames, dtype=bool)
    for size, hop, snr in spectra:
        for start in np.flatnonzero(snr >= min_snr) * hop:
            if within is None or within[start:start + size].all():
                active[start:start + size] = True
    labels, _ = ndimage.label(active)
    return [s for (s,) in ndimage.find_objects(labels)]


# --- strokes and bouts -------------------------------------------------------------------

@dataclass(frozen=True)
class _Bout:
    snr: float  # power along the stroke axis in the stroke's band, over the jitter's
    periodicity: float  # autocorrelation of the stroke-band motion at one stroke period
    power: dict[str, float]  # per series, power in the stroke's band
    noise_power: dict[str, float]  # per series, the jitter's power in that band
    peaks: np.ndarray  # stroke frames
    times: np.ndarray  # stroke times in frames, to a fraction of a frame
    amplitude_bl: np.ndarray  # stroke excursions
    frequency_hz: float  # dominant frequency of the candidate


def _bouts_in_segment(sig: _Signals, side: str, candidate: slice,
                      params: ScratchParams) -> list[_Bout]:
    # Half a second of context either side keeps the filters' edge effects off the strokes.
    margin = int(0.5 * sig.fps)
    segment = slice(max(0, candidate.start - margin), candidate.stop + margin)
    valid = sig.valid[segment]
    if valid.sum() < 8:
        return []
    broad = _zero_phase(_sos(sig.fps, sig.band, BAND_ORDER), sig.series[side][segment], axis=0)
    usable = broad[valid]
    frequency = _dominant_frequency(usable, sig.fps, sig.band)
    narrow_band = _narrow_band(frequency, sig.band)
    narrow_sos = _sos(sig.fps, narrow_band)
    _, vectors = np.linalg.eigh(np.cov(usable.T))
    axis = vectors[:, -1]
    # A stroke reaches towards the head, so positive along the axis points that way.
    if np.nansum(sig.heading[segment] @ axis) < 0:
        axis = -axis
    along = sig.series[side][segment] @ axis
    narrow = _zero_phase(narrow_sos, along)
    gain = _noise_gain(sig.fps, narrow_band)
    noise_sd = np.sqrt(sig.noise_var[side] * gain)
    found, _ = signal.find_peaks(
        narrow,
        distance=max(1, int(0.6 * sig.fps / frequency)),
        prominence=max(params.min_prominence_bl * sig.body_length,
                       params.min_stroke_snr * noise_sd),
        wlen=_odd(2 * sig.fps / frequency),
    )
    # Strokes belong to the candidate whose spectrum found them, not to a neighbour's margin.
    found = found[(found >= candidate.start - segment.start)
                  & (found < candidate.stop - segment.start)]
    # The narrow band finds strokes under jitter but tapers a short bout's first and last
    # stroke; their size is measured on a wider band, which keeps the stroke's shape.
    shape_band = (round(max(0.5, 0.5 * frequency), 1),
                  round(min(0.45 * sig.fps, 2.5 * frequency), 1))
    shape = _zero_phase(_sos(sig.fps, shape_band), along - along.mean())
    peaks = _refine_peaks(shape, found, max(1, int(0.25 * sig.fps / frequency)))
    with warnings.catch_warnings():  # a peak moved onto a plateau has no prominence: weak
        warnings.simplefilter("ignore", PeakPropertyWarning)
        prominence = signal.peak_prominences(shape, peaks, wlen=_odd(2 * sig.fps / frequency))[0]
    groups = _stroke_groups(peaks, prominence, sig.fps, frequency, params)
    if not groups:
        return []
    times = _subframe(shape, peaks)
    narrow_all = {k: _zero_phase(narrow_sos, v[segment], axis=0) for k, v in sig.series.items()}
    bouts = []
    for group in groups:
        span = _bout_span(peaks[group], sig.fps / frequency)
        usable = valid[span]
        bouts.append(_Bout(
            snr=float(np.mean(narrow[span][usable] ** 2)) / (sig.noise_var[side] * gain),
            periodicity=_bout_periodicity(broad[span] @ axis, times[group], sig.fps / frequency),
            power={k: float(np.mean(np.sum(v[span][usable] ** 2, axis=1)))
                   for k, v in narrow_all.items()},
            noise_power={k: 2 * v * gain for k, v in sig.noise_var.items()},
            peaks=peaks[group] + segment.start,
            times=times[group] + segment.start,
            amplitude_bl=prominence[group] / sig.body_length,
            frequency_hz=frequency,
        ))
    return bouts


def _subframe(values: np.ndarray, peaks: np.ndarray) -> np.ndarray:
    """Peak positions refined by a parabola through each peak and its two neighbours; at
    60 fps a 20 Hz stroke lasts three frames, so whole frames would bias the rate."""
    inner = np.clip(peaks, 1, len(values) - 2)
    before, at, after = values[inner - 1], values[inner], values[inner + 1]
    curvature = before - 2 * at + after
    peaked = curvature < 0
    offset = np.zeros(len(inner))
    offset[peaked] = 0.5 * (before - after)[peaked] / curvature[peaked]
    return inner + np.clip(offset, -0.5, 0.5)


def _stroke_groups(peaks: np.ndarray, prominence: np.ndarray, fps: float, frequency: float,
                   params: ScratchParams) -> list[np.ndarray]:
    """Split strokes at pauses, drop each group's weak strokes, and split again: a ringing
    peak in a pause would otherwise bridge it."""
    groups = [np.arange(peaks.size)]
    for _ in range(2):
        split = []
        for group in groups:
            # The pause between two strokes is their interval less one stroke period.
            pauses = np.diff(peaks[group]) / fps - 1 / frequency
            split += np.split(group, np.flatnonzero(pauses > params.merge_gap_s) + 1)
        groups = [_drop_weak(g, prominence) for g in split]
    return [g for g in groups if g.size >= params.min_strokes]


def _refine_peaks(values: np.ndarray, peaks: np.ndarray, reach: int) -> np.ndarray:
    """Move each peak to the largest value within ``reach`` frames; keep them distinct."""
    if peaks.size == 0:
        return peaks
    windows = sliding_window_view(np.pad(values, reach, mode="edge"), 2 * reach + 1)
    refined = peaks + np.argmax(windows[peaks], axis=1) - reach
    return np.unique(np.clip(refined, 0, len(values) - 1))


def _bout_periodicity(values: np.ndarray, times: np.ndarray, spectral_period: float) -> float:
    """Periodicity at the strokes' mean period. Where a stroke lasts at most
    FEW_FRAMES_PER_STROKE frames, one missed or extra peak shifts a short bout's mean period
    by a tenth or more and the autocorrelation misses the true period: there the candidate
    spectrum's period (``spectral_period``, frames) is tried as well, the better counting."""
    periodicity = _periodicity(values, _stroke_period(times))
    if spectral_period <= FEW_FRAMES_PER_STROKE:
        periodicity = max(periodicity, _periodicity(values, spectral_period))
    return periodicity


def _periodicity(values: np.ndarray, period: float) -> float:
    """Autocorrelation at one stroke period of the motion along the stroke axis, in the
    whole stroke band. A train of strokes repeats itself a period later; jitter and
    irregular motion do not, even where a narrow filter would make them look periodic."""
    # At 60 fps a 25 Hz stroke lasts 2.4 frames: resample to 8 samples a period or more,
    # so that the lag is one period and not the nearest whole frame.
    upsample = max(1, int(np.ceil(8 / period)))
    if upsample > 1:
        values = signal.resample_poly(values, upsample, 1)
    lag = int(round(period * upsample))
    if not 0 < lag < len(values) - 1:
        return 0.0
    head, tail = values[:-lag], values[lag:]
    scale = np.sqrt(np.sum(head**2) * np.sum(tail**2))
    return float(np.sum(head * tail) / scale) if scale > 0 else 0.0


def _narrow_band(frequency: float, band: tuple[float, float]) -> tuple[float, float]:
    """The band around a candidate's dominant frequency, on a 0.1 Hz grid so that the
    filters of similar candidates are designed once."""
    low, high = max(band[0], 0.6 * frequency), min(band[1], 1.6 * frequency)
    return (round(low, 1), round(high, 1)) if high > 1.2 * low else band


def _bout_span(peaks: np.ndarray, period: float) -> slice:
    """Frames from half a stroke period before the first stroke to half after the last."""
    return slice(max(0, int(peaks[0] - period / 2)), int(peaks[-1] + period / 2) + 1)


def _zero_phase(sos: np.ndarray, values: np.ndarray, axis: int = -1) -> np.ndarray:
    """Forward-backward filtering, with edge padding cut down for short stretches."""
    padlen = min(values.shape[axis] - 1, 3 * (2 * len(sos) + 1))
    return signal.sosfiltfilt(sos, values, axis=axis, padlen=padlen)


def _dominant_frequency(xy: np.ndarray, fps: float, band: tuple[float, float]) -> float:
    n_fft = max(256, 4 * len(xy))
    power = (np.abs(np.fft.rfft(xy - xy.mean(axis=0), n=n_fft, axis=0)) ** 2).sum(axis=1)
    freqs = np.fft.rfftfreq(n_fft, 1 / fps)
    inside = (freqs >= band[0]) & (freqs <= band[1])
    return float(freqs[inside][np.argmax(power[inside])])


def _drop_weak(group: np.ndarray, prominence: np.ndarray) -> np.ndarray:
    """Drop strokes weaker than WEAK_STROKE_FRACTION of the bout's typical stroke: the median
    of its core, the strokes at least that fraction of the strongest. In the margins of a
    short bout, jitter peaks can outnumber the strokes and would pull a plain median down
    to their own size. In a group of GLITCH_MIN_PEAKS or more the strongest is its
    STRONG_QUANTILE peak, so that a few glitches cannot make themselves the whole core and
    every true stroke look weak."""
    if group.size == 0:
        return group
    sizes = prominence[group]
    if sizes.size >= GLITCH_MIN_PEAKS:
        strongest = np.quantile(sizes, STRONG_QUANTILE, method="higher")
    else:
        strongest = sizes.max()
    core = sizes[sizes >= WEAK_STROKE_FRACTION * strongest]
    return group[sizes >= WEAK_STROKE_FRACTION * np.median(core)]


# --- evidence and confidence -------------------------------------------------------------

# Each test: (statistic name, parameter holding its threshold, True if the statistic must be
# at least the threshold, False if at most).
_TESTS = {
    "snr": ("min_bout_snr", True),
    "irregular": ("max_interval_cv", False),
    "aperiodic": ("min_periodicity", True),
    "not_one_paw": ("min_paw_ratio", True),
    "label_swap": ("min_sum_ratio", True),
    "whole_body": ("max_body_ratio", False),
    "moving": ("max_body_speed_bl_s", False),
}


def _evidence(sig: _Signals, side: str, bout: _Bout, params: ScratchParams) -> dict[str, float]:
    """The statistic of every test in _TESTS for one bout.

    The one-paw and body tests compare powers above the jitter's, so jitter alone neither
    makes a still paw look active nor hides that it is still; a power that jitter could
    have made alone counts as a quarter of the jitter's. The label-swap test compares the
    whole powers: jitter only pushes it towards passing.
    """
    other = "right" if side == "left" else "left"
    power, noise = bout.power, bout.noise_power
    excess = {k: max(0.0, power[k] - noise[k]) for k in power}

    def floor(name: str) -> float:
        return max(excess[name], 0.25 * noise[name])

    # The other paw counts as still if it is still either relative to the body or on the
    # floor: a body that rocks with each stroke moves a planted paw relative to the body.
    other_excess = min(floor(other), floor(f"{other}_absolute"))

    span = _bout_span(bout.peaks, sig.fps / bout.frequency_hz)
    return {
        "snr": bout.snr,
        "irregular": _interval_cv(bout.times),
        "aperiodic": max(bout.periodicity, 1e-6),
        "not_one_paw": excess[side] / other_excess,
        "label_swap": power["sum"] / max(power["diff"], 1e-12),
        "whole_body": float(np.sqrt(excess["centre"] / floor(side))),
        "moving": float(np.nanmedian(sig.speed_bl_s[span])),
    }


def _periods(times: np.ndarray) -> np.ndarray:
    """Stroke intervals in frames. An interval of 1.6 median intervals or more holds missed
    strokes: it counts as that many periods, rounded."""
    intervals = np.diff(times).astype(float)
    periods = np.maximum(1, np.floor(intervals / np.median(intervals) + 0.4))
    return np.repeat(intervals / periods, periods.astype(int))


def _stroke_period(peaks: np.ndarray) -> float:
    return float(np.mean(_periods(peaks)))


def _interval_cv(peaks: np.ndarray) -> float:
    periods = _periods(peaks)
    return float(np.std(periods) / np.mean(periods))


def _confidence(stats: dict[str, float], params: ScratchParams) -> tuple[float, str]:
    """Logistic of the weakest test's margin, in doublings past its threshold."""
    margins = {}
    for test, (name, at_least) in _TESTS.items():
        threshold, value = getattr(params, name), stats[test]
        ratio = value / threshold if at_least else threshold / max(value, 1e-12)
        margins[test] = np.log2(max(ratio, 1e-12)) if np.isfinite(ratio) else -np.inf
    weakest = min(margins, key=margins.get)
    return float(1 / (1 + np.exp(-CONFIDENCE_SLOPE * margins[weakest]))), weakest


def _bout_row(name, bout_id, bout: _Bout, limb, confidence, n_frames, fps) -> tuple:
    period = _stroke_period(bout.times) / fps
    start_s = max(0.0, bout.times[0] / fps - period / 2)
    end_s = min(n_frames / fps, bout.times[-1] / fps + period / 2)
    return (
        name, bout_id,
        int(round(start_s * fps)), min(n_frames - 1, int(round(end_s * fps))),
        start_s, end_s, end_s - start_s, limb, len(bout.peaks),
        1 / period, float(np.mean(bout.amplitude_bl)), round(confidence, 3),
    )
