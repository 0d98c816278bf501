"""Crop boxes: derived from a QR code's corner and the rig geometry, or given by hand."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from scratchflow.errors import InputError

ANCHORS = ("top-left", "top-right", "bottom-left", "bottom-right")
DIRECTIONS = ("down-right", "down-left", "up-right", "up-left")
BOXES_HELP = ('give boxes by hand: --boxes "left=x,y,w,h;right=x,y,w,h" '
              "or --boxes boxes.json with {\"left\": [x, y, w, h], ...}")


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    def overlaps(self, other: Box) -> bool:
        return (self.x < other.right and other.x < self.right
                and self.y < other.bottom and other.y < self.bottom)

    def to_dict(self) -> dict[str, int]:
        return asdict(self)

    def __str__(self) -> str:
        return f"x={self.x} y={self.y} w={self.w} h={self.h}"


@dataclass(frozen=True)
class CropGeometry:
    """Where each mouse's box lies relative to its QR code (measure once per rig, docs/crop.md).

    The box corner nearest the code is placed at the code's ``anchor`` corner (corners of the
    code's axis-aligned outline in the image) plus ``(offset_x, offset_y)`` pixels; the box then
    extends from that point in ``direction``.
    """

    box_width: int = 900
    box_height: int = 900
    anchor: str = "top-right"
    offset_x: int = 0
    offset_y: int = 0
    direction: str = "down-right"

    def __post_init__(self):
        if self.anchor not in ANCHORS:
            raise InputError(None, f"anchor {self.anchor!r} is not one of {ANCHORS}")
        if self.direction not in DIRECTIONS:
            raise InputError(None, f"direction {self.direction!r} is not one of {DIRECTIONS}")
        check_even_size(None, "box", self.box_width, self.box_height)

    def box_for(self, outline: tuple[float, float, float, float]) -> Box:
        """The box for a code whose outline is ``(x0, y0, x1, y1)`` in full-frame pixels."""
        x0, y0, x1, y1 = outline
        ax = (x1 if self.anchor.endswith("right") else x0) + self.offset_x
        ay = (y1 if self.anchor.startswith("bottom") else y0) + self.offset_y
        left = ax if self.direction.endswith("right") else ax - self.box_width
        top = ay if self.direction.startswith("down") else ay - self.box_height
        return snap_even(left, top, self.box_width, self.box_height)


def snap_even(x: float, y: float, w: int, h: int) -> Box:
    # 4:2:0 video stores colour per 2x2 block: an odd origin would shift colour against luma.
    return Box(int(round(x)) // 2 * 2, int(round(y)) // 2 * 2, w, h)


def check_even_size(path: str | Path | None, label: str, w: int, h: int) -> None:
    if w <= 0 or h <= 0 or w % 2 or h % 2:
        raise InputError(path, f"{label} size {w}x{h} must be positive even numbers",
                         "4:2:0 video needs even widths and heights, e.g. 900x900")


def check_boxes(boxes: dict[str, Box], width: int, height: int, path: Path) -> None:
    """Every box inside the frame, no two overlapping; the message gives the numbers."""
    for label, box in boxes.items():
        check_even_size(path, f"box {label!r}", box.w, box.h)
        if box.x < 0 or box.y < 0 or box.right > width or box.bottom > height:
            raise InputError(path, f"crop box {label!r} ({box}, right={box.right}, "
                             f"bottom={box.bottom}) leaves the {width}x{height} frame",
                             "adjust --offset-x/--offset-y/--box-size/--anchor/--direction "
                             f"(docs/crop.md), or {BOXES_HELP}")
    labels = list(boxes)
    for i, first in enumerate(labels):
        for second in labels[i + 1:]:
            if boxes[first].overlaps(boxes[second]):
                raise InputError(path, f"crop boxes {first!r} ({boxes[first]}) and {second!r} "
                                 f"({boxes[second]}) overlap",
                                 f"use a smaller --box-size or check the geometry, or {BOXES_HELP}")


def parse_boxes(spec: str) -> dict[str, Box]:
    """``left=x,y,w,h;right=x,y,w,h`` or the path of a JSON file ``{"left": [x, y, w, h]}``."""
    path = Path(spec)
    if spec.endswith(".json") or path.is_file():
        return boxes_from_json(path)
    boxes = {}
    for item in filter(None, (part.strip() for part in spec.split(";"))):
        label, sep, numbers = item.partition("=")
        values = re.split(r"\s*,\s*", numbers.strip())
        if not sep or len(values) != 4 or not all(v.lstrip("-").isdigit() for v in values):
            raise InputError(None, f"--boxes item {item!r} is not LABEL=x,y,w,h", BOXES_HELP)
        boxes[label.strip()] = Box(*(int(v) for v in values))
    if not boxes:
        raise InputError(None, "--boxes is empty", BOXES_HELP)
    return boxes


def boxes_from_json(path: Path) -> dict[str, Box]:
    try:
        data = json.loads(path.read_text())
        boxes = {str(label): box_from_value(value) for label, value in data.items()}
    except FileNotFoundError as err:
        raise InputError(path, "boxes file not found", BOXES_HELP) from err
    except (ValueError, TypeError, AttributeError, KeyError) as err:
        raise InputError(path, f"boxes file is not {{label: [x, y, w, h]}} ({err})",
                         BOXES_HELP) from err
    if not boxes:
        raise InputError(path, "boxes file lists no boxes", BOXES_HELP)
    return boxes


def box_from_value(value) -> Box:
    if isinstance(value, dict):
        value = [value["x"], value["y"], value["w"], value["h"]]
    if len(value) != 4 or not all(isinstance(v, int) for v in value):
        raise ValueError(f"{value!r} is not four integers")
    return Box(*value)
