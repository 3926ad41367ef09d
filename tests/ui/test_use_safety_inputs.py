"""The wizard's inputs change a fact only when the nurse means it: the wheel scrolls the
page, the procedure time is never assumed, the call is timed when it is recorded, Enter
never leaves typed text behind, keys are shown and refused keys said, the focused row is in
view, and the bed reaches the board."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDateTimeEdit,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from desktop_app.domain.model import RED_FLAG_SYMPTOMS
from desktop_app.ui.widgets import ChoiceRow
from tests.ui.conftest import OFFSCREEN_NOISE
from tests.ui.driver import (
    case,
    click,
    enter,
    fill_exam,
    find,
    focused,
    new_episode,
    press,
    scan,
    type_text,
    type_time,
)
from tests.ui.recording import save_exam


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone()


# the wheel ---------------------------------------------------------------------------------
def wheel(widget: QWidget, notches: int) -> None:
    """Turn the wheel over the middle of `widget`. A sent wheel event does not travel up
    from a child as a real one does, so it goes to the input itself (for an editable combo
    or a time edit, the widget a real event reaches after their inner line edit)."""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre)), QPoint(),
                        QPoint(0, 120 * notches), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def input_value(widget: QWidget) -> object:
    if isinstance(widget, QDateTimeEdit):
        return widget.dateTime().toString("yyyy-MM-dd HH:mm:ss")
    if isinstance(widget, QAbstractSpinBox):
        return widget.text()
    if isinstance(widget, QComboBox):
        return widget.currentIndex(), widget.currentText()
    if isinstance(widget, ChoiceRow):
        return repr(widget.value())
    if isinstance(widget, QLineEdit):
        return widget.text()
    raise AssertionError(widget)


def inputs(page: QWidget) -> list[QWidget]:
    kinds = (QAbstractSpinBox, QComboBox, ChoiceRow, QLineEdit)
    return [w for w in page.findChildren(QWidget)
            if isinstance(w, kinds) and w.isVisible()
            and not isinstance(w.parentWidget(), (QComboBox, QAbstractSpinBox))]


def test_the_wheel_over_any_input_of_any_page_scrolls_the_page_and_changes_nothing(
        qtbot, window):
    window.resize(1366, 600)  # short: the pages with times and combos scroll
    wizard = new_episode(qtbot, window)
    document = case("mbb-normal-1h")
    scan(qtbot, wizard, "W-1")
    press(qtbot, find(wizard, ChoiceRow, "procedure.kind"), "medial_branch_block")
    type_time(qtbot, find(wizard, QWidget, "procedure.performed_at"),
              local(document["procedure"]["performed_at"]))
    type_time(qtbot, find(wizard, QDateTimeEdit, "exam.performed_at"),
              local(document["exam"]["performed_at"]))
    type_text(qtbot, find(wizard, QComboBox, "procedure.anaesthetic"), "lidocaine")
    click(qtbot, find(wizard, ChoiceRow, "procedure.side"), "left")
    def facts() -> dict:
        return dict(json.loads(wizard.session.to_draft_json()), page_index=None)

    session_before = facts()
    checked = scrolled = 0
    for index, page in enumerate(wizard.pages):
        wizard.go(index, focus=False)
        find(wizard, QLineEdit, "patient.mrn").setFocus()  # the focus is elsewhere
        scroll = wizard.stack.currentWidget()
        bar = scroll.verticalScrollBar()
        for widget in inputs(page):
            if widget is focused():
                continue
            before = input_value(widget)
            for notches in (1, -1, -2, 3):
                bar.setValue(bar.maximum() // 2)
                start = bar.value()
                wheel(widget, notches)
                assert input_value(widget) == before, f"the wheel changed {widget.objectName()}"
                if bar.maximum() > 0 and isinstance(widget, (QAbstractSpinBox, QComboBox)):
                    assert bar.value() != start, f"{widget.objectName()} kept the page still"
                    scrolled += 1
            checked += 1
        assert not isinstance(focused(), (QAbstractSpinBox, QComboBox))
    assert facts() == session_before
    assert checked > 50 and scrolled > 0  # the pages were there and some could scroll


def test_the_wheel_scrolls_the_patient_page_when_over_the_exam_time(qtbot, window):
    window.resize(1366, 600)  # short enough for the page to scroll
    wizard = new_episode(qtbot, window)
    press(qtbot, find(wizard, ChoiceRow, "procedure.kind"), "medial_branch_block")
    exam_time = find(wizard, QDateTimeEdit, "exam.performed_at")
    find(wizard, QLineEdit, "patient.mrn").setFocus()
    bar = wizard.stack.currentWidget().verticalScrollBar()
    assert bar.maximum() > 0, "the page should be taller than the screen here"
    bar.setValue(0)
    before = input_value(exam_time)
    wheel(exam_time, -2)
    assert input_value(exam_time) == before
    assert bar.value() > 0


# the procedure time --------------------------------------------------------------------
def test_a_new_episode_has_no_procedure_time_and_no_assessment_until_it_is_typed(
        qtbot, window):
    wizard = new_episode(qtbot, window)
    procedure_time = find(wizard, QLineEdit, "procedure.performed_at")
    assert procedure_time.text() == ""
    scan(qtbot, wizard, "T-1")
    type_text(qtbot, find(wizard, QLineEdit, "patient.name"), "Ana Test")
    press(qtbot, find(wizard, ChoiceRow, "procedure.kind"), "medial_branch_block")
    type_time(qtbot, find(wizard, QDateTimeEdit, "exam.performed_at"),
              datetime(2026, 5, 4, 13, 12))
    # No assessment yet, whatever else is there: the panel and the banner say what is missing.
    assert wizard.session.assessment() is None
    assert "procedure time" in wizard.panel.text()
    assert "OBSERVE" not in wizard.panel.text()
    assert "procedure time" in find(wizard, QLabel, "wizard.alarm").text()
    elapsed = find(wizard, QLabel, "exam.elapsed")
    assert elapsed.text().startswith("t = ?")
    # The keyboard path cannot skip it: Enter refuses, says why, and goes to the field.
    enter(qtbot)
    assert wizard.pages[wizard.current].page_id == "patient"
    assert "procedure" in wizard.status.text()
    assert focused() is procedure_time
    assert find(wizard, QLabel, "problem:procedure.performed_at").isVisible()
    qtbot.keyClicks(procedure_time, "2026-05-04 08:00")
    assert elapsed.text() == "t = 5 h 12 min after the procedure"
    assert wizard.session.assessment() is not None
    type_time(qtbot, find(wizard, QDateTimeEdit, "exam.performed_at"),
              datetime(2026, 5, 4, 14, 2))
    assert elapsed.text() == "t = 6 h 2 min after the procedure"
    type_time(qtbot, procedure_time, datetime(2026, 5, 4, 12, 30))
    assert elapsed.text() == "t = 1 h 32 min after the procedure"
    enter(qtbot)
    assert wizard.pages[wizard.current].page_id == "symptoms"


def test_a_procedure_time_that_is_not_a_time_is_refused_beside_the_field(qtbot, window):
    wizard = new_episode(qtbot, window)
    scan(qtbot, wizard, "T-2")
    press(qtbot, find(wizard, ChoiceRow, "procedure.kind"), "im_injection")
    procedure_time = find(wizard, QLineEdit, "procedure.performed_at")
    procedure_time.setFocus()
    qtbot.keyClicks(procedure_time, "2026-05-04 8h")
    enter(qtbot)
    assert wizard.pages[wizard.current].page_id == "patient"
    assert "is not a time" in wizard.status.text()
    assert wizard.session.assessment() is None


def test_a_recheck_shows_the_episode_procedure_time_changed_only_on_purpose(
        qtbot, window, record):
    document = case("mbb-normal-1h")
    save_exam(record, document)
    window.refresh()
    qtbot.mouseClick(find(window, QPushButton, "main.new_exam"), Qt.MouseButton.LeftButton)
    wizard = window.wizard
    procedure_time = find(wizard, QLineEdit, "procedure.performed_at")
    shown = local(document["procedure"]["performed_at"]).strftime("%Y-%m-%d %H:%M")
    assert procedure_time.text() == shown
    assert not procedure_time.isEnabled()
    procedure_time.setFocus()
    qtbot.keyClick(procedure_time, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(procedure_time, "2026-05-04 07:00")
    assert procedure_time.text() == shown  # typing over it by accident changes nothing
    assert wizard.session.procedure.performed_at == local(document["procedure"]["performed_at"])
    change = find(wizard, QPushButton, "procedure.performed_at.change")
    assert change.isVisible()
    qtbot.mouseClick(change, Qt.MouseButton.LeftButton)
    assert procedure_time.isEnabled()
    type_time(qtbot, procedure_time, datetime(2026, 5, 4, 7, 0))
    assert wizard.session.procedure.performed_at == datetime(2026, 5, 4, 7, 0).astimezone()


def test_the_time_of_a_call_is_when_it_is_recorded_not_when_the_form_opened(
        qtbot, window, monkeypatch):
    import desktop_app.ui.pages.escalation as escalation

    opened, recorded = datetime(2026, 5, 4, 9, 0).astimezone(), \
        datetime(2026, 5, 4, 9, 40).astimezone()
    monkeypatch.setattr(escalation, "local_now", lambda: opened)
    wizard = new_episode(qtbot, window)
    wizard.go(wizard.pages.index(wizard.escalation_page))
    monkeypatch.setattr(escalation, "local_now", lambda: recorded)
    type_text(qtbot, find(wizard, QComboBox, "escalation.role"), "Anaesthetist")
    type_text(qtbot, find(wizard, QLineEdit, "escalation.name"), "Dr Lima")
    type_text(qtbot, find(wizard, QLineEdit, "escalation.response"), "will come")
    qtbot.mouseClick(find(wizard, QPushButton, "escalation.record"), Qt.MouseButton.LeftButton)
    [call] = wizard.session.new_escalations
    assert datetime.fromisoformat(call.called_at) == recorded
    # A time typed on purpose is kept as typed.
    type_text(qtbot, find(wizard, QComboBox, "escalation.role"), "Neurologist")
    type_text(qtbot, find(wizard, QLineEdit, "escalation.name"), "Dr Chen")
    type_time(qtbot, find(wizard, QLineEdit, "escalation.called_at"),
              datetime(2026, 5, 4, 9, 15))
    type_text(qtbot, find(wizard, QLineEdit, "escalation.response"), "phoned back")
    qtbot.mouseClick(find(wizard, QPushButton, "escalation.record"), Qt.MouseButton.LeftButton)
    assert datetime.fromisoformat(wizard.session.new_escalations[1].called_at) == \
        datetime(2026, 5, 4, 9, 15).astimezone()


def test_a_call_typed_before_the_procedure_is_not_recorded(qtbot, window):
    """The escalation rule (PROTOCOL.md section 6) holds on the page: a call time typed
    before the procedure is named beside the field and nothing is recorded."""
    from tests.ui.driver import fill_patient_page

    document = case("mbb-numb-6h")
    wizard = new_episode(qtbot, window)
    fill_patient_page(qtbot, wizard, document)
    wizard.go(wizard.pages.index(wizard.escalation_page))
    procedure_at = local(document["procedure"]["performed_at"])
    type_text(qtbot, find(wizard, QComboBox, "escalation.role"), "Proceduralist")
    type_text(qtbot, find(wizard, QLineEdit, "escalation.name"), "Dr Chen")
    type_time(qtbot, find(wizard, QLineEdit, "escalation.called_at"),
              procedure_at.replace(tzinfo=None) - timedelta(hours=2))
    type_text(qtbot, find(wizard, QLineEdit, "escalation.response"), "will come")
    qtbot.mouseClick(find(wizard, QPushButton, "escalation.record"), Qt.MouseButton.LeftButton)
    assert wizard.session.new_escalations == []
    problem = find(wizard, QLabel, "problem:escalation.called_at")
    assert problem.isVisible() and "before the procedure" in problem.text()


# Enter on the escalation page ----------------------------------------------------------
def test_enter_in_a_call_field_records_the_call_or_says_what_is_missing(qtbot, window):
    document = case("mbb-numb-6h")
    wizard = new_episode(qtbot, window)
    fill_exam(qtbot, wizard, document)  # the driver records one call on the way
    wizard.session.new_escalations.clear()
    wizard.session.changed.emit("escalation")
    wizard.go_to_path("escalation")
    page = wizard.escalation_page
    assert wizard.pages[wizard.current] is page
    type_text(qtbot, find(wizard, QComboBox, "escalation.role"), "Proceduralist")
    type_text(qtbot, find(wizard, QLineEdit, "escalation.name"), "Dr Chen")
    for name in ("escalation.name", "escalation.called_at"):
        field = find(wizard, QLineEdit, name)
        field.setFocus()
        qtbot.keyClick(field, Qt.Key.Key_Return)
        assert wizard.pages[wizard.current] is page  # typed text is not left behind
        assert wizard.session.new_escalations == []
        assert "response" in wizard.status.text()
        assert find(wizard, QLabel, "problem:escalation.response").isVisible()
        assert focused() is find(wizard, QLineEdit, "escalation.response")
    response = find(wizard, QLineEdit, "escalation.response")
    qtbot.keyClicks(response, "will come at 15:00")
    qtbot.keyClick(response, Qt.Key.Key_Return)
    assert [c.name for c in wizard.session.new_escalations] == ["Dr Chen"]
    assert wizard.pages[wizard.current] is page
    assert "recorded" in wizard.status.text()
    assert "Dr Chen" in find(wizard, QLabel, "escalation.calls").text()
    qtbot.keyClick(response, Qt.Key.Key_Return)  # the form is empty now: Enter moves on
    assert wizard.pages[wizard.current].page_id == "review"


def test_the_next_button_does_not_leave_an_unrecorded_call(qtbot, window):
    wizard = new_episode(qtbot, window)
    wizard.go(wizard.pages.index(wizard.escalation_page))
    type_text(qtbot, find(wizard, QLineEdit, "escalation.response"), "to review")
    qtbot.mouseClick(find(wizard, QPushButton, "wizard.next"), Qt.MouseButton.LeftButton)
    assert wizard.pages[wizard.current] is wizard.escalation_page
    assert "role" in wizard.status.text() and "name" in wizard.status.text()


# keys, refused keys, the focused row in view ---------------------------------------------
def test_the_keys_are_shown_on_the_choice_buttons(qtbot, window):
    wizard = new_episode(qtbot, window)
    texts = {
        "symptoms.saddle_anaesthesia": ["Yes [Y]", "No [N]"],
        "motor.ankle_dorsiflexion.right": ["0", "1", "2", "3", "4", "5", "NT [N]"],
        "sensory.L4.right.light_touch": ["0", "1", "2", "NT"],  # dense: the legend says N
        "straight_leg_raise.right": ["Yes [Y]", "No [N]", "NT [T]"],
        "procedure.kind": ["IM injection [I]", "Lumbar medial branch block [M]"],
        "procedure.side": ["Right [R]", "Left [L]", "Bilateral [B]"],
    }
    for path, expected in texts.items():
        row = find(wizard, ChoiceRow, path)
        assert [b.text() for b in row.buttons] == expected
    site = [b.text() for b in find(wizard, ChoiceRow, "procedure.site").buttons]
    assert all(text.endswith(f"[{index}]") for index, text in enumerate(site, start=1))


def test_a_wrong_key_is_said_on_the_message_line(qtbot, window):
    wizard = new_episode(qtbot, window)
    kind = find(wizard, ChoiceRow, "procedure.kind")
    kind.setFocus()
    before = kind.value()
    qtbot.keyClicks(kind, "q")
    assert kind.value() == before
    assert "q is not" in wizard.status.text()
    assert wizard.status.isVisible()
    wizard.go(1)
    row = find(wizard, ChoiceRow, f"symptoms.{RED_FLAG_SYMPTOMS[0]}")
    row.setFocus()
    qtbot.keyClicks(row, "7")
    assert "7 is not" in wizard.status.text()
    assert row.value() is None


def test_the_focused_cell_is_always_in_view(qtbot, window):
    window.resize(1366, 768)
    wizard = new_episode(qtbot, window)
    press(qtbot, find(wizard, ChoiceRow, "procedure.kind"), "im_injection")
    wizard.go(wizard.pages.index(next(p for p in wizard.pages if p.page_id == "motor")))
    page = wizard.pages[wizard.current]
    scroll = wizard.stack.currentWidget()
    assert scroll.verticalScrollBar().maximum() > 0, "the page should need scrolling"
    cells = page.navigator.cells()
    cells[0].setFocus()
    for cell in cells[:-1]:
        assert focused() is cell
        qtbot.keyClicks(cell, "5" if cell.path.startswith("motor.") else "y")
        now = focused()
        top_left = now.mapTo(scroll.viewport(), QPoint(0, 0))
        assert top_left.y() >= 0, f"{now.objectName()} is above the view"
        assert top_left.y() + now.height() <= scroll.viewport().height(), \
            f"{now.objectName()} is below the view"


# the bed -------------------------------------------------------------------------------
def test_the_bed_typed_in_the_wizard_is_shown_on_the_board(qtbot, window, record):
    from desktop_app.store.ward import WardReader
    from desktop_app.ui.ward.board import COLUMNS, BoardModel

    wizard = new_episode(qtbot, window)
    bed = find(wizard, QLineEdit, "episode.location")
    type_text(qtbot, bed, "Bed 12")
    fill_exam(qtbot, wizard, case("mbb-normal-1h"))
    with qtbot.waitSignal(wizard.finished):
        qtbot.mouseClick(find(wizard, QPushButton, "wizard.finish"), Qt.MouseButton.LeftButton)
    model = BoardModel()
    model.set_entries(WardReader(record.db).entries())
    column = COLUMNS.index("location")
    assert [model.data(model.index(r, column)) for r in range(model.rowCount())] == ["Bed 12"]


# right, then left -------------------------------------------------------------------------
def test_every_entry_screen_puts_right_before_left_and_the_maps_say_which_is_which(
        qtbot, window):
    from desktop_app.ui.bodymap_view import BodyMapView

    window.resize(1920, 1080)
    wizard = new_episode(qtbot, window)
    press(qtbot, find(wizard, ChoiceRow, "procedure.kind"), "im_injection")
    side = [b.text().split(" [")[0] for b in find(wizard, ChoiceRow, "procedure.side").buttons]
    assert side.index("Right") < side.index("Left")
    pairs = 0
    for page in wizard.pages:
        wizard.go(wizard.pages.index(page), focus=False)
        for path, cell in page.cells.items():
            if ".right" not in path:
                continue
            other = page.cells.get(path.replace(".right", ".left"))
            if other is None or not cell.isVisible():
                continue
            x_right = cell.mapTo(page, QPoint(0, 0)).x()
            x_left = other.mapTo(page, QPoint(0, 0)).x()
            assert x_right < x_left, f"{path}: left is shown first"
            pairs += 1
    assert pairs >= 5 * 2 + 5 + 2 + 2  # sensory rows x 2, legs, straight-leg raise, reflexes
    view = wizard.findChild(BodyMapView)
    # Front view: the patient's right on the viewer's left; back view: as seen from behind.
    viewer_left = {v.id: v.viewer_left_side for v in view.body.views}
    assert viewer_left == {"front": "right", "back": "left"}
    for leg in ("right", "left"):
        for dermatome in ("L2", "L3", "L4", "L5", "S1"):
            key = view.body.key_point(leg, dermatome)
            box = view._boxes()[key.view]
            on_left = box.left() + key.point[0] * box.width() < box.center().x()
            assert on_left == (leg == viewer_left[key.view]), f"{leg} {dermatome} {key.view}"


# drafts keep what is not known yet --------------------------------------------------------
def test_a_draft_keeps_the_procedure_time_unknown_and_the_bed():
    from desktop_app.ui.exam_state import ExamSession

    session = ExamSession.new_episode(datetime(2026, 5, 4, 9, 0).astimezone())
    session.location = "Bed 7"
    restored = ExamSession.from_draft_json("k", session.to_draft_json())
    assert restored.value("procedure.performed_at") is None
    assert restored.assessment() is None
    assert any(p.path == "procedure.performed_at" for p in restored.problems())
    assert restored.location == "Bed 7"


def test_an_input_focused_on_purpose_still_takes_the_wheel(qtbot, window):
    wizard = new_episode(qtbot, window)
    exam_time = find(wizard, QDateTimeEdit, "exam.performed_at")
    type_time(qtbot, exam_time, datetime(2026, 5, 4, 13, 0))
    exam_time.setFocus()
    qtbot.waitUntil(exam_time.hasFocus)
    exam_time.setCurrentSection(QDateTimeEdit.Section.HourSection)
    wheel(exam_time, 1)
    assert exam_time.dateTime().toString("yyyy-MM-dd HH:mm") == "2026-05-04 14:00"


@pytest.mark.qt_log_ignore(OFFSCREEN_NOISE, "This plugin does not support grabbing the keyboard")
def test_the_procedure_date_can_be_picked_from_a_calendar(qtbot, window):
    wizard = new_episode(qtbot, window)
    field = find(wizard, QLineEdit, "procedure.performed_at")
    type_time(qtbot, field, datetime(2026, 5, 4, 8, 15))
    qtbot.mouseClick(find(wizard, QWidget, "procedure.performed_at.pick"),
                     Qt.MouseButton.LeftButton)
    calendar = field.calendar
    qtbot.waitUntil(calendar.isVisible)
    days = calendar.findChild(QAbstractItemView)  # the grid of days takes the keys
    qtbot.keyClick(days, Qt.Key.Key_Right)  # the next day
    qtbot.keyClick(days, Qt.Key.Key_Return)
    assert field.text() == "2026-05-05 08:15"
    assert wizard.session.procedure.performed_at == datetime(2026, 5, 5, 8, 15).astimezone()
