"""Detector parameters, all in physical units (Hz, seconds, body lengths).

Because nothing is expressed in frames, one parameter file holds at 30, 60, 120 or
250 fps. Every field is documented in docs/parameters.md (a test keeps the two in step).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path

import yaml

from scratchflow.errors import InputError


@dataclass(frozen=True)
class ScratchParams:
    # Stroke frequency band: mouse hind-limb scratching runs at roughly 10-25 Hz.
    min_stroke_hz: float = 8.0
    max_stroke_hz: float = 30.0
    # One stroke is one back-and-forth of the paw: its excursion (peak prominence of the
    # right-minus-left paw difference) and its width at half prominence.
    min_prominence_bl: float = 0.04
    max_prominence_bl: float = 0.8
    min_stroke_width_s: float = 0.008
    max_stroke_width_s: float = 0.08
    # Grouping: strokes closer than 1/min_stroke_hz form a train; trains closer than
    # merge_gap_s form one bout; a bout needs min_strokes strokes.
    merge_gap_s: float = 0.2
    min_strokes: int = 3
    # The body must be still: median speed of the body centre, and body oscillation in
    # the stroke band relative to the paw difference (whole-body shakes move all points).
    max_body_speed_bl_s: float = 1.0
    max_body_ratio: float = 0.5
    # Likelihood policy. A scratching paw is blurred, so low likelihood alone never
    # removes a point; a point is dropped only below likelihood_floor, or when it is both
    # below glitch_likelihood and further than glitch_distance_bl from its neighbours'
    # median (glitch_window_s). Gaps up to max_interp_gap_s are interpolated.
    likelihood_floor: float = 0.01
    glitch_likelihood: float = 0.5
    glitch_distance_bl: float = 0.5
    glitch_window_s: float = 0.25
    max_interp_gap_s: float = 0.1
    # Body length (nose to tail base) in pixels; 0 means estimate it from the data.
    body_length_px: float = 0.0
    # Width of the time bins of the time-binned counts.
    bin_s: float = 300.0

    def __post_init__(self):
        problems = []
        if not 0 < self.min_stroke_hz < self.max_stroke_hz:
            problems.append("need 0 < min_stroke_hz < max_stroke_hz")
        if not 0 < self.min_prominence_bl < self.max_prominence_bl:
            problems.append("need 0 < min_prominence_bl < max_prominence_bl")
        if not 0 < self.min_stroke_width_s < self.max_stroke_width_s:
            problems.append("need 0 < min_stroke_width_s < max_stroke_width_s")
        if self.min_strokes < 2:
            problems.append("min_strokes must be at least 2")
        if self.bin_s <= 0 or self.merge_gap_s < 0 or self.body_length_px < 0:
            problems.append("bin_s must be > 0; merge_gap_s and body_length_px >= 0")
        if problems:
            raise ValueError("; ".join(problems))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict, source: str | None = None) -> ScratchParams:
        known = {f.name: f.type for f in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise InputError(
                source, f"unknown parameter(s) {unknown}", f"valid names: {', '.join(known)}"
            )
        try:
            typed = {k: (int if known[k] == "int" else float)(v) for k, v in values.items()}
            return cls(**typed)
        except (TypeError, ValueError) as err:
            raise InputError(source, f"invalid parameter value: {err}", None) from err

    @classmethod
    def from_yaml(cls, path: str | Path) -> ScratchParams:
        try:
            values = yaml.safe_load(Path(path).read_text()) or {}
        except (OSError, yaml.YAMLError) as err:
            raise InputError(path, f"cannot read parameter file: {err}", None) from err
        if not isinstance(values, dict):
            raise InputError(path, "parameter file must be a mapping of name: value", None)
        return cls.from_dict(values, str(path))

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False)
