"""Backups are checked before they are kept; a restore never replaces the database with a
bad copy, and keeps what it replaced."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlite_utils import Database

from desktop_app.store import (
    BackupError,
    backup_database,
    database_path,
    export_document,
    open_database,
    restore_database,
    save_exam,
    verify_database_file,
)
from tests.signing_in import run_subprocess
from tests.store.documents import document

pytestmark = pytest.mark.sqlite_only("a backup is a copy of the SQLite file")


def cli(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "desktop_app", "--data-dir", str(folder), *args],
                          capture_output=True, text=True, timeout=60)


def exams(db: Database) -> int:
    return db.execute("SELECT count(*) FROM exams").fetchone()[0]


def test_a_backup_is_a_verified_private_self_contained_file(db: Database, tmp_path: Path) -> None:
    save_exam(db, document("B-1"), actor="n")
    written, report = backup_database(db, tmp_path / "copy.sqlite")
    assert written == tmp_path / "copy.sqlite" and report.ok and report.exams == 1
    assert written.stat().st_mode & 0o077 == 0
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("copy")] == ["copy.sqlite"]
    conn = sqlite3.connect(written)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    conn.close()


def test_a_backup_into_a_folder_gets_a_dated_name(db: Database, tmp_path: Path) -> None:
    out = tmp_path / "backups"
    out.mkdir()
    written, _report = backup_database(db, out)
    assert written.parent == out and written.name.startswith("neurocheck-")


def test_a_damaged_database_gives_no_backup(db: Database, tmp_path: Path) -> None:
    save_exam(db, document("B-1"), actor="n")
    db.execute("DROP TRIGGER audit_log_no_delete")
    db.execute("DROP TRIGGER audit_log_no_update")
    db.execute("DELETE FROM audit_log WHERE id = 5")
    out = tmp_path / "backups"
    out.mkdir()
    with pytest.raises(BackupError, match="audit entries 5 are missing"):
        backup_database(db, out / "copy.sqlite")
    assert list(out.iterdir()) == []


def test_restore_brings_back_the_backup_and_keeps_the_replaced_database(
        folder: Path, tmp_path: Path) -> None:
    db = open_database(folder)
    first = save_exam(db, document("R-1"), actor="n")
    backup, _report = backup_database(db, tmp_path / "backup.sqlite")
    save_exam(db, document("R-2"), actor="n")  # after the backup: kept aside by the restore
    db.close()
    result = restore_database(folder, backup)
    assert result.report.ok and result.report.exams == 1
    db = open_database(folder)
    assert exams(db) == 1 and export_document(db, first.exam_id) == document("R-1")
    db.close()
    assert result.kept is not None and result.kept.parent == folder / "backups"
    kept = verify_database_file(result.kept)
    assert kept.ok and kept.exams == 2


def test_a_bad_source_is_refused_and_nothing_changes(folder: Path, tmp_path: Path) -> None:
    db = open_database(folder)
    save_exam(db, document("R-1"), actor="n")
    db.close()
    before = database_path(folder).read_bytes()
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(BackupError, match="failed its check; nothing was changed"):
        restore_database(folder, junk)
    assert database_path(folder).read_bytes() == before
    assert not (folder / "backups").exists()


def test_restore_replaces_a_damaged_database_and_keeps_its_files(
        folder: Path, tmp_path: Path) -> None:
    db = open_database(folder)
    save_exam(db, document("R-1"), actor="n")
    backup, _ = backup_database(db, tmp_path / "good.sqlite")
    db.close()
    path = database_path(folder)
    damaged = bytearray(path.read_bytes())
    damaged[4096 * 2:4096 * 4] = b"\xff" * (4096 * 2)  # two pages of garbage
    path.write_bytes(bytes(damaged))
    result = restore_database(folder, backup)
    assert result.report.ok
    assert result.kept is not None and result.kept.read_bytes() == bytes(damaged)


def test_backup_restore_and_check_commands(folder: Path, tmp_path: Path) -> None:
    db = open_database(folder)
    save_exam(db, document("C-1"), actor="n")
    db.close()
    result = run_subprocess(folder, "backup", str(tmp_path / "b.sqlite"))
    assert result.returncode == 0, result.stderr
    assert "Verified" in result.stdout
    result = run_subprocess(folder, "restore", str(tmp_path / "b.sqlite"))
    assert result.returncode == 0, result.stderr
    assert "kept as" in result.stdout
    assert cli(folder, "check").returncode == 0
    result = run_subprocess(folder, "restore", str(tmp_path / "missing.sqlite"))
    assert result.returncode == 1 and "Restore refused" in result.stderr


def test_check_on_a_damaged_file_says_so(folder: Path) -> None:
    db = open_database(folder)
    for index in range(30):
        save_exam(db, document(f"D-{index}"), actor="n")
    db.close()
    path = database_path(folder)
    damaged = bytearray(path.read_bytes())
    damaged[4096 * 3:4096 * 5] = b"\x00\x13" * 4096
    path.write_bytes(bytes(damaged))
    result = cli(folder, "check")
    assert result.returncode == 1
    assert "PROBLEM" in result.stderr and ("damaged" in result.stderr
                                           or "cannot be read" in result.stderr)


def test_check_without_a_database_says_so(folder: Path) -> None:
    result = cli(folder, "check")
    assert result.returncode == 1 and "no NeuroCheck database" in result.stderr
