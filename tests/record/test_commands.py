"""The headless commands through the record: signed in on every path with the same
lock-out, audited with the signed-in actor, `note EXAM_ID` signing as the GUI does, and
`verify` checking the revocation list and the record."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from desktop_app.report import pki
from desktop_app.report.samples import sample_raw
from desktop_app.store import exam_notes
from tests.record.conftest import (
    ADMIN,
    ADMIN_PASSWORD,
    NURSE,
    NURSE_PASSWORD,
    Ward,
    run_cli,
)

pytestmark = pytest.mark.sqlite_only(
    "the commands open the data folder's SQLite record (no --database option yet)")

WRONG = "not-the-password"


def _paths(ward: Ward, tmp_path: Path) -> dict[str, list[str]]:
    """Every command that reads or changes the record, as `ARGS` (sign-in added later)."""
    document = tmp_path / "doc.json"
    document.write_text(json.dumps(sample_raw("normal")), encoding="utf-8")
    backup = tmp_path / "backup.sqlite"
    return {
        "import": ["import", str(document)],
        "export": ["export", str(ward.exam_id), "--out", str(tmp_path / "e.json")],
        "fhir": ["fhir", str(ward.exam_id), "--out", str(tmp_path / "b.json")],
        "note": ["note", str(ward.exam_id)],
        "backup": ["backup", str(backup)],
        "restore": ["restore", str(backup)],
        "user list": ["user", "list"],
        "user add": ["user", "add", "new.nurse", "--role", "nurse", "--full-name", "New"],
        "user disable": ["user", "disable", "clinician"],
        "demo": ["demo"],
    }


PATHS = ["import", "export", "fhir", "note", "backup", "restore", "user list", "user add",
         "user disable", "demo"]


@pytest.mark.parametrize("path", PATHS)
def test_twelve_wrong_passwords_then_the_right_one_is_refused_on_every_path(
        ward: Ward, tmp_path: Path, monkeypatch, capsys, path: str) -> None:
    args = _paths(ward, tmp_path)[path]
    user = ADMIN
    for _ in range(12):
        status, _out, err = run_cli(monkeypatch, capsys, ward.folder, *args, "--user", user,
                                    "--password-stdin", stdin=f"{WRONG}\nanother-passphrase\n")
        assert status != 0 and "Sign-in refused" in err
    status, _out, err = run_cli(monkeypatch, capsys, ward.folder, *args, "--user", user,
                                "--password-stdin",
                                stdin=f"{ADMIN_PASSWORD}\nanother-passphrase\n")
    assert status == 1 and "locked" in err
    assert exam_notes(ward.db, ward.exam_id) == []
    failed = ward.db.execute("SELECT count(*) FROM audit_log WHERE action = "
                             "'user.sign_in_failed'").fetchone()[0]
    assert failed >= 5


@pytest.mark.parametrize("path", ["import", "export", "backup", "user list"])
def test_a_command_is_audited_with_the_signed_in_actor(ward: Ward, tmp_path: Path, monkeypatch,
                                                       capsys, path: str) -> None:
    args = _paths(ward, tmp_path)[path]
    mark = ward.db.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    status, _out, err = run_cli(monkeypatch, capsys, ward.folder, *args, "--user", NURSE,
                                "--password-stdin", stdin=f"{NURSE_PASSWORD}\n")
    assert status == 0, err
    actors = {row[0] for row in ward.db.execute("SELECT actor FROM audit_log WHERE id > ?",
                                                 [mark])}
    assert actors == {NURSE}  # never the operating-system account


def test_a_nurse_cannot_restore_or_manage_accounts(ward: Ward, tmp_path: Path, monkeypatch,
                                                   capsys) -> None:
    paths = _paths(ward, tmp_path)
    assert run_cli(monkeypatch, capsys, ward.folder, *paths["backup"], "--user", NURSE,
                   "--password-stdin", stdin=f"{NURSE_PASSWORD}\n")[0] == 0
    for path in ("restore", "user disable"):
        status, _out, err = run_cli(monkeypatch, capsys, ward.folder, *paths[path], "--user",
                                    NURSE, "--password-stdin", stdin=f"{NURSE_PASSWORD}\n")
        assert status == 1 and "administrator" in err


def test_note_exam_id_signs_as_the_gui_does(ward: Ward, tmp_path: Path, monkeypatch,
                                            capsys) -> None:
    out = tmp_path / "note.pdf"
    status, said, err = run_cli(monkeypatch, capsys, ward.folder, "note", str(ward.exam_id),
                                "--user", NURSE, "--password-stdin", "--out", str(out),
                                stdin=f"{NURSE_PASSWORD}\n")
    assert status == 0, err
    assert "Zoë" not in said + err
    notes = exam_notes(ward.db, ward.exam_id)
    assert len(notes) == 1 and bytes(notes[0].pdf) == out.read_bytes()
    entry = ward.db.execute("SELECT actor FROM audit_log WHERE action = 'note.sign'").fetchall()
    assert entry == [(NURSE,)]
    # the exam is final: a second signing is refused, corrections are addenda
    status, _out, err = run_cli(monkeypatch, capsys, ward.folder, "note", str(ward.exam_id),
                                "--user", NURSE, "--password-stdin", stdin=f"{NURSE_PASSWORD}\n")
    assert status == 1 and "already signed" in err
    status, _out, err = run_cli(monkeypatch, capsys, ward.folder, "note", "--amends", "NC-NONE",
                                "--addendum-text", "Correction.", "--user", NURSE,
                                "--password-stdin", stdin=f"{NURSE_PASSWORD}\n")
    assert status == 1 and "no signed note" in err
    status, _out, err = run_cli(monkeypatch, capsys, ward.folder, "verify", str(out))
    assert status == 0, err


def test_a_document_file_is_not_signed_outside_the_record(ward: Ward, tmp_path: Path,
                                                          monkeypatch, capsys) -> None:
    document = tmp_path / "exam.json"
    document.write_text(json.dumps(sample_raw("emergency")), encoding="utf-8")
    status, _out, err = run_cli(monkeypatch, capsys, ward.folder, "note", str(document),
                                "--user", NURSE, "--password-stdin", "--out",
                                str(tmp_path / "n.pdf"), stdin=f"{NURSE_PASSWORD}\n")
    assert status == 2 and "part of no record" in err and "import it first" in err
    assert not (tmp_path / "n.pdf").exists()


def _note_signed_elsewhere(pki_copy: Path, name: str, password: str) -> bytes:
    """A note signed with a copy of the data folder's pki/ (no record beside it)."""
    from desktop_app.domain import load_document
    from desktop_app.report import create_signed_note, new_note_id

    signer = pki.load_signer(pki_copy, name, password)
    return create_signed_note(load_document(json.dumps(sample_raw("emergency")).encode()),
                              signer, note_id=new_note_id())


def test_a_disabled_users_copied_key_signs_nothing_verify_accepts(
        ward: Ward, tmp_path: Path, monkeypatch, capsys) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(ward.folder / "pki", copy / "pki")  # taken while the account was active
    status, _out, err = run_cli(monkeypatch, capsys, ward.folder, "user", "disable", NURSE,
                                "--user", ADMIN, "--password-stdin", stdin=f"{ADMIN_PASSWORD}\n")
    assert status == 0, err
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(_note_signed_elsewhere(copy, NURSE, NURSE_PASSWORD))
    status, out, _err = run_cli(monkeypatch, capsys, ward.folder, "verify", str(forged))
    assert status == 1
    assert "NOT VALID" in out and "not in this installation's record" in out
    assert "revoked key" in out
    assert "Claimed signer (not confirmed): Zoë Ngô-Ærøe" in out
    assert "Claimed signing time (not confirmed)" in out
    assert "stays valid" not in out


def test_a_rekeyed_users_old_key_is_reported_revoked(ward: Ward, tmp_path: Path, monkeypatch,
                                                     capsys) -> None:
    out = tmp_path / "stored.pdf"
    assert run_cli(monkeypatch, capsys, ward.folder, "note", str(ward.exam_id), "--user", NURSE,
                   "--password-stdin", "--out", str(out), stdin=f"{NURSE_PASSWORD}\n")[0] == 0
    copy = tmp_path / "copy"
    shutil.copytree(ward.folder / "pki", copy / "pki")
    status, _out, err = run_cli(monkeypatch, capsys, ward.folder, "user", "reissue-key", NURSE,
                                "--user", ADMIN, "--password-stdin",
                                stdin=f"{ADMIN_PASSWORD}\n{NURSE_PASSWORD}\n")
    assert status == 0, err
    # The note stored before stays valid, and says its key was revoked since.
    status, said, _err = run_cli(monkeypatch, capsys, ward.folder, "verify", str(out))
    assert status == 0 and "Key revoked" in said and "issued here" in said
    old_key_note = tmp_path / "old-key.pdf"
    old_key_note.write_bytes(_note_signed_elsewhere(copy, NURSE, NURSE_PASSWORD))
    status, said, _err = run_cli(monkeypatch, capsys, ward.folder, "verify", str(old_key_note))
    assert status == 1 and "revoked key" in said and "Key revoked" in said


def test_verify_never_creates_a_data_folder(ward: Ward, tmp_path: Path, monkeypatch,
                                            capsys) -> None:
    out = tmp_path / "stored.pdf"
    assert run_cli(monkeypatch, capsys, ward.folder, "note", str(ward.exam_id), "--user", NURSE,
                   "--password-stdin", "--out", str(out), stdin=f"{NURSE_PASSWORD}\n")[0] == 0
    nowhere = tmp_path / "no-such-folder"
    status, said, _err = run_cli(monkeypatch, capsys, nowhere, "verify", str(out))
    assert status == 1 and "no signing authority" in said
    assert not nowhere.exists()


def test_the_user_command_resets_enables_and_changes_passwords(ward: Ward, monkeypatch,
                                                               capsys) -> None:
    admin = ("--user", ADMIN, "--password-stdin")
    status, _out, err = run_cli(monkeypatch, capsys, ward.folder, "user", "reset-password",
                                NURSE, *admin, stdin=f"{ADMIN_PASSWORD}\nshort\n")
    assert status == 2 and "at least 12 characters" in err
    status, _out, err = run_cli(monkeypatch, capsys, ward.folder, "user", "reset-password",
                                NURSE, *admin, stdin=f"{ADMIN_PASSWORD}\nreset-passphrase-1\n")
    assert status == 0, err
    status, _out, err = run_cli(monkeypatch, capsys, ward.folder, "user", "password", "--user",
                                NURSE, "--password-stdin",
                                stdin="reset-passphrase-1\nmy-own-passphrase-2\n")
    assert status == 0, err
    pki.load_signer(ward.folder, NURSE, "my-own-passphrase-2")
    assert run_cli(monkeypatch, capsys, ward.folder, "user", "disable", NURSE, *admin,
                   stdin=f"{ADMIN_PASSWORD}\n")[0] == 0
    status, _out, err = run_cli(monkeypatch, capsys, ward.folder, "user", "enable", NURSE,
                                *admin, stdin=f"{ADMIN_PASSWORD}\nback-again-passphrase\n")
    assert status == 0, err
    pki.load_signer(ward.folder, NURSE, "back-again-passphrase")
    actions = [row[0] for row in ward.db.execute(
        "SELECT action FROM audit_log WHERE action LIKE 'user.%' AND action NOT LIKE "
        "'user.sign_in%' ORDER BY id")][-4:]
    assert actions == ["user.password_reset", "user.password_change", "user.disable",
                       "user.enable"]


def test_the_demo_into_a_record_with_accounts_takes_a_sign_in(tmp_path: Path,
                                                                       monkeypatch,
                                                                       capsys) -> None:
    from desktop_app.record import accounts
    from desktop_app.store import open_database

    folder = tmp_path / "ward"
    folder.mkdir(mode=0o700)
    db = open_database(folder)
    try:
        accounts.add_user(db, folder, "ward.admin", full_name="Ward Admin", role="admin",
                          password=ADMIN_PASSWORD)
    finally:
        db.close()
    status, _out, err = run_cli(monkeypatch, capsys, folder, "demo")
    assert status == 1 and "--user" in err
    status, _out, err = run_cli(monkeypatch, capsys, folder, "demo", "--user", "ward.admin",
                                "--password-stdin", stdin=f"{WRONG}\n")
    assert status == 1 and "Sign-in refused" in err
    # signed in, the ward's own record is still never mixed with sample patients
    status, _out, err = run_cli(monkeypatch, capsys, folder, "demo", "--user", "ward.admin",
                                "--password-stdin", stdin=f"{ADMIN_PASSWORD}\n")
    assert status == 1 and "not empty" in err
    assert not pki.user_has_key(folder, "nurse")


def test_a_damaged_record_is_restored_by_an_administrator_of_the_backup(
        ward: Ward, tmp_path: Path, monkeypatch, capsys) -> None:
    from desktop_app.store import database_path, open_database

    backup = tmp_path / "good.sqlite"
    assert run_cli(monkeypatch, capsys, ward.folder, "backup", str(backup), "--user", ADMIN,
                   "--password-stdin", stdin=f"{ADMIN_PASSWORD}\n")[0] == 0
    ward.db.close()
    path = database_path(ward.folder)
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    path.write_bytes(b"this is no database any more" * 200)
    status, _out, err = run_cli(monkeypatch, capsys, ward.folder, "restore", str(backup),
                                "--user", NURSE, "--password-stdin",
                                stdin=f"{NURSE_PASSWORD}\n")
    assert status == 1 and "administrator" in err
    status, out, err = run_cli(monkeypatch, capsys, ward.folder, "restore", str(backup),
                               "--user", ADMIN, "--password-stdin",
                               stdin=f"{ADMIN_PASSWORD}\n")
    assert status == 0, err
    ward.db = open_database(ward.folder)
    last = ward.db.execute("SELECT actor, action FROM audit_log ORDER BY id DESC LIMIT 1")
    assert last.fetchone() == (ADMIN, "record.restore")
