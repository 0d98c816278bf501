"""The detector meets issue 11's targets on the benchmark's reporting split, default parameters.

The reporting split (benchmarks/semisynthetic.py) shares no background and no seed with the
tuning split that chose the thresholds.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from scratchflow.quantify import ScratchParams

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        _load("scratch_generator")
        yield _load("semisynthetic")
    finally:
        sys.path.remove(str(BENCHMARKS))


@pytest.mark.parametrize("fps", [60.0, 120.0])
def test_targets_on_the_reporting_split(bench, shared_data, fps):
    family = bench.Family("main", bench.gen.Conditions(), fps, seeds=2)
    row = bench.run_family(shared_data, "reporting", family, ScratchParams())
    assert row["n_true"] >= 100
    assert row["bout_f1"] >= bench.TARGETS["bout_f1"]
    assert row["time_f1"] >= bench.TARGETS["time_f1"]
    assert row["median_stroke_error"] <= bench.TARGETS["median_stroke_error"]
    assert row["limb_accuracy"] >= bench.TARGETS["limb_accuracy"]


def test_confounders_make_few_false_bouts(bench, shared_data):
    conditions = bench.replace(bench.gen.Conditions(), scratch_share=0.0)
    family = bench.Family("confounders", conditions, 120.0, seeds=3)
    row = bench.run_family(shared_data, "reporting", family, ScratchParams())
    minutes = sum(row[f"{kind}_s"] for kind in bench.gen.CONFOUNDERS) / 60
    false = sum(row[f"{kind}_false"] for kind in bench.gen.CONFOUNDERS)
    assert minutes >= 5
    assert false / minutes * 10 <= bench.TARGET_CONFOUNDER_FALSE_PER_10_MIN


def test_splits_share_no_background_and_no_seed(bench):
    (tuning, first_tuning), (reporting, first_reporting) = (
        bench.SPLITS["tuning"], bench.SPLITS["reporting"])
    assert not set(tuning) & set(reporting)
    # Seeds run from the split's first seed in steps of 100 per background, < 100 each.
    assert first_tuning + 100 * len(tuning) <= first_reporting
