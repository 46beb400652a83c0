"""Shared fixtures: real library folders in tmp_path, third-party data under ../shared/data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tests must never touch the real per-user library or log folders.
os.environ.setdefault("CREDENCE_USER", "test-registrar")


def data_file(relative: str) -> Path:
    """A file from ../shared/data; the test is skipped when the data set is not present."""
    path = DATA / relative
    if not path.exists():
        pytest.skip(f"test data {relative} is not available")
    return path


@pytest.fixture
def library(tmp_path):
    from provenance import open_library

    lib = open_library(tmp_path / "lib", actor="alice")
    yield lib
    lib.close()


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.delenv("CREDENCE_LIBRARY", raising=False)
