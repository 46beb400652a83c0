"""A throwaway PostgreSQL cluster for tests and benchmarks: initdb + pg_ctl in a temporary
folder, listening only on a Unix socket in that folder (no TCP port, so parallel runs never
collide).

`initdb` refuses to run as root. As root (CI, containers) the cluster runs as the `postgres`
system user that Debian's package creates, in a folder that user owns; a developer's own
account runs it as themselves.

Databases for tests are copies of a template that already holds Credence's schema
(CREATE DATABASE ... TEMPLATE), so each test gets a fresh library in a fraction of a second.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

#: The role tests connect as: history entries on a team library name the database role.
TEST_ROLE = "alice"
TEMPLATE = "credence_template"


def server_binaries() -> Path | None:
    """The folder holding initdb and pg_ctl: CREDENCE_PG_BIN, PATH, or Debian's layout."""
    given = os.environ.get("CREDENCE_PG_BIN")
    if given and (Path(given) / "initdb").is_file():
        return Path(given)
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return Path(candidates[-1]).parent if candidates else None


def postgres_required() -> bool:
    """In CI (or when asked) a missing server is a failure, not a skip."""
    return any(
        os.environ.get(name, "").lower() not in ("", "0", "false", "no")
        for name in ("CI", "CREDENCE_REQUIRE_POSTGRES")
    )


class Cluster:
    """One running PostgreSQL server in a temporary folder."""

    def __init__(self, bindir: Path, *, durable: bool = False) -> None:
        self.bindir = bindir
        self.durable = durable
        self.root = Path(tempfile.mkdtemp(prefix="credence-pg-", dir="/tmp"))
        self.data = self.root / "data"
        self.socket_dir = self.root
        self._user = None
        if os.geteuid() == 0:
            try:
                self._user = pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError(
                    "running as root, and there is no 'postgres' system user to run the test "
                    "PostgreSQL server as (install Debian's postgresql package)"
                ) from None
            os.chown(self.root, self._user.pw_uid, self._user.pw_gid)
        os.chmod(self.root, 0o700)

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self._user is not None:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(
            command, capture_output=True, text=True, check=check, timeout=120, cwd=self.root
        )

    def start(self) -> Cluster:
        """initdb, then start the server and wait until it accepts connections."""
        # C.UTF-8: Unicode-aware lower-casing and word characters for full-text search
        # (Cyrillic, Arabic, accents) with code-point order, as SQLite sorts.
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
            "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        options = [
            "-c listen_addresses=''",
            f"-c unix_socket_directories='{self.socket_dir}'",
            "-c max_connections=200",
        ]
        if not self.durable:
            # A throwaway server for tests: nothing here has to survive a power cut.
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        try:
            self._run(
                "pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w",
                "-t", "60", "-o", " ".join(options), "start",
            )  # fmt: skip
        except subprocess.CalledProcessError as exc:
            log = (self.root / "server.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"PostgreSQL did not start: {exc.stderr}\n{log}") from None
        self.sql("postgres", f"CREATE ROLE {TEST_ROLE} LOGIN CREATEDB")
        return self

    def stop(self) -> None:
        """Stop the server (immediately: nothing of it is kept) and remove its folder."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str, role: str = TEST_ROLE) -> str:
        """The library URL of `database`, connecting as `role` through the socket."""
        return f"postgresql://{role}@/{database}?host={self.socket_dir}"

    def sql(self, database: str, statement: str, role: str = "postgres") -> list[tuple]:
        """Run one statement (autocommit, as CREATE DATABASE needs); returns its rows."""
        import psycopg

        with psycopg.connect(
            host=str(self.socket_dir), dbname=database, user=role, autocommit=True
        ) as conn:
            cur = conn.execute(statement)
            return cur.fetchall() if cur.description else []

    def make_template(self) -> None:
        """Create the template database holding Credence's schema at head (no library id:
        every copy gets its own on first open)."""
        from provenance import open_library

        self.sql("postgres", f"CREATE DATABASE {TEMPLATE} OWNER {TEST_ROLE}")
        with open_library(self.url(TEMPLATE)):
            pass
        self.sql(TEMPLATE, "DELETE FROM meta WHERE key = 'library_id'")
        self.sql("postgres", f"ALTER DATABASE {TEMPLATE} WITH IS_TEMPLATE true")

    def new_database(self, name: str) -> str:
        """A fresh library database (a copy of the template); returns its URL."""
        self.sql("postgres", f"CREATE DATABASE {name} TEMPLATE {TEMPLATE} OWNER {TEST_ROLE}")
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, closing whatever connections are still open on it."""
        self.sql("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
