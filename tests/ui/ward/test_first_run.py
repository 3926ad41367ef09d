"""First start: the lock screen asks for the administrator, who is then signed in."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QPushButton

from desktop_app.report.pki import authority_exists
from desktop_app.store import get_user, has_users
from desktop_app.ui.app import open_main_window


def _type(qtbot, window, name: str, text: str) -> None:
    field = window.findChild(QLineEdit, name)
    assert field is not None and field.isVisible(), name
    qtbot.keyClicks(field, text)


def test_first_start_creates_the_administrator_and_signs_in(qtbot, private_data_dir):
    window = open_main_window(private_data_dir)
    qtbot.addWidget(window)
    window.show()
    shell = window.ward_shell
    assert not shell.session.active
    assert not window.findChild(QLineEdit, "signin.user").isVisible()
    _type(qtbot, window, "firstrun.user", "ward-admin")
    # QTest types ASCII only; a name in any script is pasted, as a nurse would.
    window.findChild(QLineEdit, "firstrun.full_name").insert("Zoë Ngô-Ærøe")
    _type(qtbot, window, "firstrun.credentials", "RN")
    _type(qtbot, window, "firstrun.password", "correct horse battery")
    _type(qtbot, window, "firstrun.repeat", "correct horse batterz")
    qtbot.mouseClick(window.findChild(QPushButton, "firstrun.submit"), Qt.MouseButton.LeftButton)
    assert "differ" in window.findChild(type(window.ward_shell.lock.screen.message),
                                        "firstrun.message").text()
    assert not has_users(shell.session.db)
    _type(qtbot, window, "firstrun.password", "correct horse battery")
    _type(qtbot, window, "firstrun.repeat", "correct horse battery")
    qtbot.keyClick(window.findChild(QLineEdit, "firstrun.repeat"), Qt.Key.Key_Return)
    message = window.findChild(type(window.ward_shell.lock.screen.message), "firstrun.message")
    qtbot.waitUntil(lambda: shell.session.active or message.text().strip() != "", timeout=30_000)
    assert message.text() == "" and shell.session.active
    admin = get_user(shell.session.db, "ward-admin")
    assert admin.role == "admin" and admin.full_name == "Zoë Ngô-Ærøe"
    assert authority_exists(private_data_dir)
