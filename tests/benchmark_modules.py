"""The scripts in benchmarks/ loaded as modules; they import each other by bare name."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@contextmanager
def benchmark_modules(*names: str) -> Iterator[list]:
    """The named scripts, loaded in this order, with benchmarks/ on sys.path meanwhile."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        yield [_load(name) for name in names]
    finally:
        sys.path.remove(str(BENCHMARKS))


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module
