"""Parameter dataclasses whose every field carries a valid range, read from YAML.

A step's parameters subclass ``RangedParams`` and declare fields with ``ranged(...)``; the
base checks ranges on construction and turns a YAML file into a checked instance, with
messages that say the expected range and the value got.
"""

from __future__ import annotations

import math
from dataclasses import asdict, field, fields
from pathlib import Path
from typing import Self

import yaml

from scratchflow.errors import InputError


def ranged(default: float, low: float, high: float = math.inf, *, low_open: bool = False):
    """A dataclass field with a default and a valid range [low, high] ((low, high] if open)."""
    return field(default=default, metadata={"range": (low, high, low_open)})


class RangedParams:
    """Mixin for frozen dataclasses of ``ranged`` fields. ``HINT`` says where ranges are
    listed; ``extra_problems`` adds checks between fields."""

    HINT = "see the documentation for every valid range"

    def __post_init__(self):
        problems = [p for f in fields(self) if (p := _out_of_range(type(self), f,
                                                                   getattr(self, f.name)))]
        problems += self.extra_problems()
        if problems:
            raise ValueError("; ".join(problems))

    def extra_problems(self) -> list[str]:
        return []

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def valid_range(cls, name: str) -> str:
        """The valid range of a parameter, as the messages and docs write it."""
        low, high, low_open = next(f for f in fields(cls) if f.name == name).metadata["range"]
        upper = "" if math.isinf(high) else f" and <= {high:g}"
        return f"{'>' if low_open else '>='} {low:g}{upper}"

    @classmethod
    def from_dict(cls, values: dict, source: str | None = None) -> Self:
        known = {f.name: f.type for f in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise InputError(
                source, f"unknown parameter(s) {unknown}", f"valid names: {', '.join(known)}"
            )
        try:
            typed = {k: _typed(k, known[k], v) for k, v in values.items()}
            return cls(**typed)
        except (TypeError, ValueError) as err:
            raise InputError(source, f"invalid parameter value: {err}", cls.HINT) from err

    @classmethod
    def from_yaml(cls, path: str | Path) -> Self:
        try:
            values = yaml.safe_load(Path(path).read_text()) or {}
        except (OSError, yaml.YAMLError) as err:
            raise InputError(path, f"cannot read parameter file: {err}", None) from err
        if not isinstance(values, dict):
            raise InputError(path, "parameter file must be a mapping of name: value", None)
        return cls.from_dict(values, str(path))

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False)


def _out_of_range(cls, spec, value) -> str | None:
    low, high, low_open = spec.metadata["range"]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return f"{spec.name} must be a finite number, got {value!r}"
    if spec.type == "int" and value != int(value):
        return f"{spec.name} must be a whole number, got {value!r}"
    if (value <= low if low_open else value < low) or value > high:
        return f"{spec.name} must be {cls.valid_range(spec.name)}, got {value!r}"
    return None


def _typed(name: str, kind: str, value):
    """YAML gives ints, floats and strings; refuse anything that is not a plain number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if kind == "int":
        if value != int(value):
            raise ValueError(f"{name} must be a whole number, got {value!r}")
        return int(value)
    return float(value)
