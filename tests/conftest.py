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


def downgrade_schema(db: Path, revision: str) -> None:
    """Take a library database back to an older schema revision with its own migrations'
    downgrade steps (as a library written by an older Credence would be)."""
    from alembic import command
    from sqlalchemy import create_engine

    from provenance.store.engine import _alembic_config

    engine = create_engine(f"sqlite:///{db}")
    try:
        cfg = _alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, revision)
    finally:
        engine.dispose()


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
