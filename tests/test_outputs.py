"""Atomic writes: whole files or nothing, with ordinary permissions."""

from __future__ import annotations

import os

import pytest

from scratchflow.outputs import atomic_path


def test_failed_write_leaves_nothing(tmp_path):
    target = tmp_path / "result.csv"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def test_written_file_follows_umask(tmp_path):
    old = os.umask(0o022)
    try:
        with atomic_path(tmp_path / "a.txt") as tmp:
            tmp.write_text("x")
    finally:
        os.umask(old)
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o644
