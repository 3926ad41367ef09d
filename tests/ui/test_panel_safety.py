"""The live panel never reassures before the facts.

Driven as a nurse would: the wristband and procedure typed, red flags answered with Y/N,
grades clicked or typed, the rule's full text opened with the keyboard. The level colour is
read from the banner's palette, the words from the labels the nurse reads.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDateTimeEdit, QLabel, QPushButton, QToolButton, QWidget

from desktop_app.domain import RULES_BY_ID, SOURCES, Level, load_document, required_items
from desktop_app.domain.model import RED_FLAG_SYMPTOMS
from desktop_app.domain.scales import GRID_BY_PATH
from desktop_app.ui.exam_state import ExamSession
from desktop_app.ui.live_panel import LivePanel, since_text
from desktop_app.ui.pages.symptoms import SymptomsPage
from desktop_app.ui.theme import LEVEL_STYLES
from desktop_app.ui.widgets import ChoiceRow
from tests.ui.driver import (
    case,
    click,
    enter,
    fill_exam,
    fill_patient_page,
    find,
    new_episode,
    press,
    type_time,
)
from tests.ui.recording import save_exam

GREEN = LEVEL_STYLES[Level.OBSERVE]
EMERGENCY_RED = "#b71c1c"


def banner_colour(panel: LivePanel) -> str:
    return find(panel, QWidget, "assessment.banner").palette().window().color().name()


def level_text(panel: LivePanel) -> str:
    return find(panel, QLabel, "assessment.level").text()


def answer_red_flags_no(qtbot, wizard) -> None:
    first = find(wizard, ChoiceRow, f"symptoms.{RED_FLAG_SYMPTOMS[0]}")
    first.setFocus()
    for _ in RED_FLAG_SYMPTOMS:  # N answers and moves on to the next question
        qtbot.keyClicks(wizard.focusWidget() or first, "n")


# not yet assessed, then provisional ----------------------------------------------------
def test_nothing_reassures_before_the_red_flags_are_answered(qtbot, window):
    wizard = new_episode(qtbot, window)
    panel = wizard.panel
    fill_patient_page(qtbot, wizard, case("mbb-normal-1h"))
    enter(qtbot)
    assert wizard.pages[wizard.current].page_id == "symptoms"
    # Procedure and times known, red flags not asked: no level, no colour, what is missing.
    assert level_text(panel) == "\u25cb NOT YET ASSESSED"
    assert banner_colour(panel) != GREEN.background
    summary = find(panel, QLabel, "assessment.summary").text()
    assert "answer the red-flag questions" in summary and "saddle anaesthesia" in summary
    alarm = find(wizard, QLabel, "wizard.alarm")
    assert alarm.text().startswith("\u25cb NOT YET ASSESSED")
    assert wizard.banner.palette().window().color().name() != GREEN.background
    for words in ("No neurological deficit found", "Routine care", "OBSERVE"):
        assert words not in panel.text()

    answer_red_flags_no(qtbot, wizard)
    assert [getattr(wizard.session.exam.symptoms, n) for n in RED_FLAG_SYMPTOMS] == \
        [False] * 4
    # Red flags answered, nothing graded yet: a provisional observe, never green.
    assert level_text(panel).endswith("OBSERVE")
    assert find(panel, QLabel, "assessment.state").text().startswith("PROVISIONAL")
    assert banner_colour(panel) != GREEN.background
    assert alarm.text().startswith("PROVISIONAL")
    assert wizard.banner.palette().window().color().name() != GREEN.background
    assert "No neurological deficit found" not in panel.text()
    assert "Routine care" not in panel.text()


def test_the_complete_exam_alone_is_green(qtbot, window):
    wizard = new_episode(qtbot, window)
    fill_exam(qtbot, wizard, case("mbb-normal-1h"))
    panel = wizard.panel
    assert level_text(panel) == f"{GREEN.symbol} OBSERVE"
    assert banner_colour(panel) == GREEN.background
    assert "PROVISIONAL" not in find(panel, QLabel, "assessment.state").text()
    assert "Nothing: every required item is recorded." in panel.text()
    # One required item taken back: provisional again, and the colour goes.
    cell = find(wizard, ChoiceRow, "reflexes.achilles.right")
    cell.setFocus()
    qtbot.keyClick(cell, Qt.Key.Key_Delete)
    assert find(panel, QLabel, "assessment.state").text().startswith("PROVISIONAL")
    assert banner_colour(panel) != GREEN.background
    assert "Right Achilles reflex" in find(panel, QLabel, "assessment.still_needed").text()


def test_a_red_flag_answered_yes_is_an_emergency_at_once(qtbot, window):
    wizard = new_episode(qtbot, window)
    fill_patient_page(qtbot, wizard, case("mbb-normal-1h"))
    enter(qtbot)
    press(qtbot, find(wizard, ChoiceRow, "symptoms.saddle_anaesthesia"), True)
    panel = wizard.panel  # three red flags and every grade still to come
    assert level_text(panel) == "\u26a0 EMERGENCY"
    assert banner_colour(panel) == EMERGENCY_RED
    assert "RF-1 \u00b7 EMERGENCY" in panel.text()


def test_what_to_do_comes_before_why_in_the_panel_and_on_the_review_page(qtbot, window):
    """EMERGENCY: the panel shows the next steps and what is still needed above the rules
    that fired (on a small screen the rules scroll, not the action); the Review page puts
    the assessment before the lists, and a red flag answered yes stands out of its line."""
    wizard = new_episode(qtbot, window)
    fill_patient_page(qtbot, wizard, case("mbb-normal-1h"))
    enter(qtbot)
    press(qtbot, find(wizard, ChoiceRow, "symptoms.saddle_anaesthesia"), True)
    panel = wizard.panel
    body = find(panel, QWidget, "assessment.body").layout()

    def index(name: str) -> int:
        return body.indexOf(find(panel, QLabel, name))

    assert index("assessment.steps_heading") < index("assessment.rules_heading")
    assert index("assessment.still_needed_heading") < index("assessment.rules_heading")
    text = panel.text()
    assert text.index("Next steps") < text.index("Rules that fired") < text.index("RF-1")

    qtbot.mouseClick(find(wizard, QToolButton, "step.review"), Qt.MouseButton.LeftButton)
    review = find(wizard, QLabel, "review.assessment").parentWidget().layout()
    widgets = [review.itemAt(i).widget() for i in range(review.count())]
    headings = [w.text() for w in widgets if w is not None and w.property("role") == "heading"]
    assert headings == ["Review the whole exam", "Assessment", "Required before signing",
                        "Not tested", "Findings"]
    findings = find(wizard, QLabel, "review.findings").text()
    assert "Saddle anaesthesia: <span" in findings and "\u26a0 YES (red flag)" in findings
    assert "New bowel or bladder dysfunction: <b>not asked</b>" in findings


def bare_exam(qtbot, session: ExamSession) -> tuple[QWidget, SymptomsPage, LivePanel]:
    """The red-flag page and the panel on a session, as the wizard wires them."""
    host = QWidget()
    qtbot.addWidget(host)
    page = SymptomsPage(session, host)
    page.load()
    panel = LivePanel(host)
    panel.move(page.sizeHint().width(), 0)
    session.changed.connect(lambda _path: panel.show_session(session))
    panel.show_session(session)
    host.resize(1366, 768)
    host.show()
    qtbot.waitExposed(host)
    return host, page, panel


def test_without_a_procedure_time_there_is_no_assessment_but_a_red_flag_still_counts(qtbot):
    """No procedure time in the exam (nothing typed or picked yet): not assessed, whatever
    the pages do with the time field; a red flag answered yes is an emergency all the same."""
    document = load_document(case("mbb-normal-1h"))
    document.procedure.performed_at = None
    session = ExamSession(document)
    session.exam.symptoms = type(session.exam.symptoms)()  # nothing asked yet
    _host, page, panel = bare_exam(qtbot, session)
    first = find(page, ChoiceRow, f"symptoms.{RED_FLAG_SYMPTOMS[0]}")
    first.setFocus()
    for name in RED_FLAG_SYMPTOMS:
        qtbot.keyClicks(find(page, ChoiceRow, f"symptoms.{name}"), "n")
    assert session.unanswered_red_flags() == []
    assert level_text(panel) == "\u25cb NOT YET ASSESSED"
    assert banner_colour(panel) != GREEN.background
    assert "enter the procedure time" in find(panel, QLabel, "assessment.summary").text()
    assert "the procedure time" in find(panel, QLabel, "assessment.still_needed").text()
    assert any(p.path == "procedure.performed_at" and p.blocks_next for p in session.problems())

    qtbot.keyClicks(find(page, ChoiceRow, "symptoms.bowel_bladder_dysfunction"), "y")
    assert level_text(panel) == "\u26a0 EMERGENCY"
    assert banner_colour(panel) == EMERGENCY_RED
    text = panel.text()
    assert "RF-1 \u00b7 EMERGENCY" in text
    assert "Time since the procedure not known (enter the procedure time)" in text
    assert "Next check due" not in text  # no time, no schedule made up


# a re-check --------------------------------------------------------------------------------
def test_a_recheck_shows_the_last_exam_until_this_one_is_assessed(qtbot, window, record):
    first = case("mbb-saddle")
    save_exam(record, first)
    window.refresh()
    qtbot.mouseClick(find(window, QPushButton, "main.new_exam"), Qt.MouseButton.LeftButton)
    wizard = window.wizard
    panel = wizard.panel
    last_time = datetime.fromisoformat(first["exam"]["performed_at"])
    later = last_time + timedelta(hours=2)
    type_time(qtbot, find(wizard, QDateTimeEdit, "exam.performed_at"), later)
    shown_time = last_time.astimezone().strftime("%H:%M")

    assert level_text(panel) == "\u25cb NOT YET ASSESSED"
    last = find(panel, QLabel, "assessment.last")
    assert last.isVisible()
    assert "Last exam" in last.text() and "\u26a0 EMERGENCY" in last.text()
    assert shown_time in last.text()
    assert find(panel, QWidget, "assessment.last_box").palette().window().color().name() \
        == EMERGENCY_RED
    assert "RF-1: Saddle anaesthesia" in find(panel, QLabel, "assessment.last_rules").text()
    alarm = find(wizard, QLabel, "wizard.alarm")
    assert "Last exam: EMERGENCY" in alarm.text()

    enter(qtbot)
    answer_red_flags_no(qtbot, wizard)
    # A provisional level lower than the last exam's says so, in the panel and the banner.
    assert level_text(panel).endswith("OBSERVE")
    assert banner_colour(panel) != GREEN.background
    summary = find(panel, QLabel, "assessment.summary").text()
    assert f"last exam: EMERGENCY, {shown_time}" in summary
    assert f"(last exam: EMERGENCY, {shown_time}" in alarm.text()
    assert last.isVisible()
    assert not find(panel, QLabel, "assessment.last_rules").isVisible()  # its own rules now


def test_a_complete_recheck_lower_than_the_last_still_names_it(qtbot, window, record):
    first = case("mbb-saddle")
    save_exam(record, first)
    window.refresh()
    qtbot.mouseClick(find(window, QPushButton, "main.new_exam"), Qt.MouseButton.LeftButton)
    wizard = window.wizard
    normal = case("mbb-normal-1h")
    later = datetime.fromisoformat(first["exam"]["performed_at"]) + timedelta(hours=2)
    document = dict(first, exam=dict(normal["exam"], performed_at=later.isoformat()))
    fill_exam(qtbot, wizard, document)
    panel = wizard.panel
    assert "PROVISIONAL" not in find(panel, QLabel, "assessment.state").text()
    assert level_text(panel) == f"{GREEN.symbol} OBSERVE"
    shown_time = datetime.fromisoformat(first["exam"]["performed_at"]).astimezone()
    assert f"last exam: EMERGENCY, {shown_time:%H:%M}" in \
        find(panel, QLabel, "assessment.summary").text()
    assert find(panel, QLabel, "assessment.last").isVisible()
    assert not find(panel, QLabel, "assessment.last_rules").isVisible()


# what is required, and still needed ----------------------------------------------------
def test_every_page_names_the_required_items_still_missing(qtbot, window):
    document = case("im-deltoid-wrist-drop")
    wizard = new_episode(qtbot, window)
    fill_patient_page(qtbot, wizard, document)
    enter(qtbot)
    answer_red_flags_no(qtbot, wizard)
    panel = wizard.panel
    needed = find(panel, QLabel, "assessment.still_needed")
    required = required_items(load_document(document))
    assert required  # the domain's list for a deltoid injection: the wrist
    for path in required:
        assert GRID_BY_PATH[path].words in needed.text()
    assert "wrist extension and finger extension, both sides" in \
        find(panel, QLabel, "assessment.required").text()
    enter(qtbot)
    assert wizard.pages[wizard.current].page_id == "motor"
    assert needed.isVisible()  # the panel, and with it the list, is beside every page
    click(qtbot, find(wizard, ChoiceRow, "motor.wrist_extension.right"), 5)
    assert "Right wrist extension" not in needed.text()
    assert "Left wrist extension" in needed.text()


def test_the_review_page_never_calls_a_required_item_optional(qtbot, window):
    document = case("mbb-normal-1h")
    del document["exam"]["reflexes"]["achilles"]["right"]
    wizard = new_episode(qtbot, window)
    fill_exam(qtbot, wizard, document)
    assert wizard.pages[wizard.current].page_id == "review"
    untested = find(wizard, QLabel, "review.optional_not_tested").text()
    optional = untested.split("not required for this procedure")[-1] \
        if "not required" in untested else ""
    assert "Right Achilles reflex" not in optional
    assert "Required and not graded yet" in untested and "Right Achilles reflex" in untested
    assert "Right wrist extension" in optional  # a block does not require the wrist
    still = find(wizard, QLabel, "review.still_needed")
    assert still.isVisible() and "Reflexes: Right Achilles reflex" in still.text()
    required = find(wizard, QLabel, "review.required").text()
    assert "patellar reflex and Achilles reflex, both sides" in required
    assert "the 4 red-flag questions" in required


# each rule with its source and its full text -----------------------------------------
def test_each_fired_rule_shows_its_source_and_its_full_text_by_keyboard(qtbot, window):
    wizard = new_episode(qtbot, window)
    fill_exam(qtbot, wizard, case("mbb-numb-6h"))
    rule = RULES_BY_ID["MBB-5"]
    line = find(wizard.panel, QWidget, "assessment.rule.MBB-5")
    assert f"Source 002: {SOURCES['002']}" in line.text()
    more = find(line, QToolButton, "assessment.rule.MBB-5.more")
    assert rule.when in more.toolTip()
    assert rule.when not in line.text()  # the full text waits until asked for
    more.setFocus()
    qtbot.waitUntil(more.hasFocus)
    qtbot.keyClick(more, Qt.Key.Key_Space)
    assert more.isChecked()
    assert rule.when in line.text() and rule.next_steps[0] in line.text()
    qtbot.keyClick(more, Qt.Key.Key_Space)
    assert rule.when not in line.text()


def test_no_level_is_shown_until_the_red_flags_are_answered_even_a_notify(qtbot, window):
    """Numbness alone reads NOTIFY, but with the red flags still to answer the panel says
    NOT YET ASSESSED and names them; answered no, the NOTIFY appears in its colour."""
    document = case("mbb-numb-6h")
    wizard = new_episode(qtbot, window)
    fill_patient_page(qtbot, wizard, document)
    enter(qtbot)
    press(qtbot, find(wizard, ChoiceRow, "symptoms.numbness"), True)
    panel = wizard.panel
    assert wizard.session.unanswered_red_flags() == list(RED_FLAG_SYMPTOMS)
    assert level_text(panel) == "\u25cb NOT YET ASSESSED"
    assert banner_colour(panel) not in {style.background for style in LEVEL_STYLES.values()}
    assert "MBB-5" not in panel.text()
    assert "red-flag questions: saddle anaesthesia" in \
        find(panel, QLabel, "assessment.still_needed").text()

    answer_red_flags_no(qtbot, wizard)
    assert level_text(panel).endswith("NOTIFY")
    assert find(panel, QLabel, "assessment.state").text().startswith("PROVISIONAL")
    assert banner_colour(panel) == LEVEL_STYLES[Level.NOTIFY].background
    assert "MBB-5 \u00b7 NOTIFY" in panel.text()


@pytest.mark.parametrize("hours, shown", [
    (4, "4 h"),
    (4 + 1 / 60, "4 h 1 min"),
    (48 + 20 / 60, "48 h 20 min"),
    (60 * 24 + 20 / 60, "60 days 0 h 20 min"),
    (60 * 24 + 3, "60 days 3 h"),
    (0.5, "30 min"),
    (48 + 30 / 3600, "48 h 0 min 30 s"),  # the seconds that put it past IM-5's 48 h
])
def test_the_time_since_the_procedure_is_exact(hours, shown):
    assert since_text(hours) == shown
