"""The exam wizard as the nurse meets it: the wristband scan, times, red flags, grades by
keyboard, NT reasons, discarding, escalation, the emergency, and pages a site steps over."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDateTimeEdit,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QWidget,
)

from desktop_app.domain import load_document
from desktop_app.domain.model import RED_FLAG_SYMPTOMS
from desktop_app.domain.scales import GRID
from desktop_app.ui.widgets import ChoiceRow
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
    shown_assessment,
    type_text,
    type_time,
)
from tests.ui.recording import calls, save_exam


def context_only(document: dict) -> dict:
    """The document's context with an exam holding the red flags only."""
    exam = {"performed_at": document["exam"]["performed_at"],
            "symptoms": {k: False for k in RED_FLAG_SYMPTOMS}}
    return dict(document, exam=exam, previous_exams=[])


def finish(qtbot, wizard):
    qtbot.mouseClick(find(wizard, QPushButton, "wizard.finish"), Qt.MouseButton.LeftButton)


# the wristband ---------------------------------------------------------------------------
def test_a_scanned_mrn_finds_the_patient_on_record(qtbot, window, record):
    save_exam(record, case("mbb-normal-1h"))
    wizard = new_episode(qtbot, window)
    scan(qtbot, wizard, "MRN-0042")
    assert wizard.current == 0  # the scanner's Enter looked the patient up, no page change
    assert find(wizard, QLabel, "patient.lookup").text().startswith("Known patient: Ana Souza")
    assert find(wizard, QLineEdit, "patient.name").text() == "Ana Souza"
    assert find(wizard, QLineEdit, "patient.birth_date").text() == "1961-05-14"
    assert focused() is find(wizard, ChoiceRow, "procedure.kind")
    assert wizard.session.patient.mrn == "MRN-0042"


def test_a_wristband_scanned_in_lower_case_finds_the_same_patient(qtbot, window, record):
    """Caps lock on the scanner: `mrn-0042` is the patient on record as MRN-0042 (MRNs are
    compared without case), so the serial comparison of their exams is not lost."""
    save_exam(record, case("mbb-normal-1h"))
    wizard = new_episode(qtbot, window)
    scan(qtbot, wizard, "mrn-0042")
    assert find(wizard, QLabel, "patient.lookup").text().startswith("Known patient: Ana Souza")
    assert find(wizard, QLineEdit, "patient.name").text() == "Ana Souza"


def test_a_new_mrn_asks_for_the_name(qtbot, window):
    wizard = new_episode(qtbot, window)
    scan(qtbot, wizard, "H77031")
    assert "New patient" in find(wizard, QLabel, "patient.lookup").text()
    assert focused() is find(wizard, QLineEdit, "patient.name")


@pytest.mark.parametrize("code, reason", [
    ("MRN 0042", "not ' '"),
    ("ÄB-12", "not 'Ä'"),
    ("A" * 21, "at most 20"),
])
def test_a_bad_mrn_is_refused_next_to_the_field(qtbot, window, code, reason):
    wizard = new_episode(qtbot, window)
    scan(qtbot, wizard, code)
    problem = find(wizard, QLabel, "problem:patient.mrn")
    assert problem.isVisible()
    assert reason in problem.text()
    press(qtbot, find(wizard, ChoiceRow, "procedure.kind"), "medial_branch_block")
    enter(qtbot)
    assert wizard.current == 0  # Next refuses the page
    assert "MRN" not in wizard.status.text() or "Cannot go on" in wizard.status.text()
    assert focused() is find(wizard, QLineEdit, "patient.mrn")


def test_a_birth_date_in_the_future_is_refused(qtbot, window):
    wizard = new_episode(qtbot, window)
    scan(qtbot, wizard, "A1")
    future = (datetime.now() + timedelta(days=400)).strftime("%Y-%m-%d")
    type_text(qtbot, find(wizard, QLineEdit, "patient.birth_date"), future)
    assert "in the future" in find(wizard, QLabel, "problem:patient.birth_date").text()


# times -----------------------------------------------------------------------------------
def test_an_exam_before_the_procedure_is_blocked_with_the_reason_beside_the_field(qtbot,
                                                                                   window):
    wizard = new_episode(qtbot, window)
    scan(qtbot, wizard, "A1")
    press(qtbot, find(wizard, ChoiceRow, "procedure.kind"), "im_injection")
    type_time(qtbot, find(wizard, QLineEdit, "procedure.performed_at"),
              datetime(2026, 5, 4, 10, 0))
    exam_time = find(wizard, QDateTimeEdit, "exam.performed_at")
    type_time(qtbot, exam_time, datetime(2026, 5, 4, 9, 0))
    problem = find(wizard, QLabel, "problem:exam.performed_at")
    assert problem.isVisible()
    assert "is before the procedure (04 May 10:00)" in problem.text()
    # beside the field: the problem sits right under the exam time in the form
    assert abs(problem.mapTo(wizard, problem.rect().topLeft()).y()
               - exam_time.mapTo(wizard, exam_time.rect().bottomLeft()).y()) < 40
    enter(qtbot)
    assert wizard.current == 0
    assert "before the procedure" in wizard.status.text()
    assert find(wizard.panel, QLabel, "assessment.level").text().endswith("NOT YET ASSESSED")
    type_time(qtbot, exam_time, datetime(2026, 5, 4, 11, 0))
    assert not problem.isVisible()
    enter(qtbot)
    assert wizard.pages[wizard.current].page_id == "symptoms"


# red flags ---------------------------------------------------------------------------------
def test_the_red_flag_questions_cannot_be_skipped(qtbot, window):
    wizard = new_episode(qtbot, window)
    fill_exam_context(qtbot, wizard, case("mbb-normal-1h"))
    assert wizard.pages[wizard.current].page_id == "symptoms"
    enter(qtbot)
    assert wizard.pages[wizard.current].page_id == "symptoms"
    for name in RED_FLAG_SYMPTOMS:
        assert find(wizard, QLabel, f"problem:symptoms.{name}").isVisible()
    assert focused() is find(wizard, ChoiceRow, f"symptoms.{RED_FLAG_SYMPTOMS[0]}")
    for name in RED_FLAG_SYMPTOMS:  # Y/N moves on to the next question by itself
        assert focused().objectName() == f"symptoms.{name}"
        qtbot.keyClicks(focused(), "n")
    enter(qtbot)
    assert wizard.pages[wizard.current].page_id == "sensory"
    # the group stands out: framed in red under a warning title
    box = find(wizard, QWidget, "redflags")
    assert "RED FLAGS" in box.title()


def fill_exam_context(qtbot, wizard, document):
    """Fill the first page and move on."""
    from tests.ui.driver import fill_patient_page

    fill_patient_page(qtbot, wizard, document)
    enter(qtbot)


# grades by keyboard ----------------------------------------------------------------------
def test_digits_arrows_tab_and_enter_walk_the_sensory_grid_in_reading_order(qtbot, window):
    wizard = new_episode(qtbot, window)
    fill_exam_context(qtbot, wizard, case("mbb-normal-1h"))
    for name in RED_FLAG_SYMPTOMS:
        press(qtbot, find(wizard, ChoiceRow, f"symptoms.{name}"), False)
    enter(qtbot)
    page = wizard.pages[wizard.current]
    assert page.page_id == "sensory"
    first = focused()
    assert first.objectName() == "sensory.L2.right.light_touch"  # right first, as the map
    qtbot.keyClicks(first, "2")
    assert wizard.session.grade("sensory.L2.right.light_touch") == 2
    assert focused().objectName() == "sensory.L2.right.pinprick"  # a digit moves on
    qtbot.keyClicks(focused(), "1")
    qtbot.keyClick(focused(), Qt.Key.Key_Right)
    assert focused().objectName() == "sensory.L2.left.pinprick"
    qtbot.keyClick(focused(), Qt.Key.Key_Right)  # the end of a row wraps to the next
    assert focused().objectName() == "sensory.L3.right.light_touch"
    qtbot.keyClick(focused(), Qt.Key.Key_Left)
    assert focused().objectName() == "sensory.L2.left.pinprick"
    qtbot.keyClick(focused(), Qt.Key.Key_Down)
    assert focused().objectName() == "sensory.L3.left.pinprick"
    qtbot.keyClick(focused(), Qt.Key.Key_Up)
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    assert focused().objectName() == "sensory.L3.right.light_touch"
    qtbot.keyClicks(focused(), "n")  # N: not testable
    assert wizard.session.grade("sensory.L3.right.light_touch") == "NT"
    cell = find(wizard, ChoiceRow, "sensory.L2.right.pinprick")
    cell.setFocus()
    qtbot.keyClick(cell, Qt.Key.Key_Delete)
    assert wizard.session.grade("sensory.L2.right.pinprick") is None
    qtbot.keyClicks(cell, "3")  # off the scale: refused, said under the cell
    assert wizard.session.grade("sensory.L2.right.pinprick") is None
    assert "3 is not a sensory grade (0 to 2, or NT)" in find(
        wizard, QLabel, "note:sensory.L2.right.pinprick").text()
    enter(qtbot)
    assert wizard.pages[wizard.current].page_id == "motor"


def test_the_mrc_meanings_are_shown_where_the_grade_is_chosen(qtbot, window):
    wizard = new_episode(qtbot, window)
    fill_exam_context(qtbot, wizard, case("mbb-normal-1h"))
    legend = find(wizard, QLabel, "motor.legend").text()
    for words in ("no contraction", "flicker", "movement with gravity eliminated",
                  "against gravity", "against some resistance", "normal"):
        assert words in legend
    cell = find(wizard, ChoiceRow, "motor.knee_extension.left")
    assert cell.buttons[4].toolTip().startswith("4: against some resistance")
    click(qtbot, cell, 4)
    assert find(wizard, QLabel, "note:motor.knee_extension.left").text() == \
        "against some resistance"
    assert cell.accessibleDescription() == "4: against some resistance"
    bromage = find(wizard, ChoiceRow, "bromage.left")
    assert bromage.isVisibleTo(wizard.pages[3])  # a block shows the Bromage score
    assert "unable to flex knees" in find(wizard, QLabel, "bromage.legend").text()
    press(qtbot, bromage, 2)
    assert find(wizard, QLabel, "note:bromage.left").text() == "unable to flex knees"


def test_every_input_is_named_by_its_document_path_and_read_out_in_words(qtbot, window):
    wizard = new_episode(qtbot, window)
    for item in GRID:
        cell = find(wizard, ChoiceRow, item.path)
        assert cell.accessibleName() == item.words
    for name in ("patient.mrn", "patient.name", "patient.birth_date", "procedure.kind",
                 "procedure.performed_at", "procedure.side", "procedure.anticoagulated",
                 "procedure.site", "procedure.drug", "procedure.levels",
                 "procedure.volume_ml_per_level", "procedure.anaesthetic",
                 "procedure.concentration_percent", "procedure.fluoroscopy_contrast",
                 "procedure.sedation", "exam.performed_at", "symptoms.saddle_anaesthesia",
                 "symptoms.numbness", "symptoms.onset", "symptoms.trend",
                 "escalation.role", "escalation.name", "escalation.called_at",
                 "escalation.response"):
        assert find(wizard, QWidget, name).accessibleName()
    unnamed = [w for w in wizard.findChildren(QWidget)
               if isinstance(w, (ChoiceRow, QLineEdit, QComboBox, QDateTimeEdit, QPushButton))
               and not w.accessibleName() and not isinstance(w.parent(), (QComboBox,
                                                                          QDateTimeEdit))]
    assert unnamed == []


# NT reasons ----------------------------------------------------------------------------
def test_an_nt_without_a_reason_blocks_finishing(qtbot, window, record):
    document = case("mbb-normal-1h")
    document["exam"]["sensory"]["L5"]["left"]["light_touch"] = "NT"
    wizard = new_episode(qtbot, window)
    fill_exam(qtbot, wizard, document)
    reason = find(wizard, QComboBox, "not_tested_reasons.sensory.L5.left.light_touch")
    assert reason.isVisible()
    finish(qtbot, wizard)
    assert not wizard.closed
    problem = find(wizard, QLabel, "problem:not_tested_reasons.sensory.L5.left.light_touch")
    assert problem.isVisible() and "reason" in problem.text()
    assert "Cannot finish yet" in wizard.status.text()
    assert record.open_episodes() == []
    type_text(qtbot, reason, "dressing over the area")
    assert not problem.isVisible()
    with qtbot.waitSignal(wizard.finished) as saved:
        finish(qtbot, wizard)
    stored = record.episode_exams(saved.args[0].episode_id)[-1].document
    assert stored["exam"]["not_tested_reasons"] == {
        "sensory.L5.left.light_touch": "dressing over the area"}


def test_a_required_item_left_blank_blocks_finishing_and_leads_to_its_cell(qtbot, window):
    document = case("mbb-normal-1h")
    del document["exam"]["reflexes"]["achilles"]["right"]
    wizard = new_episode(qtbot, window)
    fill_exam(qtbot, wizard, document)
    finish(qtbot, wizard)
    assert not wizard.closed
    blockers = find(wizard, QLabel, "review.problems")
    assert "Reflexes" in blockers.text() and "reflexes.achilles.right" in blockers.text()
    blockers.linkActivated.emit("reflexes.achilles.right")
    assert wizard.pages[wizard.current].page_id == "reflexes"
    assert focused().objectName() == "reflexes.achilles.right"
    qtbot.keyClicks(focused(), "2")
    with qtbot.waitSignal(wizard.finished):
        qtbot.keyClick(focused(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


# discarding ----------------------------------------------------------------------------
def test_escape_asks_before_discarding(qtbot, window, record):
    wizard = new_episode(qtbot, window)
    scan(qtbot, wizard, "A1")
    with qtbot.waitSignal(wizard.draftSaved):
        pass
    assert len(record.pending_drafts()) == 1
    qtbot.keyClick(focused(), Qt.Key.Key_Escape)
    box = wizard.question
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "Discard the exam of patient (A1)?" in box.text()
    qtbot.mouseClick(find(box, QPushButton, "question.no"), Qt.MouseButton.LeftButton)
    assert window.wizard is wizard and not wizard.closed
    qtbot.keyClick(focused(), Qt.Key.Key_Escape)
    with qtbot.waitSignal(wizard.discarded):
        qtbot.mouseClick(find(wizard.question, QPushButton, "question.yes"),
                         Qt.MouseButton.LeftButton)
    assert window.wizard is None
    assert record.pending_drafts() == []
    assert record.open_episodes() == []


# escalation and the emergency ----------------------------------------------------------
def test_an_emergency_cannot_be_missed_and_asks_for_the_call(qtbot, window, record):
    document = case("mbb-normal-1h")
    wizard = new_episode(qtbot, window)
    fill_exam_context(qtbot, wizard, document)
    alarm = find(wizard, QLabel, "wizard.alarm")
    assert alarm.text().startswith("\u25cb NOT YET ASSESSED")  # red flags not answered yet
    assert not find(wizard, QWidget, "step.escalation").isVisible()
    press(qtbot, find(wizard, ChoiceRow, "symptoms.saddle_anaesthesia"), True)
    assert alarm.isVisible()
    assert alarm.text().startswith("\u26a0 EMERGENCY: Possible cauda equina")
    level = find(wizard.panel, QLabel, "assessment.level")
    assert level.text() == "\u26a0 EMERGENCY"  # a word and a symbol, not colour alone
    assert level.palette().window().color().name() == "#b71c1c"
    assert "RF-1 \u00b7 EMERGENCY" in wizard.panel.text()
    assert "\u2716 Do not discharge" in wizard.panel.text()
    assert find(wizard, QWidget, "step.escalation").isVisible()
    # the call is required before finishing
    for name in RED_FLAG_SYMPTOMS[1:]:
        press(qtbot, find(wizard, ChoiceRow, f"symptoms.{name}"), False)
    fill_exam(qtbot, wizard, dict(document, exam=dict(
        document["exam"], symptoms=dict(document["exam"]["symptoms"],
                                         saddle_anaesthesia=True))))
    listed = find(wizard, QLabel, "escalation.calls")
    assert "Anaesthetist Dr Ana Lima (EMERGENCY)" in listed.text()
    with qtbot.waitSignal(wizard.finished) as saved:
        finish(qtbot, wizard)
    [call] = calls(record, saved.args[0].episode_id)
    assert (call.role, call.name, call.response, call.level) == (
        "Anaesthetist", "Dr Ana Lima", "to review within 30 min", "emergency")


def test_notify_without_a_recorded_call_cannot_be_finished(qtbot, window, record):
    document = case("mbb-numb-6h")
    wizard = new_episode(qtbot, window)
    fill_exam(qtbot, wizard, document)  # the driver records the call on the way
    assert shown_assessment(wizard)["level"] == "notify"
    wizard.session.new_escalations.clear()
    wizard.session.changed.emit("escalation")
    finish(qtbot, wizard)
    assert not wizard.closed
    assert "record whom you called" in find(wizard, QLabel, "review.problems").text()
    wizard.go_to_path("escalation")
    assert wizard.pages[wizard.current].page_id == "escalation"
    type_text(qtbot, find(wizard, QComboBox, "escalation.role"), "Proceduralist")
    finish(qtbot, wizard)  # a half-filled call is not saved: name and response missing
    assert not wizard.closed
    assert find(wizard, QLabel, "problem:escalation.name").isVisible()
    type_text(qtbot, find(wizard, QLineEdit, "escalation.name"), "Dr Chen")
    type_text(qtbot, find(wizard, QLineEdit, "escalation.response"), "will come at 15:00")
    with qtbot.waitSignal(wizard.finished) as saved:
        finish(qtbot, wizard)  # the call typed in is recorded on finishing
    assert [c.name for c in calls(record, saved.args[0].episode_id)] == ["Dr Chen"]


# pages a procedure steps over ----------------------------------------------------------
def test_a_deltoid_injection_leads_with_the_wrist(qtbot, window):
    document = case("im-deltoid-wrist-drop")
    wizard = new_episode(qtbot, window)
    fill_exam_context(qtbot, wizard, document)
    for name in RED_FLAG_SYMPTOMS:
        press(qtbot, find(wizard, ChoiceRow, f"symptoms.{name}"), False)
    enter(qtbot)
    page = wizard.pages[wizard.current]
    assert page.page_id == "motor"  # the sensory grid of the legs stepped aside
    assert focused().objectName() == "motor.wrist_extension.right"
    assert "optional" in find(wizard, QWidget, "step.sensory").text()
    assert "optional" in find(wizard, QWidget, "step.reflexes").text()
    assert not find(wizard, ChoiceRow, "bromage.left").isVisibleTo(page)
    enter(qtbot)
    # nothing the deltoid needs can be skipped: the wrist items are required
    assert "Motor" in find(wizard, QLabel, "review.problems").text()
    assert "wrist extension" in find(wizard, QLabel, "review.problems").text()


def test_a_new_exam_copies_the_episode_context_forward(qtbot, window, record):
    saved = save_exam(record, case("mbb-normal-1h"))
    window.refresh()
    assert window.episodes.count() == 1
    assert "OBSERVE" in window.episodes.item(0).text()
    qtbot.mouseClick(find(window, QPushButton, "main.new_exam"), Qt.MouseButton.LeftButton)
    wizard = window.wizard
    assert wizard.session.context_locked
    assert find(wizard, QLineEdit, "patient.mrn").text() == "MRN-0042"
    assert not find(wizard, QLineEdit, "patient.mrn").isEnabled()
    assert not find(wizard, ChoiceRow, "procedure.kind").isEnabled()
    assert find(wizard, QLineEdit, "procedure.levels").text() == "L4-L5, L5-S1"
    assert focused() is find(wizard, QDateTimeEdit, "exam.performed_at")
    assert len(wizard.session.document.previous_exams) == 1
    assert wizard.session.episode_id == saved.episode_id


def test_the_history_of_an_episode_lists_its_exams_and_calls(qtbot, window, record):
    from desktop_app.ui.exam_state import EscalationRecord

    save_exam(record, case("mbb-numb-6h"), escalations=[EscalationRecord(
        "Anaesthetist", "Dr Lima", "2026-05-04T14:10:00+01:00", "review at 15:00", "notify")])
    window.refresh()
    qtbot.mouseClick(find(window, QPushButton, "main.history"), Qt.MouseButton.LeftButton)
    history = find(window, QLabel, "history").text()
    assert "NOTIFY" in history and "MBB-5" in history
    assert "Anaesthetist" in history and "review at 15:00" in history


def test_the_live_panel_follows_every_change(qtbot, window):
    document = case("mbb-normal-1h")
    wizard = new_episode(qtbot, window)
    fill_exam(qtbot, wizard, document)
    assert shown_assessment(wizard) == {"level": "observe", "rules": ["NONE"], "flags": []}
    cell = find(wizard, ChoiceRow, "straight_leg_raise.left")
    click(qtbot, cell, False)
    assert shown_assessment(wizard) == {"level": "urgent", "rules": ["MBB-1"],
                                        "flags": ["do_not_discharge", "no_mobilization"]}
    expected = load_document(document)
    expected.exam.grades["straight_leg_raise.left"] = False
    from desktop_app.domain import assess

    assert shown_assessment(wizard)["rules"] == sorted(assess(expected).rule_ids)
    assert "Next check due" in wizard.panel.text()
    assert QApplication.focusWidget() is not None


def test_a_new_exam_compares_with_every_earlier_exam_even_imported_ones(qtbot, window,
                                                                        record):
    """An imported document's own earlier exams count for the serial comparison."""
    document = case("mbb-progressive-6h")
    imported = dict(document, exam=document["previous_exams"][0], previous_exams=[])
    first = json.loads(json.dumps(imported))
    first["exam"]["performed_at"] = "2026-05-04T09:00:00+01:00"
    imported["previous_exams"] = [first["exam"]]
    save_exam(record, imported)  # one exam saved, carrying an earlier one
    window.refresh()
    qtbot.mouseClick(find(window, QPushButton, "main.new_exam"), Qt.MouseButton.LeftButton)
    earlier = window.wizard.session.document.previous_exams
    assert [e.performed_at.isoformat() for e in earlier] == [
        "2026-05-04T09:00:00+01:00", "2026-05-04T11:00:00+01:00"]
