"""The ward board: overdue first, levels in colour and words, filters, starting the next
check in one action, closing an episode, and following another process's writes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from desktop_app.store import get_episode, new_exam_document
from desktop_app.store.database import utc_now
from desktop_app.store.demo import Check, _block, scenario_documents
from desktop_app.store.ward import search_audit, ward_entries
from desktop_app.ui.theme import LEVEL_STYLES
from desktop_app.ui.ward.board import COLUMNS, BoardModel, countdown_text
from tests.conftest import ROOT
from tests.signing_in import run_subprocess
from tests.ui.ward.conftest import add_episode, calm_block, calm_im, sign_in, weak_block


def rows(board) -> list[dict[str, str]]:
    model = board.model
    return [{name: model.data(model.index(r, c)) for c, name in enumerate(COLUMNS)}
            for r in range(model.rowCount())]


def fill(db) -> dict[str, int]:
    return {
        "calm": add_episode(db, 0, calm_block(1.0, 0.9)),  # due in about 24 min
        "late_calm": add_episode(db, 1, calm_block(3.5, 1.0)),  # 2 h overdue, observe
        "late_urgent": add_episode(db, 2, weak_block(6.0, 5.0)),  # 45 min overdue, urgent
        "injection": add_episode(db, 3, calm_im(3.0, 1.0)),  # due at the 24 h mark
    }


def test_overdue_rows_rise_to_the_top_highest_level_first(qtbot, ward, db):
    ids = fill(db)
    sign_in(qtbot, ward, "nurse")
    shown = rows(ward.board)
    order = [ward.board.model.entry(r).episode_id for r in range(len(shown))]
    assert order == [ids["late_urgent"], ids["late_calm"], ids["calm"], ids["injection"]]
    assert shown[0]["level"] == "\u25c6 URGENT" and shown[1]["level"] == "\u25cf OBSERVE"
    assert shown[0]["due"].startswith("\u26a0 OVERDUE 4") and "OVERDUE 2 h" in shown[1]["due"]
    assert shown[2]["due"].startswith("in ")
    assert shown[0]["flags"] == "Do not discharge \u00b7 No mobilization"
    assert shown[0]["patient"] == "Zoë Ngô-Ærøe \u00b7 DEMO-1003"
    assert shown[3]["procedure"] == "IM ventrogluteal \u00b7 left"
    model = ward.board.model
    # the level is colour and word; an overdue row is tinted and bold, the others are not
    level_cell = model.index(0, COLUMNS.index("level"))
    assert model.data(level_cell, Qt.ItemDataRole.BackgroundRole) == QColor(
        LEVEL_STYLES[next(lv for lv in LEVEL_STYLES if lv.value == "urgent")].background)
    assert model.data(model.index(1, 1), Qt.ItemDataRole.BackgroundRole) is not None
    assert model.data(model.index(2, 1), Qt.ItemDataRole.BackgroundRole) is None
    assert model.data(model.index(1, 1), Qt.ItemDataRole.FontRole).bold()
    assert "2 overdue" in ward.board.summary.text()


def test_the_countdown_moves_and_a_row_rises_when_its_check_falls_due(db):
    late_calm = add_episode(db, 1, calm_block(3.5, 1.0))  # observe, 2 h overdue
    urgent_soon = add_episode(db, 2, weak_block(6.0, 5.9))  # urgent, due in 9 min
    model = BoardModel()
    now = utc_now()
    model.set_entries(ward_entries(db), now)
    assert [model.entry(r).episode_id for r in range(2)] == [late_calm, urgent_soon]
    assert model.text(model.entry(1), "due") in ("in 8 min", "in 9 min")  # to the minute
    due = model.entry(1).next_check_due
    model.tick(due - timedelta(minutes=4))
    assert model.text(model.entry(1), "due") == "in 4 min"  # the countdown moved
    model.tick(due + timedelta(minutes=3))
    assert [model.entry(r).episode_id for r in range(2)] == [urgent_soon, late_calm]
    assert model.text(model.entry(0), "due") == "\u26a0 OVERDUE 3 min"
    assert model.overdue_count == 2
    assert countdown_text(due, due - timedelta(hours=3, minutes=5)) == "in 3 h 05 min"
    assert countdown_text(due, due - timedelta(seconds=59)) == "due now"  # never "in 0 min"
    assert countdown_text(due, due + timedelta(seconds=30)) == "\u26a0 OVERDUE under 1 min"
    assert countdown_text(due, due + timedelta(minutes=1)) == "\u26a0 OVERDUE 1 min"


def test_filter_by_level_and_overdue_only(qtbot, ward, db):
    fill(db)
    sign_in(qtbot, ward, "nurse")
    qtbot.mouseClick(ward.board.filter_buttons["urgent"], Qt.MouseButton.LeftButton)
    assert [r["level"] for r in rows(ward.board)] == ["\u25c6 URGENT"]
    assert "showing 1" in ward.board.summary.text()
    qtbot.mouseClick(ward.board.filter_buttons[None], Qt.MouseButton.LeftButton)
    ward.board.overdue_only.setChecked(True)
    assert all(r["due"].startswith("\u26a0 OVERDUE") for r in rows(ward.board))
    assert len(rows(ward.board)) == 2


def test_enter_starts_the_next_check_of_the_selected_patient_and_audits_the_view(
        qtbot, ward, db, started):
    ids = fill(db)
    sign_in(qtbot, ward, "nurse")
    table = ward.board.table
    assert ward.main_window.focusWidget() is table  # the window's focus, whatever is active
    qtbot.waitUntil(table.hasFocus, timeout=3_000)  # the window is activated on sign-in
    qtbot.keyClick(table, Qt.Key.Key_Down)  # the second row: the late calm block
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert started.episodes == [ids["late_calm"]]
    view = search_audit(db, action="patient.view")[0]
    assert view.actor == "nurse"
    assert view.record_id == get_episode(db, ids["late_calm"]).patient_id
    assert view.detail == {"episode_id": ids["late_calm"], "via": "next_check"}


def test_a_clinician_closes_an_episode_with_a_reason(qtbot, ward, db):
    ids = fill(db)
    sign_in(qtbot, ward, "nurse")
    assert not ward.board.close_episode.isEnabled()  # nurses do not close episodes
    ward.toolbar.switch.trigger()
    sign_in(qtbot, ward, "clinician")
    assert ward.board.select_episode(ids["calm"])
    qtbot.mouseClick(ward.board.close_episode, Qt.MouseButton.LeftButton)
    dialog = ward.board_controller.dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)  # no reason yet: refused
    assert "Choose the reason" in dialog.message.text()
    dialog.reason.setCurrentIndex(1)
    qtbot.keyClicks(dialog.detail, "no deficit at 1 h")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ward.board_controller.dialog is None)
    assert ids["calm"] not in [e.episode_id for e in ward.board.model.entries]
    episode = get_episode(db, ids["calm"])
    assert episode.closed_by == "clinician"
    closing = db.execute("SELECT close_note FROM episodes WHERE id = ?",
                         [ids["calm"]]).fetchone()[0]
    assert closing == "Recovered: no deficit at the last check: no deficit at 1 h"
    assert search_audit(db, action="episode.close")[0].record_id == ids["calm"]


def test_the_board_shows_an_exam_imported_by_another_process(qtbot, ward, db, folder, tmp_path):
    fill(db)
    sign_in(qtbot, ward, "nurse")
    before = len(ward.board.model.entries)
    refreshes = []
    ward.board_controller.refreshed.connect(lambda: refreshes.append(1))
    document = scenario_documents(_block(2.0, Check(1.5)), 7, utc_now())[0]
    source = tmp_path / "new-patient.json"
    source.write_text(json.dumps(document), encoding="utf-8")
    run = run_subprocess(folder, "import", str(source), cwd=ROOT)
    assert run.returncode == 0, run.stderr
    qtbot.waitUntil(lambda: len(ward.board.model.entries) == before + 1, timeout=10_000)
    assert "DEMO-1008" in [e.mrn for e in ward.board.model.entries]
    assert refreshes  # the watcher saw the other process's commit; nobody refreshed by hand


def test_a_new_exam_of_an_open_episode_updates_its_row(qtbot, ward, db):
    ids = fill(db)
    sign_in(qtbot, ward, "nurse")
    exam = {"performed_at": utc_now().astimezone().isoformat(timespec="seconds"),
            "symptoms": {"numbness": False, "saddle_anaesthesia": True,
                         "bowel_bladder_dysfunction": False, "bilateral_symptoms": False,
                         "worsening_weakness": False}}
    from desktop_app.store import save_exam

    save_exam(db, new_exam_document(db, ids["calm"], exam), actor="nurse2")
    model = ward.board.model
    qtbot.waitUntil(lambda: model.entry(2).level == "emergency", timeout=5000)
    # checked just now: due in 15 min, so below the two overdue rows
    assert model.entry(2).episode_id == ids["calm"]
    assert rows(ward.board)[2]["level"] == "\u26a0 EMERGENCY"
    assert rows(ward.board)[2]["due"] in ("in 14 min", "in 15 min")


@pytest.mark.parametrize(("elapsed", "shown"), [
    (timedelta(hours=2, minutes=36), "2.6 h"),
    (timedelta(hours=48), "48.0 h"),
    (timedelta(hours=48, seconds=1), "2 d 1 h"),  # past IM-5's 48 h: never "48.0 h"
    (timedelta(hours=47, minutes=57), "48.0 h"),  # not yet past it
    (timedelta(hours=3, minutes=59, seconds=59), "4.0 h"),
    (timedelta(days=60, minutes=20), "60 d 1 h"),  # past 60 days: never "60 d 0 h"
    (timedelta(days=60), "60 d 0 h"),
])
def test_the_time_since_the_procedure_never_reads_as_on_a_boundary_it_has_passed(
        elapsed, shown):
    from desktop_app.ui.ward.board import since_text

    procedure = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
    assert since_text(procedure, procedure + elapsed) == shown
