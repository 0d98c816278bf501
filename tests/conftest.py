"""Shared fixtures. Real third-party data lives in ../shared/data beside the clone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
# Trained test models are kept between runs on one machine (keyed by their settings).
CACHE = Path(os.environ.get("SCRATCHFLOW_CACHE", Path.home() / ".cache" / "scratchflow"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared real-data folder; tests using it skip where a user's clone lacks it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared test data not found at {SHARED_DATA} (only present in CI)")
    return SHARED_DATA
