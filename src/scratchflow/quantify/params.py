"""Detector parameters, all in physical units (Hz, seconds, body lengths) or ratios.

Because nothing is expressed in frames, one parameter file holds at 30, 60, 120 or
250 fps. Because the evidence thresholds are ratios to the recording's own tracking
noise, the same file holds for a clean and a jittery pose model. Every field is documented
in docs/parameters.md (a test keeps the two in step); each carries its valid range.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from scratchflow.param_file import RangedParams


def _range(low: float, high: float = float("inf"), *, low_open: bool = False) -> dict:
    return {"range": (low, high, low_open)}


@dataclass(frozen=True)
class ScratchParams(RangedParams):
    # Stroke frequency band: mouse hind-limb scratching runs at roughly 10-25 Hz.
    min_stroke_hz: float = field(default=8.0, metadata=_range(0, low_open=True))
    max_stroke_hz: float = field(default=30.0, metadata=_range(0, low_open=True))
    # A stroke is a peak of the paw's band-passed motion along its stroke axis. Its
    # prominence must reach both an absolute floor and a multiple of the jitter's spread.
    min_prominence_bl: float = field(default=0.02, metadata=_range(0, 1))
    min_stroke_snr: float = field(default=2.0, metadata=_range(0, 100))
    # Strokes further apart than merge_gap_s start a new bout (a paw-down pause); a bout
    # needs min_strokes strokes.
    merge_gap_s: float = field(default=0.2, metadata=_range(0, 10))
    min_strokes: int = field(default=3, metadata=_range(2, 1000))
    # Candidates: a short-time spectral peak this many times the jitter's power.
    min_window_snr: float = field(default=10.0, metadata=_range(1, 1e6))
    # Within train_reach_s of a called bout (scratch bouts come in trains), a candidate needs
    # only min_train_window_snr; its bouts pass the same evidence tests.
    min_train_window_snr: float = field(default=8.0, metadata=_range(1, 1e6))
    train_reach_s: float = field(default=2.0, metadata=_range(0, 60))
    # Evidence tests, one per bout (docs/design.md says what each is for). Their values were
    # chosen by `benchmarks/semisynthetic.py --tune` on the benchmark's tuning split only
    # (max_body_ratio later by hand, on the same split).
    min_bout_snr: float = field(default=2.0, metadata=_range(0, 1e6, low_open=True))
    max_interval_cv: float = field(default=0.2, metadata=_range(0, 10, low_open=True))
    min_periodicity: float = field(default=0.5, metadata=_range(0, 1, low_open=True))
    min_paw_ratio: float = field(default=2.0, metadata=_range(0, 1e6, low_open=True))
    min_sum_ratio: float = field(default=0.4, metadata=_range(0, 10, low_open=True))
    max_body_ratio: float = field(default=0.8, metadata=_range(0, 100, low_open=True))
    max_body_speed_bl_s: float = field(default=0.5, metadata=_range(0, 100, low_open=True))
    # Bouts whose confidence (the weakest test's margin, see docs/parameters.md) is below
    # this are dropped; 0.5 keeps every bout that passes every test.
    min_confidence: float = field(default=0.5, metadata=_range(0, 1))
    # Likelihood policy. A scratching paw is blurred, so low likelihood alone never
    # removes a point; a point is dropped only below likelihood_floor, or when it is both
    # below glitch_likelihood and further than glitch_distance_bl from its neighbours'
    # median (glitch_window_s). Gaps up to max_interp_gap_s are interpolated.
    likelihood_floor: float = field(default=0.01, metadata=_range(0, 1))
    glitch_likelihood: float = field(default=0.5, metadata=_range(0, 1))
    glitch_distance_bl: float = field(default=0.5, metadata=_range(0, 100, low_open=True))
    glitch_window_s: float = field(default=0.25, metadata=_range(0, 60, low_open=True))
    max_interp_gap_s: float = field(default=0.1, metadata=_range(0, 60))
    # A mouse whose hind paws are both usable (finite, likelihood >= likelihood_floor) in fewer
    # frames than this fraction was not tracked: its zero bouts would be a false zero, so it
    # gets the status no_tracking and is left out of the group statistics.
    min_usable_fraction: float = field(default=0.5, metadata=_range(0, 1))
    # Body length (nose to tail base) in pixels; 0 means estimate it from the data.
    body_length_px: float = field(default=0.0, metadata=_range(0, 1e5))
    # Width of the time bins of the time-binned counts.
    bin_s: float = field(default=300.0, metadata=_range(0, 1e6, low_open=True))

    HINT = "see `scratchflow params` for every valid range"

    def extra_problems(self) -> list[str]:
        if self.min_stroke_hz < self.max_stroke_hz:
            return []
        return [f"min_stroke_hz ({self.min_stroke_hz:g}) must be below max_stroke_hz "
                f"({self.max_stroke_hz:g})"]

    def to_commented_yaml(self) -> str:
        """The YAML of ``to_yaml`` with a comment line per field: meaning, unit, range."""
        lines = ["# Scratch detector parameters (docs/parameters.md). Edit, then pass --params.\n"]
        for name, value in self.to_dict().items():
            lines.append(f"# {HELP[name]} Valid: {self.valid_range(name)}.\n")
            lines.append(yaml.safe_dump({name: value}, sort_keys=False))
        return "".join(lines)


# One line per field for `scratchflow params`; docs/parameters.md says more.
HELP = {
    "min_stroke_hz": "Hz. Slowest stroke rate that counts as scratching; lower edge of the band.",
    "max_stroke_hz": "Hz. Upper edge of the stroke band (capped at 0.45 x fps).",
    "min_prominence_bl": "Body lengths. Smallest stroke excursion, whatever the noise.",
    "min_stroke_snr": "Jitter SDs. A stroke's peak must also stand this far above the jitter.",
    "merge_gap_s": "Seconds. A longer pause between strokes starts a new bout.",
    "min_strokes": "Strokes. A bout needs at least this many.",
    "min_window_snr": "Ratio. Short-time spectral peak over the jitter's power that makes a "
                      "candidate.",
    "min_train_window_snr": "Ratio. The same, within train_reach_s of a called bout.",
    "train_reach_s": "Seconds. How far from a called bout a weaker candidate is looked for.",
    "min_bout_snr": "Ratio. Evidence: a bout's power along its stroke axis over the jitter's.",
    "max_interval_cv": "Ratio. Evidence: largest spread (CV) of the stroke intervals.",
    "min_periodicity": "Correlation. Evidence: autocorrelation at one stroke period.",
    "min_paw_ratio": "Ratio. Evidence: scratching paw's power over the other hind paw's "
                     "(relative to the body or on the floor, whichever is stiller).",
    "min_sum_ratio": "Ratio. Evidence: power of the paws' sum over their difference (label "
                     "swaps).",
    "max_body_ratio": "Ratio. Evidence: largest body-centre amplitude relative to the paw's "
                      "(shakes).",
    "max_body_speed_bl_s": "Body lengths/s. Evidence: largest median body-centre speed.",
    "min_confidence": "0-1. Bouts with a lower confidence are dropped; 0.5 = every test passed.",
    "likelihood_floor": "Likelihood. Points below it are missing.",
    "glitch_likelihood": "Likelihood. Below it, a point far from its neighbours is a glitch.",
    "glitch_distance_bl": "Body lengths. How far from its neighbours' median a glitch lies.",
    "glitch_window_s": "Seconds. The neighbourhood of that median.",
    "max_interp_gap_s": "Seconds. Longer gaps stay missing; shorter ones are interpolated.",
    "body_length_px": "Pixels. Nose to tail base; 0 estimates it from the data.",
    "min_usable_fraction": "Fraction of frames. Fewer with both hind paws tracked: no_tracking.",
    "bin_s": "Seconds. Width of the time bins.",
}

