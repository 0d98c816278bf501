"""Identity-repair parameters, in physical units: seconds, body lengths, fractions.

Nothing is in frames or pixels, so one file holds at any frame rate and image size. Every
field is documented in docs/identity.md; each carries its valid range.
"""

from __future__ import annotations

from dataclasses import dataclass

from scratchflow.param_file import RangedParams, ranged


@dataclass(frozen=True)
class IdentityParams(RangedParams):
    # Colour is sampled on a grid of points within this radius of each keypoint; where
    # another animal's body lies within it, the colour may be that animal's and does not
    # count for whole animals.
    sample_radius_bl: float = ranged(0.12, 0.01, 1.0)
    # A sampled pixel is fur, not floor, when it differs from the background by this much
    # (0-1 of the full RGB scale, the largest channel difference).
    foreground_contrast: float = ranged(0.12, 0.0, 1.0)
    # A keypoint's colour counts in full once this many coloured samples are seen around it;
    # fewer count in proportion (a paw at the edge of the paint says less than the back).
    full_evidence_fraction: float = ranged(0.3, 0.0, 1.0, low_open=True)
    # Whole-animal assignment: changing which track carries which colour costs as much as
    # this many seconds of clear colour evidence, so stretches shorter than this are never
    # relabelled as a whole (those are body-part errors, repaired separately).
    min_switch_s: float = ranged(0.3, 0.0, 60.0, low_open=True)
    # Body-part reassignment: a body part moves to another animal when its colour and the
    # skeleton agree for at least this long; the skeleton term weighs a misplacement of one
    # body length as much as this many units of colour evidence.
    min_bodypart_s: float = ranged(0.04, 0.0, 10.0)
    skeleton_weight: float = ranged(4.0, 0.0, 100.0)
    # Each second a body part spends moved to another animal costs this much colour
    # evidence: where two mice's parts coincide, the tracker's assignment stands.
    move_cost_per_s: float = ranged(15.0, 0.0, 1000.0)
    # Motion continuity: a body part's jump of one body length between frames weighs this
    # many units of colour evidence (in the whole-animal pass, the median body part's jump).
    motion_weight: float = ranged(16.0, 0.0, 1000.0)
    # Mice whose bodies come closer than this are touching: a body-part repair there is a
    # 'drift', elsewhere a 'jump'.
    touch_distance_bl: float = ranged(1.2, 0.0, 100.0)
    # The confidence of a colour at a frame is its evidence margin, averaged over this window.
    confidence_window_s: float = ranged(0.5, 0.0, 600.0)
    # Background: the median of at most this many key frames spread over the video.
    background_frames: int = ranged(31, 3, 501)
    # Body length (nose to tail) in pixels; 0 estimates it from the tracks.
    body_length_px: float = ranged(0.0, 0.0, 1e5)

    HINT = "see docs/identity.md for every valid range"
