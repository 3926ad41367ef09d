"""Signing in at the shared workstation: lock-out, the idle lock, unlocking as another user,
switching user, emergency access."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit

from desktop_app.store import audit_entries, authenticate, get_user
from desktop_app.store.ward import search_audit, set_break_glass_account
from desktop_app.ui.ward.session import LOCK_AFTER_FAILURES, ScreenState
from tests.ui.ward.conftest import PASSWORD, add_episode, calm_block, sign_in


def actions(db, actor=None):
    return [e.action for e in search_audit(db, actor=actor)]


def test_the_window_is_covered_until_someone_signs_in(qtbot, host, make_ward):
    ward = make_ward()
    assert ward.lock.screen.isVisible()
    assert not ward.board.isVisible()
    sign_in(qtbot, ward, "nurse")
    assert host.record.signed_in == "nurse"  # what the wizard saves is audited under her
    assert not ward.lock.screen.isVisible()
    assert ward.board.isVisible()
    assert "Nia Nurse" in ward.toolbar.user.text()


def test_repeated_wrong_passwords_lock_the_account_for_a_while(qtbot, ward, db):
    for attempt in range(1, LOCK_AFTER_FAILURES + 1):
        sign_in(qtbot, ward, "nurse", "wrong password", expect_ok=False)
        if attempt < LOCK_AFTER_FAILURES:
            assert ward.lock.panel.message.text() == "The user name or password is wrong."
    assert "locked after repeated wrong passwords" in ward.lock.panel.message.text()
    # now even the right password is refused, and that refusal is audited too
    sign_in(qtbot, ward, "nurse", PASSWORD, expect_ok=False)
    assert "locked" in ward.lock.panel.message.text()
    assert ward.lock.screen.isVisible()
    user = get_user(db, "nurse")
    assert user.failed_attempts == LOCK_AFTER_FAILURES
    failures = [e for e in audit_entries(db, table="users", record_id=user.id)
                if e.action == "user.sign_in_failed"]
    assert len(failures) == LOCK_AFTER_FAILURES
    assert failures[0].detail == {"attempts": LOCK_AFTER_FAILURES, "locked": True}
    assert "session.sign_in_refused" in actions(db, "nurse")
    # a timed lock: it lifts by itself after the lock-out time
    lifted = user.locked_until + timedelta(seconds=1)
    assert authenticate(db, "nurse", PASSWORD, now=lifted).name == "nurse"
    # another nurse can still sign in meanwhile
    ward_db_user = get_user(db, "nurse2")
    assert ward_db_user.locked_until is None


def test_idle_lock_hides_the_patient_and_keeps_the_exam_then_another_nurse_unlocks(
        qtbot, make_ward, host, db):
    add_episode(db, 0, calm_block(2.0, 1.0))
    shell = make_ward(idle_ms=300)
    sign_in(qtbot, shell, "nurse")
    patient_cell = shell.board.model.text(shell.board.model.entry(0), "patient")
    assert patient_cell.startswith("Ana Souza")
    # an exam in progress in the wizard, with the patient's name typed in
    wizard = host.new_episode()
    assert wizard is not None
    mrn = wizard.findChild(QLineEdit, "patient.mrn")
    qtbot.mouseClick(mrn, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(mrn, "W-12345")
    qtbot.keyClick(mrn, Qt.Key.Key_Return)
    name = wizard.findChild(QLineEdit, "patient.name")
    name.setFocus()
    qtbot.keyClicks(name, "Zelda Martin")
    qtbot.waitUntil(lambda: "Zelda Martin" in wizard.header.text())
    # nobody touches the workstation: the screen locks by itself
    qtbot.waitUntil(lambda: shell.session.state is ScreenState.LOCKED, timeout=5000)
    assert shell.lock.screen.isVisible()
    assert not wizard.isVisible() and not wizard.header.isVisible()
    assert not shell.board.isVisible()
    shown = [label.text() for label in host.findChildren(QLabel) if label.isVisible()]
    assert not any("Zelda" in text or "Ana Souza" in text or "W-12345" in text
                   for text in shown), shown
    assert host.windowTitle() == "NeuroCheck \u2014 locked"
    assert ("Nia Nurse was signed in; the exam in progress is kept."
            in shell.lock.screen.message.text())
    # the exam in progress was saved as a draft before the cover came down
    drafts = host.record.pending_drafts()
    assert len(drafts) == 1 and drafts[0].content["patient"]["name"] == "Zelda Martin"
    assert search_audit(db, action="session.lock")[0].detail == {"why": "idle"}

    # another nurse unlocks: the same exam is still open, as it was
    sign_in(qtbot, shell, "nurse2")
    assert shell.session.user_name == "nurse2"
    assert host.wizard is wizard and wizard.isVisible()
    assert wizard.session.patient.name == "Zelda Martin"
    assert name.text() == "Zelda Martin"
    unlock = search_audit(db, action="session.unlock")[0]
    assert unlock.actor == "nurse2"
    assert unlock.detail["same_user"] is False
    assert search_audit(db, action="session.sign_out")[0].actor == "nurse"
    assert "Noor Second" in shell.toolbar.user.text()


def test_the_same_nurse_unlocks_after_a_manual_lock(qtbot, ward, db):
    sign_in(qtbot, ward, "nurse")
    qtbot.keyClick(ward.board.table, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert ward.session.state is ScreenState.LOCKED
    assert ward.lock.panel.user.text() == "nurse"  # typed in for them
    said = ward.lock.screen.message.text()  # no exam was open: none is said to be kept
    assert said.startswith("Locked. ") and "was signed in. " in said and "exam" not in said
    qtbot.keyClicks(ward.lock.panel.password, PASSWORD)
    qtbot.keyClick(ward.lock.panel.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: ward.session.active)
    assert search_audit(db, action="session.unlock")[0].detail["same_user"] is True


def test_switch_user_without_quitting(qtbot, ward, db):
    sign_in(qtbot, ward, "nurse")
    ward.toolbar.switch.trigger()
    assert ward.session.state is ScreenState.SIGNED_OUT
    assert ward.lock.screen.isVisible() and ward.lock.panel.user.text() == ""
    sign_in(qtbot, ward, "clinician")
    assert ward.session.user_name == "clinician"
    assert search_audit(db, action="session.sign_out")[0].detail == {"why": "switch_user"}


def test_emergency_access_is_loudly_audited(qtbot, ward, db):
    set_break_glass_account(db, "emergency", actor="admin")
    # the emergency account cannot sign in quietly
    sign_in(qtbot, ward, "emergency", expect_ok=False)
    assert "Emergency access" in ward.lock.panel.message.text()
    ward.lock.cover()  # refresh the button (the account was set from outside the GUI)
    button = ward.lock.panel.break_glass
    assert button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = ward.lock.dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.mouseClick(dialog.use, Qt.MouseButton.LeftButton)  # no reason chosen yet
    assert "Choose why" in dialog.message.text()
    dialog.reason.setFocus()
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Down)  # the first reason
    qtbot.keyClicks(dialog.password, PASSWORD)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: ward.session.active, timeout=10_000)
    assert ward.session.break_glass
    assert "EMERGENCY ACCESS" in ward.toolbar.user.text()
    assert "#b71c1c" in ward.toolbar.styleSheet()
    entry = search_audit(db, action="session.break_glass")[0]
    assert entry.actor == "emergency"
    assert entry.detail == {"reason": "patient_emergency"}
    # an emergency session gets no administration, whatever the account
    assert not ward.toolbar.settings.isVisible()
    ward.toolbar.switch.trigger()
    ended = search_audit(db, action="session.break_glass_end")
    assert len(ended) == 1 and ended[0].actor == "emergency"
    assert not ward.session.break_glass


def test_emergency_access_needs_the_right_password(qtbot, ward, db):
    set_break_glass_account(db, "emergency", actor="admin")
    ward.lock.cover()
    dialog = ward.lock.open_break_glass()
    dialog.reason.setCurrentIndex(2)
    qtbot.keyClicks(dialog.password, "not the sealed one")
    qtbot.mouseClick(dialog.use, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.message.isVisible())
    assert "wrong" in dialog.message.text()
    assert not ward.session.active
    assert search_audit(db, action="session.break_glass") == []


def test_without_an_emergency_account_the_button_is_off(qtbot, ward):
    assert not ward.lock.panel.break_glass.isEnabled()
    assert "administrator" in ward.lock.panel.break_glass.toolTip()


def test_an_exam_left_unfinished_is_offered_on_the_board(qtbot, host, make_ward):
    from desktop_app.ui.exam_state import ExamSession

    left = ExamSession.new_episode()
    left.set_value("patient.mrn", "W-777")
    host.record.save_draft(left.draft_key, left.to_draft())
    host.refresh()
    shell = make_ward()
    sign_in(qtbot, shell, "nurse")
    assert shell.board.isAncestorOf(host.drafts_bar) and host.drafts_bar.isVisible()
    qtbot.mouseClick(host.resume_button, Qt.MouseButton.LeftButton)
    assert host.wizard is not None and host.wizard.session.patient.mrn == "W-777"


def test_a_question_naming_the_patient_is_hidden_by_the_lock_and_comes_back(
        qtbot, host, make_ward):
    shell = make_ward()
    sign_in(qtbot, shell, "nurse")
    wizard = host.new_episode()
    mrn = wizard.findChild(QLineEdit, "patient.mrn")
    qtbot.mouseClick(mrn, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(mrn, "W-4242")
    qtbot.keyClick(mrn, Qt.Key.Key_Escape)  # "Discard the exam of ... (W-4242)?"
    box = wizard.question
    assert box is not None and box.isVisible() and "W-4242" in box.text()
    shell.lock.lock("manual")
    assert not box.isVisible()
    # the question was window-modal; hidden, it no longer blocks the sign-in form
    sign_in(qtbot, shell, "nurse")
    assert box.isVisible() and wizard.question is box
    box.reject()
    qtbot.waitUntil(lambda: wizard.question is None)
    assert host.wizard is wizard  # "Keep editing"


def test_the_application_writes_as_nobody_until_someone_signs_in(qtbot, folder, db,
                                                                  monkeypatch):
    from desktop_app.store import StoreError
    from desktop_app.ui.app import open_main_window

    for variable in ("LOGNAME", "USER", "USERNAME"):  # an OS account named like a user
        monkeypatch.setenv(variable, "admin")
    window = open_main_window(folder)
    qtbot.addWidget(window)
    window.show()
    assert window.record.signed_in == ""
    with pytest.raises(StoreError):  # nothing can be written under the OS account's name
        window.record.signed_in_user()
    sign_in(qtbot, window.ward_shell, "nurse")
    assert window.record.signed_in == "nurse"
    assert window.record.signed_in_user().name == "nurse"
