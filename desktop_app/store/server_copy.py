"""Moving an embedded record onto a PostgreSQL server (`migrate-to-server`).

Every row of every table is copied as it is: the same IDs, times, documents, signed PDFs,
row hashes, the audit chain entry for entry and its head. So the copy proves itself with
the same full check as the file: every row against the chain, the chain unbroken to the
same head, every ID counter where the file's was. The server's database must be empty.
Its schema is made by the same migrations as every record's; the entries those write
describe the server's own making, not the ward's history, so they give way to the file's
log, which records how the ward's record reached this schema.

All of it is one transaction on the server, checked before it commits: a copy that is not
complete, or does not prove itself, leaves the server's database as empty as it was.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlite_utils import Database

from desktop_app.store import schema
from desktop_app.store.audit import append_audit
from desktop_app.store.check import CheckReport, PdfVerifier, check_database
from desktop_app.store.database import read_snapshot, write_transaction
from desktop_app.store.dialect import column_names, id_counters, is_postgres, set_sqlite_counter
from desktop_app.store.errors import Conflict, InvalidValue, StoreError
from desktop_app.store.keys import RecordKeyFiles
from desktop_app.store.rows import ID_TABLES

# In the order their references allow (an episode's latest exam is set once the exams are in).
TABLES = ("patients", "patient_name_words", "users", "episodes", "exams", "escalations",
          "signed_notes", "addenda", "settings", "drafts", "patient_corrections", "key_files",
          "audit_log", "audit_head")
# The append-only guards the copy passes while it writes the file's log in place.
_GUARDED = ("audit_log", "signed_notes", "addenda", "patient_corrections")
BATCH = 500
MIGRATE_ACTION = "record.migrate_to_server"  # record.actions lists it


class CopyIncomplete(StoreError):
    """The server's copy does not match the file or does not pass its check; nothing was
    kept on the server."""


@dataclass(frozen=True)
class CopyReport:
    rows: dict[str, int]  # per table, the same in the file and on the server
    keys: int  # signing-key files the record holds on the server
    check: CheckReport  # the server's full check, before the copy committed


def copy_to_server(source: Database, target: Database, *, actor: str,
                   keys: Iterable[tuple[str, bytes]] = (),
                   verify_pdf: PdfVerifier | None = None,
                   action: str = MIGRATE_ACTION) -> CopyReport:
    """Copy the record `source` (a SQLite file, checked) into the empty server `target`,
    with the key material `keys` (name, bytes) of its data folder (a portable copy brings
    its own `key_files`, audited in its chain), and prove it; audited `action` there (a
    move, or a restore)."""
    if is_postgres(source) or not is_postgres(target):
        raise InvalidValue("a record moves from a file onto a PostgreSQL server")
    if schema.schema_version(target) != 0:
        raise Conflict("the server's database already holds a NeuroCheck record: give the "
                       "address of a new, empty database")
    if schema.schema_version(source) != schema.SCHEMA_VERSION:
        raise InvalidValue("open the record with this NeuroCheck first, so that its schema "
                           "is brought up to date, then move it")
    with read_snapshot(source):
        counts = _row_counts(source, TABLES)
        counters = id_counters(source, ID_TABLES)
        with write_transaction(target):
            schema.migrate(target)
            for table in _GUARDED:
                target.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            target.execute("DELETE FROM audit_head")
            target.execute("DELETE FROM audit_log")  # the server's own making, see above
            _copy_tables(source, target, TABLES)
            for table in _GUARDED:
                target.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            for table in ID_TABLES:
                _set_counter(target, table, counters.get(table, 0))
            differ = _difference(counts, _row_counts(target, TABLES))
            if differ:
                raise CopyIncomplete(f"the server's copy differs from the file in {differ}; "
                                     "nothing was kept on the server")
            # The data folder's keys join the record, each write an entry of its chain.
            into = RecordKeyFiles(target, actor)
            key_count = 0
            for name, content in keys:
                into.write(name, content)
                key_count += 1
            report = check_database(target, full=True, verify_pdf=verify_pdf)
            if not report.ok:
                raise CopyIncomplete("the server's copy does not pass the full check ("
                                     + "; ".join(report.problems[:3])
                                     + "); nothing was kept on the server")
            append_audit(target, actor=actor, action=action,
                         detail={"rows": sum(counts.values()), "keys": key_count})
    return CopyReport(counts, counts["key_files"] + key_count, report)


def copy_from_server(source: Database, target: Database) -> dict[str, int]:
    """Copy the server's record `source` into `target`, a new, empty SQLite file: its
    schema made by the same migrations, then every row as it is (the audit chain entry for
    entry and its head, the signing keys of `key_files`), the ID counters where the
    server's are, from one snapshot of the server, in one transaction on the file. Returns
    the rows per table (the same on both). The caller runs the full check on the file."""
    if not is_postgres(source) or is_postgres(target):
        raise InvalidValue("a portable copy goes from a PostgreSQL server into a file")
    if schema.schema_version(source) != schema.SCHEMA_VERSION:
        raise InvalidValue("open the server's record with this NeuroCheck first, so that its "
                           "schema is brought up to date, then copy it")
    tables = TABLES
    schema.migrate(target)
    with read_snapshot(source):
        counts = _row_counts(source, tables)
        counters = id_counters(source, ID_TABLES)
        with write_transaction(target):
            target.execute("PRAGMA defer_foreign_keys = ON")  # checked at the commit
            # The append-only guards give way while the server's log replaces the file's
            # own making (as on the server in `copy_to_server`), and are back before the end.
            guards = target.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN "
                f"({', '.join('?' * len(_GUARDED))})", list(_GUARDED)).fetchall()
            for name, _sql in guards:
                target.execute(f"DROP TRIGGER {name}")
            target.execute("DELETE FROM audit_head")
            target.execute("DELETE FROM audit_log")
            _copy_tables(source, target, tables)
            for _name, sql in guards:
                target.execute(sql)
            for table in ID_TABLES:
                set_sqlite_counter(target, table, counters.get(table, 0))
            differ = _difference(counts, _row_counts(target, tables))
            if differ:
                raise CopyIncomplete(f"the copy differs from the server in {differ}")
    return counts


def _row_counts(db: Database, tables: tuple[str, ...]) -> dict[str, int]:
    return {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in tables}


def _difference(counts: dict[str, int], copied: dict[str, int]) -> str | None:
    """The first table whose copy has another row count, in words ("exams (4 rows, not
    5)"); None when every table has the rows it should."""
    for table, count in counts.items():
        if copied[table] != count:
            return f"{table} ({copied[table]} rows, not {count})"
    return None


def _copy_tables(source: Database, target: Database, tables: tuple[str, ...]) -> None:
    """Every table of `tables`, in order, row for row; an episode's latest exam is set once
    the exams are in."""
    links: list[list[object]] = []
    for table in tables:
        links += _copy_table(source, target, table)
        if table == "exams" and links:
            target.conn.executemany("UPDATE episodes SET last_exam_id = ? WHERE id = ?", links)


def _copy_table(source: Database, target: Database, table: str) -> list[list[object]]:
    """Copy `table` row for row. An episode's latest exam is left out and returned
    ([exam, episode] pairs), to be set once the exams are in."""
    columns = column_names(source, table)
    if column_names(target, table) != columns:
        raise CopyIncomplete(f"the server's table {table} is not the file's; nothing was kept")
    names = ", ".join(columns)
    insert = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"
    link = columns.index("last_exam_id") if table == "episodes" else None
    links: list[list[object]] = []
    cursor = source.execute(f"SELECT {names} FROM {table} ORDER BY 1")
    while rows := cursor.fetchmany(BATCH):
        # A server hands binary columns over as memoryview: the file stores bytes.
        batch = [[bytes(v) if isinstance(v, memoryview) else v for v in row] for row in rows]
        if link is not None:
            for values in batch:
                if values[link] is not None:
                    links.append([values[link], values[0]])
                    values[link] = None
        target.conn.executemany(insert, batch)
    return links


def _set_counter(target: Database, table: str, last: int) -> None:
    """The server's ID counter of `table` where the file's was (never below an ID)."""
    sequence = target.execute("SELECT pg_get_serial_sequence(?, 'id')", [table]).fetchone()[0]
    if sequence is None:
        return
    highest = target.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]
    value = max(int(last), int(highest))
    if value > 0:
        target.execute("SELECT setval(?, ?, true)", [sequence, value])
    else:
        target.execute("SELECT setval(?, 1, false)", [sequence])
