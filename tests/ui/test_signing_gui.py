"""Signing a note from the GUI, and what is done with a signed note: the password asked
again, the signing off the GUI thread, the viewer (print, save, verify, addendum), the
history's note links and a note dropped on the window. The real store and real keys."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication

from desktop_app.domain import load_document, signing_gap_words, signing_gaps
from desktop_app.domain.assessment import required_items
from desktop_app.report import verify_note
from desktop_app.store import exam_notes, note_addenda
from desktop_app.store.ward import NOTE_PRINT, search_audit
from desktop_app.ui import signing
from desktop_app.ui.exam_state import ExamSession
from tests.ui.conftest import SIGNER_PASSWORD
from tests.ui.driver import case
from tests.ui.recording import save_exam


@pytest.fixture
def record(bare_record):
    """The record before any account: these tests create the administrator first (the
    `users` fixture)."""
    return bare_record



def saved_exam(record, name: str = "mbb-progressive-6h.json") -> int:
    document = case(name)
    assert signing_gaps(load_document(document)) == []
    return int(save_exam(record, document).exam_id)


def signed_exam(record, private_data_dir, name: str = "mbb-progressive-6h.json"):
    """An exam signed through the same function the dialog's worker runs."""
    exam_id = saved_exam(record, name)
    result = signing.sign_stored_exam(signing.NoteServices.for_record(record).address,
                                      private_data_dir, exam_id, "nurse.test", SIGNER_PASSWORD)
    return exam_id, result


def type_password_and_sign(qtbot, dialog, password: str = SIGNER_PASSWORD) -> None:
    password_box = dialog.findChild(signing.QLineEdit, "sign.password")
    qtbot.keyClicks(password_box, password)
    qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)


def test_finish_and_sign_stores_a_note_that_verifies(qtbot, window, record, users,
                                                     private_data_dir):
    session = ExamSession(load_document(case("mbb-normal-1h.json")))
    wizard = window.open_wizard(session)
    wizard.go(len(wizard.pages) - 1)
    assert wizard.sign_button.isVisible()
    qtbot.mouseClick(wizard.sign_button, Qt.MouseButton.LeftButton)
    dialog = window.notes.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.user.text() == "nurse.test"  # the signed-in user, prefilled
    assert window.wizard is None  # saved first: the note belongs to a stored exam
    [episode] = record.open_episodes()
    [exam] = record.episode_exams(episode.episode_id)
    exam_id = exam.id
    assert exam_notes(users, exam_id) == []

    type_password_and_sign(qtbot, dialog)
    assert dialog.progress.isVisible() and not dialog.sign_button.isEnabled()  # busy
    assert "signing" in dialog.status.text()
    qtbot.waitUntil(lambda: len(exam_notes(users, exam_id)) == 1, timeout=20_000)
    qtbot.waitUntil(lambda: bool(window.notes.viewers), timeout=5_000)
    [note] = exam_notes(users, exam_id)
    assert note.signed_by == "nurse.test"
    result = verify_note(bytes(note.pdf), private_data_dir)
    assert result.ok, result.problems
    assert result.signer_login == "nurse.test"
    viewer = window.notes.viewers[-1]
    assert viewer.document.pageCount() >= 1
    assert "Signed by nurse.test" in window.history.text()  # the history shows it locked
    assert "note:sign:" not in window.history.text()


def test_wrong_password_shows_an_error_and_stores_nothing(qtbot, window, record, users):
    exam_id = saved_exam(record)
    window.refresh()
    assert f"note:sign:{exam_id}" in window.history.text()
    window.history.linkActivated.emit(f"note:sign:{exam_id}")  # the history's link
    dialog = window.notes.dialog
    type_password_and_sign(qtbot, dialog, "not the password")
    qtbot.waitUntil(lambda: "Wrong user name or password" in dialog.status.text(),
                    timeout=20_000)
    assert dialog.isVisible() and dialog.sign_button.isEnabled()
    assert dialog.password.text() == ""  # typed again, never kept
    assert exam_notes(users, exam_id) == []
    assert not window.notes.viewers


def test_a_full_disk_while_the_note_is_stored_is_said_in_words(qtbot, window, record,
                                                               users, monkeypatch):
    """The disk fills as the signed note is stored: the dialog says so in one line (SQLite's
    words, no patient data), nothing is stored, and the nurse can sign again."""
    import sqlite3

    import desktop_app.record.notes as record_notes

    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(record_notes, "store_signed_note", full)
    exam_id = saved_exam(record)
    window.refresh()
    window.history.linkActivated.emit(f"note:sign:{exam_id}")
    dialog = window.notes.dialog
    type_password_and_sign(qtbot, dialog)
    qtbot.waitUntil(lambda: "could not be stored" in dialog.status.text(), timeout=20_000)
    said = dialog.status.text()
    assert "disk is full" in said and "Nothing was signed" in said and "\n" not in said
    assert dialog.isVisible() and dialog.sign_button.isEnabled()
    assert exam_notes(users, exam_id) == []


def test_an_exam_with_signing_gaps_cannot_be_signed_and_the_gaps_are_named(
        qtbot, window, record, users):
    document = case("mbb-normal-1h.json")
    required = sorted(required_items(load_document(document)))
    gap = next(p for p in required if p.startswith("motor."))
    grades = document["exam"]
    node = grades
    *parents, last = gap.split(".")
    for part in parents:
        node = node[part]
    del node[last]
    assert signing_gaps(load_document(document)) == [gap]
    exam_id = int(save_exam(record, document).exam_id)

    assert window.notes.sign_exam(exam_id) is None  # no password asked
    message = window.notes.message
    assert message.isVisible()
    assert signing_gap_words(gap) in message.text()
    assert "cannot be signed" in message.text()
    assert exam_notes(users, exam_id) == []


def test_the_worker_refuses_gaps_too_and_names_them(record, users, private_data_dir):
    from desktop_app.report import SigningGapsError

    document = case("mbb-normal-1h.json")
    document["exam"]["not_tested_reasons"] = {}
    gap = sorted(required_items(load_document(document)))[0]
    node = document["exam"]
    *parents, last = gap.split(".")
    for part in parents:
        node = node[part]
    del node[last]
    exam_id = int(save_exam(record, document).exam_id)
    with pytest.raises(SigningGapsError) as refused:
        signing.sign_stored_exam(signing.NoteServices.for_record(record).address,
                                 private_data_dir, exam_id, "nurse.test", SIGNER_PASSWORD)
    assert signing_gap_words(gap) in signing.signing_error_words(refused.value)


def test_print_through_a_pdf_printer_makes_pages_and_is_audited(
        qtbot, window, record, users, private_data_dir, tmp_path, monkeypatch):
    from PySide6.QtPdf import QPdfDocument
    from PySide6.QtPrintSupport import QPrinter

    exam_id, _ = signed_exam(record, private_data_dir)
    out = tmp_path / "printed.pdf"

    def pdf_printer(_parent, paper, on_chosen, _on_cancelled=None):
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        printer.setResolution(100)
        assert paper == "a4"
        on_chosen(printer)

    monkeypatch.setattr(signing, "choose_printer", pdf_printer)
    viewer = window.notes.open_note(exam_id)
    qtbot.mouseClick(viewer.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "sent to the printer" in viewer.status.text(), timeout=20_000)
    printed = QPdfDocument()
    printed.load(str(out))
    assert printed.pageCount() >= 1
    printed.close()
    audited = search_audit(users, action=NOTE_PRINT)
    assert [(e.actor, e.record_id) for e in audited] == [
        ("nurse.test", exam_notes(users, exam_id)[0].id)]


def test_addendum_is_signed_and_names_the_note_it_amends(qtbot, window, record, users,
                                                         private_data_dir):
    exam_id, original = signed_exam(record, private_data_dir)
    viewer = window.notes.open_note(exam_id)
    qtbot.mouseClick(viewer.addendum_button, Qt.MouseButton.LeftButton)
    dialog = window.notes.dialog
    assert dialog.addendum_text is not None
    qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)  # no text yet
    assert "Write the correction" in dialog.status.text()
    qtbot.keyClicks(dialog.addendum_text, "Right foot was re-tested at 14:10: EHL 5/5.")
    type_password_and_sign(qtbot, dialog)
    qtbot.waitUntil(lambda: len(note_addenda(users, original.note_row_id)) == 1,
                    timeout=20_000)
    [addendum] = note_addenda(users, original.note_row_id)
    assert addendum.text.startswith("Right foot was re-tested")
    checked = verify_note(bytes(addendum.pdf), private_data_dir)
    assert checked.ok, checked.problems
    assert checked.amends_note_id == original.note_id
    assert len(exam_notes(users, exam_id)) == 1  # the signed note itself is unchanged
    qtbot.waitUntil(lambda: len(window.notes.viewers) == 2)
    assert f"Amends note: {original.note_id}" in window.notes.viewers[-1].facts.text()


def test_a_signed_exam_is_not_signed_again(qtbot, window, record, users,
                                           private_data_dir):
    exam_id, _ = signed_exam(record, private_data_dir)
    assert window.notes.sign_exam(exam_id) is None
    assert "addendum" in window.notes.message.text()
    with pytest.raises(signing.AlreadySigned):
        signing.sign_stored_exam(signing.NoteServices.for_record(record).address,
                                 private_data_dir, exam_id, "nurse.test", SIGNER_PASSWORD)


def test_history_exports_the_pdf_and_the_fhir_bundle_owner_only(
        qtbot, window, record, users, private_data_dir, tmp_path, monkeypatch):
    exam_id, original = signed_exam(record, private_data_dir)
    window.refresh()
    for action in ("open", "reprint", "pdf", "fhir", "addendum"):
        assert f'href="note:{action}:' in window.history.text()
    targets = iter([tmp_path / "note", tmp_path / "bundle.json"])
    monkeypatch.setattr(signing, "choose_save_path",
                        lambda _p, _t, _s, _f, on_chosen: on_chosen(next(targets)))
    window.history.linkActivated.emit(f"note:pdf:{exam_id}")
    window.history.linkActivated.emit(f"note:fhir:{exam_id}")
    pdf = tmp_path / "note.pdf"
    assert pdf.read_bytes() == original.pdf
    bundle = json.loads((tmp_path / "bundle.json").read_text(encoding="utf-8"))
    assert bundle["resourceType"] == "Bundle"
    assert "DocumentReference" in {e["resource"]["resourceType"] for e in bundle["entry"]}
    for path in (pdf, tmp_path / "bundle.json"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def drop(window, path: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(200, 200), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)


def test_a_pdf_dropped_on_the_window_is_verified(qtbot, window, record, users,
                                                 private_data_dir, tmp_path):
    _exam_id, original = signed_exam(record, private_data_dir)
    good = tmp_path / "good.pdf"
    good.write_bytes(original.pdf)
    assert window.acceptDrops()
    drop(window, good)
    qtbot.waitUntil(lambda: window.notes.message is not None, timeout=20_000)
    assert window.notes.message.windowTitle() == "Signature valid"
    assert "Signed by: Nora Nurse, RN (user nurse.test)" in window.notes.message.text()
    window.notes.message.close()

    tampered = tmp_path / "tampered.pdf"
    data = bytearray(original.pdf)
    at = data.index(b"/Keywords")
    data[at + 12] ^= 1
    tampered.write_bytes(bytes(data))
    window.notes.message = None
    drop(window, tampered)
    qtbot.waitUntil(lambda: window.notes.message is not None, timeout=20_000)
    assert window.notes.message.windowTitle() == "Signature NOT valid"
    assert "NOT VALID" in window.notes.message.text()
    window.notes.message.close()


def test_a_file_that_is_not_a_pdf_dropped_says_so(qtbot, window, users, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello", encoding="utf-8")
    drop(window, text)
    assert window.notes.message.windowTitle() == "Not a PDF"
    assert "is not a PDF" in window.notes.message.text()
    QApplication.processEvents()


def test_a_dropped_note_is_issued_here_only_when_the_record_holds_it(
        qtbot, window, record, users, private_data_dir, tmp_path, monkeypatch):
    from desktop_app.record import notes as record_notes

    _exam_id, stored = signed_exam(record, private_data_dir)
    here = tmp_path / "here.pdf"
    here.write_bytes(stored.pdf)
    drop(window, here)
    qtbot.waitUntil(lambda: window.notes.message is not None, timeout=20_000)
    assert window.notes.message.windowTitle() == "Signature valid"
    assert "issued here (it is in the record's signed notes)" in window.notes.message.text()
    window.notes.message.close()

    # A note signed with this installation's key but never stored in its record.
    with monkeypatch.context() as patch:
        patch.setattr(record_notes, "store_signed_note", lambda *args, **kwargs: 0)
        _exam_id, unstored = signed_exam(record, private_data_dir, "mbb-normal-1h.json")
    elsewhere = tmp_path / "elsewhere.pdf"
    elsewhere.write_bytes(unstored.pdf)
    window.notes.message = None
    drop(window, elsewhere)
    qtbot.waitUntil(lambda: window.notes.message is not None, timeout=20_000)
    assert window.notes.message.windowTitle() == "Signature NOT valid"
    assert "not in this installation's record of signed notes" in window.notes.message.text()
    window.notes.message.close()
