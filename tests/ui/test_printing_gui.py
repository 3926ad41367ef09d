"""Printing a signed note through the real system print dialog (no patched seam): from the
note viewer and from the history, to a PDF printer chosen in the dialog as a nurse would;
a closed dialog says nothing was printed; an exception in a slot is logged and said."""

from __future__ import annotations

import logging
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton

from desktop_app.store import exam_notes
from desktop_app.store.ward import NOTE_PRINT, search_audit
from tests.store.conftest import fast_password_hashing  # noqa: F401  (autouse: quick argon2)
from tests.ui.test_signing_gui import signed_exam


@pytest.fixture
def record(bare_record):
    """The record before any account: these tests create the administrator first (the
    `users` fixture)."""
    return bare_record


def print_dialog(qtbot):
    """The print dialog once it is showing."""
    found = []

    def showing() -> bool:
        found[:] = [w for w in QApplication.topLevelWidgets()
                    if w.objectName() == "print" and w.isVisible()]
        return bool(found)

    qtbot.waitUntil(showing, timeout=5_000)
    return found[0]


def print_to_file(qtbot, qtlog, dialog, path) -> None:
    """Type the output file into the dialog and press its Print button. (The dialog's combo
    boxes ask the offscreen platform for the keyboard, which it cannot give: its warning
    is about the test platform.)"""
    with qtlog.disabled():
        _print_to_file(qtbot, dialog, path)


def _print_to_file(qtbot, dialog, path) -> None:
    from PySide6.QtPrintSupport import QPrinter

    name = dialog.findChild(QLineEdit, "filename")
    assert name is not None and name.isVisible()
    name.selectAll()
    qtbot.keyClicks(name, str(path))
    [button] = [b for b in dialog.findChildren(QPushButton)
                if b.text().replace("&", "") == "Print"]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert dialog.printer().outputFormat() == QPrinter.OutputFormat.PdfFormat


def pages_of(path) -> int:
    document = QPdfDocument()
    document.load(str(path))
    try:
        return document.pageCount()
    finally:
        document.close()


def test_print_from_the_note_viewer_opens_the_dialog_and_prints(
        qtbot, qtlog, window, record, users, private_data_dir, tmp_path):
    exam_id, _ = signed_exam(record, private_data_dir)
    out = tmp_path / "viewer.pdf"
    viewer = window.notes.open_note(exam_id)
    qtbot.mouseClick(viewer.print_button, Qt.MouseButton.LeftButton)
    dialog = print_dialog(qtbot)
    assert dialog.isModal() or dialog.windowModality() != Qt.WindowModality.NonModal
    print_to_file(qtbot, qtlog, dialog, out)
    qtbot.waitUntil(lambda: "sent to the printer" in viewer.status.text(), timeout=20_000)
    assert pages_of(out) >= 1
    audited = search_audit(users, action=NOTE_PRINT)
    assert [(e.actor, e.record_id) for e in audited] == [
        ("nurse.test", exam_notes(users, exam_id)[0].id)]


def test_reprint_from_the_history_opens_the_dialog_and_prints(
        qtbot, qtlog, window, record, users, private_data_dir, tmp_path):
    exam_id, _ = signed_exam(record, private_data_dir)
    window.refresh()
    assert f'href="note:reprint:{exam_id}"' in window.history.text()
    window.history.linkActivated.emit(f"note:reprint:{exam_id}")
    out = tmp_path / "history.pdf"
    print_to_file(qtbot, qtlog, print_dialog(qtbot), out)
    qtbot.waitUntil(lambda: out.exists() and pages_of(out) >= 1, timeout=20_000)
    assert len(search_audit(users, action=NOTE_PRINT)) == 1


def test_a_closed_print_dialog_says_nothing_was_printed(
        qtbot, window, record, users, private_data_dir):
    exam_id, _ = signed_exam(record, private_data_dir)
    viewer = window.notes.open_note(exam_id)
    qtbot.mouseClick(viewer.print_button, Qt.MouseButton.LeftButton)
    dialog = print_dialog(qtbot)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: "Not printed" in viewer.status.text(), timeout=5_000)
    assert search_audit(users, action=NOTE_PRINT) == []


def test_an_exception_in_a_slot_is_logged_and_said(qtbot, window, caplog):
    from desktop_app.ui import app

    try:
        raise TypeError("open expected 2 arguments, got 0 (MRN-0042)")
    except TypeError:
        kind, error, trace = sys.exc_info()
    with caplog.at_level(logging.ERROR):
        box = app.report_unexpected_error(kind, error, trace)
    assert box is not None and box.isVisible()
    assert "TypeError" in box.text() and "log" in box.text()
    assert "MRN-0042" not in box.text()  # the message may quote patient data: not shown
    [record] = [r for r in caplog.records if r.name == app.log.name]
    assert "TypeError" in record.getMessage() and "test_printing_gui.py" in record.getMessage()
    assert "MRN-0042" not in record.getMessage()
    box.close()


def test_the_application_installs_the_exception_report(monkeypatch):
    from desktop_app.ui import app

    monkeypatch.setattr(sys, "excepthook", sys.__excepthook__)
    app.install_exception_report()
    assert sys.excepthook is app.report_unexpected_error
