"""Finishing an exam from the wizard goes through the record layer: the exam, the calls
recorded during it and the dropping of its draft are one transaction, so a failure while
writing a call leaves neither the exam nor the call, and the draft is still there."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton

from desktop_app.store import episodes
from desktop_app.store.errors import Conflict
from tests.conftest import CASES
from tests.ui.driver import fill_escalation_page, fill_exam, find, shown_assessment
from tests.ui.recording import calls


def counts(record) -> tuple[int, int]:
    db = record.db
    return (db.execute("SELECT COUNT(*) FROM exams").fetchone()[0],
            db.execute("SELECT COUNT(*) FROM escalations").fetchone()[0])


def test_a_call_that_cannot_be_written_leaves_no_exam_and_keeps_the_draft(
        qtbot, window, record, monkeypatch):
    document = json.loads((CASES / "mbb-numb-6h.json").read_text(encoding="utf-8"))
    qtbot.mouseClick(find(window, QPushButton, "main.new_episode"), Qt.MouseButton.LeftButton)
    wizard = window.wizard
    fill_exam(qtbot, wizard, document)  # the driver records the call on the way
    assert shown_assessment(wizard)["level"] == "notify"
    assert [c.name for c in wizard.session.new_escalations] == ["Dr Ana Lima"]
    key = wizard.session.draft_key
    qtbot.waitUntil(lambda: any(d.id == key for d in record.pending_drafts()))

    real = episodes.record_escalation

    def failing(*args, **kwargs):
        raise Conflict("the call could not be written")

    monkeypatch.setattr(episodes, "record_escalation", failing)
    qtbot.mouseClick(find(wizard, QPushButton, "wizard.finish"), Qt.MouseButton.LeftButton)
    assert not wizard.closed
    assert window.wizard is wizard
    assert find(wizard, QLabel, "wizard.status").text().startswith("\u26a0 Not saved")
    assert counts(record) == (0, 0)  # neither the exam nor the call
    assert [d.id for d in record.pending_drafts()] == [key]  # nothing lost

    monkeypatch.setattr(episodes, "record_escalation", real)
    with qtbot.waitSignal(wizard.finished) as saved:
        qtbot.mouseClick(find(wizard, QPushButton, "wizard.finish"), Qt.MouseButton.LeftButton)
    assert counts(record) == (1, 1)
    [call] = calls(record, saved.args[0].episode_id)
    assert (call.name, call.level) == ("Dr Ana Lima", "notify")
    assert record.pending_drafts() == []


def test_a_correction_whose_new_call_cannot_be_written_leaves_the_exam_as_it_was(
        qtbot, window, record, monkeypatch):
    from tests.ui.test_edit_exam import edit_href, save_with_call

    exam_id = save_with_call(record)
    window.refresh()
    qtbot.mouseClick(find(window, QPushButton, "main.history"), Qt.MouseButton.LeftButton)
    window.history.linkActivated.emit(edit_href(window, exam_id))
    wizard = window.wizard
    assert wizard.session.is_edit
    wizard.go_to_path("escalation")
    fill_escalation_page(qtbot, wizard)  # a second call, recorded while correcting
    assert [c.name for c in wizard.session.new_escalations] == ["Dr Ana Lima"]
    key = wizard.session.draft_key
    qtbot.waitUntil(lambda: any(d.id == key for d in record.pending_drafts()))
    episode_id = wizard.session.episode_id
    stored = record.episode_exams(episode_id)

    def failing(*args, **kwargs):
        raise Conflict("the call could not be written")

    with monkeypatch.context() as patch:
        patch.setattr(episodes, "record_escalation", failing)
        qtbot.mouseClick(find(wizard, QPushButton, "wizard.finish"), Qt.MouseButton.LeftButton)
    assert not wizard.closed
    assert find(wizard, QLabel, "wizard.status").text().startswith("\u26a0 Not saved")
    assert record.episode_exams(episode_id) == stored  # the exam as it was
    assert [c.name for c in calls(record, episode_id)] == ["Dr Lima"]
    assert [d.id for d in record.pending_drafts()] == [key]  # nothing lost

    with qtbot.waitSignal(wizard.finished):
        qtbot.mouseClick(find(wizard, QPushButton, "wizard.finish"), Qt.MouseButton.LeftButton)
    assert [c.name for c in calls(record, episode_id)] == ["Dr Lima", "Dr Ana Lima"]
    assert record.pending_drafts() == []


def test_a_full_disk_at_finish_is_one_line_and_the_exam_stays_open(
        qtbot, window, record, monkeypatch):
    """The disk fills while the exam is saved: one line on the wizard's status (SQLite's
    own words, no patient data), nothing half-written, the exam open and its draft kept."""
    import sqlite3

    document = json.loads((CASES / "mbb-numb-6h.json").read_text(encoding="utf-8"))
    qtbot.mouseClick(find(window, QPushButton, "main.new_episode"), Qt.MouseButton.LeftButton)
    wizard = window.wizard
    fill_exam(qtbot, wizard, document)
    key = wizard.session.draft_key
    qtbot.waitUntil(lambda: any(d.id == key for d in record.pending_drafts()))

    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(episodes, "record_escalation", full)
    qtbot.mouseClick(find(wizard, QPushButton, "wizard.finish"), Qt.MouseButton.LeftButton)
    status = find(wizard, QLabel, "wizard.status").text()
    assert status.startswith("\u26a0 Not saved") and "disk is full" in status
    assert "\n" not in status and document["patient"]["name"] not in status
    assert not wizard.closed and window.wizard is wizard
    assert counts(record) == (0, 0)
    assert [d.id for d in record.pending_drafts()] == [key]
