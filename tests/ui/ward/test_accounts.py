"""The account screens, driven as an administrator and a nurse would: disable an account
(its key revoked), add one (the password rules said plainly), change one's own password."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlite_utils import Database

from desktop_app.record import accounts
from desktop_app.report import pki
from desktop_app.store import get_user, open_database
from tests.ui.ward.conftest import PASSWORD, sign_in


@pytest.fixture
def db(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """A record whose accounts have signing keys (the ward's conftest makes none)."""
    monkeypatch.setattr(pki, "SCRYPT_N", 2**10)
    database = open_database(folder)
    accounts.add_user(database, folder, "admin", full_name="Ada Admin", role="admin",
                      password=PASSWORD)
    accounts.add_user(database, folder, "nurse", full_name="Nia Nurse", role="nurse",
                      password=PASSWORD, credentials="RN", admin_name="admin",
                      admin_password=PASSWORD)
    yield database
    database.close()


def _click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def _toolbar_button(ward, name: str):
    action = next(a for a in ward.toolbar.actions() if a.objectName() == name)
    return action, ward.toolbar.widgetForAction(action)


def _open_accounts(qtbot, ward):
    action, button = _toolbar_button(ward, "toolbar.accounts")
    assert action.isVisible()
    _click(qtbot, button)
    from desktop_app.ui.ward.accounts import AccountsDialog

    qtbot.waitUntil(lambda: ward.main_window.findChild(AccountsDialog, "accounts") is not None)
    dialog = ward.main_window.findChild(AccountsDialog, "accounts")
    qtbot.waitExposed(dialog)
    return dialog


def _choose_row(qtbot, dialog, name: str) -> None:
    table = dialog.table
    row = next(r for r in range(table.rowCount()) if table.item(r, 0).text() == name)
    rect = table.visualItemRect(table.item(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert dialog.selected_name() == name


def test_an_administrator_disables_an_account_and_its_key_is_revoked(qtbot, ward, db, folder):
    sign_in(qtbot, ward, "admin")
    dialog = _open_accounts(qtbot, ward)
    _choose_row(qtbot, dialog, "nurse")
    _click(qtbot, dialog.disable)  # without the administrator's password: asked for
    assert "your own password" in dialog.message.text().lower()
    qtbot.keyClicks(dialog.admin_password, PASSWORD)
    _click(qtbot, dialog.disable)
    qtbot.waitUntil(lambda: dialog.done_text.text().startswith("Disabled"), timeout=10_000)
    assert get_user(db, "nurse").disabled
    certificate = pki.x509.load_pem_x509_certificate(
        (folder / "pki" / "users" / "nurse" / "certificate.pem").read_bytes())
    assert pki.revoked_at(folder, certificate) is not None
    row = next(r for r in range(dialog.table.rowCount())
               if dialog.table.item(r, 0).text() == "nurse")
    assert dialog.table.item(row, 3).text() == "disabled"


def test_a_new_account_is_refused_with_the_rule_then_added(qtbot, ward, db, folder):
    sign_in(qtbot, ward, "admin")
    dialog = _open_accounts(qtbot, ward)
    qtbot.keyClicks(dialog.new_name, "cleo")
    qtbot.keyClicks(dialog.new_full_name, "Cleo Clinician")
    dialog.new_role.setFocus()
    qtbot.keyClicks(dialog.new_role, "Clinician")
    qtbot.keyClicks(dialog.new_password, "short")
    qtbot.keyClicks(dialog.admin_password, PASSWORD)
    _click(qtbot, dialog.add)
    qtbot.waitUntil(lambda: dialog.message.isVisible(), timeout=10_000)
    assert "at least 12 characters" in dialog.message.text()
    dialog.new_password.clear()
    qtbot.keyClicks(dialog.new_password, "a-long-clinician-passphrase")
    _click(qtbot, dialog.add)
    qtbot.waitUntil(lambda: dialog.done_text.text().startswith("Account added"), timeout=10_000)
    assert get_user(db, "cleo").role == "clinician"
    assert pki.user_has_key(folder, "cleo")


def test_a_nurse_sees_no_accounts_screen_but_changes_her_password(qtbot, ward, db, folder):
    sign_in(qtbot, ward, "nurse")
    accounts_action, _ = _toolbar_button(ward, "toolbar.accounts")
    assert not accounts_action.isVisible()
    assert ward.open_accounts() is None
    action, button = _toolbar_button(ward, "toolbar.password")
    assert action.isVisible()
    _click(qtbot, button)
    from desktop_app.ui.ward.accounts import ChangePasswordDialog

    qtbot.waitUntil(lambda: ward.main_window.findChild(ChangePasswordDialog) is not None)
    dialog = ward.main_window.findChild(ChangePasswordDialog)
    qtbot.keyClicks(dialog.current, PASSWORD)
    qtbot.keyClicks(dialog.new, "my-new-ward-passphrase")
    qtbot.keyClicks(dialog.repeat, "my-new-ward-passphrase")
    with qtbot.waitSignal(dialog.finished, timeout=10_000):
        _click(qtbot, dialog.save)
    pki.load_signer(folder, "nurse", "my-new-ward-passphrase")  # the key follows


def test_wrong_passwords_at_the_console_lock_the_workstation_sign_in_too(
        qtbot, ward, db, folder, monkeypatch, capsys):
    import io
    import sys

    from desktop_app.cli import main
    from desktop_app.record.auth import LOCK_AFTER_FAILURES

    for _ in range(LOCK_AFTER_FAILURES):
        monkeypatch.setattr(sys, "stdin", io.StringIO("not-the-password\n"))
        assert main(["--data-dir", str(folder), "user", "list", "--user", "nurse",
                     "--password-stdin"]) == 1
    capsys.readouterr()
    sign_in(qtbot, ward, "nurse", expect_ok=False)  # the right password, one rule
    assert "locked" in ward.lock.panel.message.text()
