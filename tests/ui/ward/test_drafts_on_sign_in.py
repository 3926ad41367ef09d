"""After a restart every unfinished exam of the ward is offered at sign-in, whoever started
it, with who started it; any signed-in nurse resumes it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt

from desktop_app.store import save_draft
from desktop_app.ui.exam_state import ExamSession
from tests.ui.ward.conftest import sign_in


def left_unfinished(db, mrn: str, user: str, hour: int) -> str:
    """A draft as the wizard autosaves it, by `user` (before the restart)."""
    session = ExamSession.new_episode()
    session.set_value("patient.mrn", mrn)
    return save_draft(db, json.loads(session.to_draft_json()), draft_id=session.draft_key,
                      user=user, now=datetime(2026, 3, 2, hour, 0, tzinfo=UTC))


@pytest.fixture
def restarted(qtbot, db, folder, make_ward):
    """The application started again on the ward's record: the store-backed main window
    (as the workstation's account, before anyone signs in) with the ward installed."""
    from desktop_app.record import WardRecord
    from desktop_app.ui.main_window import MainWindow
    from tests.ui.conftest import discard_window

    keys = {"a": left_unfinished(db, "DRAFT-A", "nurse", 8),
            "b": left_unfinished(db, "DRAFT-B", "clinician", 9)}
    window = MainWindow(WardRecord(db, folder, signed_in="workstation"), autosave_ms=50)
    window.resize(1366, 728)
    from desktop_app.ui.ward import install_ward

    shell = install_ward(window, window.record, watch_ms=50)
    window.show()
    qtbot.waitExposed(window)
    yield window, shell, keys
    shell.close()
    discard_window(window)


def test_every_unfinished_exam_of_the_ward_is_offered_at_sign_in(qtbot, restarted):
    window, shell, keys = restarted
    sign_in(qtbot, shell, "nurse2")  # started neither
    assert window.drafts_bar.isVisible() and shell.board.isAncestorOf(window.drafts_bar)
    lines = [window.drafts_list.item(row).text() for row in range(window.drafts_list.count())]
    assert len(lines) == 2 and window.drafts_list.isVisible()
    assert "DRAFT-B" in lines[0] and "started by clinician" in lines[0]  # newest first
    assert "DRAFT-A" in lines[1] and "started by nurse" in lines[1]
    assert "2 unfinished exams" in window.drafts_label.text()

    window.drafts_list.setFocus()
    qtbot.keyClick(window.drafts_list, Qt.Key.Key_Down)  # the exam the first nurse left
    assert "DRAFT-A" in window.drafts_list.currentItem().text()
    qtbot.mouseClick(window.resume_button, Qt.MouseButton.LeftButton)
    wizard = window.wizard
    assert wizard is not None and wizard.session.draft_key == keys["a"]
    assert wizard.session.patient.mrn == "DRAFT-A"


def test_a_single_unfinished_exam_names_who_started_it(qtbot, db, folder, make_ward):
    from desktop_app.record import WardRecord
    from desktop_app.ui.main_window import MainWindow
    from desktop_app.ui.ward import install_ward
    from tests.ui.conftest import discard_window

    left_unfinished(db, "DRAFT-C", "nurse", 8)
    window = MainWindow(WardRecord(db, folder, signed_in="workstation"), autosave_ms=50)
    shell = install_ward(window, window.record, watch_ms=50)
    window.show()
    qtbot.waitExposed(window)
    try:
        sign_in(qtbot, shell, "nurse2")
        assert window.drafts_bar.isVisible() and not window.drafts_list.isVisible()
        assert "DRAFT-C" in window.drafts_label.text()
        assert "started by nurse" in window.drafts_label.text()
        qtbot.mouseClick(window.resume_button, Qt.MouseButton.LeftButton)
        assert window.wizard is not None and window.wizard.session.patient.mrn == "DRAFT-C"
    finally:
        shell.close()
        discard_window(window)


def test_a_draft_names_who_started_it_whoever_saves_it_later(db):
    from desktop_app.store import pending_drafts
    from desktop_app.store.drafts import discarded_exams, record_discarded_exam

    key = left_unfinished(db, "DRAFT-D", "nurse", 8)
    save_draft(db, {"format": "x"}, draft_id=key, user="nurse2")  # resumed by another nurse
    [draft] = pending_drafts(db)
    assert draft.user_name == "nurse"
    # a discarded exam's trace on the board is not an unfinished exam to resume
    record_discarded_exam(db, key, actor="nurse2", level="urgent", reason="duplicate",
                          patient={"mrn": "DRAFT-D"})
    assert pending_drafts(db) == []
    assert [t.patient["mrn"] for t in discarded_exams(db)] == ["DRAFT-D"]
