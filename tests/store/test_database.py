"""Durability settings, private files, and the transaction helper."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlite_utils import Database

from desktop_app.store import database as database_module
from desktop_app.store import (
    database_path,
    journal_mode,
    open_database,
    save_exam,
    write_transaction,
)
from tests.store.documents import document

MOUNTS = """\
/dev/vda / ext4 rw,relatime 0 0
server:/export /mnt/ward nfs4 rw,relatime 0 0
//fileserver/share /mnt/share\\040drive cifs rw 0 0
tmpfs /mnt/ward/tmp tmpfs rw 0 0
"""


def test_the_database_is_durable_and_waits_for_other_writers(db: Database) -> None:
    assert journal_mode(db) == "wal"
    assert db.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
    assert db.execute("PRAGMA foreign_keys").fetchone() == (1,)
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_on_a_network_share_the_journal_is_a_rollback_journal(
        folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(database_module, "is_network_filesystem", lambda path: True)
    db = open_database(folder)
    assert journal_mode(db) == "delete"
    save_exam(db, document(), actor="test")
    assert db.execute("SELECT count(*) FROM exams").fetchone() == (1,)


@pytest.mark.parametrize(("path", "kind"), [
    ("/home/nurse/data", "ext4"),
    ("/mnt/ward/neurocheck", "nfs4"),
    ("/mnt/share drive/x", "cifs"),
    ("/mnt/ward/tmp/x", "tmpfs"),
    ("/mnt/wardrobe", "ext4"),  # a prefix of a name is not a mount point
])
def test_the_file_system_is_read_from_the_longest_mount_point(path: str, kind: str) -> None:
    assert database_module.filesystem_type(Path(path), MOUNTS) == kind


def test_network_file_systems_are_recognized() -> None:
    assert {"nfs", "nfs4", "cifs", "smb3"} <= database_module.NETWORK_FILESYSTEMS
    assert "ext4" not in database_module.NETWORK_FILESYSTEMS


def test_the_database_and_its_side_files_are_readable_by_the_owner_only(
        folder: Path, db: Database) -> None:
    save_exam(db, document(), actor="test")
    files = [p for p in folder.iterdir() if p.name.startswith(database_path(folder).name)]
    assert {p.name for p in files} >= {"neurocheck.sqlite", "neurocheck.sqlite-wal"}
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_a_failed_write_transaction_leaves_nothing_behind(db: Database) -> None:
    with pytest.raises(RuntimeError), write_transaction(db):
        save_exam(db, document(), actor="test")
        raise RuntimeError("crash before commit")
    assert db.execute("SELECT count(*) FROM exams").fetchone() == (0,)
    assert not db.conn.in_transaction


def test_a_nested_transaction_rolls_back_alone(db: Database) -> None:
    with write_transaction(db):
        save_exam(db, document("A-1"), actor="test")
        with pytest.raises(RuntimeError), write_transaction(db):
            save_exam(db, document("A-2"), actor="test")
            raise RuntimeError("refused")
    assert [r[0] for r in db.execute("SELECT mrn FROM patients")] == ["A-1"]


def test_a_second_connection_sees_a_commit_at_once(db: Database) -> None:
    from desktop_app.store.opening import connect_address, record_address

    other = connect_address(record_address(db))  # another workstation's, to the same record
    try:
        assert other.execute("SELECT count(*) FROM exams").fetchone()[0] == 0
        saved = save_exam(db, document(), actor="test")
        assert other.execute("SELECT id FROM exams").fetchall() == [(saved.exam_id,)]
    finally:
        other.close()
