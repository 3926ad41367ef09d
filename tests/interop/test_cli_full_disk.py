"""Every command that writes stops at a full disk in one line (exit 1: "could not finish"),
whether the disk fills in the record (SQLite's "database or disk is full") or in a file it
writes (ENOSPC), and the record keeps what it held: it passes the full check, and what the
command would have added is not there. `export` is covered in test_cli_errors.py."""

from __future__ import annotations

import errno
import io
import json
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop_app.cli import main
from tests.conftest import CASES
from tests.signing_in import make_hashing_quick

ADMIN_PASSWORD = "admin-passphrase-1"
NURSE_PASSWORD = "nurse-passphrase-1"
CASE = CASES / "mbb-slr-failed.json"
FAULTS = {
    "no space left": OSError(errno.ENOSPC, "No space left on device"),
    "database full": sqlite3.OperationalError("database or disk is full"),
}


@pytest.fixture(autouse=True)
def quick_hashing(monkeypatch):
    make_hashing_quick(monkeypatch)


@dataclass
class Ward:
    folder: Path
    exam_id: int
    signed_exam_id: int
    backup: Path


def run(folder: Path, argv: list[str], capsys, *, user: str | None = "admin",
        stdin: str | None = None) -> tuple[int, str, str]:
    """`main` on `folder`, signed in as `user` (password on standard input)."""
    password = {"admin": ADMIN_PASSWORD, "nurse": NURSE_PASSWORD}.get(user or "", "")
    sign_in = ["--user", user, "--password-stdin"] if user else []
    saved = sys.stdin
    sys.stdin = io.StringIO(stdin if stdin is not None else f"{password}\n")
    try:
        code = main(["--data-dir", str(folder), *argv, *sign_in])
    except SystemExit as stop:
        code = stop.code
    finally:
        sys.stdin = saved
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def ward(tmp_path: Path, capsys) -> Ward:
    """A record with an administrator and a nurse (each with a signing key), an exam, a
    second exam with its signed note, and a backup of it all."""
    from desktop_app.record import accounts

    folder = tmp_path / "record"
    folder.mkdir(mode=0o700)
    assert run(folder, ["user", "add", "admin", "--role", "admin", "--full-name", "Ada Admin",
                        "--password-stdin"],
               capsys, user=None, stdin=f"{ADMIN_PASSWORD}\n")[0] == 0
    from desktop_app.store import open_database

    db = open_database(folder)
    try:
        accounts.add_user(db, folder, "nurse", full_name="Nia Nurse", role="nurse",
                          password=NURSE_PASSWORD, admin_name="admin",
                          admin_password=ADMIN_PASSWORD)
    finally:
        db.close()
    code, out, err = run(folder, ["import", str(CASE)], capsys, user="nurse")
    assert code == 0, err
    exam_id = int(out.strip())
    raw = json.loads(CASE.read_text(encoding="utf-8"))
    raw["patient"]["mrn"] = "FULL-2"
    second = tmp_path / "second.json"
    second.write_text(json.dumps(raw), encoding="utf-8")
    code, out, err = run(folder, ["import", str(second)], capsys, user="nurse")
    assert code == 0, err
    signed_exam_id = int(out.strip())
    code, _out, err = run(folder, ["note", str(signed_exam_id)], capsys, user="nurse")
    assert code == 0, err
    backup = tmp_path / "backup.sqlite"
    code, _out, err = run(folder, ["backup", str(backup)], capsys)
    assert code == 0, err
    return Ward(folder, exam_id, signed_exam_id, backup)


def counts(folder: Path) -> dict[str, int]:
    conn = sqlite3.connect(folder / "neurocheck.sqlite")
    try:
        return {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("exams", "signed_notes", "users", "settings")}
    finally:
        conn.close()


def actions_after(folder: Path, entry: int) -> list[str]:
    conn = sqlite3.connect(folder / "neurocheck.sqlite")
    try:
        return [r[0] for r in conn.execute("SELECT action FROM audit_log WHERE id > ? "
                                           "ORDER BY id", [entry])]
    finally:
        conn.close()


def last_entry(folder: Path) -> int:
    conn = sqlite3.connect(folder / "neurocheck.sqlite")
    try:
        return conn.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    finally:
        conn.close()


def assert_one_line_full(err: str) -> None:
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err and "disk is full" in err, err


def full(fault: BaseException):
    def fail(*_args, **_kwargs):
        raise fault

    return fail


# command -> (its arguments, who signs in, where the disk fills: module, name)
COMMANDS = {
    "import": (lambda w, out: ["import", str(CASES / "mbb-normal-1h.json")], "nurse",
               ("desktop_app.store.exams", "append_audit")),
    "note": (lambda w, out: ["note", str(w.exam_id)], "nurse",
             ("desktop_app.store.notes", "append_audit")),
    "fhir (its audit entry)": (lambda w, out: ["fhir", str(w.signed_exam_id), "--out",
                                               str(out / "bundle.json")], "nurse",
                               ("desktop_app.record.ward", "append_audit")),
    "fhir (the file)": (lambda w, out: ["fhir", str(w.signed_exam_id), "--out",
                                        str(out / "bundle.json")], "nurse",
                        ("os", "fsync")),
    "backup (the copy)": (lambda w, out: ["backup", str(out / "copy.sqlite")], "admin",
                          ("os", "fsync")),
    "restore": (lambda w, out: ["restore", str(w.backup)], "admin",
                ("desktop_app.store.backup", "append_audit")),
    "user add": (lambda w, out: ["user", "add", "nurse2", "--role", "nurse", "--full-name",
                                 "Noor Second"], "admin",
                 ("desktop_app.store.users", "append_audit")),
}


# A file's write fails with ENOSPC; the record's with either (SQLite's words, or the
# system's where a write of the record goes through Python).
CASES_AND_FAULTS = [
    pytest.param(command, fault, id=f"{command}-{words}")
    for command, (_argv, _user, (module, _name)) in COMMANDS.items()
    for words, fault in FAULTS.items()
    if module != "os" or isinstance(fault, OSError)
]


@pytest.mark.parametrize(("command", "fault"), CASES_AND_FAULTS)
def test_a_full_disk_is_one_line_exit_1_and_the_record_keeps_what_it_held(
        ward, tmp_path, capsys, monkeypatch, command, fault):
    import importlib

    arguments, user, (module, name) = COMMANDS[command]
    out = tmp_path / "out"
    out.mkdir(mode=0o700)
    before, mark = counts(ward.folder), last_entry(ward.folder)
    stdin = f"{ADMIN_PASSWORD}\nnew-nurse-passphrase-1\n" if command == "user add" else None
    monkeypatch.setattr(importlib.import_module(module), name, full(fault))
    code, printed, err = run(ward.folder, arguments(ward, out), capsys, user=user, stdin=stdin)
    assert code == 1 and printed == ""
    assert_one_line_full(err)
    monkeypatch.undo()
    make_hashing_quick(monkeypatch)
    assert counts(ward.folder) == before  # nothing half-written, nothing lost
    # only the sign-in is in the audit log, and an export's entry, which goes first: one
    # too many, never one too few
    written = [a for a in actions_after(ward.folder, mark) if a != "user.sign_in"]
    assert written == (["note.export_fhir"] if command == "fhir (the file)" else [])
    assert [p.name for p in out.iterdir()] == []  # no file, no part-written copy
    assert run(ward.folder, ["check"], capsys, user=None)[0] == 0
    # once there is room, the same command does its work
    assert run(ward.folder, arguments(ward, out), capsys, user=user, stdin=stdin)[0] == 0


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
def test_a_full_disk_while_the_demo_ward_is_written_leaves_no_half_ward(
        tmp_path, capsys, monkeypatch, fault):
    import desktop_app.store.exams as store_exams

    folder = tmp_path / "demo"
    monkeypatch.setattr(store_exams, "append_audit", full(fault))
    code, printed, err = run(folder, ["demo"], capsys, user=None)
    assert code == 1 and printed == ""
    assert_one_line_full(err)
    monkeypatch.undo()
    make_hashing_quick(monkeypatch)
    if (folder / "neurocheck.sqlite").exists():
        assert counts(folder)["exams"] == 0
    assert run(folder, ["demo"], capsys, user=None)[0] == 0
    assert counts(folder)["exams"] > 0
