"""Row hashes: the SHA-256 of the content of one record row, which each audit entry of a
write carries (`audit_log.row_sha256`), so `check` can recompute every row of the record
against the latest entry that wrote it.

A row is named by its table and its ID (a setting and a signing-key file: by their key,
which their entries carry in `detail["key"]`). The hash covers every column
that is the record itself; the ward board's columns of an episode (its latest exam, level
and next check due) are derived from the exams and checked against them instead, because
every exam saved moves them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from sqlite_utils import Database

from desktop_app.store.dialect import column_names
from desktop_app.store.errors import StoreError

# table -> the columns the hash covers, in this order (the first one names the row).
COVERED: dict[str, tuple[str, ...]] = {
    "patients": ("id", "mrn", "name", "birth_date", "created_at", "updated_at"),
    "episodes": ("id", "patient_id", "procedure_kind", "procedure_at_utc", "procedure",
                 "location", "opened_at", "opened_by", "closed_at", "closed_by", "close_note"),
    "exams": ("id", "episode_id", "performed_at_utc", "document", "assessment",
              "schedule_policy", "level", "next_check_due", "saved_at", "saved_by"),
    "escalations": ("id", "episode_id", "exam_id", "called_role", "called_name", "called_at",
                    "response", "response_at", "recorded_at", "recorded_by"),
    "signed_notes": ("id", "exam_id", "pdf", "sha256", "signed_at", "signed_by"),
    "addenda": ("id", "note_id", "text", "pdf", "sha256", "signed_at", "signed_by"),
    "users": ("id", "name", "full_name", "credentials", "role", "password_hash", "created_at",
              "created_by", "disabled_at", "disabled_by", "failed_attempts", "locked_until"),
    "settings": ("key", "value", "updated_at", "updated_by"),
    "patient_corrections": ("id", "patient_id", "field", "old_value", "new_value",
                            "corrected_at", "corrected_by"),
    "key_files": ("name", "content", "written_at"),
}
# Tables whose rows are named by a text key (in their entries' `detail["key"]`), not an ID.
KEYED = frozenset({"settings", "key_files"})
# The schema version from which a table is covered (before it, it is not there).
COVERED_SINCE: dict[str, int] = {"key_files": 7}
# The audit actions that remove a row: its earlier entries no longer expect it.
REMOVING_ACTIONS = frozenset({"key.retire"})
# The audit actions that create a row: two of them for one row means its ID was reused.
CREATING_ACTIONS = frozenset({
    "patient.create", "episode.open", "exam.save", "escalation.record", "note.sign",
    "addendum.sign", "user.create", "patient.correct",
})
# Tables whose IDs come from AUTOINCREMENT (never reused, even after the last row goes).
ID_TABLES = ("patients", "episodes", "exams", "escalations", "signed_notes", "addenda",
             "users", "patient_corrections")

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _value(value: Any) -> Any:
    if isinstance(value, (bytes, memoryview)):
        return {"sha256": hashlib.sha256(bytes(value)).hexdigest()}
    return value


def content_hash(table: str, values: tuple[Any, ...] | list[Any]) -> str:
    """The SHA-256 of one row's covered columns (`values` in `COVERED[table]` order)."""
    text = _ENCODER.encode([table, [_value(v) for v in values]])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def has_row_hashes(db: Database) -> bool:
    """Whether the audit log has its row hash column yet (schema version 5 on)."""
    if getattr(db, "_audit_row_hashes", False):
        return True
    present = "row_sha256" in column_names(db, "audit_log")
    if present:
        db._audit_row_hashes = True  # type: ignore[attr-defined]
    return present


def covered_tables(version: int) -> tuple[str, ...]:
    """The covered tables a record of schema `version` has."""
    return tuple(t for t in COVERED if COVERED_SINCE.get(t, 0) <= version)


def row_key(table: str, record_id: int | None, detail: dict[str, Any] | None) -> Any:
    """What names a row in its audit entries: the ID, or a setting's or key file's key."""
    if table in KEYED:
        return (detail or {}).get("key")
    return record_id


def row_hash(db: Database, table: str, key: Any) -> str | None:
    """The hash of the row as it is now, or None when there is no such row."""
    columns = COVERED[table]
    row = db.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE {columns[0]} = ?",
                     [key]).fetchone()
    return None if row is None else content_hash(table, row)


def all_row_hashes(db: Database, table: str) -> Iterator[tuple[Any, str]]:
    """(key, hash) of every row of `table`."""
    columns = COVERED[table]
    for row in db.execute(f"SELECT {', '.join(columns)} FROM {table}"):
        yield row[0], content_hash(table, row)


def latest_audited_hash(db: Database, table: str, key: Any) -> tuple[int, str] | None:
    """(entry ID, row hash) of the latest audit entry that wrote this row, or None."""
    if table in KEYED:
        row = db.execute("SELECT id, row_sha256 FROM audit_log WHERE record_table = ? AND "
                         "row_sha256 IS NOT NULL AND detail ->> '$.key' = ? ORDER BY id DESC "
                         "LIMIT 1", [table, key]).fetchone()
    else:
        row = db.execute("SELECT id, row_sha256 FROM audit_log WHERE record_table = ? AND "
                         "record_id = ? AND row_sha256 IS NOT NULL ORDER BY id DESC LIMIT 1",
                         [table, key]).fetchone()
    return None if row is None else (row[0], row[1])


class RowTampered(StoreError):
    """A row about to be changed is not what the audit log last recorded of it: it was
    changed outside NeuroCheck. Nothing was written."""


def guard_row(db: Database, table: str, key: Any) -> None:
    """Refuse to change a row that differs from what its latest audit entry recorded (a
    write must never record, and so bless, a change made outside NeuroCheck)."""
    if not has_row_hashes(db):
        return
    current = row_hash(db, table, key)
    if current is None:
        return
    audited = latest_audited_hash(db, table, key)
    if audited is None or audited[1] != current:
        raise RowTampered(f"{describe(table, key)} differs from what the audit log recorded: "
                          "it was changed outside NeuroCheck; nothing was written. "
                          "Run `check` and ask for help.")


def describe(table: str, key: Any) -> str:
    """'exams row 5', "settings row 'ward_name'"."""
    return f"{table} row {key!r}" if table in KEYED else f"{table} row {key}"
