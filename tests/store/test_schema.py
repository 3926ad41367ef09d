"""The schema version and its forward migrations, each from the version before it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database

from desktop_app.store import (
    SCHEMA_VERSION,
    SchemaTooNew,
    StoreError,
    check_database,
    connect,
    database_path,
    migrate,
    open_database,
    schema_version,
    ward_entries,
)
from desktop_app.store import schema as schema_module
from desktop_app.store.opening import open_postgres
from desktop_app.store.postgres import connect_postgres
from tests.postgres_server import INTEGRITY_ERROR

NOW = "2026-05-04T09:00:00.000000Z"


def at_version(folder: Path, version: int) -> Database:
    db = connect(database_path(folder))
    migrate(db, target=version)
    assert schema_version(db) == version
    return db


def add_v1_exam(db: Database, *, mrn: str, exam_at: str, level: str, due: str) -> int:
    """An exam as version 1 stored it (raw SQL: today's repository writes later columns)."""
    patient = db.execute("SELECT id FROM patients WHERE mrn = ?", [mrn]).fetchone()
    if patient is None:
        patient_id = db.execute("INSERT INTO patients (mrn, created_at, updated_at) "
                                "VALUES (?, ?, ?)", [mrn, NOW, NOW]).lastrowid
        episode_id = db.execute(
            "INSERT INTO episodes (patient_id, procedure_kind, procedure_at_utc, procedure,"
            " opened_at, opened_by) VALUES (?, 'medial_branch_block', ?, '{}', ?, 'test')",
            [patient_id, "2026-05-04T07:00:00.000000Z", NOW]).lastrowid
    else:
        episode_id = db.execute("SELECT id FROM episodes WHERE patient_id = ?",
                                [patient[0]]).fetchone()[0]
    return db.execute(
        "INSERT INTO exams (episode_id, performed_at_utc, document, assessment, schedule_policy,"
        " level, next_check_due, saved_at, saved_by) VALUES (?, ?, '{}', '{}', '{}', ?, ?, ?, 't')",
        [episode_id, exam_at, level, due, NOW]).lastrowid


def test_a_new_database_is_at_the_current_version(folder: Path) -> None:
    db = open_database(folder)
    assert schema_version(db) == SCHEMA_VERSION == len(schema_module.MIGRATIONS)
    actions = [json.loads(r[0])["version"] for r in db.execute(
        "SELECT detail FROM audit_log WHERE action = 'schema.migrate' ORDER BY id")]
    assert actions == list(range(1, SCHEMA_VERSION + 1))
    assert check_database(db).ok
    db.close()
    # Opening again changes nothing.
    db = open_database(folder)
    assert db.execute("SELECT count(*) FROM audit_log").fetchone()[0] == SCHEMA_VERSION


def test_v1_from_empty_has_every_table_of_the_record(folder: Path) -> None:
    db = at_version(folder, 1)
    tables = set(db.table_names())
    assert {"patients", "episodes", "exams", "escalations", "users", "signed_notes", "addenda",
            "settings", "audit_log", "audit_head"} <= tables
    assert check_database(db).ok


def test_v2_from_v1_adds_drafts_and_keeps_exams(folder: Path) -> None:
    db = at_version(folder, 1)
    exam_id = add_v1_exam(db, mrn="M1", exam_at="2026-05-04T08:00:00.000000Z", level="notify",
                          due="2026-05-04T08:15:00.000000Z")
    assert migrate(db, target=2) == [2]
    assert "drafts" in db.table_names()
    assert db.execute("SELECT level FROM exams WHERE id = ?", [exam_id]).fetchone() == ("notify",)


def test_v3_from_v2_gives_existing_users_a_clean_sign_in_record(folder: Path) -> None:
    db = at_version(folder, 2)
    db.execute("INSERT INTO users (name, full_name, role, password_hash, created_at, created_by)"
               " VALUES ('ann', 'Ann Admin', 'admin', 'x', ?, 'test')", [NOW])
    assert migrate(db, target=3) == [3]
    row = db.execute("SELECT failed_attempts, locked_until FROM users").fetchone()
    assert row == (0, None)


def test_v4_from_v3_fills_the_board_from_each_episodes_latest_exam(folder: Path) -> None:
    db = at_version(folder, 3)
    add_v1_exam(db, mrn="M1", exam_at="2026-05-04T08:00:00.000000Z", level="observe",
                due="2026-05-04T08:30:00.000000Z")
    latest = add_v1_exam(db, mrn="M1", exam_at="2026-05-04T09:00:00.000000Z", level="urgent",
                         due="2026-05-04T09:15:00.000000Z")
    # Saved later but performed earlier: must not become the board's exam.
    add_v1_exam(db, mrn="M1", exam_at="2026-05-04T07:30:00.000000Z", level="emergency",
                due="2026-05-04T07:45:00.000000Z")
    assert migrate(db, target=4) == [4]
    row = db.execute("SELECT last_exam_id, current_level, next_check_due FROM episodes").fetchone()
    assert row == (latest, "urgent", "2026-05-04T09:15:00.000000Z")
    plan = " ".join(r[3] for r in db.execute(
        "EXPLAIN QUERY PLAN " + "SELECT id FROM episodes WHERE closed_at IS NULL "
        "ORDER BY next_check_due").fetchall())
    assert "episodes_board" in plan
    [row] = ward_entries(db)
    assert row.level == "urgent" and row.last_exam_id == latest


def break_version_2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Migration 2 replaced by one that creates a table, then fails (a power cut)."""
    def broken(database: Database) -> None:
        database.execute("CREATE TABLE half_done (x INTEGER)")
        raise RuntimeError("power cut in the middle of a migration")

    steps = list(schema_module.MIGRATIONS)
    steps[1] = schema_module.Migration(2, "drafts", broken)
    monkeypatch.setattr(schema_module, "MIGRATIONS", tuple(steps))


def test_a_failing_migration_leaves_the_previous_version_intact(
        folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = at_version(folder, 1)
    break_version_2(monkeypatch)
    with pytest.raises(RuntimeError):
        migrate(db, target=2)
    assert schema_version(db) == 1
    assert "half_done" not in db.table_names()
    assert db.execute("PRAGMA foreign_keys").fetchone() == (1,)
    assert check_database(db).ok


def test_a_database_from_a_newer_version_is_refused_untouched(folder: Path) -> None:
    db = open_database(folder)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    before = database_path(folder).read_bytes()
    with pytest.raises(SchemaTooNew, match="newer version"):
        open_database(folder)
    assert database_path(folder).read_bytes() == before


def test_migrate_refuses_an_unknown_target(db: Database) -> None:
    with pytest.raises(StoreError):
        migrate(db, target=SCHEMA_VERSION + 1)


def test_v5_from_v4_folds_mrns_keeps_ids_unique_and_hashes_every_row(folder: Path) -> None:
    db = at_version(folder, 3)  # exams as they were, the board filled from them by v4
    exam_id = add_v1_exam(db, mrn="mbb-0501", exam_at="2026-05-04T08:00:00.000000Z",
                          level="notify", due="2026-05-04T08:15:00.000000Z")
    add_v1_exam(db, mrn="X-2", exam_at="2026-05-04T08:00:00.000000Z", level="observe",
                due="2026-05-04T08:30:00.000000Z")
    db.execute("INSERT INTO settings (key, value, updated_at, updated_by) "
               "VALUES ('ward_name', '\"7B\"', ?, 'test')", [NOW])
    assert migrate(db, target=5) == [4, 5]
    assert [r[0] for r in db.execute("SELECT mrn FROM patients ORDER BY id")] == ["MBB-0501", "X-2"]
    for table in ("patients", "episodes", "exams", "users", "signed_notes"):
        sql = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", [table]).fetchone()[0]
        assert "AUTOINCREMENT" in sql, table
    assert dict(db.execute("SELECT name, seq FROM sqlite_sequence").fetchall())["exams"] == 2
    baseline = db.execute("SELECT record_table, count(*) FROM audit_log WHERE action = "
                          "'record.baseline' GROUP BY record_table").fetchall()
    assert dict(baseline) == {"patients": 2, "episodes": 2, "exams": 2, "settings": 1}
    report = check_database(db, full=True)
    assert report.ok, report.problems
    assert report.rows_checked == 7
    # The exam kept its ID and its references hold.
    assert db.execute("SELECT episode_id FROM exams WHERE id = ?", [exam_id]).fetchone()
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO patients (mrn, created_at, updated_at) VALUES ('lower', ?, ?)",
                   [NOW, NOW])


def test_v6_from_v5_adds_the_records_own_signing_keys_and_keeps_the_rest(
        folder: Path) -> None:
    db = at_version(folder, 3)  # the exam as version 3 had it: the board and the audit
    exam_id = add_v1_exam(db, mrn="M6", exam_at="2026-05-04T08:00:00.000000Z", level="notify",
                          due="2026-05-04T08:15:00.000000Z")
    assert migrate(db, target=5) == [4, 5]  # chain take it in, as a real record's
    assert migrate(db, target=6) == [6]
    assert db.execute("SELECT level FROM exams WHERE id = ?", [exam_id]).fetchone() == ("notify",)
    keys_written_by_version_6(db)
    assert migrate(db) == [7]
    keys_taken_into_the_chain(db)


def test_a_record_older_than_its_key_table_keeps_no_keys_of_its_own(folder: Path) -> None:
    """`verify` reads a record without migrating it: one from before version 6 has no key
    table, so its keys are the data folder's pki/ (asked, it says so, never an error)."""
    from desktop_app.record.keys import signing_keys
    from desktop_app.store.keys import record_keeps_keys

    db = at_version(folder, 5)
    assert record_keeps_keys(db) is False
    assert signing_keys(db, folder) == folder
    migrate(db)
    assert record_keeps_keys(db) is False  # an embedded record's keys stay in pki/


def keys_written_by_version_6(db: Database) -> None:
    """Key rows as version 6 wrote them: no audit entry."""
    from desktop_app.store.database import write_transaction

    with write_transaction(db):
        for name in ("authority/certificate.pem", "users/ann/key.pem"):
            db.execute("INSERT INTO key_files (name, content, written_at) VALUES (?, ?, ?)",
                       [name, name.encode() * 3, NOW])


def keys_taken_into_the_chain(db: Database) -> None:
    """Version 7: each key row kept before it has a baseline entry; every key write after
    it is an entry of its own, so the full check covers the keys."""
    assert schema_version(db) == SCHEMA_VERSION
    baseline = db.execute("SELECT detail FROM audit_log WHERE action = 'record.baseline' AND "
                          "record_table = 'key_files' ORDER BY id").fetchall()
    assert [json.loads(d)["key"] for (d,) in baseline] == ["authority/certificate.pem",
                                                            "users/ann/key.pem"]
    report = check_database(db, full=True)
    assert report.ok, report.problems
    keys_kept_in_the_record(db)
    report = check_database(db, full=True)
    assert report.ok, report.problems


def test_v5_stops_naming_the_mrns_when_folding_would_merge_two_patients(folder: Path) -> None:
    db = at_version(folder, 4)
    for mrn, name in (("ab-1", "Ann Lower"), ("AB-1", "Ann Upper"), ("c-3", "Cy")):
        db.execute("INSERT INTO patients (mrn, name, created_at, updated_at) VALUES (?, ?, ?, ?)",
                   [mrn, name, NOW, NOW])
    with pytest.raises(StoreError, match="ab-1 and AB-1") as stopped:
        migrate(db)
    assert "Ann" not in str(stopped.value)
    assert schema_version(db) == 4
    assert [r[0] for r in db.execute("SELECT mrn FROM patients ORDER BY id")] == ["ab-1", "AB-1", "c-3"]


def test_a_document_saved_before_v5_with_a_lower_case_mrn_is_still_the_same_exam(
        folder: Path) -> None:
    from desktop_app.store import save_exam
    from tests.store.documents import document

    db = at_version(folder, 4)
    doc = document("lower-1")
    first = save_exam(db, doc, actor="n")
    # ... as version 4 stored it: the MRN as typed, in the patient and in the document.
    db.execute("UPDATE patients SET mrn = 'lower-1'")
    db.execute("UPDATE exams SET document = replace(document, 'LOWER-1', 'lower-1')")
    migrate(db)
    again = save_exam(db, doc, actor="n")  # the same file imported again: stored once
    assert (again.exam_id, again.created) == (first.exam_id, False)
    assert check_database(db, full=True).ok


# -- the same migrations on a PostgreSQL server ------------------------------------------

def test_on_a_server_each_migration_runs_from_the_version_before(postgres_url: str) -> None:
    from desktop_app.store.dialect import id_counters, trigger_names
    from desktop_app.store.rows import ID_TABLES

    db = connect_postgres(postgres_url)
    assert schema_version(db) == 0
    assert migrate(db, target=1) == [1]
    exam_id = add_v1_exam(db, mrn="mbb-0501", exam_at="2026-05-04T08:00:00.000000Z",
                          level="notify", due="2026-05-04T08:15:00.000000Z")
    later = add_v1_exam(db, mrn="mbb-0501", exam_at="2026-05-04T09:00:00.000000Z",
                        level="urgent", due="2026-05-04T09:15:00.000000Z")
    assert migrate(db, target=2) == [2]
    assert db.execute("SELECT count(*) FROM drafts").fetchone() == (0,)
    db.execute("INSERT INTO users (name, full_name, role, password_hash, created_at, created_by)"
               " VALUES ('ann', 'Ann Admin', 'admin', 'x', ?, 'test')", [NOW])
    assert migrate(db, target=3) == [3]
    assert db.execute("SELECT failed_attempts, locked_until FROM users").fetchone() == (0, None)
    assert migrate(db, target=4) == [4]
    row = db.execute("SELECT last_exam_id, current_level, next_check_due FROM episodes").fetchone()
    assert row == (later, "urgent", "2026-05-04T09:15:00.000000Z")
    db.execute("INSERT INTO settings (key, value, updated_at, updated_by) "
               "VALUES ('ward_name', '\"7B\"', ?, 'test')", [NOW])
    assert migrate(db, target=5) == [5]
    assert [r[0] for r in db.execute("SELECT DISTINCT mrn FROM patients")] == ["MBB-0501"]
    assert id_counters(db, ID_TABLES)["exams"] == 2
    baseline = db.execute("SELECT record_table, count(*) FROM audit_log WHERE action = "
                          "'record.baseline' GROUP BY record_table").fetchall()
    assert dict(baseline) == {"patients": 1, "episodes": 1, "exams": 2, "users": 1,
                              "settings": 1}
    assert {"audit_log_no_update", "audit_log_no_delete"} <= trigger_names(db, "audit_log")
    report = check_database(db, full=True)
    assert report.ok, report.problems
    assert db.execute("SELECT episode_id FROM exams WHERE id = ?", [exam_id]).fetchone()
    with pytest.raises(INTEGRITY_ERROR["postgresql"]):
        db.execute("INSERT INTO patients (mrn, created_at, updated_at) VALUES ('lower', ?, ?)",
                   [NOW, NOW])
    with pytest.raises(INTEGRITY_ERROR["postgresql"]):  # user names are one in any case
        db.execute("INSERT INTO users (name, full_name, role, password_hash, created_at, "
                   "created_by) VALUES ('ANN', 'Ann Again', 'admin', 'x', ?, 'test')", [NOW])
    assert migrate(db, target=6) == [6]
    keys_written_by_version_6(db)
    assert migrate(db) == [7]
    keys_taken_into_the_chain(db)
    for table in ("audit_log", "addenda", "patient_corrections"):  # row triggers miss it
        with pytest.raises(INTEGRITY_ERROR["postgresql"], match="never|append-only"):
            db.execute(f"TRUNCATE {table}")
    assert db.execute("SELECT count(*) FROM audit_log").fetchone()[0] > 0
    db.close()


def keys_kept_in_the_record(db: Database) -> None:
    """The record keeps key material by name, bytes as written, in one step with the write
    that needs it (a rolled-back write keeps none of it), each write audited in the name
    of the one who wrote it; nobody's write is refused."""
    from desktop_app.store.database import write_transaction
    from desktop_app.store.keys import RecordKeyFiles

    keys = RecordKeyFiles(db, "ann")
    material = bytes(range(256)) * 4  # every byte value, as a sealed key has
    with write_transaction(db):
        keys.write("users/ann/key.pem", material)
    assert keys.read("users/ann/key.pem") == material and keys.read("missing") is None
    with write_transaction(db):
        keys.rename("users/ann/key.pem", "users/ann/retired/1/key.pem")
        keys.write("users/ann/key.pem", b"new")
    assert keys.names() == ["authority/certificate.pem", "users/ann/key.pem",
                            "users/ann/retired/1/key.pem"]
    entries = db.execute("SELECT actor, action, detail FROM audit_log WHERE record_table = "
                         "'key_files' AND action LIKE 'key.%' ORDER BY id").fetchall()
    assert [(a, action, json.loads(d)["key"]) for a, action, d in entries] == [
        ("ann", "key.write", "users/ann/key.pem"),
        ("ann", "key.write", "users/ann/retired/1/key.pem"),
        ("ann", "key.retire", "users/ann/key.pem"),
        ("ann", "key.write", "users/ann/key.pem")]
    with pytest.raises(RuntimeError), write_transaction(db):
        keys.write("users/ann/key.pem", b"half-way")
        raise RuntimeError("the account change failed")
    assert keys.read("users/ann/key.pem") == b"new"
    with pytest.raises(StoreError, match="in the name of a user"), write_transaction(db):
        RecordKeyFiles(db).write("users/ann/key.pem", b"nobody's")
    assert keys.read("users/ann/key.pem") == b"new"


def test_on_a_server_a_failing_migration_leaves_the_previous_version_intact(
        postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    db = connect_postgres(postgres_url)
    migrate(db, target=1)
    break_version_2(monkeypatch)
    with pytest.raises(RuntimeError):
        migrate(db, target=2)
    assert schema_version(db) == 1
    assert db.execute("SELECT to_regclass('half_done')").fetchone() == (None,)
    assert check_database(db).ok
    db.close()


def test_on_a_server_a_record_from_a_newer_version_is_refused_untouched(
        postgres_url: str) -> None:
    db = open_postgres(postgres_url)
    db.execute("UPDATE schema_version SET version = ?", [SCHEMA_VERSION + 1])
    entries = db.execute("SELECT count(*) FROM audit_log").fetchone()
    db.close()
    with pytest.raises(SchemaTooNew, match="newer version"):
        open_postgres(postgres_url)
    db = connect_postgres(postgres_url)
    assert db.execute("SELECT count(*) FROM audit_log").fetchone() == entries
    db.close()

