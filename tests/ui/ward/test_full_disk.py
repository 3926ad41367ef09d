"""A full disk (or an I/O error) while the ward's settings are saved, the audit log is
exported, or an exam is discarded: one line in the dialog or the window, no traceback and
no patient data, nothing saved is lost, and the dialog or the exam stays so the user can do
it again once there is room."""

from __future__ import annotations

import errno
import sqlite3

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

import desktop_app.paths as paths
import desktop_app.record.ward as record_ward
import desktop_app.store.drafts as store_drafts
import desktop_app.store.settings as store_settings
from desktop_app.store import get_setting, pending_drafts
from desktop_app.store.drafts import discarded_exams
from desktop_app.store.settings import WARD_NAME
from desktop_app.store.ward import search_audit
from tests.ui.ward.conftest import sign_in
from tests.ui.ward.test_admin import open_settings
from tests.ui.ward.test_discard import open_case, press_escape, station  # noqa: F401 (fixture)

FULL = {
    "no space left": OSError(errno.ENOSPC, "No space left on device"),
    "database full": sqlite3.OperationalError("database or disk is full"),
}


def full_disk(error: BaseException):
    def fail(*_args, **_kwargs):
        raise error

    return fail


def assert_one_clear_line(text: str, *, names: tuple[str, ...] = ()) -> None:
    assert text.count("\n") == 0 and "Traceback" not in text
    assert "disk is full" in text and "free some space" in text
    for name in names:
        assert name not in text


def audit_entries(db) -> int:
    return db.execute("SELECT count(*) FROM audit_log").fetchone()[0]


@pytest.mark.parametrize("fault", FULL.values(), ids=FULL.keys())
def test_a_full_disk_while_saving_settings_keeps_the_dialog_and_the_old_settings(
        qtbot, ward, db, monkeypatch, fault):
    sign_in(qtbot, ward, "admin")
    before = get_setting(db, WARD_NAME)
    dialog = open_settings(qtbot, ward)
    dialog.ward_name.selectAll()
    qtbot.keyClicks(dialog.ward_name, "Ward 9 North")
    entries = audit_entries(db)
    # the disk fills as the change's audit entry is written, inside its transaction
    monkeypatch.setattr(store_settings, "append_audit", full_disk(fault))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and ward.settings_dialog is dialog
    assert_one_clear_line(dialog.message.text())
    assert "not saved" in dialog.message.text()
    assert get_setting(db, WARD_NAME) == before and audit_entries(db) == entries
    assert dialog.ward_name.text() == "Ward 9 North"  # what was typed is still there

    monkeypatch.undo()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ward.settings_dialog is None)
    assert get_setting(db, WARD_NAME) == "Ward 9 North"


def open_audit_view(qtbot, ward):
    sign_in(qtbot, ward, "admin")
    qtbot.mouseClick(ward.toolbar.widgetForAction(ward.toolbar.audit), Qt.MouseButton.LeftButton)
    view = ward.windows[-1]
    qtbot.waitUntil(view.isVisible)
    return view


@pytest.mark.parametrize("fault", FULL.values(), ids=FULL.keys())
def test_a_full_disk_while_writing_the_audit_export_keeps_the_old_file(
        qtbot, ward, db, tmp_path, monkeypatch, fault):
    view = open_audit_view(qtbot, ward)
    shown = len(view.entries)
    out = tmp_path / "exports"
    out.mkdir()
    target = out / "audit.csv"
    target.write_text("the previous export\n", encoding="utf-8")
    view.choose_path = lambda answer: answer(target)
    monkeypatch.setattr(paths.os, "fsync", full_disk(fault))  # the file's own write
    qtbot.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
    assert view.isVisible()
    assert view.status.text().startswith("\u26a0 Not exported")
    assert_one_clear_line(view.status.text())
    assert target.read_text(encoding="utf-8") == "the previous export\n"  # whole, as it was
    assert [p.name for p in out.iterdir()] == ["audit.csv"]  # no part-written copy
    # the entry went first, as for an exam's export: one too many, never one too few
    assert len(search_audit(db, action="audit.export")) == 1

    monkeypatch.undo()
    qtbot.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
    assert "exported" in view.status.text() and len(view.entries) == shown
    assert target.read_text(encoding="utf-8-sig").startswith("id,")
    assert len(search_audit(db, action="audit.export")) == 2


@pytest.mark.parametrize("fault", FULL.values(), ids=FULL.keys())
def test_a_full_disk_while_auditing_the_audit_export_writes_no_file(
        qtbot, ward, db, tmp_path, monkeypatch, fault):
    view = open_audit_view(qtbot, ward)
    out = tmp_path / "exports"
    out.mkdir()
    target = out / "audit.csv"
    view.choose_path = lambda answer: answer(target)
    monkeypatch.setattr(record_ward, "append_audit", full_disk(fault))  # the export's entry
    qtbot.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
    assert view.status.text().startswith("\u26a0 Not exported")
    assert_one_clear_line(view.status.text())
    assert list(out.iterdir()) == []  # no file leaves without its entry
    assert search_audit(db, action="audit.export") == []

    monkeypatch.undo()
    qtbot.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
    assert target.exists() and len(search_audit(db, action="audit.export")) == 1


@pytest.mark.parametrize("fault", FULL.values(), ids=FULL.keys())
def test_a_full_disk_while_discarding_an_urgent_exam_keeps_the_exam_and_the_dialog(
        qtbot, station, db, monkeypatch, fault):  # noqa: F811 (the fixture)
    window, _shell = station
    wizard = open_case(window, "mbb-weak-5h.json")
    name = wizard.session.patient.name
    key = wizard.session.draft_key
    press_escape(qtbot, wizard)
    dialog = wizard.question
    dialog.reason.setCurrentIndex(dialog.reason.findData("other"))
    qtbot.keyClicks(dialog.details, "Patient transferred to theatre")
    # the disk fills as the discard's audit entry is written, inside its transaction
    monkeypatch.setattr(store_drafts, "append_audit", full_disk(fault))
    qtbot.mouseClick(dialog.discard, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and wizard.question is dialog
    said = dialog.message.text()
    assert_one_clear_line(said, names=(name, "theatre"))
    assert "not discarded" in said
    assert window.wizard is wizard and not wizard.closed
    assert [d.id for d in pending_drafts(db)] == [key]  # the draft is kept
    assert discarded_exams(db) == [] and search_audit(db, action="exam.discard") == []
    assert dialog.details.text() == "Patient transferred to theatre"

    monkeypatch.undo()
    qtbot.mouseClick(dialog.discard, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.wizard is None)
    assert len(search_audit(db, action="exam.discard")) == 1
    assert pending_drafts(db) == [] and len(discarded_exams(db)) == 1


@pytest.mark.parametrize("fault", FULL.values(), ids=FULL.keys())
def test_a_full_disk_while_discarding_a_calm_exam_keeps_the_exam(
        qtbot, station, db, monkeypatch, fault):  # noqa: F811 (the fixture)
    window, _shell = station
    wizard = open_case(window, "mbb-normal-1h.json")
    name = wizard.session.patient.name
    key = wizard.session.draft_key
    monkeypatch.setattr(store_drafts, "append_audit", full_disk(fault))
    press_escape(qtbot, wizard)
    qtbot.mouseClick(wizard.question.findChild(QPushButton, "question.yes"),
                     Qt.MouseButton.LeftButton)
    said = window.statusBar().currentMessage()
    assert said.startswith("\u26a0 The exam was not discarded")
    assert_one_clear_line(said, names=(name,))
    assert window.wizard is wizard and not wizard.closed
    assert [d.id for d in pending_drafts(db)] == [key]
    assert search_audit(db, action="exam.discard") == []

    monkeypatch.undo()
    press_escape(qtbot, wizard)
    qtbot.mouseClick(wizard.question.findChild(QPushButton, "question.yes"),
                     Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.wizard is None)
    assert len(search_audit(db, action="exam.discard")) == 1 and pending_drafts(db) == []

