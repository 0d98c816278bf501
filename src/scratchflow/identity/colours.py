"""The hue table: which fur colours ``--colours`` may name, and how a pixel is classified.

Hue is in degrees (0-360, red at 0), saturation and value in 0-1, as image editors show
them. A named colour is a hue range with a saturation and value floor; a custom one is given
as ``NAME=H0-H1,S0-S1,V0-V1`` (a single number for S or V is a floor). Grey, white, black
and pink-ish unpainted fur all have low saturation, so they fall in no colour.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scratchflow.errors import InputError
from scratchflow.identity.files import hue_centre


@dataclass(frozen=True)
class ColourRange:
    name: str
    hue: tuple[float, float]  # degrees; hue[0] > hue[1] wraps through 0 (red)
    saturation: tuple[float, float] = (0.35, 1.0)
    value: tuple[float, float] = (0.25, 1.0)

    def contains(self, hue: np.ndarray, saturation: np.ndarray, value: np.ndarray) -> np.ndarray:
        low, high = self.hue
        in_hue = (hue >= low) & (hue < high) if low <= high else (hue >= low) | (hue < high)
        return (in_hue & (saturation >= self.saturation[0]) & (saturation <= self.saturation[1])
                & (value >= self.value[0]) & (value <= self.value[1]))


# Hue ranges of the paints and dyes labs use (docs/identity.md shows the table).
HUE_TABLE = {colour.name: colour for colour in (
    ColourRange("red", (340, 15)),
    ColourRange("orange", (15, 40)),
    ColourRange("yellow", (40, 70)),
    ColourRange("green", (80, 165)),
    ColourRange("cyan", (165, 200)),
    ColourRange("blue", (200, 260)),
    ColourRange("purple", (260, 300)),
    ColourRange("magenta", (300, 340)),
)}


def parse_colours(text: str, source: str = "--colours") -> list[ColourRange]:
    """``red,green,NAME=H0-H1,S,V`` into colour ranges, in the order given.

    Items are split at commas, so a custom colour's three ranges follow its ``NAME=``."""
    colours: list[ColourRange] = []
    items = [item.strip() for item in text.split(",")]
    index = 0
    while index < len(items):
        item = items[index]
        if "=" in item:
            colours.append(_custom(item, items[index + 1:index + 3], source))
            index += 3
            continue
        if item.lower() not in HUE_TABLE:
            raise InputError(None, f"{source}: colour {item!r} is not in the hue table",
                             f"use one of {', '.join(HUE_TABLE)}, or give NAME=H0-H1,S,V")
        colours.append(HUE_TABLE[item.lower()])
        index += 1
    names = [c.name for c in colours]
    if len(set(names)) != len(names):
        raise InputError(None, f"{source}: a colour is named twice ({', '.join(names)})",
                         "name each mouse's colour once")
    return colours


def _custom(head: str, rest: list[str], source: str) -> ColourRange:
    name, _, hue = head.partition("=")
    example = "e.g. orange=15-40,0.4,0.3 (hue degrees, saturation and value floors 0-1)"
    if len(rest) != 2 or not name.strip():
        raise InputError(None, f"{source}: {head!r} is not NAME=H0-H1,S,V", example)
    try:
        hues, sat, val = (_range(part) for part in (hue, *rest))
    except ValueError as err:
        raise InputError(None, f"{source}: {name}: {err}", example) from err
    if not (0 <= hues[0] <= 360 and 0 <= hues[1] <= 360):
        raise InputError(None, f"{source}: {name}: hue must be within 0-360 degrees, got "
                         f"{hues[0]:g}-{hues[1]:g}", example)
    if not all(0 <= v <= 1 for v in (*sat, *val)):
        raise InputError(None, f"{source}: {name}: saturation and value must be within 0-1",
                         example)
    return ColourRange(name.strip(), hues, sat, val)


def _range(text: str) -> tuple[float, float]:
    low, dash, high = text.strip().partition("-")
    try:
        return (float(low), float(high) if dash else 1.0)
    except ValueError:
        raise ValueError(f"{text!r} is not a number or a range A-B") from None


LUT_BITS = 6  # per RGB channel: a 2^18-entry table, finer than any hue boundary needs


def class_table(colours: list[ColourRange]) -> np.ndarray:
    """A lookup table from a quantised RGB pixel (see ``pixel_index``) to 1 + the index of its
    colour, or 0 for none; the first colour listed wins where ranges overlap."""
    levels = (np.arange(1 << LUT_BITS) + 0.5) / (1 << LUT_BITS)
    r, g, b = np.meshgrid(levels, levels, levels, indexing="ij")
    hue, saturation, value = rgb_to_hsv(r.ravel(), g.ravel(), b.ravel())
    table = np.zeros(hue.shape, np.uint8)
    for index, colour in reversed(list(enumerate(colours))):
        table[colour.contains(hue, saturation, value)] = index + 1
    return table


def pixel_index(rgb: np.ndarray) -> np.ndarray:
    """Indices into ``class_table`` of uint8 RGB pixels (..., 3)."""
    shift = 8 - LUT_BITS
    q = (rgb >> shift).astype(np.int32)
    return (q[..., 0] << (2 * LUT_BITS)) | (q[..., 1] << LUT_BITS) | q[..., 2]


def rgb_to_hsv(r: np.ndarray, g: np.ndarray, b: np.ndarray):
    """Hue in degrees, saturation and value in 0-1, of RGB in 0-1."""
    value = np.maximum(np.maximum(r, g), b)
    spread = value - np.minimum(np.minimum(r, g), b)
    saturation = np.where(value > 0, spread / np.maximum(value, 1e-12), 0.0)
    safe = np.maximum(spread, 1e-12)
    hue = np.select([value == r, value == g], [(g - b) / safe % 6, (b - r) / safe + 2],
                    (r - g) / safe + 4) * 60.0
    return np.where(spread > 0, hue, 0.0), saturation, value


# A learned colour's hue range: its cluster's centre +- this many standard deviations, at
# least MIN_HALF_WIDTH_DEG, never past the midpoint to the neighbouring colour.
LEARNED_WIDTH_SD = 2.5
MIN_HALF_WIDTH_DEG = 12.0
LEARN_ITERATIONS = 20


def learn_colours(colours: list[ColourRange], rgb: np.ndarray) -> list[ColourRange]:
    """The hue ranges the mice in this video actually show: k-means on the hue circle of the
    saturated fur pixels ``rgb`` (P, 3), one cluster per colour, each started at its named
    range's centre (so each name keeps the cluster nearest to it)."""
    hue, saturation, value = rgb_to_hsv(*(rgb.T / 255.0))
    coloured = np.zeros(len(hue), bool)
    for colour in colours:  # the named floors still say what counts as coloured at all
        coloured |= (saturation >= colour.saturation[0]) & (value >= colour.value[0])
    hue = hue[coloured]
    centres = np.array([hue_centre(c.hue) for c in colours])
    if len(hue) == 0:
        return colours
    for _ in range(LEARN_ITERATIONS):
        nearest = np.abs(_signed_gap(hue[:, None], centres[None])).argmin(1)
        for index in range(len(colours)):
            mine = hue[nearest == index]
            if len(mine):
                centres[index] = _circular_mean(mine)
    spreads = [_signed_gap(hue[nearest == i], centres[i]).std() if (nearest == i).any()
               else 0.0 for i in range(len(colours))]
    learned = []
    for index, colour in enumerate(colours):
        half = max(MIN_HALF_WIDTH_DEG, LEARNED_WIDTH_SD * spreads[index])
        others = np.delete(centres, index)
        if len(others):
            half = min(half, np.abs(_signed_gap(others, centres[index])).min() / 2)
        low, high = (centres[index] - half) % 360, (centres[index] + half) % 360
        learned.append(ColourRange(colour.name, (round(float(low), 1), round(float(high), 1)),
                                   colour.saturation, colour.value))
    return learned


def _signed_gap(a, b):
    """a - b on the hue circle, in (-180, 180]."""
    return (np.asarray(a) - np.asarray(b) + 180) % 360 - 180


def _circular_mean(degrees: np.ndarray) -> float:
    radians = np.radians(degrees)
    return float(np.degrees(np.arctan2(np.sin(radians).mean(), np.cos(radians).mean())) % 360)
