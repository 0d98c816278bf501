"""Scoring against annotations, with hand-computed expected values, and tuning."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from scratchflow.cli import main
from scratchflow.errors import InputError
from scratchflow.formats import resolve_roles
from scratchflow.quantify import ScratchParams
from scratchflow.quantify.evaluate import match_bouts, read_annotations, score
from scratchflow.quantify.tune import Case, tune
from scratchflow_devtools.synthetic_pose import Scenario, inject, procedural_mouse


def bouts(rows):
    return pd.DataFrame(rows, columns=["start_s", "end_s", "limb", "n_strokes"])


def test_scores_by_hand():
    true = bouts([(0, 1, "left", 10), (2, 3, "right", 10), (5, 6, "left", 4)])
    pred = bouts([(0.1, 1.1, "left", 9),   # IoU 0.9/1.1: match, 10% stroke error
                  (2.5, 3.5, "left", 10),  # IoU 0.5/1.5 = 0.33: match, wrong limb
                  (5.9, 7.0, "left", 3),   # IoU 0.1/2.0 = 0.05 < 0.2: no match
                  (8, 9, "left", 5)])      # nothing there
    assert match_bouts(pred, true) == [(0, 0), (1, 1)]
    s = score([(pred, true)])
    assert (s.n_true, s.n_pred, s.n_matched) == (3, 4, 2)
    assert s.bout_precision == 0.5 and s.bout_recall == pytest.approx(2 / 3)
    assert s.bout_f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    # overlap 0.9 + 0.5 + 0.1 = 1.5; predicted 1 + 1 + 1.1 + 1 = 4.1; true 3
    assert s.time_precision == pytest.approx(1.5 / 4.1) and s.time_recall == pytest.approx(0.5)
    assert s.median_stroke_error == pytest.approx(0.05)  # median of 0.1 and 0.0
    assert s.limb_accuracy == 0.5


def test_one_to_one_matching():
    true = bouts([(0, 1, "left", 5)])
    pred = bouts([(0, 0.6, "left", 3), (0.5, 1.0, "left", 3)])
    assert len(match_bouts(pred, true)) == 1


def test_annotations_validated(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("start_s,end_s\n1,2\n3,x\n5,4\n")
    with pytest.raises(InputError, match=r"a.csv: line\(s\) 3, 4"):
        read_annotations(path)
    path.write_text("begin,end\n1,2\n")
    with pytest.raises(InputError, match=r"missing \['end_s', 'start_s'\]"):
        read_annotations(path)


def test_evaluate_cli(tmp_path):
    pred, truth = tmp_path / "p.csv", tmp_path / "t.csv"
    bouts([(0, 1, "left", 10)]).to_csv(pred, index=False)
    bouts([(0, 1, "left", 10), (3, 4, "left", 2)]).to_csv(truth, index=False)
    result = CliRunner().invoke(main, ["evaluate", "--pred", str(pred), "--truth", str(truth)])
    assert result.exit_code == 0
    assert "bout_recall: 0.500" in result.output


def test_tune_recovers_from_bad_defaults(tmp_path):
    background = procedural_mouse(40, 60, seed=1)
    roles = resolve_roles(background)
    pose, truth, _ = inject(background, roles, 120, seed=1, scenario=Scenario(n_bouts=5))
    bad = ScratchParams(min_prominence_bl=0.5)  # misses every bout
    space = {"min_prominence_bl": [0.03, 0.5], "min_strokes": [3]}
    best, trials = tune([Case(pose, roles, truth)], space, n_trials=8, seed=0, base=bad)
    assert trials.iloc[0]["bout_f1"] == 0.0
    assert best.min_prominence_bl == 0.03
    assert trials["bout_f1"].max() == 1.0


def test_tune_cli_writes_params(tmp_path):
    background = procedural_mouse(30, 60, seed=2)
    pose, truth, _ = inject(background, resolve_roles(background), 120, 2, Scenario(n_bouts=3))
    from scratchflow_devtools.synthetic_pose import write_dlc

    write_dlc(pose, tmp_path / "m.h5")
    truth.to_csv(tmp_path / "m_truth.csv", index=False)
    (tmp_path / "manifest.csv").write_text("pose,annotations,fps\nm.h5,m_truth.csv,120\n")
    result = CliRunner().invoke(main, ["tune", str(tmp_path / "manifest.csv"), "--trials", "4",
                                       "--out", str(tmp_path / "best.yaml")])
    assert result.exit_code == 0, result.output
    assert ScratchParams.from_yaml(tmp_path / "best.yaml")
    assert len(pd.read_csv(tmp_path / "best.trials.csv")) == 4
