"""A PostgreSQL server for the tests, and the `engine` every record test runs on.

The server, in this order: `NEUROCHECK_TEST_POSTGRES` (a libpq URL of a role that may
CREATE DATABASE; CI sets it after starting its cluster); else a throwaway cluster made with
`initdb` and `pg_ctl` (on PATH or under /usr/lib/postgresql/*/bin) in a temporary folder,
listening on a unix socket in that folder only (no TCP port), run as the `postgres` system
user when the tests run as root, and stopped when the session ends; else the PostgreSQL
tests are skipped (failed when `CI` is set: CI always runs them).

Each test gets a fresh empty database (`postgres_url`), made with C collation so text
sorts as SQLite sorts it (by code point).

A test module whose subject exists on both engines asks for `engine` (the store's and the
record layer's `db` fixtures do): it runs once on SQLite and once on PostgreSQL. A module
about something only SQLite has says `pytestmark = pytest.mark.sqlite_only("why")`;
`SQLITE_ONLY` below lists single tests kept on SQLite, each with its reason.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ENV_URL = "NEUROCHECK_TEST_POSTGRES"
ENGINES = ("sqlite", "postgresql")
NOT_AVAILABLE = ("PostgreSQL is not available: no initdb found and NEUROCHECK_TEST_POSTGRES "
                 "is not set")

# Tests whose subject exists on both engines but that run on SQLite only, with the reason.
SQLITE_ONLY: dict[str, str] = {
    "tests/store/test_database.py::test_the_database_is_durable_and_waits_for_other_writers":
        "asks SQLite's journal mode",
    "tests/store/test_database.py::test_the_database_and_its_side_files_are_readable_by_the_owner_only":
        "the permissions of the SQLite file and its side files",
    "tests/record/test_operations.py::"
    "test_restore_needs_an_administrator_and_is_audited_in_the_restored_record":
        "restore replaces the SQLite file with a backup copy",
}
# The error an integrity guard (a constraint, an append-only trigger) raises, per engine.
INTEGRITY_ERROR: dict[str, type[Exception]] = {}


def _integrity_errors() -> None:
    import sqlite3

    import psycopg

    INTEGRITY_ERROR.update(sqlite=sqlite3.IntegrityError, postgresql=psycopg.IntegrityError)


_integrity_errors()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only(reason): the test is about something only SQLite has")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test that asks for `engine` on both engines, unless it is SQLite-only."""
    if "engine" not in metafunc.fixturenames or any(
            "engine" in marker.args[0] for marker in metafunc.definition.iter_markers("parametrize")):
        return  # no record, or the test names its engine itself
    nodeid = metafunc.definition.nodeid
    only_sqlite = (metafunc.definition.get_closest_marker("sqlite_only") is not None
                   or nodeid in SQLITE_ONLY or nodeid.split("[")[0] in SQLITE_ONLY)
    metafunc.parametrize("engine", ENGINES[:1] if only_sqlite else ENGINES, scope="function")


@pytest.fixture
def engine() -> str:
    """The engine of the test's record (parametrized by `pytest_generate_tests`)."""
    return "sqlite"


def _find_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return candidates[-1] if candidates else None


class _Cluster:
    """A throwaway cluster in a private temporary folder, reachable by its socket only."""

    def __init__(self, initdb: str, pg_ctl: str) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="neurocheck-pg-"))
        self.data = self.folder / "data"
        self.initdb, self.pg_ctl = initdb, pg_ctl
        self.as_user: list[str] = []
        self.user = pwd.getpwuid(os.getuid()).pw_name
        if os.geteuid() == 0:
            try:
                postgres = pwd.getpwnam("postgres")
            except KeyError:
                postgres = None
            if postgres is not None:  # the server refuses to run as root
                os.chown(self.folder, postgres.pw_uid, postgres.pw_gid)
                self.as_user = ["runuser", "-u", "postgres", "--"]
                self.user = "postgres"

    def _run(self, *args: str) -> None:
        result = subprocess.run([*self.as_user, *args], capture_output=True, text=True,
                                timeout=120, cwd=self.folder)
        if result.returncode != 0:
            raise RuntimeError(f"{Path(args[0]).name} failed: {result.stderr.strip()[-500:]}")

    def start(self) -> str:
        self._run(self.initdb, "-D", str(self.data), "--auth=trust", "--no-sync",
                  "--encoding=UTF8", "--locale=C", f"--username={self.user}")
        options = (f"-c listen_addresses='' -c unix_socket_directories='{self.folder}' "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                   "-c max_connections=50")
        self._run(self.pg_ctl, "-D", str(self.data), "-l", str(self.folder / "server.log"),
                  "-o", options, "-w", "-t", "60", "start")
        return f"postgresql://{self.user}@/postgres?host={self.folder}"

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._run(self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run the PostgreSQL tests)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The libpq URL of a role on a running server that may create databases."""
    url = os.environ.get(ENV_URL)
    if url:
        yield url
        return
    initdb, pg_ctl = _find_binary("initdb"), _find_binary("pg_ctl")
    if not initdb or not pg_ctl:
        _unavailable(NOT_AVAILABLE)
    cluster = _Cluster(initdb, pg_ctl)
    try:
        url = cluster.start()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as error:
        cluster.stop()
        _unavailable(f"PostgreSQL is not available: the throwaway server did not start "
                     f"({error})")
    try:
        yield url
    finally:
        cluster.stop()


_NUMBERS = itertools.count(1)


def _with_database(url: str, name: str) -> str:
    """The URL `url` naming database `name` instead of the one it names."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database on the test server, dropped after the test."""
    with _fresh_database(postgres_server) as url:
        yield url


@pytest.fixture
def second_postgres_url(postgres_server: str) -> Iterator[str]:
    """Another fresh, empty database on the same server (a restore's target, say)."""
    with _fresh_database(postgres_server) as url:
        yield url


@contextlib.contextmanager
def _fresh_database(server: str) -> Iterator[str]:
    import psycopg

    name = f"neurocheck_test_{os.getpid()}_{next(_NUMBERS)}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' "
                      "LC_COLLATE 'C' LC_CTYPE 'C'")
    try:
        yield _with_database(server, name)
    finally:
        _drop_database(server, name)


def _drop_database(server: str, name: str) -> None:
    """Drop the test database `name`.

    A plain DROP DATABASE, not WITH (FORCE): the server itself ends an autovacuum worker on
    the database and waits a few seconds for closed sessions whose processes have not yet
    exited, whereas FORCE refuses a role without pg_signal_backend when an autovacuum worker
    happens to be there. A session the test left open is still an error, after a few tries.
    """
    import time

    import psycopg

    for attempt in range(5):
        try:
            with psycopg.connect(server, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name}")
            return
        except psycopg.errors.ObjectInUse:
            if attempt == 4:
                raise
            time.sleep(1)


def open_test_record(engine: str, folder: Path, request: pytest.FixtureRequest):
    """The test's record on `engine`, opened as the application opens it: the data folder's
    SQLite file, or a fresh database on the test server."""
    from desktop_app.store import open_database
    from desktop_app.store.opening import open_postgres

    if engine == "postgresql":
        return open_postgres(request.getfixturevalue("postgres_url"))
    return open_database(folder)
