"""An exam that asks for a call cannot vanish: Esc asks why (required), the discard is
audited with who, when and the level, and the patient stays on the board as "exam
discarded"; a calm exam asks only a plain question (audited too); closing the window
mid-exam keeps the draft and says so."""

from __future__ import annotations

import json

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QPushButton

from desktop_app.domain import load_document
from desktop_app.store import pending_drafts
from desktop_app.store.drafts import discarded_exams
from desktop_app.store.ward import search_audit
from desktop_app.ui.exam_state import ExamSession
from tests.conftest import CASES
from tests.ui.ward.conftest import sign_in


@pytest.fixture
def station(qtbot, db, folder):
    """The store-backed main window with the ward installed, a nurse signed in."""
    from desktop_app.record import WardRecord
    from desktop_app.ui.main_window import MainWindow
    from desktop_app.ui.ward import install_ward
    from tests.ui.conftest import discard_window

    window = MainWindow(WardRecord(db, folder, signed_in="workstation"), autosave_ms=50)
    window.resize(1366, 728)
    shell = install_ward(window, window.record, watch_ms=50)
    window.show()
    qtbot.waitExposed(window)
    sign_in(qtbot, shell, "nurse")
    yield window, shell
    shell.close()
    if shiboken6.isValid(window):
        discard_window(window)


def open_case(window, name: str):
    """A new episode's first exam, filled in as the case (not yet saved)."""
    document = json.loads((CASES / name).read_text(encoding="utf-8"))
    document.pop("previous_exams", None)
    wizard = window.open_wizard(ExamSession(load_document(document)))
    wizard.save_draft()
    return wizard


def press_escape(qtbot, wizard) -> None:
    focus = QApplication.focusWidget()
    target = focus if focus is not None and wizard.isAncestorOf(focus) else wizard
    qtbot.keyClick(target, Qt.Key.Key_Escape)


def test_an_urgent_exam_needs_a_reason_is_audited_and_stays_on_the_board(
        qtbot, station, db):
    window, shell = station
    wizard = open_case(window, "mbb-weak-5h.json")
    level = wizard.session.assessment().level.value
    assert level in ("urgent", "emergency")
    press_escape(qtbot, wizard)
    dialog = wizard.question
    assert dialog is not None and dialog.objectName() == "discard_reason"
    assert dialog.isVisible() and "stays on the board" in dialog.findChild(
        type(dialog.message), "discard_reason.text").text()

    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # Esc again keeps the exam
    qtbot.waitUntil(lambda: wizard.question is None)
    assert window.wizard is wizard and not wizard.closed

    press_escape(qtbot, wizard)
    dialog = wizard.question
    qtbot.mouseClick(dialog.discard, Qt.MouseButton.LeftButton)  # no reason: refused
    assert dialog.isVisible() and "Choose why" in dialog.message.text()
    dialog.reason.setCurrentIndex(dialog.reason.findData("other"))
    qtbot.mouseClick(dialog.discard, Qt.MouseButton.LeftButton)  # "other" needs words
    assert dialog.isVisible() and "Write the reason" in dialog.message.text()
    qtbot.keyClicks(dialog.details, "Patient transferred to theatre")
    qtbot.mouseClick(dialog.discard, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.wizard is None)

    [entry] = search_audit(db, action="exam.discard")
    assert entry.actor == "nurse"
    assert entry.detail == {"level": level, "reason": "other", "on_board": True}
    assert entry.at  # when
    assert "theatre" not in json.dumps(entry.detail)  # free text stays out of the audit log
    assert pending_drafts(db) == []  # no unfinished exam left to resume
    [trace] = discarded_exams(db)
    assert trace.discarded_by == "nurse" and trace.level == level
    # on the board, a new episode whose only exam was discarded
    assert shell.board.isAncestorOf(window.discarded_bar)
    assert window.discarded_bar.isVisible()
    line = window.discarded_list.item(0).text()
    assert "Exam discarded: Other reason: Patient transferred to theatre" in line
    assert trace.patient["mrn"] and trace.patient["mrn"] in line
    assert "by nurse" in line

    # a nurse who dealt with it takes it off the board, audited
    qtbot.mouseClick(window.dismiss_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.question.findChild(QPushButton, "question.yes"),
                     Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.discarded_bar.isVisible())
    assert discarded_exams(db) == []
    assert search_audit(db, action="exam.discard_dismissed")[0].actor == "nurse"


def test_a_calm_exam_is_discarded_after_a_plain_question_and_audited(qtbot, station, db):
    window, _shell = station
    wizard = open_case(window, "mbb-normal-1h.json")
    assert wizard.session.assessment().level.value == "observe"
    press_escape(qtbot, wizard)
    box = wizard.question
    assert box.objectName() == "question"
    qtbot.mouseClick(box.findChild(QPushButton, "question.yes"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.wizard is None)
    [entry] = search_audit(db, action="exam.discard")
    assert entry.detail["level"] == "observe" and entry.detail["on_board"] is False
    assert discarded_exams(db) == [] and pending_drafts(db) == []


def test_an_unfinished_exam_at_notify_discarded_from_the_board_needs_a_reason(
        qtbot, station, db):
    window, shell = station
    wizard = open_case(window, "mbb-numb-6h.json")
    assert wizard.session.assessment().level.value == "notify"
    window._close_wizard()  # left unfinished (as after a restart): its draft stays
    assert window.drafts_bar.isVisible()
    qtbot.mouseClick(window.discard_draft_button, Qt.MouseButton.LeftButton)
    dialog = window.findChild(QDialog, "discard_reason")
    assert dialog is not None and dialog.isVisible()
    dialog.reason.setCurrentIndex(dialog.reason.findData("duplicate"))
    qtbot.mouseClick(dialog.discard, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.drafts_bar.isVisible())
    assert search_audit(db, action="exam.discard")[0].detail["level"] == "notify"
    assert window.discarded_bar.isVisible()


def test_closing_the_window_mid_exam_keeps_the_draft_and_says_so(qtbot, station, db):
    window, _shell = station
    wizard = open_case(window, "mbb-weak-5h.json")
    key = wizard.session.draft_key
    window.close()
    box = window.question
    assert box is not None and box.isVisible() and window.isVisible()
    assert "kept" in box.text() and "resume" in box.text()
    qtbot.mouseClick(box.findChild(QPushButton, "question.no"), Qt.MouseButton.LeftButton)
    assert window.isVisible() and window.wizard is wizard
    window.close()
    qtbot.mouseClick(window.question.findChild(QPushButton, "question.yes"),
                     Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not shiboken6.isValid(window), timeout=5_000)  # closed, deleted
    assert [d.id for d in pending_drafts(db)] == [key]


def test_a_red_flag_answered_yes_needs_a_reason_even_before_the_procedure_time(
        qtbot, station, db):
    window, _shell = station
    session = ExamSession.new_episode()
    session.set_value("patient.mrn", "RF-1")
    session.set_value("symptoms.saddle_anaesthesia", True)
    wizard = window.open_wizard(session)
    assert session.assessment() is None  # no procedure time: nothing assessed yet
    press_escape(qtbot, wizard)
    dialog = wizard.question
    assert dialog.objectName() == "discard_reason" and "EMERGENCY" in dialog.windowTitle()
    dialog.reason.setCurrentIndex(dialog.reason.findData("wrong_patient"))
    qtbot.mouseClick(dialog.discard, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.wizard is None)
    assert search_audit(db, action="exam.discard")[0].detail["level"] == "emergency"
    assert "RF-1" in window.discarded_list.item(0).text()


def test_every_reason_the_dialog_offers_is_one_the_record_takes():
    from desktop_app.record.exams import DISCARD_REASONS
    from desktop_app.ui.dialogs import DISCARD_REASONS as OFFERED

    assert set(OFFERED) <= set(DISCARD_REASONS)
