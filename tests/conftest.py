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


# -- PostgreSQL (team libraries) ----------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_cluster(tmp_path_factory):
    """One throwaway PostgreSQL server for the whole run (see tests/pgcluster.py), with a
    template database at Credence's schema head. Skipped only when the server binaries are
    absent and this is not CI: in CI (CI or CREDENCE_REQUIRE_POSTGRES set) that fails."""
    from tests.pgcluster import Cluster, postgres_required, server_binaries

    bindir = server_binaries()
    if bindir is None:
        message = "PostgreSQL server binaries (initdb, pg_ctl) are not installed"
        if postgres_required():
            pytest.fail(f"{message}; CI needs them (packaging/system-deps.sh test installs them)")
        pytest.skip(message)
    cluster = Cluster(bindir).start()
    # The template's first open makes a per-user folder: never the real user's.
    saved = os.environ.get("XDG_DATA_HOME")
    os.environ["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("pg-template-home"))
    try:
        cluster.make_template()
    except BaseException:
        cluster.stop()
        raise
    finally:
        if saved is None:
            os.environ.pop("XDG_DATA_HOME", None)
        else:
            os.environ["XDG_DATA_HOME"] = saved
    yield cluster
    cluster.stop()


_databases = iter(range(1, 10**9))


@pytest.fixture
def pg_url(pg_cluster):
    """The URL of a fresh, empty team library database (dropped after the test)."""
    name = f"lib_{os.getpid()}_{next(_databases)}"
    url = pg_cluster.new_database(name)
    yield url
    pg_cluster.drop_database(name)


def open_engine_library(request, tmp_path, engine: str):
    """Open a fresh library on `engine` ("sqlite": a folder in tmp_path; "postgresql": a fresh
    database of the test cluster, as role alice) for the central `library` fixtures."""
    from provenance import open_library

    if engine == "postgresql":
        return open_library(request.getfixturevalue("pg_url"))
    return open_library(tmp_path / "lib", actor="alice")


def tamper(lib, *statements: str | tuple) -> None:
    """Change a library's database behind Credence's back, on either engine: each statement is
    SQL with `?` placeholders, or (sql, *params). One transaction."""
    steps = [(s, ()) if isinstance(s, str) else (s[0], tuple(s[1:])) for s in statements]
    if not getattr(lib, "team", False):
        import sqlite3

        conn = sqlite3.connect(lib.folder / "library.sqlite")
        try:
            for sql, params in steps:
                conn.execute(sql, params)
            conn.commit()
        finally:
            conn.close()
        return
    from sqlalchemy import create_engine

    from provenance.store.engine import team_url

    engine = create_engine(team_url(lib.location))
    try:
        with engine.begin() as conn:
            for sql, params in steps:
                conn.exec_driver_sql(sql.replace("?", "%s"), params or None)
    finally:
        engine.dispose()
