"""Tampering with the record outside NeuroCheck (the sqlite3 shell, the guards dropped) is
found by the full check, each kind with a message naming the row it touched: every row is
compared with the row hash of the latest audit entry that wrote it, signed notes carry the
chain head inside their signature, IDs are never given out twice."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from desktop_app.domain import load_document
from desktop_app.record.accounts import add_user
from desktop_app.record.keys import note_verifier, signing_keys
from desktop_app.report import pki
from desktop_app.report.signing import create_signed_note
from desktop_app.store import (
    CheckReport,
    audit_anchor,
    check_database,
    connect,
    database_path,
    open_database,
    record_escalation,
    save_exam,
    set_setting,
    store_addendum,
    store_signed_note,
)
from desktop_app.store.audit import GENESIS_HASH, entry_hash
from desktop_app.store.rows import content_hash
from tests.store.documents import document

ADMIN, ADMIN_PASSWORD = "admin", "admin-pass-1"
NURSE, NURSE_PASSWORD = "nurse", "nurse-pass-1"
GUARDS = ("audit_log_no_update", "audit_log_no_delete", "signed_notes_no_update",
          "signed_notes_no_delete", "addenda_no_update", "addenda_no_delete")


def _quick_hashing(mp: pytest.MonkeyPatch) -> None:
    from argon2 import PasswordHasher, Type

    from desktop_app.store import users

    quick = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID)
    mp.setattr(users, "_hasher", lambda: quick)
    mp.setattr(users, "_decoy_hash", lambda: quick.hash("no such user"))
    mp.setattr(pki, "SCRYPT_N", 2**10)


def _sign(db, folder: Path, exam_id: int, doc: dict) -> bytes:
    signer = pki.load_signer(signing_keys(db, folder), NURSE, NURSE_PASSWORD)
    return create_signed_note(load_document(doc), signer, note_id=f"NC-T-{exam_id}",
                              audit_anchor=audit_anchor(db))


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small ward record, built once: two users, a setting, three patients, an exam with
    saddle anaesthesia (EMERGENCY) whose note is signed with an addendum, an escalation,
    and exams saved after the signing."""
    folder = tmp_path_factory.mktemp("tamper") / "data"
    folder.mkdir(mode=0o700)
    with pytest.MonkeyPatch.context() as mp:
        _quick_hashing(mp)
        db = open_database(folder)
        fill_small_ward(db, folder)
        db.close()
    return folder


def fill_small_ward(db, folder: Path) -> None:
    """The small ward of `template` (and of the server's tamper tests), on any engine."""
    add_user(db, folder, ADMIN, full_name="Ada Admin", role="admin", password=ADMIN_PASSWORD)
    add_user(db, folder, NURSE, full_name="Nina Nurse", role="nurse", password=NURSE_PASSWORD,
             admin_name=ADMIN, admin_password=ADMIN_PASSWORD)
    set_setting(db, "ward_name", "Ward 7B", actor=ADMIN)
    saddle = document("TA-1", name="Alice Able", base="mbb-saddle")
    first = save_exam(db, saddle, actor=NURSE)
    record_escalation(db, first.episode_id, role="registrar", name="Dr Reg",
                      called_at=first.next_check_due, actor=NURSE, exam_id=first.exam_id)
    note_id = store_signed_note(db, first.exam_id, _sign(db, folder, first.exam_id, saddle),
                                signed_by=NURSE)
    store_addendum(db, note_id, "Seen by the registrar.",
                   _sign(db, folder, first.exam_id, saddle), signed_by=NURSE)
    save_exam(db, document("TA-2", name="Bob Baker"), actor=NURSE)
    save_exam(db, document("TA-3", name="Cleo Dunn", base="im-foot-drop"), actor=NURSE)


@pytest.fixture
def record(template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the template record for one test to tamper with."""
    folder = tmp_path / "data"
    shutil.copytree(template, folder)
    return folder


def full_check(folder: Path) -> CheckReport:
    db = connect(database_path(folder), create=False)
    try:
        return check_database(db, full=True, verify_pdf=note_verifier(signing_keys(db, folder)))
    finally:
        db.close()


def shell(folder: Path, *statements: str, params: tuple = ()) -> None:
    """What someone with the sqlite3 shell could do: drop the guards, write, and put the
    guards back as they were."""
    conn = sqlite3.connect(database_path(folder))
    guards = _drop_guards(conn)
    for statement in statements:
        conn.execute(statement, params if "?" in statement else ())
    for sql in guards:
        conn.execute(sql)
    conn.commit()
    conn.close()


def _drop_guards(conn: sqlite3.Connection) -> list[str]:
    guards = [r[0] for r in conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name IN "
        f"({', '.join('?' * len(GUARDS))})", GUARDS)]
    for guard in GUARDS:
        conn.execute(f"DROP TRIGGER IF EXISTS {guard}")
    return guards


def one(folder: Path, sql: str, params: tuple = ()):
    conn = sqlite3.connect(database_path(folder))
    try:
        return conn.execute(sql, params).fetchone()
    finally:
        conn.close()


def _edit_document(folder: Path, exam_id: int, change: Callable[[dict], None],
                   level: str | None = None) -> None:
    doc = json.loads(one(folder, "SELECT document FROM exams WHERE id = ?", (exam_id,))[0])
    change(doc)
    text = json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
    conn = sqlite3.connect(database_path(folder))
    conn.execute("UPDATE exams SET document = ? WHERE id = ?", (text, exam_id))
    if level:
        conn.execute("UPDATE exams SET level = ? WHERE id = ?", (level, exam_id))
        conn.execute("UPDATE episodes SET current_level = ? WHERE last_exam_id = ?",
                     (level, exam_id))
    conn.commit()
    conn.close()


def _no_saddle(doc: dict) -> None:
    doc["exam"]["symptoms"]["saddle_anaesthesia"] = False


def _motor_grade(doc: dict) -> None:
    doc["exam"]["motor"] = {"hip_flexion": {"left": 5, "right": 5}}


def _rehash_chain(folder: Path, change_entry: Callable[[list], list]) -> None:
    """Rewrite the whole chain consistently (every hash recomputed, head moved): what an
    attacker with the database and this source code can do."""
    conn = sqlite3.connect(database_path(folder))
    guards = _drop_guards(conn)
    rows = [list(r) for r in conn.execute(
        "SELECT id, at, actor, action, record_table, record_id, detail, row_sha256 "
        "FROM audit_log ORDER BY id")]
    prev = GENESIS_HASH
    for row in rows:
        row = change_entry(row)
        digest = entry_hash(prev, *row[:7], row[7])
        conn.execute("UPDATE audit_log SET prev_hash = ?, hash = ?, row_sha256 = ?, actor = ? "
                     "WHERE id = ?", (prev, digest, row[7], row[2], row[0]))
        prev = digest
    conn.execute("UPDATE audit_head SET last_id = ?, last_hash = ?", (rows[-1][0], prev))
    for sql in guards:
        conn.execute(sql)
    conn.commit()
    conn.close()


def _row_values(folder: Path, table: str, key) -> list:
    from desktop_app.store.rows import COVERED

    columns = COVERED[table]
    return list(one(folder, f"SELECT {', '.join(columns)} FROM {table} WHERE {columns[0]} = ?",
                    (key,)))


# -- the tamper cases ----------------------------------------------------------------------

def t_saddle_off(folder: Path) -> None:
    _edit_document(folder, 1, _no_saddle)


def t_saddle_off_and_level_observe(folder: Path) -> None:
    _edit_document(folder, 1, _no_saddle, level="observe")


def t_level_observe(folder: Path) -> None:
    shell(folder, "UPDATE exams SET level = 'observe' WHERE id = 1")


def t_board_level(folder: Path) -> None:
    shell(folder, "UPDATE episodes SET current_level = 'observe' WHERE id = 1")


def t_unsigned_exam_motor_grade(folder: Path) -> None:
    _edit_document(folder, 3, _motor_grade)


def t_document_not_json(folder: Path) -> None:
    shell(folder, "UPDATE exams SET document = 'this is {not json' WHERE id = 2")


def t_consistent_delete(folder: Path) -> None:
    shell(folder, "DELETE FROM exams WHERE id = 3",
          "DELETE FROM patient_name_words WHERE patient_id = 3",
          "DELETE FROM episodes WHERE id = 3", "DELETE FROM patients WHERE id = 3")


def t_tail_and_head_cut(folder: Path) -> None:
    # The last exam's entries go, and the head is set to the entry before them.
    first = one(folder, "SELECT min(id) FROM audit_log WHERE record_table = 'patients' "
                        "AND record_id = 3")[0]
    last = one(folder, "SELECT id, hash FROM audit_log WHERE id = ?", (first - 1,))
    shell(folder, f"DELETE FROM audit_log WHERE id >= {first}",
          f"UPDATE audit_head SET last_id = {last[0]}, last_hash = '{last[1]}'")


def t_note_bytes_flipped(folder: Path) -> None:
    pdf = bytearray(one(folder, "SELECT pdf FROM signed_notes WHERE id = 1")[0])
    pdf[len(pdf) // 3] ^= 0x01
    shell(folder, "UPDATE signed_notes SET pdf = ? WHERE id = 1", params=(bytes(pdf),))


def t_note_bytes_and_hash_replaced(folder: Path) -> None:
    # Bytes appended after the signature, the stored SHA-256 set to match.
    pdf = one(folder, "SELECT pdf FROM signed_notes WHERE id = 1")[0] + b"\n% appended\n"
    digest = hashlib.sha256(pdf).hexdigest()
    shell(folder, "UPDATE signed_notes SET pdf = ?, sha256 = ? WHERE id = 1",
          params=(pdf, digest))


def t_note_deleted(folder: Path) -> None:
    shell(folder, "DELETE FROM addenda WHERE note_id = 1", "DELETE FROM signed_notes WHERE id = 1")


def t_addendum_text(folder: Path) -> None:
    shell(folder, "UPDATE addenda SET text = 'Nothing to add.' WHERE id = 1")


def t_names_swapped(folder: Path) -> None:
    shell(folder, "UPDATE patients SET name = CASE id WHEN 1 THEN 'Bob Baker' "
                  "ELSE 'Alice Able' END WHERE id IN (1, 2)")


def t_mrns_swapped(folder: Path) -> None:
    shell(folder, "UPDATE patients SET mrn = 'SWAP' WHERE id = 1",
          "UPDATE patients SET mrn = 'TA-1' WHERE id = 2",
          "UPDATE patients SET mrn = 'TA-2' WHERE id = 1")


def t_role_admin(folder: Path) -> None:
    shell(folder, "UPDATE users SET role = 'admin' WHERE name = 'nurse'")


def t_password_hash_swapped(folder: Path) -> None:
    shell(folder, "UPDATE users SET password_hash = (SELECT password_hash FROM users "
                  "WHERE name = 'admin') WHERE name = 'nurse'")


def t_admin_injected(folder: Path) -> None:
    shell(folder, "INSERT INTO users (name, full_name, role, password_hash, created_at, "
                  "created_by) SELECT 'mallory', 'Mallory', 'admin', password_hash, created_at, "
                  "'admin' FROM users WHERE name = 'admin'")


def t_setting_edited(folder: Path) -> None:
    shell(folder, "UPDATE settings SET value = '\"Ward 9\"' WHERE key = 'ward_name'")


def t_escalation_response(folder: Path) -> None:
    shell(folder, "UPDATE escalations SET response = 'no answer', called_name = 'Dr Nobody' "
                  "WHERE id = 1")


def t_exam_id_reused(folder: Path) -> None:
    # The last exam deleted with the ID counter put back, then a new exam saved through
    # NeuroCheck: it gets the deleted exam's ID.
    shell(folder, "DELETE FROM exams WHERE id = 3",
          "UPDATE episodes SET last_exam_id = NULL, last_exam_at = NULL, current_level = NULL,"
          " next_check_due = NULL WHERE id = 3",
          "UPDATE sqlite_sequence SET seq = 2 WHERE name = 'exams'")
    db = open_database(folder, check=False)
    try:
        assert save_exam(db, document("TA-4", name="Dee Eve"), actor=NURSE).exam_id == 3
    finally:
        db.close()


def t_id_counter_lowered(folder: Path) -> None:
    shell(folder, "UPDATE sqlite_sequence SET seq = 1 WHERE name = 'patients'")


def t_chain_rehashed(folder: Path) -> None:
    # Exam 1 (signed) turned to observe; its audit entry given the forged row's hash, and
    # the whole chain recomputed so every link and the head agree.
    _edit_document(folder, 1, _no_saddle, level="observe")
    forged = content_hash("exams", _row_values(folder, "exams", 1))

    def change(row: list) -> list:
        if row[4] == "exams" and row[5] == 1 and row[7] is not None:
            row[7] = forged
        return row

    _rehash_chain(folder, change)


def t_audit_entry_edited(folder: Path) -> None:
    shell(folder, "UPDATE audit_log SET actor = 'someone else' WHERE id = 8")


CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "exam findings edited (saddle anaesthesia off)": (t_saddle_off, "exams row 1"),
    "exam findings and level edited (observe)": (t_saddle_off_and_level_observe, "exams row 1"),
    "exam level edited": (t_level_observe, "exams row 1"),
    "ward board level edited": (t_board_level, "episodes row 1"),
    "unsigned exam's motor grades edited": (t_unsigned_exam_motor_grade, "exams row 3"),
    "exam document not JSON": (t_document_not_json, "exams row 2"),
    "exam, episode and patient deleted together": (t_consistent_delete, "patients row 3"),
    "audit tail cut with its head": (t_tail_and_head_cut, "patients row 3"),
    "signed note's bytes flipped": (t_note_bytes_flipped, "signed_notes row 1"),
    "signed note's bytes and SHA-256 replaced": (t_note_bytes_and_hash_replaced,
                                                 "signed_notes row 1"),
    "signed note deleted": (t_note_deleted, "signed_notes row 1"),
    "addendum text edited": (t_addendum_text, "addenda row 1"),
    "two patients' names swapped": (t_names_swapped, "patients row 1"),
    "two patients' MRNs swapped": (t_mrns_swapped, "patients row 2"),
    "a nurse raised to admin": (t_role_admin, "users row 2"),
    "a password hash swapped": (t_password_hash_swapped, "users row 2"),
    "an admin row injected": (t_admin_injected, "users row 3"),
    "a setting edited": (t_setting_edited, "settings row 'ward_name'"),
    "an escalation edited": (t_escalation_response, "escalations row 1"),
    "an exam ID reused": (t_exam_id_reused, "exams row 3"),
    "an ID counter lowered": (t_id_counter_lowered, "patients: the ID counter"),
    "the whole audit chain re-hashed": (t_chain_rehashed, "signed_notes row 1"),
    "an audit entry edited": (t_audit_entry_edited, "audit entry 8"),
}


def test_the_untouched_record_passes_the_full_check(record: Path) -> None:
    report = full_check(record)
    assert report.ok, report.problems
    assert report.rows_checked >= 12
    assert one(record, "SELECT count(*) FROM signed_notes")[0] == 1


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_tampering_is_found_naming_the_row(record: Path, case: str) -> None:
    tamper, named = CASES[case]
    tamper(record)
    report = full_check(record)
    assert not report.ok
    assert any(named in problem for problem in report.problems), report.problems


def test_check_reports_tampering_naming_the_row(record: Path) -> None:
    t_role_admin(record)
    result = subprocess.run([sys.executable, "-m", "desktop_app", "--data-dir", str(record),
                             "check"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and result.stdout == ""
    assert "users row 2 differs from what audit entry" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_write_refuses_a_row_changed_outside_neurocheck(record: Path) -> None:
    # Signing in would otherwise record the raised role's hash and so bless it.
    from desktop_app.store import StoreError, authenticate

    t_role_admin(record)
    db = open_database(record)
    with pytest.MonkeyPatch.context() as mp:
        _quick_hashing(mp)
        with pytest.raises(StoreError, match="users row 2 differs from what the audit log"):
            authenticate(db, NURSE, NURSE_PASSWORD)
    db.close()
    assert not full_check(record).ok


def test_the_signed_note_carries_the_chain_head_inside_its_signature(record: Path) -> None:
    pdf = one(record, "SELECT pdf FROM signed_notes WHERE id = 1")[0]
    entry = one(record, "SELECT id, hash FROM audit_log WHERE action = 'escalation.record'")
    assert f"{entry[0]}\\072{entry[1]}".encode() in pdf or f"{entry[0]}:{entry[1]}".encode() in pdf


@pytest.fixture(autouse=True)
def _quick(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    _quick_hashing(monkeypatch)
    yield


def test_a_forged_note_under_a_rewritten_chain_fails_its_signature(record: Path) -> None:
    # Bytes inside the signed range changed, the stored SHA-256 and the audited row hash
    # made to match, the chain recomputed: only the signature (and the anchor) can tell.
    pdf = bytearray(one(record, "SELECT pdf FROM signed_notes WHERE id = 1")[0])
    at = pdf.index(b"/Producer")
    pdf[at + 2] ^= 0x20
    digest = hashlib.sha256(bytes(pdf)).hexdigest()
    shell(record, "UPDATE signed_notes SET pdf = ?, sha256 = ? WHERE id = 1",
          params=(bytes(pdf), digest))
    forged = content_hash("signed_notes", _row_values(record, "signed_notes", 1))

    def change(row: list) -> list:
        if row[4] == "signed_notes" and row[5] == 1 and row[7] is not None:
            row[7] = forged
        return row

    _rehash_chain(record, change)
    problems = full_check(record).problems
    assert any(p.startswith("signed_notes row 1: its signature does not verify")
               for p in problems), problems


def test_check_with_signatures_passes_a_sound_record(record: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "desktop_app", "--data-dir", str(record),
                             "check", "--signatures"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert "row(s) matched against the chain" in result.stdout


def test_check_answers_any_damaged_file_in_words_never_a_traceback(
        template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse
    import random

    from desktop_app.commands.check import run

    rng = random.Random(7)
    data = database_path(template).read_bytes()
    for index in range(300):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        folder = tmp_path / f"d{index}"
        folder.mkdir(mode=0o700)
        database_path(folder).write_bytes(bytes(damaged))
        status = run(argparse.Namespace(data_dir=str(folder), signatures=False))
        out, err = capsys.readouterr()
        assert status in (0, 1), err
        assert (status == 0) == out.startswith("OK") and (status == 1) == err.startswith("PROBLEM")
        shutil.rmtree(folder)
