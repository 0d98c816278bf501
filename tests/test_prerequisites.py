"""Under CI=true a missing prerequisite (../shared/data, Chromium, .venv-tf's TensorFlow,
DeepLabCut, moto) fails the run; on a user's machine it skips."""

from __future__ import annotations

import pytest

from tests import conftest


@pytest.mark.parametrize("ci, outcome", [(True, pytest.fail.Exception),
                                         (False, pytest.skip.Exception)])
def test_missing_prerequisite_fails_only_in_ci(monkeypatch, ci, outcome):
    monkeypatch.setattr(conftest, "IN_CI", ci)
    with pytest.raises(outcome, match="no_such_module_for_tests"):
        conftest.require_module("no_such_module_for_tests", "no_such_module_for_tests missing")
    monkeypatch.setattr(conftest, "SHARED_DATA", conftest.REPO / "no-such-folder")
    with pytest.raises(outcome, match="shared test data not found"):
        conftest.shared_data.__wrapped__()

