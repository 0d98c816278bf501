"""An upper bound on the bout F1 any detector could reach on the benchmark's cases.

For each family it scores, the detector's bout F1 is printed beside the bout F1 of an ideal
observer that is given far more than a detector has. Nothing here chooses a parameter, so
the bound may be computed on the reporting split (BENCHMARKS.md, "How far any detector
could go").

    python benchmarks/detection_bound.py --seeds 3 [--split reporting] [--shared ../shared/data]

The model. Each step gives the observer at least what a detector has, except two that take
something away (the lift and the sway left out in 1, the resting position in 2); why those
two are fair is said where they stand:

1. **What the observer sees.** For each true bout, the exact noise-free displacement its
   strokes add over the bout's own frames (``scratch_generator.BoutSignal``): the paw's
   strokes and the body's rocking with them, on every keypoint that moves, with each
   keypoint's exact noise SD (its white jitter; on the paw also the blur's own noise).
   The observer knows the waveform, the limb, the duration and the noise. It does not see
   the background's motion, the confounders, the glitches or missing frames, all of which
   can only hurt. Two things a bout also adds are left out, because they are no evidence
   of scratching: the paw's lift to the scratch site, which holds still over the bout's
   frames (the lift and put-down themselves lie outside them), and the body's slow sway
   (0.5-2 Hz): the background's own walking and the confounders move paws and body the
   same way, far more. "Paw only" is the same observer given the paw alone.
2. **Unknown resting position.** A detector does not know where a keypoint rests, so each
   keypoint's mean over the bout's frames is removed from the waveform, per axis.
3. **Best test for one place.** A known signal s in white Gaussian noise is best detected
   (Neyman-Pearson) by the matched filter, whose statistic is N(d, 1) with
   d = ||s / sd|| (over frames, keypoints and both axes). At false-alarm probability alpha
   it detects with probability Phi(d - z), z = Phi^-1(1 - alpha).
4. **Not knowing where bouts are.** The noise-only time (the track's length less its
   bouts) is cut into slots of the bout's own duration, and the bout could lie in any of
   them. Each slot gets a test; a false call is a test passed in a noise-only slot. With
   every slot equally likely the best spread of F expected false calls is even (the test's
   detection probability is concave in alpha, so by Jensen any uneven spread detects
   less): alpha_i = F x duration_i / noise-only seconds. Each bout's observer gets all of F
   for its own duration; a real detector must share it among all durations and waveforms,
   and bouts that straddle slots or overlap each other only make its task harder.
5. **Bound.** Recall R(F) = mean_i Phi(d_i - z_i(F)), precision P = R N / (R N + F) with N
   true bouts, and the bound is the largest 2PR / (P + R) over F.

Each row also carries a check, the detector's missed bouts by their d, and a reference. The
check: the matched filter's statistic computed on the track itself over each bout's frames,
less d, should be N(0, 1) if the track there holds only what the observer is given plus
white noise ("track_t_minus_d"; the body's slow sway widens it a little). The reference: a
"waveform-blind" observer, which knows the slot, the paw and its noise but not the waveform,
tests the paw's energy about its mean (chi-squared): not a bound, but what even that
observer reaches against the jitter alone.

Step 4's even spread is where a detector could gain: bouts come in trains, so a weak bout
next to a strong one could be looked for with a lower threshold. "Told the trains" bounds
even that: the observer is also told where the trains are, so slots lie only within
``TRAIN_REACH_S`` of some true bout. It is an upper bound on any detector that
uses the trains, and a loose one.

What it does not bound: a detector that exploits a pattern of the generator outside this
model (the lift, the sway, the timing of events), and real recordings, whose strokes are
not the generator's.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scratch_generator as gen
import semisynthetic as bench
from scipy.stats import chi2, ncx2, norm

from scratchflow.quantify import ScratchParams
from scratchflow.quantify.evaluate import match_bouts, score

# Within a train, bouts are at most 2 s apart (scratch_generator's paw-down pauses).
TRAIN_REACH_S = 2.0
# Expected false calls over a family, searched on a log grid from far below one to far
# above the number of true bouts.
FALSE_CALL_GRID = np.logspace(-4, 4, 1601)
SMALL_D = (3.0, 4.0, 5.0)
# At one false call an hour a 0.15 s slot's test has z = 3.9: the ideal observer finds a
# bout of d = 6 98 % of the time.
CLEAR_D = 6.0


def detectability(signal: gen.BoutSignal, paw_only: bool = False) -> float:
    """d = ||s / sd|| of the bout's strokes with each keypoint's mean removed per axis."""
    strokes, sd = signal.strokes, signal.noise_sd
    if paw_only:
        strokes, sd = strokes[:, [signal.paw]], sd[[signal.paw]]
    centred = strokes - strokes.mean(axis=0)
    return float(np.sqrt(np.sum((centred / sd[None, :, None]) ** 2)))


def matched_statistic(signal: gen.BoutSignal, position: np.ndarray) -> float:
    """The matched filter's statistic on the track itself over the bout's frames; N(d, 1)
    if the track there holds the strokes, still keypoints and white noise alone."""
    track = position[signal.first_frame:signal.first_frame + len(signal.strokes)]
    weight = (signal.strokes - signal.strokes.mean(axis=0)) / signal.noise_sd[None, :, None] ** 2
    return float(np.sum((track - track.mean(axis=0)) * weight) / detectability(signal))


def recall_bound(d: np.ndarray, duration_s: np.ndarray, false_calls: float,
                 noise_only_s: float) -> float:
    """Mean detection probability of the matched filter when ``false_calls`` expected
    false calls are spread evenly over slots of each bout's duration."""
    alpha = _slot_alpha(false_calls, duration_s, noise_only_s)
    return float(np.mean(norm.cdf(d - norm.isf(alpha))))


def waveform_blind_recall(d_paw: np.ndarray, frames: np.ndarray, duration_s: np.ndarray,
                          false_calls: float, noise_only_s: float) -> float:
    """The same for an observer that knows the slot, the paw and its noise but not the
    waveform: the paw's energy about its mean over the slot, chi-squared with 2 (frames - 1)
    degrees of freedom, non-central by d_paw^2 when the bout is there. Not a bound: what
    even this observer would reach."""
    dof = 2 * (frames - 1)
    threshold = chi2.isf(_slot_alpha(false_calls, duration_s, noise_only_s), dof)
    return float(np.mean(ncx2.sf(threshold, dof, d_paw ** 2)))


def _slot_alpha(false_calls: float, duration_s: np.ndarray, noise_only_s: float) -> np.ndarray:
    return np.clip(false_calls * duration_s / noise_only_s, 0.0, 1.0)


@dataclass(frozen=True)
class Bound:
    f1: float
    precision: float
    recall: float
    false_calls: float  # the expected false calls at the best F1


def best_f1(recall_at: Callable[[float], float], n_true: int) -> Bound:
    """The best F1 over the expected false calls, given the recall they buy."""
    best = Bound(0.0, 0.0, 0.0, 0.0)
    for false_calls in FALSE_CALL_GRID:
        recall = recall_at(false_calls)
        precision = recall * n_true / (recall * n_true + false_calls)
        f1 = 2 * precision * recall / (precision + recall) if recall > 0 else 0.0
        if f1 > best.f1:
            best = Bound(f1, precision, recall, false_calls)
    return best


def _train_time_s(truth: pd.DataFrame, track_s: float) -> float:
    """Seconds within TRAIN_REACH_S of any true bout, bouts included."""
    spans = sorted(zip((truth.start_s - TRAIN_REACH_S).clip(0),
                       (truth.end_s + TRAIN_REACH_S).clip(upper=track_s), strict=True))
    total, reach_end = 0.0, 0.0
    for start, end in spans:
        total += max(0.0, end - max(start, reach_end))
        reach_end = max(reach_end, end)
    return total


def family_row(shared: Path, split: str, family: bench.Family, params: ScratchParams) -> dict:
    items = bench.cases(shared, split, family)
    calls = bench.detect_all(items, params)
    detector = score([(pred, case.truth) for pred, case in zip(calls, items, strict=True)])
    signals = [s for case in items for s in case.bout_signals]
    missed = np.concatenate([_missed(pred, case.truth) for pred, case in zip(calls, items,
                                                                             strict=True)])
    d = np.array([detectability(s) for s in signals])
    d_paw = np.array([detectability(s, paw_only=True) for s in signals])
    # Does the track carry what the observer is given? The statistic less d should be N(0, 1).
    excess = np.array([matched_statistic(s, case.pose.position[:, 0]) for case in items
                       for s in case.bout_signals]) - d
    duration_s = np.concatenate([(c.truth.end_s - c.truth.start_s).to_numpy() for c in items])
    track_s = sum(c.pose.n_frames / c.pose.fps for c in items)
    noise_only_s = track_s - duration_s.sum()
    train_noise_s = sum(_train_time_s(c.truth, c.pose.n_frames / c.pose.fps) for c in items) \
        - duration_s.sum()
    frames = np.array([len(s.strokes) for s in signals])

    def bound_f1(d: np.ndarray, noise_only_s: float) -> Bound:
        return best_f1(lambda f: recall_bound(d, duration_s, f, noise_only_s), len(d))

    bound = bound_f1(d, noise_only_s)
    blind = best_f1(lambda f: waveform_blind_recall(d_paw, frames, duration_s, f, noise_only_s),
                    len(d))
    return {
        "family": family.name, "fps": family.fps, "split": split, "n_true": len(d),
        "hours": track_s / 3600,
        "detector_f1": detector.bout_f1, "detector_p": detector.bout_precision,
        "detector_r": detector.bout_recall,
        "bound_f1": bound.f1, "bound_p": bound.precision, "bound_r": bound.recall,
        "bound_false_per_h": bound.false_calls / (track_s / 3600),
        "paw_only_f1": bound_f1(d_paw, noise_only_s).f1,
        "told_trains_f1": bound_f1(d, train_noise_s).f1,
        "waveform_blind_f1": blind.f1,
        **{f"share_d_under_{limit:g}": float(np.mean(d < limit)) for limit in SMALL_D},
        "median_d": float(np.median(d)),
        "track_t_minus_d_mean": float(excess.mean()), "track_t_minus_d_sd": float(excess.std()),
        "detector_missed": int(missed.sum()),
        "missed_median_d": float(np.median(d[missed])) if missed.any() else float("nan"),
        "missed_median_d_paw": float(np.median(d_paw[missed])) if missed.any() else float("nan"),
        f"missed_d_over_{CLEAR_D:g}": int(np.sum(d[missed] > CLEAR_D)),
    }


def _missed(pred: pd.DataFrame, truth: pd.DataFrame) -> np.ndarray:
    """True for each truth row that no call matches."""
    missed = np.ones(len(truth), dtype=bool)
    missed[[t for _, t in match_bouts(pred, truth)]] = False
    return missed


def families(seeds: int, jitter_curve: bool) -> list[bench.Family]:
    main = gen.Conditions()
    out = [bench.Family("main", main, fps, seeds) for fps in (60.0, 120.0)]
    out += [bench.Family("jitter 2x", gen.with_jitter(main, 2.0), fps, seeds)
            for fps in (60.0, 120.0)]
    if jitter_curve:
        out += [bench.Family(f"jitter {level:g}x", gen.with_jitter(main, level), 60.0, seeds)
                for level in bench.JITTER_LEVELS if level != 2.0]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per background and family")
    parser.add_argument("--split", choices=tuple(bench.SPLITS), default="reporting")
    parser.add_argument("--no-jitter-curve", dest="jitter_curve", action="store_false",
                        help="only the main mix and 2x jitter")
    args = parser.parse_args()
    params = ScratchParams()
    table = pd.DataFrame([family_row(args.shared, args.split, family, params)
                          for family in families(args.seeds, args.jitter_curve)])
    violations = table[table.detector_f1 > table.bound_f1]
    pd.set_option("display.width", 250)
    print(table.drop(columns="split").round(3).to_string(index=False))
    if len(violations):
        raise SystemExit(f"the detector beats the bound on {list(violations.family)}: "
                         "the bound is wrong")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
