"""Tampering with a ward record on a PostgreSQL server outside NeuroCheck (the tables'
owner, the append-only triggers disabled) is found by the full check, naming the row, as
on SQLite (test_tamper.py): rows against the row hashes of the chain, the chain itself,
the ID counters (identity sequences), the signed notes' bytes (bytea)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from desktop_app.record.keys import note_verifier, signing_keys
from desktop_app.store import (
    CheckReport,
    StoreError,
    authenticate,
    check_database,
    save_exam,
)
from desktop_app.store.opening import open_postgres
from desktop_app.store.postgres import connect_postgres
from tests.store.documents import document
from tests.store.test_tamper import (
    ADMIN,
    ADMIN_PASSWORD,
    NURSE,
    NURSE_PASSWORD,
    _no_saddle,
    _quick_hashing,
    fill_small_ward,
)

GUARDED = ("audit_log", "signed_notes", "addenda", "patient_corrections")


@pytest.fixture
def server_record(postgres_url: str, private_data_dir: Path,
                  monkeypatch: pytest.MonkeyPatch) -> tuple[str, Path]:
    """A small ward record on the server (as test_tamper's template): two users, a setting,
    three patients, an EMERGENCY exam whose note is signed with an addendum, an escalation,
    exams saved after the signing. The record holds the signing keys."""
    folder = private_data_dir
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    _quick_hashing(monkeypatch)
    db = open_postgres(postgres_url)
    fill_small_ward(db, folder)
    db.close()
    return postgres_url, folder


def full_check(url: str, folder: Path) -> CheckReport:
    db = connect_postgres(url)
    try:
        return check_database(db, full=True, verify_pdf=note_verifier(signing_keys(db, folder)))
    finally:
        db.close()


def owner(url: str, *statements: str, params: tuple = ()) -> None:
    """What the tables' owner could do with psql: disable the guards, write, enable them."""
    with psycopg.connect(url, autocommit=True) as conn, conn.transaction():
        for table in GUARDED:
            conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        for statement in statements:
            conn.execute(statement, params if "%s" in statement else None)
        for table in GUARDED:
            conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def one(url: str, sql: str, params: tuple = ()):
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchone()


def t_saddle_off(url: str) -> None:
    import json

    doc = json.loads(one(url, "SELECT document FROM exams WHERE id = 1")[0])
    _no_saddle(doc)
    owner(url, "UPDATE exams SET document = %s WHERE id = 1",
          params=(json.dumps(doc, separators=(",", ":"), ensure_ascii=False),))


def t_note_bytes_flipped(url: str) -> None:
    pdf = bytearray(one(url, "SELECT pdf FROM signed_notes WHERE id = 1")[0])
    pdf[len(pdf) // 2] ^= 0x01
    owner(url, "UPDATE signed_notes SET pdf = %s WHERE id = 1", params=(bytes(pdf),))


def t_exam_id_reused(url: str) -> None:
    # The last exam deleted with the ID counter put back, then a new exam saved through
    # NeuroCheck: it gets the deleted exam's ID.
    owner(url, "UPDATE episodes SET last_exam_id = NULL, last_exam_at = NULL, "
          "current_level = NULL, next_check_due = NULL WHERE id = 3",
          "DELETE FROM exams WHERE id = 3",
          "SELECT setval(pg_get_serial_sequence('exams', 'id'), 2)")
    db = open_postgres(url, check=False)
    try:
        assert save_exam(db, document("TA-4", name="Dee Eve"), actor=NURSE).exam_id == 3
    finally:
        db.close()


def t_key_added(url: str) -> None:
    """A second administrator's share of the authority, slipped in beside the real ones."""
    owner(url, "INSERT INTO key_files (name, content, written_at) VALUES "
          "('users/mallory/key.pem', %s, '2026-12-01T00:00:00.000000Z')",
          params=(b"-----BEGIN ENCRYPTED PRIVATE KEY-----",))


def t_guard_disabled(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update")


CASES: dict[str, tuple[Callable[[str], None], str]] = {
    "saddle anaesthesia taken out of a signed exam": (t_saddle_off, "exams row 1"),
    "exam level lowered": (lambda url: owner(
        url, "UPDATE exams SET level = 'observe' WHERE id = 1"), "exams row 1"),
    "signed note's bytes flipped": (t_note_bytes_flipped, "signed_notes row 1"),
    "signed note deleted": (lambda url: owner(
        url, "DELETE FROM addenda WHERE note_id = 1", "DELETE FROM signed_notes WHERE id = 1"),
        "signed_notes row 1"),
    "addendum text edited": (lambda url: owner(
        url, "UPDATE addenda SET text = 'Nothing to add.' WHERE id = 1"), "addenda row 1"),
    "a nurse raised to admin": (lambda url: owner(
        url, "UPDATE users SET role = 'admin' WHERE name = 'nurse'"), "users row 2"),
    "a setting edited": (lambda url: owner(
        url, "UPDATE settings SET value = '\"Ward 9\"' WHERE key = 'ward_name'"),
        "settings row 'ward_name'"),
    "an escalation deleted": (lambda url: owner(url, "DELETE FROM escalations WHERE id = 1"),
                              "escalations row 1 was deleted"),
    "an exam ID reused": (t_exam_id_reused, "exams row 3: its ID was given out twice"),
    "an ID counter lowered": (lambda url: owner(
        url, "SELECT setval(pg_get_serial_sequence('patients', 'id'), 1)"),
        "patients: the ID counter"),
    "an audit entry edited": (lambda url: owner(
        url, "UPDATE audit_log SET actor = 'someone else' WHERE id = 8"), "audit entry 8"),
    "the audit log's last entries cut": (lambda url: owner(
        url, "DELETE FROM audit_log WHERE id > (SELECT max(id) - 2 FROM audit_log)"),
        "the last entries were removed"),
    "the nurse's certificate swapped for the admin's": (lambda url: owner(
        url, "UPDATE key_files SET content = (SELECT content FROM key_files WHERE name = "
        "'users/admin/certificate.pem') WHERE name = 'users/nurse/certificate.pem'"),
        "key_files row 'users/nurse/certificate.pem' differs"),
    "the authority's certificate replaced": (lambda url: owner(
        url, "UPDATE key_files SET content = 'not the authority' "
        "WHERE name = 'authority/certificate.pem'"),
        "key_files row 'authority/certificate.pem' differs"),
    "a signing key added": (t_key_added, "key_files row 'users/mallory/key.pem' has no audit"),
    "a user's signing key deleted": (lambda url: owner(
        url, "DELETE FROM key_files WHERE name = 'users/nurse/key.pem'"),
        "key_files row 'users/nurse/key.pem' was deleted"),
    "an append-only guard left disabled": (
        t_guard_disabled, "append-only guard (audit_log_no_update) was removed"),
}


def test_the_untouched_server_record_passes_the_full_check(
        server_record: tuple[str, Path]) -> None:
    report = full_check(*server_record)
    assert report.ok, report.problems
    db = connect_postgres(server_record[0])
    keys = db.execute("SELECT count(*) FROM key_files").fetchone()[0]
    db.close()
    assert keys >= 6  # the authority's and both users' keys are rows of the check
    assert report.rows_checked >= 12 + keys


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_tampering_on_the_server_is_found_naming_the_row(
        server_record: tuple[str, Path], case: str) -> None:
    url, folder = server_record
    tamper, named = CASES[case]
    tamper(url)
    report = full_check(url, folder)
    assert not report.ok
    assert any(named in problem for problem in report.problems), report.problems


def test_a_write_on_the_server_refuses_a_row_changed_outside_neurocheck(
        server_record: tuple[str, Path]) -> None:
    url, _folder = server_record
    CASES["a nurse raised to admin"][0](url)
    db = open_postgres(url, check=False)
    with pytest.raises(StoreError, match="users row 2 differs from what the audit log"):
        authenticate(db, NURSE, NURSE_PASSWORD)
    db.close()


def test_a_key_written_on_the_server_refuses_a_key_row_changed_outside_neurocheck(
        server_record: tuple[str, Path]) -> None:
    from desktop_app.record.accounts import reissue_key

    url, folder = server_record
    CASES["the nurse's certificate swapped for the admin's"][0](url)
    db = open_postgres(url, check=False)
    before = db.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    with pytest.raises(StoreError, match="key_files row 'users/nurse/certificate.pem' differs"):
        reissue_key(db, folder, NURSE, NURSE_PASSWORD, admin_name=ADMIN,
                    admin_password=ADMIN_PASSWORD)
    # Nothing of the re-issue was kept: no entry (the sign-ins' own are before it), no key.
    assert db.execute("SELECT count(*) FROM audit_log WHERE id > ? AND action LIKE 'key.%'",
                      [before]).fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM key_files WHERE name LIKE '%retired%'"
                      ).fetchone()[0] == 0
    db.close()
