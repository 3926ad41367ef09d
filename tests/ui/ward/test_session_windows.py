"""What the previous user leaves behind: switching user or locking closes every window of
the session (audit log, serial view, note viewer); Esc closes those windows; the lock-out
message is shown whole and offers emergency access only where there is one."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QPageSize, QPainter, QPdfWriter
from PySide6.QtWidgets import QApplication

from desktop_app.store.ward import set_break_glass_account
from desktop_app.ui.ward.session import LOCK_AFTER_FAILURES
from desktop_app.ui.ward.trends import SerialView
from tests.ui.ward.conftest import add_episode, calm_block, sign_in


def a_pdf(tmp_path) -> bytes:
    path = tmp_path / "note.pdf"
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    painter = QPainter(writer)
    painter.drawText(100, 100, "A note")
    painter.end()
    return path.read_bytes()


def open_audit_as_admin(qtbot, ward):
    sign_in(qtbot, ward, "admin")
    qtbot.mouseClick(ward.toolbar.widgetForAction(ward.toolbar.audit), Qt.MouseButton.LeftButton)
    view = ward.windows[-1]
    qtbot.waitUntil(view.isVisible)
    return view


def open_serial(qtbot, ward):
    qtbot.mouseClick(ward.board.serial_view, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(isinstance(w, SerialView) and w.isVisible()
                                for w in ward.windows))
    return next(w for w in ward.windows if isinstance(w, SerialView))


def visible_windows(host):
    """The main window's own secondary windows that show."""
    return [w for w in QApplication.topLevelWidgets()
            if w is not host and w.isVisible() and w.parentWidget() is host
            and w.objectName() in ("audit", "serial", "note_viewer")]


def test_switch_user_closes_the_previous_users_windows(qtbot, host, ward, db, tmp_path):
    add_episode(db, 0, calm_block(2.0, 1.0))
    open_audit_as_admin(qtbot, ward)
    open_serial(qtbot, ward)
    viewer = host.notes.open_pdf(a_pdf(tmp_path), 1, title="Signed note")
    assert viewer.objectName() == "note_viewer"
    assert len(visible_windows(host)) == 3
    message = host.notes._say("Signature valid", "Signed by: Ada Admin")
    assert message.isVisible()
    ward.toolbar.switch.trigger()
    sign_in(qtbot, ward, "nurse")
    assert visible_windows(host) == []  # the nurse does not get the administrator's audit
    assert host.notes.viewers == []
    assert not shiboken6.isValid(message) or not message.isVisible()


def test_lock_closes_the_session_windows_too(qtbot, host, ward, db):
    add_episode(db, 0, calm_block(2.0, 1.0))
    open_audit_as_admin(qtbot, ward)
    open_serial(qtbot, ward)
    ward.lock.lock("manual")
    sign_in(qtbot, ward, "nurse2")
    assert visible_windows(host) == []


def test_esc_closes_the_audit_log_the_serial_view_and_the_note(qtbot, host, ward, db,
                                                                 tmp_path):
    add_episode(db, 0, calm_block(2.0, 1.0))
    audit = open_audit_as_admin(qtbot, ward)
    audit.apply_button.setFocus()
    qtbot.keyClick(audit.apply_button, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not audit.isVisible())
    serial = open_serial(qtbot, ward)
    qtbot.keyClick(serial, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not serial.isVisible())
    viewer = host.notes.open_pdf(a_pdf(tmp_path), 1, title="Signed note")
    viewer.print_button.setFocus()
    qtbot.keyClick(viewer.print_button, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not shiboken6.isValid(viewer) or not viewer.isVisible())


def lock_out(qtbot, ward) -> str:
    for _ in range(LOCK_AFTER_FAILURES):
        sign_in(qtbot, ward, "nurse", "wrong password", expect_ok=False)
    return ward.lock.panel.message.text()


def assert_whole(qtbot, label) -> None:
    """Once laid out, the label shows all its lines inside the window (its height for its
    width, visible)."""
    assert label.isVisible()
    qtbot.waitUntil(lambda: label.height() >= label.heightForWidth(label.width()),
                    timeout=3_000)
    window = label.window()
    corner = label.mapTo(window, QPoint(label.width() - 1, label.height() - 1))
    assert window.rect().contains(corner)


def test_the_lock_out_message_is_whole_and_offers_no_emergency_access_without_one(
        qtbot, ward):
    text = lock_out(qtbot, ward)
    assert "locked after repeated wrong passwords" in text
    assert "emergency" not in text.casefold()
    assert_whole(qtbot, ward.lock.panel.message)


def test_the_lock_out_message_offers_emergency_access_when_there_is_an_account(
        qtbot, ward, db):
    set_break_glass_account(db, "emergency", actor="admin")
    text = lock_out(qtbot, ward)
    assert "emergency access" in text
    assert_whole(qtbot, ward.lock.panel.message)
