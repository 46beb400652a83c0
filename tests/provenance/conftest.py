"""The core's tests run against both engines: every test that uses `library` runs once on a
SQLite library folder and once on a team library in PostgreSQL (see tests/pgcluster.py)."""

from __future__ import annotations

import pytest

from tests.conftest import open_engine_library


@pytest.fixture(params=["sqlite", "postgresql"])
def library(request, tmp_path):
    lib = open_engine_library(request, tmp_path, request.param)
    yield lib
    lib.close()
