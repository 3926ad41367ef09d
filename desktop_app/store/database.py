"""Connecting to the record: one SQLite file in the data folder, durable settings, private
file permissions, and the transaction helpers. (Opening it for the application, with the
check that runs before anything is written and the migrations, is `store.opening`.)

Durability choices (each one is there for a power cut or a second window):
- WAL journal where the file system allows it; a rollback journal on a network share,
  where WAL's shared memory does not work across machines.
- synchronous=FULL: a commit that returned is on the disk.
- foreign keys on; a busy timeout so two windows or two workstations wait for each other.
- every write is one `BEGIN IMMEDIATE` transaction (`write_transaction`), so a writer
  takes the lock before it reads what it will change, and waits rather than fails.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlite_utils import Database

from desktop_app.store.dialect import is_postgres
from desktop_app.store.errors import DatabaseMissing, StoreError

log = logging.getLogger(__name__)

DATABASE_NAME = "neurocheck.sqlite"
BUSY_TIMEOUT_SECONDS = 15.0
SIDE_FILE_SUFFIXES = ("-wal", "-shm", "-journal")
# File systems where SQLite's WAL shared memory is unsafe (several machines, one file).
NETWORK_FILESYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "afs", "9p", "ncpfs", "coda",
    "ceph", "glusterfs", "fuse.glusterfs", "fuse.sshfs", "fuse.smbnetfs", "davfs",
    "fuse.davfs2", "lustre", "gpfs", "beegfs", "ocfs2", "gfs2",
})


# -- time as the record stores it --------------------------------------------------------

def utc_now() -> datetime:
    return datetime.now(UTC)


def utc_text(moment: datetime) -> str:
    """A moment as fixed-width UTC text, so text order is time order (indexes compare text)."""
    if moment.tzinfo is None:
        raise StoreError("a time without a UTC offset cannot be stored")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_utc(text: str) -> datetime:
    """The inverse of `utc_text` (fromisoformat: C, many times faster than strptime)."""
    return datetime.fromisoformat(text)


# -- files and permissions ---------------------------------------------------------------

def database_path(folder: Path) -> Path:
    """The database file inside a data folder."""
    return Path(folder) / DATABASE_NAME


def create_private_file(path: Path) -> None:
    """Create `path` (if missing) readable and writable by the owner only.

    SQLite creates its -wal, -shm and -journal files with the database file's mode, so a
    0600 database keeps its side files private too.
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    make_private(path)


def make_private(path: Path) -> None:
    """chmod 0600 `path` and any SQLite side file beside it (POSIX only)."""
    if os.name != "posix":
        return
    for candidate in (path, *(path.with_name(path.name + s) for s in SIDE_FILE_SUFFIXES)):
        with contextlib.suppress(FileNotFoundError):
            os.chmod(candidate, 0o600)


def is_network_filesystem(path: Path) -> bool:
    """True when `path` is on a network share (NFS, SMB/CIFS...), where WAL is unsafe."""
    path = Path(path).resolve()
    if os.name == "nt":
        return _windows_is_remote(path)
    try:
        with open("/proc/self/mounts", encoding="utf-8") as handle:
            mounts = handle.read()
    except OSError:
        return False  # not Linux; no cheap way to ask, and WAL is the better default
    return filesystem_type(path, mounts) in NETWORK_FILESYSTEMS


def filesystem_type(path: Path, mounts: str) -> str:
    """The type of the file system holding `path`, from /proc/mounts text ('' if unknown):
    the entry with the longest mount point that contains the path."""
    best, kind = "", ""
    text = str(path)
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        inside = text == point or text.startswith(point.rstrip("/") + "/")
        if inside and len(point) > len(best):
            best, kind = point, fields[2]
    return kind


def _windows_is_remote(path: Path) -> bool:
    text = str(path)
    if text.startswith("\\\\") and not text.startswith("\\\\?\\"):
        return True  # UNC path: \\server\share
    try:
        import ctypes

        drive_remote = 4
        root = os.path.splitdrive(text)[0] + "\\"
        return ctypes.windll.kernel32.GetDriveTypeW(root) == drive_remote  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return False


# -- connecting --------------------------------------------------------------------------

def connect(path: Path, *, create: bool = True) -> Database:
    """A connection to the database file at `path` with the durable settings applied.

    No check and no migration: `open_database` is what the application uses. `connect`
    serves a second thread, a backup copy, and the tests.
    """
    path = Path(path)
    if create:
        create_private_file(path)
    elif not path.exists():
        raise DatabaseMissing(f"there is no database at {path}")
    # isolation_level=None: no implicit transactions; every write is an explicit
    # BEGIN IMMEDIATE (write_transaction) or a single self-committing statement.
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
        _set_journal_mode(conn, path)
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA trusted_schema = OFF")
        # No sqlite-utils plugins: nothing installed beside the app may alter the connection.
        db = Database(conn, execute_plugins=False)
    except BaseException:
        conn.close()
        raise
    make_private(path)
    return db


def _set_journal_mode(conn: sqlite3.Connection, path: Path) -> None:
    import time

    wanted = "delete" if is_network_filesystem(path.parent) else "wal"
    if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == wanted:
        return  # the usual case: nothing to change, no lock to take
    # Changing the mode takes the file exclusively; SQLite answers "locked" at once, without
    # its busy wait, when another process is opening the same new file: wait as it would.
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:
        try:
            got = conn.execute(f"PRAGMA journal_mode = {wanted}").fetchone()[0].lower()
            break
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)
    if got != wanted:
        # e.g. another workstation has the file open in the other mode; keep what it has.
        log.warning("journal mode %s requested, the database stays in %s", wanted, got)


def open_readonly(path: Path) -> Database:
    """A read-only connection to a file that is not in use, such as a backup being verified:
    nothing is written to it, not even its journal mode. (A live database after a crash may
    need SQLite's recovery, which takes write access: open that one with `connect`.)"""
    path = Path(path)
    if not path.is_file():
        raise DatabaseMissing(f"there is no database at {path}")
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    return Database(sqlite3.connect(uri, uri=True, isolation_level=None,
                                    timeout=BUSY_TIMEOUT_SECONDS), execute_plugins=False)


def journal_mode(db: Database) -> str:
    """The database's journal mode as SQLite reports it ('wal', 'delete', ...)."""
    return db.execute("PRAGMA journal_mode").fetchone()[0].lower()


# -- transactions and small query helpers ------------------------------------------------

@contextlib.contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """One atomic write: `BEGIN IMMEDIATE` ... `COMMIT`, rolled back on any exception.

    Taking the write lock first means a concurrent writer waits (busy timeout) instead of
    failing with 'database is locked' half-way. Nested use becomes a savepoint, so a batch
    (an import) can wrap many saves in one transaction: all or nothing. On PostgreSQL the
    write lock is the record's advisory lock (`store.postgres`).
    """
    if is_postgres(db):
        with db.write_transaction():
            yield db
        return
    conn = db.conn
    if conn.in_transaction:
        with db.atomic():
            yield db
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


@contextlib.contextmanager
def read_snapshot(db: Database) -> Iterator[Database]:
    """One read transaction: every SELECT inside sees the same committed state, whatever
    other processes commit meanwhile (WAL: a snapshot; a rollback journal: a shared lock
    that makes writers wait; PostgreSQL: REPEATABLE READ, READ ONLY). Inside a transaction
    already, it is that transaction."""
    if is_postgres(db):
        with db.read_snapshot():
            yield db
        return
    conn = db.conn
    if conn.in_transaction:
        yield db
        return
    conn.execute("BEGIN DEFERRED")
    try:
        # The snapshot starts at the first read: take it now, for every read that follows.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        yield db
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")


def require_transaction(db: Database, what: str) -> None:
    """Refuse to run `what` outside a write transaction (it must commit with its record)."""
    if not db.conn.in_transaction:
        raise StoreError(f"{what} must run inside write_transaction()")


# sqlite-utils' `db.query` wraps each read in a savepoint (two more statements a query);
# the repository's reads are plain SELECTs, so these two read them directly.
def fetch_one(db: Database, sql: str, params: Any = ()) -> dict[str, Any] | None:
    """The first row of `sql` as a dict, or None."""
    cursor = db.execute(sql, params)
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in cursor.description], row, strict=True))


def fetch_all(db: Database, sql: str, params: Any = ()) -> list[dict[str, Any]]:
    """Every row of `sql` as dicts."""
    cursor = db.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
