"""Accounts: argon2id passwords, roles, disabling, sign-in; the `user` command with the
installation's signing keys."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from desktop_app.cli import main as cli
from desktop_app.store import (
    AccountDisabled,
    AccountLocked,
    AuthenticationFailed,
    Conflict,
    InvalidValue,
    audit_entries,
    authenticate,
    create_user,
    disable_user,
    get_user,
    list_users,
    open_database,
)
from desktop_app.store.database import utc_now

PASSWORD = "correct horse"


@pytest.fixture
def staff(db: Database) -> Database:
    create_user(db, "admin", full_name="Ada Admin", role="admin", password=PASSWORD, actor="t")
    create_user(db, "nurse1", full_name="Nia Nurse", role="nurse", password=PASSWORD,
                credentials="RN", actor="admin")
    return db


def user_cli(folder: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "desktop_app", "--data-dir", str(folder),
                           "user", *args], input=stdin, capture_output=True, text=True,
                          timeout=120)


def test_passwords_are_stored_as_argon2id_hashes(staff: Database) -> None:
    stored = staff.execute("SELECT password_hash FROM users WHERE name = 'nurse1'").fetchone()[0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_the_right_password_signs_in_and_is_audited(staff: Database) -> None:
    user = authenticate(staff, "NURSE1", PASSWORD)  # names ignore case
    assert (user.name, user.role, user.credentials) == ("nurse1", "nurse", "RN")
    assert audit_entries(staff, table="users", record_id=user.id)[0].action == "user.sign_in"


@pytest.mark.parametrize(("name", "password"), [("nurse1", "wrong password"),
                                                ("nobody", PASSWORD), ("nurse1", "")])
def test_a_wrong_name_or_password_is_refused_without_saying_which(
        staff: Database, name: str, password: str) -> None:
    with pytest.raises(AuthenticationFailed, match="the user name or password is wrong"):
        authenticate(staff, name, password)


def test_wrong_passwords_are_counted_and_can_lock_the_account(staff: Database) -> None:
    for _attempt in range(3):
        with pytest.raises(AuthenticationFailed):
            authenticate(staff, "nurse1", "nope", lock_after=3)
    assert get_user(staff, "nurse1").failed_attempts == 3
    with pytest.raises(AccountLocked):
        authenticate(staff, "nurse1", PASSWORD)
    later = utc_now() + timedelta(minutes=16)
    assert authenticate(staff, "nurse1", PASSWORD, now=later).failed_attempts == 0


def test_a_disabled_account_cannot_sign_in(staff: Database) -> None:
    disable_user(staff, "nurse1", actor="admin")
    with pytest.raises(AccountDisabled):
        authenticate(staff, "nurse1", PASSWORD)
    assert [(u.name, u.disabled) for u in list_users(staff)] == [("admin", False),
                                                                ("nurse1", True)]


def test_the_last_administrator_cannot_be_disabled(staff: Database) -> None:
    with pytest.raises(Conflict, match="last administrator"):
        disable_user(staff, "admin", actor="admin")


@pytest.mark.parametrize(("changes", "message"), [
    ({"name": "bad name"}, "user name"),
    ({"role": "surgeon"}, "role is one of"),
    ({"password": "short"}, "at least 8"),
    ({"full_name": "  "}, "full name is required"),
    ({"name": "NURSE1"}, "already a user"),
])
def test_an_account_is_checked_before_it_is_created(
        staff: Database, changes: dict, message: str) -> None:
    values = {"name": "new", "full_name": "New User", "role": "nurse", "password": PASSWORD,
              **changes}
    with pytest.raises((InvalidValue, Conflict), match=message):
        create_user(staff, values.pop("name"), actor="admin", **values)


def in_process(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
               folder: Path, *args: str, stdin: str = "") -> tuple[int, str, str]:
    """Run `user ...` in this process (the same code as the console), stdin given."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    status = cli(["--data-dir", str(folder), "user", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_user_list_on_a_new_installation_explains_the_first_step(
        folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _err = in_process(monkeypatch, capsys, folder, "list")
    assert status == 0 and "first" in out


def test_the_first_user_must_be_an_administrator(
        folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    status, _out, err = in_process(monkeypatch, capsys, folder, "add", "nurse1", "--role", "nurse",
                                   "--full-name", "Nia Nurse", "--password-stdin",
                                   stdin=f"{PASSWORD}\n")
    assert status == 1 and "must be an administrator" in err


def test_the_user_command_sets_up_the_installation_then_needs_an_admin(
        folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    pki = pytest.importorskip("desktop_app.report.pki")  # the signing keys (report/)
    result = user_cli(folder, "add", "admin", "--role", "admin", "--full-name", "Ada Admin",
                      "--password-stdin", stdin=f"{PASSWORD}\n")
    assert result.returncode == 0, result.stderr
    assert pki.authority_exists(folder) and pki.user_has_key(folder, "admin")

    nurse = ("add", "nurse1", "--role", "nurse", "--full-name", "Nia Nurse", "--credentials",
             "RN")
    status, _out, err = in_process(monkeypatch, capsys, folder, *nurse, "--password-stdin",
                                   stdin=f"{PASSWORD}\n")
    assert status == 2 and "takes an administrator" in err
    signed_in = ("--user", "admin", "--password-stdin")
    status, _out, err = in_process(monkeypatch, capsys, folder, *nurse, *signed_in,
                                   stdin=f"wrong\n{PASSWORD}\n")
    assert status == 1 and "password is wrong" in err
    result = user_cli(folder, *nurse, *signed_in, stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.returncode == 0, result.stderr
    assert pki.user_has_key(folder, "nurse1")

    status, _out, err = in_process(monkeypatch, capsys, folder, "disable", "nurse1", *signed_in,
                                   stdin=f"{PASSWORD}\n")
    assert status == 0, err
    status, out, _err = in_process(monkeypatch, capsys, folder, "list", *signed_in,
                                   stdin=f"{PASSWORD}\n")
    assert out.splitlines() == ["admin\tadmin\tactive\tAda Admin",
                                "nurse1\tnurse\tdisabled\tNia Nurse, RN"]
    db = open_database(folder)
    with pytest.raises(AccountDisabled):
        authenticate(db, "nurse1", PASSWORD)
    actions = [e.action for e in audit_entries(db)]
    assert {"installation.setup", "user.create", "user.disable"} <= set(actions)
    db.close()
