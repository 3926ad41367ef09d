"""A restore runs the full check on the backup (rows against the audit chain) and refuses
what fails; it waits a bounded time for a record in use; it never gives an ID out twice
and it is audited."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.store import (
    BackupError,
    audit_entries,
    backup_database,
    check_database,
    database_path,
    open_database,
    restore_database,
    save_exam,
)
from tests.store.documents import document


@pytest.fixture
def backup(folder: Path, tmp_path: Path) -> Path:
    """A good backup of a record of two exams; the live record has a third one since."""
    db = open_database(folder)
    save_exam(db, document("RB-1"), actor="n")
    save_exam(db, document("RB-2"), actor="n")
    written, report = backup_database(db, tmp_path / "good.sqlite")
    assert report.ok
    save_exam(db, document("RB-3"), actor="n")
    db.close()
    return written


def live_bytes(folder: Path) -> bytes:
    return database_path(folder).read_bytes()


def flip_grade(path: Path) -> None:
    """One byte of the file: hip flexion grade 5 -> 1 in a stored exam document."""
    data = bytearray(path.read_bytes())
    at = data.index(b'"hip_flexion":{"left":5') + len(b'"hip_flexion":{"left":')
    data[at] = ord("1")
    path.write_bytes(bytes(data))


def edit(path: Path, statement: str) -> None:
    conn = sqlite3.connect(path)
    conn.execute(statement)
    conn.commit()
    conn.close()


@pytest.mark.parametrize(("tamper", "named"), [
    (flip_grade, "exams row 1 differs"),
    (lambda p: edit(p, "UPDATE exams SET document = replace(document, '\"left\":5', "
                       "'\"left\":4') WHERE id = 2"), "exams row 2 differs"),
    (lambda p: edit(p, "INSERT INTO users (name, full_name, role, password_hash, created_at, "
                       "created_by) VALUES ('mallory', 'M', 'admin', 'x', 'now', 'x')"),
     "users row 1 has no audit entry"),
], ids=["one flipped byte", "an edited document", "an injected admin"])
def test_a_tampered_backup_is_refused_and_nothing_changes(
        folder: Path, backup: Path, tamper, named: str) -> None:
    tamper(backup)
    before = live_bytes(folder)
    with pytest.raises(BackupError, match="failed its check; nothing was changed") as refused:
        restore_database(folder, backup)
    assert named in str(refused.value)
    assert live_bytes(folder) == before


def test_the_restore_command_refuses_a_flipped_byte(folder: Path, backup: Path,
                                                   monkeypatch) -> None:
    from tests.signing_in import make_hashing_quick, with_sign_in

    make_hashing_quick(monkeypatch)  # the administrator's hash, checked by the command
    flip_grade(backup)
    argv, stdin = with_sign_in(["--data-dir", str(folder), "restore", str(backup)])
    result = subprocess.run([sys.executable, "-m", "desktop_app", *argv], input=stdin,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Restore refused" in result.stderr and "exams row 1 differs" in result.stderr
    assert "Restored and verified" not in result.stdout


def test_a_record_in_use_is_waited_for_a_bounded_time(folder: Path, backup: Path) -> None:
    holder = sqlite3.connect(database_path(folder), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO drafts (id, content, started_at, saved_at) "
                   "VALUES ('d', '{}', 'x', 'x')")
    try:
        with pytest.raises(BackupError, match="the record is in use"):
            restore_database(folder, backup, wait_seconds=0.3)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    db = open_database(folder)
    assert db.execute("SELECT count(*) FROM exams").fetchone()[0] == 3
    db.close()


def test_a_restore_is_audited_and_never_gives_an_id_out_twice(
        folder: Path, backup: Path) -> None:
    result = restore_database(folder, backup, actor="cli:admin")
    assert result.report.ok and result.report.full and result.report.exams == 2
    db = open_database(folder)
    [entry] = [e for e in audit_entries(db) if e.action == "record.restore"]
    assert entry.actor == "cli:admin" and entry.detail["id_floor"]["exams"] == 3
    # Exam 3 existed in the record replaced: the next exam is 4, never a second exam 3.
    assert save_exam(db, document("RB-4"), actor="n").exam_id == 4
    assert check_database(db, full=True).ok
    db.close()


def test_a_record_locked_by_another_process_is_never_set_aside(
        folder: Path, backup: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A rollback-journal record held exclusively (another workstation writing over a share)
    # cannot even be read: busy, not damaged, so its files must stay where they are.
    from desktop_app.store import database

    monkeypatch.setattr(database, "BUSY_TIMEOUT_SECONDS", 0.3)
    monkeypatch.setattr(database, "is_network_filesystem", lambda _path: True)
    open_database(folder).close()  # now in rollback-journal mode
    holder = sqlite3.connect(database_path(folder), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(BackupError, match="the record is in use"):
            restore_database(folder, backup, wait_seconds=0.3)
        assert database_path(folder).exists()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    db = open_database(folder)
    assert db.execute("SELECT count(*) FROM exams").fetchone()[0] == 3
    db.close()


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="names holders from /proc")
def test_a_busy_record_names_the_process_that_holds_it(folder: Path, backup: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3, sys, time\n"
         "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
         "c.execute('BEGIN IMMEDIATE')\n"
         "c.execute(\"INSERT INTO drafts (id, content, started_at, saved_at) "
         "VALUES ('d', '{}', 'x', 'x')\")\n"
         "print('holding', flush=True)\n"
         "sys.stdin.readline()\n", str(database_path(folder))],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "holding\n"
        with pytest.raises(BackupError, match=rf"process {holder.pid} \(python"):
            restore_database(folder, backup, wait_seconds=0.3)
    finally:
        holder.communicate("\n", timeout=30)
