"""What administrators do at the workstation: the ward's settings (schedule included) and the
audit log with its CSV export."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import Qt

from desktop_app.store import get_setting, schedule_policy
from desktop_app.store.settings import IDLE_TIMEOUT_MINUTES, PAPER_SIZE, WARD_NAME
from desktop_app.store.ward import break_glass_account, search_audit
from desktop_app.ui.ward.settings_dialog import parse_marks
from tests.ui.ward.conftest import add_episode, calm_block, sign_in


def open_settings(qtbot, ward):
    qtbot.mouseClick(ward.toolbar.widgetForAction(ward.toolbar.settings),
                     Qt.MouseButton.LeftButton)
    dialog = ward.settings_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def test_only_administrators_see_settings_and_the_audit_log(qtbot, ward):
    sign_in(qtbot, ward, "nurse")
    assert not ward.toolbar.settings.isVisible() and not ward.toolbar.audit.isVisible()
    assert ward.open_settings() is None and ward.open_audit() is None
    ward.toolbar.switch.trigger()
    sign_in(qtbot, ward, "admin")
    assert ward.toolbar.settings.isVisible() and ward.toolbar.audit.isVisible()


def test_an_administrator_changes_the_schedule_and_the_board_follows(qtbot, ward, db):
    # a block checked at 3.5 h: every 30 min would be 4.0 h, the 4 h mark anyway
    late = add_episode(db, 0, calm_block(3.6, 3.5))
    early = add_episode(db, 1, calm_block(1.2, 1.0))
    sign_in(qtbot, ward, "admin")
    before = {e.episode_id: e.next_check_due for e in ward.board.model.entries}
    dialog = open_settings(qtbot, ward)
    dialog.block_every.selectAll()
    qtbot.keyClicks(dialog.block_every, "60")
    dialog.ward_name.selectAll()
    qtbot.keyClicks(dialog.ward_name, "Ward 9 North")
    dialog.idle.selectAll()
    qtbot.keyClicks(dialog.idle, "3")
    dialog.paper_size.setCurrentText("Letter")
    dialog.account.setCurrentIndex(dialog.account.findData("emergency"))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ward.settings_dialog is None)
    assert schedule_policy(db).block_observe_every_minutes == 60
    assert schedule_policy(db).block_mark_hours == 4.0
    assert get_setting(db, WARD_NAME) == "Ward 9 North"
    assert get_setting(db, IDLE_TIMEOUT_MINUTES) == 3 and ward.idle.timer.interval() == 180_000
    assert get_setting(db, PAPER_SIZE) == "Letter"
    assert break_glass_account(db) == "emergency"
    qtbot.waitUntil(lambda: "Ward 9 North" in ward.board.title.text())
    after = {e.episode_id: e.next_check_due for e in ward.board.model.entries}
    assert after[early] - before[early] == timedelta(minutes=30)  # every 60 min now
    assert after[late] == before[late]  # the 4 h mark comes first, always scheduled
    keys = [e.detail["key"] for e in search_audit(db, action="setting.change")]
    assert {"schedule_policy", "ward_name", "idle_timeout_minutes", "paper_size",
            "break_glass_account"} <= set(keys)


def test_settings_refuse_a_schedule_that_cannot_be_read(qtbot, ward, db):
    sign_in(qtbot, ward, "admin")
    dialog = open_settings(qtbot, ward)
    dialog.im_marks.selectAll()
    qtbot.keyClicks(dialog.im_marks, "24, soon")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "numbers separated by commas" in dialog.message.text()
    assert schedule_policy(db).im_observe_marks_hours == (24.0, 48.0)
    assert parse_marks("48 24;24") == (24.0, 48.0)
    dialog.reject()


def test_the_audit_log_is_filtered_verified_and_exported(qtbot, ward, db, tmp_path):
    sign_in(qtbot, ward, "nurse")
    ward.lock.lock("manual")
    sign_in(qtbot, ward, "nurse")
    ward.toolbar.switch.trigger()
    sign_in(qtbot, ward, "admin")
    qtbot.mouseClick(ward.toolbar.widgetForAction(ward.toolbar.audit), Qt.MouseButton.LeftButton)
    view = ward.windows[-1]
    qtbot.waitUntil(view.isVisible)
    assert "intact" in view.chain.text()
    assert search_audit(db, action="audit.view")[0].actor == "admin"
    view.who.setEditText("nurse")
    view.what.setEditText("session.")
    qtbot.mouseClick(view.apply_button, Qt.MouseButton.LeftButton)
    shown = [(e.actor, e.action) for e in view.entries]
    assert shown == [("nurse", "session.sign_out"), ("nurse", "session.unlock"),
                     ("nurse", "session.lock")]
    assert view.model.rowCount() == 3
    target = tmp_path / "audit.csv"
    view.choose_path = lambda answer: answer(target)
    qtbot.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
    with Path(target).open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["actor"], r["action"]) for r in rows] == shown
    export = search_audit(db, action="audit.export")[0]
    assert export.actor == "admin"
    assert export.detail == {"entries": 3, "filters": {"actor": "nurse", "action": "session."}}
    assert "exported" in view.status.text()
