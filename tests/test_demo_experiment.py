"""The bundled demo experiment scripts a finding for the report to show: every pruritogen
mouse scratches more than every vehicle mouse, with enough mice for the exact test to see it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from scratchflow.quantify import ScratchParams
from scratchflow.summarise.compare import smallest_p

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "examples" / "demo_experiment"


def scripted_bouts_per_group() -> dict[str, list[int]]:
    truth = pd.read_csv(DEMO / "truth_bouts.csv")
    per_group: dict[str, list[int]] = {}
    for txt in sorted(DEMO.glob("*.txt")):
        fields = dict(line.split(": ", 1) for line in txt.read_text().splitlines()
                      if ": " in line and not line.startswith("#"))
        for position in ("left", "right"):
            mine = truth[(truth["video"] == txt.stem) & (truth["position"] == position)]
            per_group.setdefault(fields[f"{position}_group"], []).append(len(mine))
    return per_group


def test_demo_scripts_a_treatment_effect():
    groups = scripted_bouts_per_group()
    assert sorted(groups) == ["pruritogen", "vehicle"]
    vehicle, pruritogen = groups["vehicle"], groups["pruritogen"]
    assert len(vehicle) == len(pruritogen) == 4
    assert min(pruritogen) >= 3 * max(vehicle) > 0  # clearly more, and vehicle mice scratch too
    assert smallest_p(len(pruritogen), len(vehicle)) < 0.05  # n the exact test can work with


def test_make_demo_compares_with_vehicle_in_5_s_bins():
    makefile = (REPO / "Makefile").read_text()
    assert "--control vehicle" in makefile
    assert "--params examples/demo_experiment/params.yaml" in makefile
    assert ScratchParams.from_yaml(DEMO / "params.yaml").bin_s == 5.0
