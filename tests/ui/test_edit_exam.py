"""Correcting a saved exam before it is signed, from the history's "Edit" link: the wizard
opens on the stored exam, finishing replaces it (no second exam), and a signed exam offers
no Edit link and is refused by the record anyway. The real store."""

from __future__ import annotations

import json
import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton

from desktop_app.record.reads import StoreError
from desktop_app.store import episode_exams, export_document, store_signed_note
from desktop_app.ui.exam_state import EscalationRecord, ExamSession
from desktop_app.ui.widgets import ChoiceRow
from tests.conftest import CASES
from tests.ui.driver import enter, find, focused, key_for
from tests.ui.recording import save_exam, update_exam

GRADE = "motor.ankle_dorsiflexion.left"


def weak_exam() -> dict:
    """A block exam with the left ankle graded 3/5 (NOTIFY), as if mis-tapped."""
    document = json.loads((CASES / "mbb-normal-1h.json").read_text(encoding="utf-8"))
    document["exam"]["motor"]["ankle_dorsiflexion"]["left"] = 3
    return document


def save_with_call(record) -> int:
    saved = save_exam(record, weak_exam(), escalations=[EscalationRecord(
        "Anaesthetist", "Dr Lima", "2026-05-04T09:10:00+01:00", "re-check the ankle", "notify")])
    assert saved.level == "notify"
    return saved.exam_id


def edit_href(window, exam_id: int) -> str:
    links = re.findall(r'href="([^"]+)"', window.history.text())
    assert f"note:edit:{exam_id}" in links, links
    return f"note:edit:{exam_id}"


def test_an_unsigned_exam_is_corrected_through_its_edit_link(qtbot, window, record):
    exam_id = save_with_call(record)
    window.refresh()
    qtbot.mouseClick(find(window, QPushButton, "main.history"), Qt.MouseButton.LeftButton)
    assert "NOTIFY" in find(window, QLabel, "history").text()

    window.history.linkActivated.emit(edit_href(window, exam_id))  # the nurse follows it
    wizard = window.wizard
    assert wizard is not None and wizard.session.exam_id == exam_id
    assert wizard.session.grade(GRADE) == 3  # opened on the stored exam
    assert "correcting the saved exam" in wizard.header.text()
    for _ in range(3):  # Enter through the context, the symptoms and the sensory grid
        enter(qtbot)
    assert wizard.pages[wizard.current].page_id == "motor"
    cell = find(wizard, ChoiceRow, GRADE)
    cell.setFocus()
    assert focused() is cell
    qtbot.keyClicks(cell, key_for(cell, 5))  # the grade the nurse meant
    assert wizard.session.grade(GRADE) == 5
    with qtbot.waitSignal(wizard.finished):
        qtbot.keyClick(focused(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    assert window.wizard is None
    [exam] = episode_exams(record.db, int(wizard.session.episode_id))  # no second exam
    assert exam.id == int(exam_id)
    assert exam.document["exam"]["motor"]["ankle_dorsiflexion"]["left"] == 5
    assert exam.level == "observe"
    history = find(window, QLabel, "history").text()
    assert "OBSERVE" in history and "NOTIFY" not in history
    assert "OBSERVE" in window.episodes.item(0).text()  # the episode list follows too
    assert record.pending_drafts() == []  # the edit's draft went with the save


def test_a_signed_exam_has_no_edit_link_and_the_record_refuses_it(qtbot, window, record):
    exam_id = save_with_call(record)
    store_signed_note(record.db, int(exam_id), b"%PDF-1.7 signed", signed_by="nurse.test")
    window.refresh()
    history = window.history.text()
    assert "Signed by nurse.test" in history
    assert "note:edit:" not in history

    corrected = weak_exam()
    corrected["exam"]["motor"]["ankle_dorsiflexion"]["left"] = 5
    with pytest.raises(StoreError, match="this exam is signed: corrections are addenda"):
        update_exam(record, exam_id, corrected)
    assert export_document(record.db, int(exam_id)) == weak_exam()


def test_an_edit_resumed_from_its_draft_still_corrects_the_same_exam(record):
    exam_id = save_with_call(record)
    [exam] = record.episode_exams(record.open_episodes()[0].episode_id)
    session = ExamSession.edit(exam)
    restored = ExamSession.from_draft_json(session.draft_key, session.to_draft_json())
    assert (restored.exam_id, restored.context_locked) == (exam_id, True)


def test_a_draft_kept_by_an_earlier_version_names_its_exam_and_episode_as_numbers(record):
    """Drafts written before the record's IDs reached the screens as numbers hold them as
    text: resumed, they still correct the same exam of the same episode."""
    exam_id = save_with_call(record)
    [exam] = record.episode_exams(record.open_episodes()[0].episode_id)
    kept = ExamSession.edit(exam).to_draft()
    kept.update(episode_id=str(exam.episode_id), exam_id=str(exam_id))
    restored = ExamSession.from_draft("k", kept)
    assert (restored.episode_id, restored.exam_id) == (exam.episode_id, exam_id)
    kept["exam_id"] = "not a number"
    with pytest.raises(ValueError):
        ExamSession.from_draft("k", kept)
