"""The command line on a team library: `credence init URL` creates the schema in an empty
database, every verb works with --library URL, the URL's password is never printed, and no
local folder named after the URL is made."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT
from tests.reliability.conftest import assert_plain, cli_env


def _credence(*args: str, cwd) -> subprocess.CompletedProcess:
    env = cli_env()
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_init_on_an_empty_database_then_work_by_url(pg_cluster, tmp_path):
    pg_cluster.sql("postgres", "CREATE DATABASE empty_team OWNER alice")
    url = pg_cluster.url("empty_team")
    try:
        done = _credence("init", url, cwd=tmp_path)
        assert_plain(done)
        assert done.returncode == 0, done.stderr
        assert "Team library ready at postgresql://alice@/empty_team" in done.stdout
        assert "you write as alice" in done.stdout
        tables = {r[0] for r in pg_cluster.sql("empty_team", "SELECT tablename FROM pg_tables")}
        assert {"items", "history", "items_tsv", "alembic_version"} <= tables
        catalog = tmp_path / "catalog.csv"
        catalog.write_text("accession,title\n1976.37,Harbour at dusk\n1976.38,Гавань\n")
        done = _credence("--library", url, "catalog", "import", str(catalog), cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        done = _credence("--library", url, "items", "--search", "гав", cwd=tmp_path)
        assert done.returncode == 0 and "1976.38" in done.stdout and "1976.37" not in done.stdout
        done = _credence("--library", url, "history", "--verify", cwd=tmp_path)
        assert done.returncode == 0 and "2 entries" in done.stdout, done.stdout + done.stderr
        # Running init again is harmless: the schema is there.
        done = _credence("init", url, cwd=tmp_path)
        assert done.returncode == 0 and "(2 items)" in done.stdout
        assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog.csv"]
    finally:
        pg_cluster.sql("postgres", "DROP DATABASE IF EXISTS empty_team WITH (FORCE)")


def test_a_refused_login_is_one_line_without_the_password(pg_cluster, tmp_path):
    url = f"postgresql://nobody:hunter2-secret@/postgres?host={pg_cluster.socket_dir}"
    done = _credence("--library", url, "items", cwd=tmp_path)
    assert_plain(done)
    assert done.returncode == 1
    assert "hunter2" not in done.stderr + done.stdout
    assert "nobody:***@" in done.stderr and "nobody" in done.stderr
    assert list(tmp_path.iterdir()) == []
