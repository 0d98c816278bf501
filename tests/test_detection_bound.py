"""The ideal-observer bound (benchmarks/detection_bound.py) and the generator's bout signals."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from tests.benchmark_modules import benchmark_modules


@pytest.fixture(scope="module")
def bound():
    with benchmark_modules("scratch_generator", "semisynthetic", "detection_bound") as loaded:
        yield loaded[-1]


def walking_background(gen):
    """A 20 s, 30 fps mouse (body 100 px) walking slowly in a loop."""
    t = np.arange(600) / 30.0
    body = np.array([[50, 0], [-50, 0], [30, -10], [30, 10], [-30, -12], [-30, 12]], float)
    walk = np.column_stack([200 + 40 * np.sin(0.5 * t), 200 + 40 * np.cos(0.3 * t)])
    return gen.Background("walk", body[None] + walk[:, None], np.full((600, 6), 0.95), 30.0,
                          100.0)


# Recorded with the generator before it exposed the bout signals: exposing them must not
# change a single draw, so the same seed still gives the same track. Hashed after rounding
# (0.001 px, 1e-5 likelihood), so that another numpy build's last-bit differences pass.
TRACK_SHA256 = {
    (60.0, 2.0): "11e70a2fe8754f562d4c65a28a0dfd29d48fcdf27a7ce6c9f4a17f842a74f94d",
    (120.0, 0.5): "32b848e7922e72bd98b2335ac81927fea5987203d6e8ba71a9d3e7bf871d2c63",
}


@pytest.mark.parametrize(("fps", "jitter"), list(TRACK_SHA256))
def test_a_seed_gives_the_same_track_as_before_bout_signals(bound, fps, jitter):
    gen = bound.gen
    case = gen.make_case(walking_background(gen), fps, 3,
                         gen.with_jitter(gen.Conditions(), jitter))
    digest = hashlib.sha256(np.round(case.pose.position, 3).tobytes()
                            + np.round(case.pose.likelihood, 5).tobytes())
    assert digest.hexdigest() == TRACK_SHA256[(fps, jitter)]
    # One signal per true bout, over the bout's own frames.
    assert len(case.bout_signals) == len(case.truth) > 0
    for signal, bout in zip(case.bout_signals, case.truth.itertuples(), strict=True):
        assert len(signal.strokes) == pytest.approx((bout.end_s - bout.start_s) * fps, abs=1)
        assert signal.first_frame == pytest.approx(bout.start_s * fps, abs=1)


def test_detectability_of_a_sinusoid(bound):
    # Three cycles of a 2 px sine at four frames a cycle (0, 2, 0, -2 px) on a paw resting
    # 7 px off, noise SD 0.5 px: the offset is unknown to the observer and goes; what
    # remains is 3 x (4 + 4) = 24 px^2, so d = sqrt(24) / 0.5 = 9.798.
    strokes = np.zeros((12, 6, 2))
    strokes[:, 4, 0] = 7.0 + 2.0 * np.sin(np.pi / 2 * np.arange(12))
    strokes[:, 0, 1] = 1.0 * np.sin(np.pi / 2 * np.arange(12))  # the nose rocks: 6 px^2
    signal = bound.gen.BoutSignal(first_frame=0, paw=4, strokes=strokes,
                                  noise_sd=np.full(6, 0.5))
    assert bound.detectability(signal, paw_only=True) == pytest.approx(9.798, abs=1e-3)
    # With the nose: sqrt(24 + 6) / 0.5 = 10.954.
    assert bound.detectability(signal) == pytest.approx(10.954, abs=1e-3)


def test_recall_bound_of_a_worked_case(bound):
    # 1.8 false calls over an hour of noise-only time: a 0.2 s bout's slot gets
    # alpha = 1.8 x 0.2 / 3600 = 1e-4 (z = 3.7190), a 0.4 s bout's 2e-4 (z = 3.5401).
    # Recall = (Phi(5 - 3.7190) + Phi(3 - 3.5401)) / 2 = (0.89990 + 0.29456) / 2.
    recall = bound.recall_bound(np.array([5.0, 3.0]), np.array([0.2, 0.4]), 1.8, 3600.0)
    assert recall == pytest.approx((0.89990 + 0.29456) / 2, abs=1e-4)


def test_waveform_blind_recall_of_a_worked_case(bound):
    # One 0.5 s bout of 11 frames, d = 6 on the paw, alpha = 1e-4 as above: the paw's
    # energy about its mean has 2 x 10 = 20 degrees of freedom, and the chi-squared table's
    # 1e-4 point for 20 is 52.39. With the bout there the energy is a Poisson(d^2 / 2 = 18)
    # mixture of chi-squared with 20 + 2j degrees of freedom; summed over j it passes 52.39
    # with probability 0.5800 (400,000 draws of 20 normals, one shifted by 6: 0.5793).
    recall = bound.waveform_blind_recall(np.array([6.0]), np.array([11]), np.array([0.5]),
                                         0.72, 3600.0)
    assert recall == pytest.approx(0.5800, abs=1e-4)


def test_f1_bound_is_the_best_trade(bound):
    d, duration_s = np.array([5.0, 3.0]), np.array([0.2, 0.4])

    def recall_at(false_calls):
        return bound.recall_bound(d, duration_s, false_calls, 3600.0)

    best = bound.best_f1(recall_at, 2)
    assert best.recall == pytest.approx(recall_at(best.false_calls))
    assert best.precision == pytest.approx(2 * best.recall / (2 * best.recall
                                                              + best.false_calls))
    for false_calls in (0.01, 0.1, 1.0, 10.0):
        recall = recall_at(false_calls)
        precision = 2 * recall / (2 * recall + false_calls)
        assert best.f1 >= 2 * precision * recall / (precision + recall) - 1e-12
    # Bouts far above the jitter are all found with no false call to speak of.
    far = bound.best_f1(lambda f: bound.recall_bound(np.full(50, 12.0), np.full(50, 0.3), f,
                                                     3600.0), 50)
    assert far.f1 > 0.999
