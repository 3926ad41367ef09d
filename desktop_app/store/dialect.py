"""What the two engines answer differently: the catalogue (columns, triggers, ID counters),
the schema version, the file checks SQLite has and a server does not need, and the change
counter the ward board polls. Everything else of the store is one SQL for both.

An engine is told apart by the connection object: `PostgresDatabase` says `is_postgres`;
sqlite-utils' `Database` does not.
"""

from __future__ import annotations

import hashlib
import sqlite3
import sys
from typing import Any

from sqlite_utils import Database


def database_errors() -> tuple[type[Exception], ...]:
    """The errors of a record that cannot be read: a damaged file, a server that fails the
    query. (psycopg is imported only by a record on a server: not at every start.)"""
    psycopg = sys.modules.get("psycopg")
    if psycopg is None:
        return (sqlite3.DatabaseError,)
    return (sqlite3.DatabaseError, psycopg.DatabaseError)


def storage_errors() -> tuple[type[BaseException], ...]:
    """What a record that cannot be read or written raises: a full disk or an I/O error
    (`OSError`), a damaged file, a server that is gone or refuses (`database_errors`)."""
    return (OSError, *database_errors())


def is_postgres(db: Database) -> bool:
    """Whether `db` is a record on a PostgreSQL server (else an embedded SQLite file)."""
    return getattr(db, "is_postgres", False)


def schema_version(db: Database) -> int:
    """The record's schema version (0: empty): SQLite's `user_version`; on PostgreSQL the
    one row of `schema_version`."""
    if not is_postgres(db):
        return int(db.execute("PRAGMA user_version").fetchone()[0])
    if db.execute("SELECT to_regclass('schema_version')").fetchone()[0] is None:
        return 0
    row = db.execute("SELECT version FROM schema_version WHERE id = 1").fetchone()
    return int(row[0]) if row else 0


def set_schema_version(db: Database, version: int) -> None:
    """Record the schema version (inside the migration's transaction)."""
    if not is_postgres(db):
        db.execute(f"PRAGMA user_version = {int(version)}")
        return
    db.execute("CREATE TABLE IF NOT EXISTS schema_version ("
               "id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)")
    db.execute("INSERT INTO schema_version (id, version) VALUES (1, ?) "
               "ON CONFLICT (id) DO UPDATE SET version = excluded.version", [int(version)])


def column_names(db: Database, table: str) -> list[str]:
    """The columns of `table`, in order."""
    if not is_postgres(db):
        return [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
    return [r[0] for r in db.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = "
        "current_schema() AND table_name = ? ORDER BY ordinal_position", [table])]


def trigger_names(db: Database, table: str) -> set[str]:
    """The triggers in force on `table` (on PostgreSQL a disabled trigger is not in force)."""
    if not is_postgres(db):
        return {r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", [table])}
    return {r[0] for r in db.execute(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass(?) AND NOT tgisinternal "
        "AND tgenabled != 'D'", [table])}


def id_counters(db: Database, tables: tuple[str, ...]) -> dict[str, int]:
    """The highest ID each table's counter has given out (0: none yet): SQLite's
    `sqlite_sequence`; on PostgreSQL each identity column's sequence."""
    if not is_postgres(db):
        return {name: seq if isinstance(seq, int) else 0
                for name, seq in db.execute("SELECT name, seq FROM sqlite_sequence")}
    counters: dict[str, int] = {}
    for table in tables:
        sequence = db.execute("SELECT pg_get_serial_sequence(?, 'id')", [table]).fetchone()[0]
        if sequence is None:
            continue
        last, called = db.execute(f"SELECT last_value, is_called FROM {sequence}").fetchone()
        counters[table] = int(last) if called else 0
    return counters


def set_sqlite_counter(target: Database, table: str, last: int) -> int:
    """The file's ID counter of `table` at `last` (never below an ID): one row of
    `sqlite_sequence` (which has no key of its own, so a second row is never added).
    Returns the value set."""
    highest = target.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]
    value = max(int(last), int(highest))
    target.execute("DELETE FROM sqlite_sequence WHERE name = ?", [table])
    target.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", [table, value])
    return value


def integrity_problems(db: Database) -> list[str]:
    """What the engine's own check of its files finds ('ok' alone: nothing). A server
    keeps its files itself (checksums, WAL): nothing to ask there."""
    if not is_postgres(db):
        return [r[0] for r in db.execute("PRAGMA integrity_check").fetchall()]
    return ["ok"]


def broken_references(db: Database) -> list[tuple[Any, ...]]:
    """(table, row, parent table, key) of every reference to a missing row. PostgreSQL
    enforces every reference at each write: none to look for."""
    if not is_postgres(db):
        return db.execute("PRAGMA foreign_key_check").fetchall()
    return []


def enforce_references(db: Database, on: bool) -> None:
    """Switch SQLite's reference checks on or off (off while a migration rebuilds a table;
    PostgreSQL's migrations rebuild none, and its checks stay on)."""
    if not is_postgres(db):
        db.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")


def data_version(db: Database) -> int:
    """A number that changes when another connection has committed a change: SQLite's
    `data_version`; on PostgreSQL a digest of the server's current snapshot (the
    transactions running and the next transaction ID), which moves with every write that
    begins or commits (also this connection's own, and other databases': a refresh too many,
    never one too few)."""
    if not is_postgres(db):
        return int(db.execute("PRAGMA data_version").fetchone()[0])
    snapshot = db.execute("SELECT pg_current_snapshot()::text").fetchone()[0]
    return int.from_bytes(hashlib.sha256(snapshot.encode("ascii")).digest()[:8], "big")
