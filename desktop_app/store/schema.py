"""The schema: a version number and the forward migrations that reach it.

The version is SQLite's `PRAGMA user_version`. `MIGRATIONS[n - 1]` moves a database from
version n-1 to n; all pending steps run in one transaction, so a crash leaves the old
version intact. A released migration is never edited: a change is a new entry at the end,
with a test that starts from the version before it (tests/store/test_schema.py).
A database whose version is above `SCHEMA_VERSION` was written by a newer NeuroCheck and
is refused rather than guessed at.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from sqlite_utils import Database

from desktop_app.store.audit import append_audit
from desktop_app.store.database import write_transaction
from desktop_app.store.errors import SchemaTooNew, StoreError
from desktop_app.store.rows import COVERED

log = logging.getLogger(__name__)

LEVELS_SQL = "('observe', 'notify', 'urgent', 'emergency')"


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[Database], None]


def _script(db: Database, sql: str) -> None:
    """Run several statements inside the caller's transaction (`executescript` would
    COMMIT first)."""
    pending = ""
    for line in sql.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            db.execute(pending)
            pending = ""
    if pending.strip():
        db.execute(pending)


def _v1_record(db: Database) -> None:
    """Patients, episodes, exams, escalations, users, signed notes, addenda, settings and
    the hash-chained audit log."""
    _script(db, f"""
CREATE TABLE patients (
    id INTEGER PRIMARY KEY,
    mrn TEXT NOT NULL UNIQUE CHECK (length(mrn) BETWEEN 1 AND 20),
    name TEXT,
    birth_date TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- each word of a patient's name, folded (case, accents), for prefix search
CREATE TABLE patient_name_words (
    word TEXT NOT NULL,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    PRIMARY KEY (word, patient_id)
) WITHOUT ROWID;
CREATE INDEX patient_name_words_patient ON patient_name_words (patient_id);
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    full_name TEXT NOT NULL,
    credentials TEXT,
    role TEXT NOT NULL CHECK (role IN ('nurse', 'clinician', 'admin')),
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    disabled_at TEXT,
    disabled_by TEXT
);
-- one procedure of one patient, open until a clinician closes it
CREATE TABLE episodes (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    procedure_kind TEXT NOT NULL CHECK (procedure_kind IN ('im_injection', 'medial_branch_block')),
    procedure_at_utc TEXT NOT NULL,
    procedure TEXT NOT NULL,
    location TEXT,
    opened_at TEXT NOT NULL,
    opened_by TEXT NOT NULL,
    closed_at TEXT,
    closed_by TEXT,
    close_note TEXT,
    UNIQUE (patient_id, procedure_kind, procedure_at_utc)
);
-- `document` is the validated exam document as saved (the raw record); `assessment` is
-- what `assess` made of it then, under `schedule_policy`
CREATE TABLE exams (
    id INTEGER PRIMARY KEY,
    episode_id INTEGER NOT NULL REFERENCES episodes(id),
    performed_at_utc TEXT NOT NULL,
    document TEXT NOT NULL,
    assessment TEXT NOT NULL,
    schedule_policy TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN {LEVELS_SQL}),
    next_check_due TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    saved_by TEXT NOT NULL,
    UNIQUE (episode_id, performed_at_utc)
);
CREATE TABLE escalations (
    id INTEGER PRIMARY KEY,
    episode_id INTEGER NOT NULL REFERENCES episodes(id),
    exam_id INTEGER REFERENCES exams(id),
    called_role TEXT NOT NULL,
    called_name TEXT NOT NULL,
    called_at TEXT NOT NULL,
    response TEXT,
    response_at TEXT,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL
);
CREATE INDEX escalations_episode ON escalations (episode_id);
CREATE TABLE signed_notes (
    id INTEGER PRIMARY KEY,
    exam_id INTEGER NOT NULL REFERENCES exams(id),
    pdf BLOB NOT NULL,
    sha256 TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    signed_by TEXT NOT NULL
);
CREATE INDEX signed_notes_exam ON signed_notes (exam_id);
CREATE TABLE addenda (
    id INTEGER PRIMARY KEY,
    note_id INTEGER NOT NULL REFERENCES signed_notes(id),
    text TEXT NOT NULL,
    pdf BLOB NOT NULL,
    sha256 TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    signed_by TEXT NOT NULL
);
CREATE INDEX addenda_note ON addenda (note_id);
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    record_table TEXT,
    record_id INTEGER,
    detail TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_record ON audit_log (record_table, record_id);
-- the last entry written: a log cut short at its end is detected too
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_id INTEGER NOT NULL,
    last_hash TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER signed_notes_no_update BEFORE UPDATE ON signed_notes
BEGIN SELECT RAISE(ABORT, 'a signed note is never edited; add an addendum'); END;
CREATE TRIGGER signed_notes_no_delete BEFORE DELETE ON signed_notes
BEGIN SELECT RAISE(ABORT, 'a signed note is never deleted'); END;
CREATE TRIGGER addenda_no_update BEFORE UPDATE ON addenda
BEGIN SELECT RAISE(ABORT, 'a signed addendum is never edited'); END;
CREATE TRIGGER addenda_no_delete BEFORE DELETE ON addenda
BEGIN SELECT RAISE(ABORT, 'a signed addendum is never deleted'); END
""")


def _v2_drafts(db: Database) -> None:
    """Exams in progress, autosaved so a crash loses seconds, not the exam."""
    _script(db, """
CREATE TABLE drafts (
    id TEXT PRIMARY KEY,
    episode_id INTEGER REFERENCES episodes(id),
    user_name TEXT,
    content TEXT NOT NULL,
    started_at TEXT NOT NULL,
    saved_at TEXT NOT NULL
);
CREATE INDEX drafts_user ON drafts (user_name)
""")


def _v3_sign_in_lockout(db: Database) -> None:
    """Counters for refusing sign-in after repeated wrong passwords."""
    db["users"].add_column("failed_attempts", int, not_null_default=0)
    db["users"].add_column("locked_until", str)


def _v4_ward_board(db: Database) -> None:
    """The latest level and next check due on each episode, indexed for the ward board.

    Denormalized (the exams hold the truth) so the board reads one small index instead
    of the latest exam of every episode; filled here from the exams already recorded.
    """
    _script(db, """
ALTER TABLE episodes ADD COLUMN last_exam_id INTEGER REFERENCES exams(id);
ALTER TABLE episodes ADD COLUMN last_exam_at TEXT;
ALTER TABLE episodes ADD COLUMN current_level TEXT;
ALTER TABLE episodes ADD COLUMN next_check_due TEXT;
UPDATE episodes SET last_exam_id = (
    SELECT x.id FROM exams x WHERE x.episode_id = episodes.id
    ORDER BY x.performed_at_utc DESC, x.id DESC LIMIT 1
);
UPDATE episodes SET
    last_exam_at = (SELECT performed_at_utc FROM exams WHERE id = episodes.last_exam_id),
    current_level = (SELECT level FROM exams WHERE id = episodes.last_exam_id),
    next_check_due = (SELECT next_check_due FROM exams WHERE id = episodes.last_exam_id)
WHERE last_exam_id IS NOT NULL;
CREATE INDEX episodes_board ON episodes (next_check_due) WHERE closed_at IS NULL;
CREATE INDEX episodes_patient ON episodes (patient_id)
""")


class MrnCollision(StoreError):
    """Folding the MRNs to upper case would make two patients one; nothing was changed."""


# Tables whose IDs become AUTOINCREMENT in version 5 (an ID is never given out twice).
_ID_TABLES = ("patients", "episodes", "exams", "escalations", "signed_notes", "addenda",
              "users")


def _v5_mrn_case(db: Database) -> None:
    """MRNs kept in upper case (compared without case: a scanner with caps lock on must not
    open a second patient). Stops, naming the MRNs, when two patients would become one."""
    clashes = db.execute(
        "SELECT group_concat(mrn, ' and ') FROM (SELECT mrn, upper(mrn) AS folded FROM patients"
        " ORDER BY id) GROUP BY folded HAVING count(*) > 1 ORDER BY folded").fetchall()
    if clashes:
        listed = "; ".join(r[0] for r in clashes[:10])
        raise MrnCollision(
            "MRNs are now compared without case, and these MRNs would become one patient: "
            f"{listed}. Nothing was changed; merge or correct them with the previous version "
            "first")
    db.execute("UPDATE patients SET mrn = upper(mrn) WHERE mrn != upper(mrn)")


def _rebuild_with_autoincrement(db: Database, table: str) -> None:
    """The 12-step table rebuild: same columns, `id ... AUTOINCREMENT`, indexes and triggers
    made again. Foreign keys are off during migrations."""
    sql = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                     [table]).fetchone()[0]
    extras = [r[0] for r in db.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') "
        "AND sql IS NOT NULL", [table])]
    new_sql, count = re.subn(r"\bid INTEGER PRIMARY KEY\b(?! AUTOINCREMENT)",
                             "id INTEGER PRIMARY KEY AUTOINCREMENT", sql, count=1)
    if count != 1:
        raise StoreError(f"the table {table} has no integer ID to keep unique")
    if table == "patients":
        new_sql = new_sql.replace("CHECK (length(mrn) BETWEEN 1 AND 20)",
                                  "CHECK (length(mrn) BETWEEN 1 AND 20 AND mrn = upper(mrn))")
    new_sql = new_sql.replace(f"CREATE TABLE {table}", f"CREATE TABLE {table}_v5", 1)
    db.execute(new_sql)
    db.execute(f"INSERT INTO {table}_v5 SELECT * FROM {table}")
    db.execute(f"DROP TABLE {table}")
    db.execute(f"ALTER TABLE {table}_v5 RENAME TO {table}")
    for statement in extras:
        db.execute(statement)


def _v5_provable_record(db: Database) -> None:
    """A record that proves itself: MRNs in upper case; IDs never reused (AUTOINCREMENT);
    each audit entry of a write carries the SHA-256 of the row it wrote, and every row
    recorded before this version gets a baseline entry with its hash; corrections of a
    patient's name or birth date kept with their old and new values."""
    _v5_mrn_case(db)
    for table in _ID_TABLES:
        _rebuild_with_autoincrement(db, table)
    _script(db, """
ALTER TABLE audit_log ADD COLUMN row_sha256 TEXT;
CREATE TABLE patient_corrections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    field TEXT NOT NULL CHECK (field IN ('name', 'birth_date')),
    old_value TEXT,
    new_value TEXT,
    corrected_at TEXT NOT NULL,
    corrected_by TEXT NOT NULL
);
CREATE INDEX patient_corrections_patient ON patient_corrections (patient_id);
CREATE TRIGGER patient_corrections_no_update BEFORE UPDATE ON patient_corrections
BEGIN SELECT RAISE(ABORT, 'a correction is never edited'); END;
CREATE TRIGGER patient_corrections_no_delete BEFORE DELETE ON patient_corrections
BEGIN SELECT RAISE(ABORT, 'a correction is never deleted'); END
""")
    for table, columns in COVERED.items():
        keys = [r[0] for r in db.execute(f"SELECT {columns[0]} FROM {table} ORDER BY 1")]
        for key in keys:
            if table == "settings":
                append_audit(db, actor="system", action="record.baseline", table=table,
                             detail={"key": key})
            else:
                append_audit(db, actor="system", action="record.baseline", table=table,
                             record_id=key)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "record", _v1_record),
    Migration(2, "drafts", _v2_drafts),
    Migration(3, "sign_in_lockout", _v3_sign_in_lockout),
    Migration(4, "ward_board", _v4_ward_board),
    Migration(5, "provable_record", _v5_provable_record),
)
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(db: Database) -> int:
    """The database's schema version (0: empty)."""
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def refuse_newer(version: int) -> None:
    """Raise `SchemaTooNew` for a database this version of NeuroCheck does not know."""
    if version > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"the database has schema version {version}, but this NeuroCheck knows only up "
            f"to {SCHEMA_VERSION}: it was written by a newer version; install that version"
        )


def migrate(db: Database, *, target: int = SCHEMA_VERSION) -> list[int]:
    """Bring the schema forward to `target` (default: current). Returns the versions applied.

    Foreign keys are off during the steps (a step may rebuild a table) and checked before
    the commit; the version is re-read under the write lock because another window may
    have migrated first.
    """
    if not 0 <= target <= SCHEMA_VERSION:
        raise StoreError(f"no schema version {target}")
    refuse_newer(schema_version(db))
    if schema_version(db) >= target:
        return []
    applied = []
    db.execute("PRAGMA foreign_keys = OFF")
    try:
        with write_transaction(db):
            for migration in MIGRATIONS[schema_version(db):target]:
                migration.apply(db)
                db.execute(f"PRAGMA user_version = {migration.version}")
                append_audit(db, actor="system", action="schema.migrate",
                             detail={"version": migration.version, "name": migration.name})
                applied.append(migration.version)
            broken = db.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise StoreError(
                    f"the schema migration left {len(broken)} broken reference(s) "
                    f"(first in table {broken[0][0]}); nothing was changed"
                )
    finally:
        db.execute("PRAGMA foreign_keys = ON")
    for version in applied:
        log.info("schema migrated to version %d (%s)", version, MIGRATIONS[version - 1].name)
    return applied
