"""The serial view (timeline and trend charts) and the change-since-last-exam helper the
wizard uses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCharts import QLineSeries
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from desktop_app.domain.model import Exam
from desktop_app.store import get_episode
from desktop_app.store.database import utc_now
from desktop_app.store.demo import Check, _block, numb, symptoms, weak
from desktop_app.store.ward import search_audit
from desktop_app.ui.ward.changes import (
    BETTER,
    CHANGED,
    SAME,
    WORSE,
    grade_change,
    watch_changes,
)
from desktop_app.ui.ward.trends import SerialView, level_change, load_serial, time_scale
from tests.ui.ward.conftest import add_episode, sign_in

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


def exam(hours: float, **grades) -> Exam:
    return Exam(performed_at=T0 + timedelta(hours=hours),
                grades={k.replace("__", "."): v for k, v in grades.items()})


def weakening_block():
    """Knee extension 5, then 4 (weaker before 4 h: urgent), then 3 past 4 h (emergency),
    both by RF-3."""
    return _block(6.0,
                  Check(1.0, symptoms(numbness=True), numb("L5")),
                  Check(3.0, symptoms(numbness=True), {**numb("L5"),
                                                       **weak("knee_extension", 4)}),
                  Check(5.0, symptoms(numbness=True, worsening_weakness=True),
                        {**numb("L5", grade=0), **weak("knee_extension", 3)}))


def test_viewing_a_patient_leaves_an_audit_entry(qtbot, ward, db):
    episode = add_episode(db, 4, weakening_block())
    sign_in(qtbot, ward, "nurse")
    assert search_audit(db, action="patient.view") == []
    qtbot.mouseClick(ward.board.serial_view, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(isinstance(w, SerialView) and w.isVisible()
                                for w in ward.windows))
    entry = search_audit(db, action="patient.view")[0]
    assert entry.actor == "nurse"
    assert (entry.record_table, entry.record_id) == ("patients",
                                                     get_episode(db, episode).patient_id)
    assert entry.detail == {"episode_id": episode, "via": "serial_view"}


def test_the_serial_view_shows_levels_changes_and_grades_over_time(qtbot, db):
    episode = add_episode(db, 4, weakening_block())
    data = load_serial(db, episode)
    assert [e.level for e in data.exams] == ["observe", "urgent", "emergency"]
    view = SerialView(data)
    qtbot.addWidget(view)
    view.resize(1366, 768)
    view.show()
    timeline = view.timeline
    assert timeline.rowCount() == 3
    assert timeline.item(2, 1).text() == "\u26a0 EMERGENCY\n\u25b2 up from URGENT"
    changes = timeline.item(2, 2).text().splitlines()
    assert set(changes) == {"\u25bc Left L5 light touch 1\u21920",
                            "\u25bc Left L5 pinprick 1\u21920",
                            "\u25bc Left knee extension 4\u21923"}
    assert timeline.item(0, 2).text() == "first exam"
    assert "RF-3" in timeline.item(2, 3).text()
    # the knee chart: left falls 5, 4, 3; right stays 5; hours on the x axis
    chart = view.charts["motor.knee_extension"].chart()
    lines = {s.name(): [(round(p.x(), 1), p.y()) for p in s.points()]
             for s in chart.series() if isinstance(s, QLineSeries)
             and type(s) is QLineSeries}
    assert lines["Left"] == [(1.0, 5.0), (3.0, 4.0), (5.0, 3.0)]
    assert lines["Right"] == [(1.0, 5.0), (3.0, 5.0), (5.0, 5.0)]
    assert "sensory.light_touch" in view.charts and "level" in view.charts
    totals = {s.name(): [p.y() for p in s.points()]
              for s in view.charts["sensory.light_touch"].chart().series()
              if type(s) is QLineSeries}
    assert totals["Left"] == [9.0, 9.0, 8.0] and totals["Right"] == [10.0, 10.0, 10.0]
    assert view.windowTitle() == "Serial view \u2014 NeuroCheck"  # no patient in a title bar


@pytest.mark.parametrize(("previous", "now", "path", "expected"), [
    ({"motor__knee_extension__left": 5}, 3, "motor.knee_extension.left", WORSE),
    ({"motor__knee_extension__left": 3}, 4, "motor.knee_extension.left", BETTER),
    ({"motor__knee_extension__left": 4}, 4, "motor.knee_extension.left", SAME),
    ({"sensory__L5__left__pinprick": 2}, 1, "sensory.L5.left.pinprick", WORSE),
    ({"straight_leg_raise__left": True}, False, "straight_leg_raise.left", WORSE),
    ({"bromage__left": 2}, 1, "bromage.left", BETTER),
    ({"reflexes__patellar__left": "2+"}, "3+", "reflexes.patellar.left", CHANGED),
])
def test_grade_change_reads_each_scale_the_right_way(previous, now, path, expected):
    change = grade_change([exam(1.0, **previous)], path, now)
    assert change is not None and change.direction == expected


def test_grade_change_skips_nt_and_compares_with_the_last_grade_found():
    history = [exam(1.0, motor__hip_flexion__left=5), exam(2.0, motor__hip_flexion__left="NT"),
               exam(0.5, motor__hip_flexion__left=4)]
    change = grade_change(history, "motor.hip_flexion.left", 3)
    assert (change.previous, change.previous_at) == (5, T0 + timedelta(hours=1))
    assert change.text.startswith("\u25bc worse: was 5 at ")
    assert grade_change(history, "motor.hip_flexion.left", "NT") is None
    assert grade_change(history, "motor.hip_flexion.right", 5) is None  # never graded
    assert grade_change([], "motor.hip_flexion.left", 5) is None


def test_the_wizard_cells_show_their_change_since_the_last_exam(qtbot):
    """watch_changes on the wizard's motor page: a grade typed lower than last time marks
    the cell (style property, caption words, accessible description)."""
    from desktop_app.record.reads import ExamRecord
    from desktop_app.store.demo import scenario_documents
    from desktop_app.ui.exam_state import ExamSession
    from desktop_app.ui.pages.motor import MotorPage
    from desktop_app.ui.ward import CHANGE_STYLE_SHEET
    from desktop_app.ui.widgets import ChoiceRow

    document = scenario_documents(_block(2.0, Check(1.0)), 0, utc_now())[0]
    performed = datetime.fromisoformat(document["exam"]["performed_at"])
    record = ExamRecord(1, 1, performed, document, {"level": "observe"}, {}, "observe",
                        performed, performed, "nurse")
    session = ExamSession.next_exam(1, [record])
    page = MotorPage(session)
    qtbot.addWidget(page)
    page.setStyleSheet(CHANGE_STYLE_SHEET)
    page.show()
    marker = watch_changes(page)
    cell = page.findChild(ChoiceRow, "motor.knee_extension.left")
    caption = page.findChild(QLabel, "note:motor.knee_extension.left")
    cell.setFocus()
    qtbot.keyClicks(cell, "3")
    qtbot.waitUntil(lambda: marker.changes.get("motor.knee_extension.left") is not None)
    assert cell.property("change") == WORSE
    assert caption.text().endswith("\u25bc was 5")
    assert "against gravity" in caption.text()  # the wizard's own words stay
    assert "change: \u25bc worse" in cell.accessibleDescription()
    other = page.findChild(ChoiceRow, "motor.knee_extension.right")
    other.setFocus()
    qtbot.keyClicks(other, "5")
    qtbot.waitUntil(lambda: marker.changes.get("motor.knee_extension.right") is not None)
    assert marker.changes["motor.knee_extension.right"].direction == SAME
    same_caption = page.findChild(QLabel, "note:motor.knee_extension.right")
    assert "was" not in same_caption.text()  # the same as before: nothing to mark
    assert other.accessibleDescription().endswith("change: = same as at " +
                                                  change_time(marker, "right"))


def change_time(marker, side: str) -> str:
    return marker.changes[f"motor.knee_extension.{side}"].previous_at.astimezone().strftime(
        "%H:%M")


def test_words_of_the_timeline_and_axes():
    assert level_change("observe", "notify") == "\u25b2 up from OBSERVE"
    assert level_change("urgent", "notify") == "\u25bc down from URGENT"
    assert level_change("notify", "notify") == "" and level_change(None, "notify") == ""
    assert time_scale(5.0) == (6.0, 1.0)
    assert time_scale(30.5) == (32.0, 4.0)
    assert time_scale(0.4) == (0.5, 0.5)
