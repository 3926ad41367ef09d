"""The hash-chained audit log: every change leaves an entry; an entry edited or deleted
afterwards, even with the sqlite3 shell, is found by the check and by `check`."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlite_utils import Database

from desktop_app.store import (
    DatabaseProblem,
    audit_entries,
    check_database,
    database_path,
    open_database,
    save_exam,
    verify_audit_chain,
)
from tests.postgres_server import INTEGRITY_ERROR
from tests.store.documents import document


@pytest.fixture
def recorded(folder: Path) -> Path:
    """A data folder whose audit log has a few entries; closed, ready for tampering."""
    db = open_database(folder)
    for index in range(3):
        save_exam(db, document(f"AU-{index}"), actor="nurse1")
    db.close()
    return folder


def tamper(folder: Path, *statements: str) -> None:
    """What someone with the sqlite3 shell could do: drop the guards, change the log."""
    conn = sqlite3.connect(database_path(folder))
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("DROP TRIGGER audit_log_no_delete")
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def run_check(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "desktop_app", "--data-dir", str(folder),
                           "check"], capture_output=True, text=True, timeout=60)


def test_each_change_is_audited_without_patient_data(db: Database) -> None:
    saved = save_exam(db, document("AUD-77", name="Zoë Quist"), actor="nurse1")
    entries = audit_entries(db, table="exams", record_id=saved.exam_id)
    assert [(e.actor, e.action) for e in entries] == [("nurse1", "exam.save")]
    actions = [e.action for e in audit_entries(db)]
    assert actions[:3] == ["exam.save", "episode.open", "patient.create"]
    text = " ".join(str(r) for r in db.execute("SELECT * FROM audit_log").fetchall())
    assert "AUD-77" not in text and "Zoë" not in text
    count, problems = verify_audit_chain(db)
    assert problems == [] and count == len(audit_entries(db))


def test_the_log_refuses_plain_updates_and_deletes(db: Database, engine: str) -> None:
    save_exam(db, document(), actor="nurse1")
    with pytest.raises(INTEGRITY_ERROR[engine], match="append-only"):
        db.execute("UPDATE audit_log SET actor = 'someone else' WHERE id = 1")
    with pytest.raises(INTEGRITY_ERROR[engine], match="append-only"):
        db.execute("DELETE FROM audit_log WHERE id = 1")


def test_a_sound_log_passes_check(recorded: Path) -> None:
    result = run_check(recorded)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK")


@pytest.mark.parametrize(("statements", "expected"), [
    (["UPDATE audit_log SET actor = 'someone else' WHERE id = 6"],
     "audit entry 6 was changed after it was written"),
    (["DELETE FROM audit_log WHERE id = 6"],
     "audit entries 6 are missing (entry 7 does not follow entry 5)"),
    (["DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)"],
     "the last entries were removed"),
    # The first hex digit always changes ('f' for any other, 'e' for an 'f').
    (["UPDATE audit_log SET hash = CASE WHEN substr(hash, 1, 1) = 'f' THEN 'e' ELSE 'f' END"
      " || substr(hash, 2) WHERE id = 6"],
     "audit entry 6 was changed after it was written"),
    ([], "append-only guard (audit_log_no_update) was removed"),
])
def test_a_tampered_log_fails_check(recorded: Path, statements: list[str], expected: str) -> None:
    tamper(recorded, *statements)
    result = run_check(recorded)
    assert result.returncode == 1
    assert expected in result.stderr
    assert result.stdout == ""


def test_a_rewritten_entry_breaks_the_link_to_the_next(recorded: Path) -> None:
    # Recomputing the edited entry's own hash is not enough: the next one no longer follows.
    db = open_database(recorded, check=False)
    row = db.execute("SELECT id, at, actor, action, record_table, record_id, detail, prev_hash "
                     "FROM audit_log WHERE id = 6").fetchone()
    from desktop_app.store.audit import entry_hash

    forged = entry_hash(row[7], row[0], row[1], "someone else", *row[3:7])
    db.close()
    tamper(recorded, f"UPDATE audit_log SET actor = 'someone else', hash = '{forged}' WHERE id = 6")
    db = open_database(recorded, check=False, migrate=False)
    problems = check_database(db).problems
    assert "audit entry 7 does not follow entry 6: an entry before it was changed or replaced" \
        in problems


def test_the_start_up_check_refuses_a_tampered_log_and_writes_nothing(recorded: Path) -> None:
    tamper(recorded, "DELETE FROM audit_log WHERE id = 4")
    before = database_path(recorded).read_bytes()
    with pytest.raises(DatabaseProblem, match="audit entries 4 are missing"):
        open_database(recorded)
    assert database_path(recorded).read_bytes() == before
