"""Drive the exam wizard as a nurse would, from an exam document.

Every field is found by its objectName (the document path) and set through the keyboard or
the mouse: MRN typed then Enter, grades typed as digits in reading order (the focus has to
arrive on the right cell by itself), the motor grid clicked, Enter to move on.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDateTimeEdit,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from desktop_app.domain import FLAG_WORDS
from desktop_app.domain.scales import GRID
from desktop_app.ui.widgets import ChoiceRow
from desktop_app.ui.wizard import ExamWizard

RULE_ID = re.compile(r"^([A-Z]+-[A-Z0-9]+|NONE) \u00b7 ", re.MULTILINE)
MOUSE_PAGES = {"motor"}  # filled by clicking; the other grids by typing


def flat_grades(exam: dict[str, Any]) -> dict[str, Any]:
    """path -> grade for every grid item an `exam` object of a document carries."""
    found = {}
    for item in GRID:
        node: Any = exam
        for part in item.path.split("."):
            if not isinstance(node, dict) or part not in node:
                break
            node = node[part]
        else:
            found[item.path] = node
    return found


def find(wizard: QWidget, cls: type, name: str):
    widget = wizard.findChild(cls, name)
    assert widget is not None, f"no {cls.__name__} named {name}"
    return widget


def key_for(row: ChoiceRow, value: Any) -> str:
    for option in row.options:
        if option.value == value and type(option.value) is type(value):
            assert option.keys, f"{row.path}: no key for {value!r}"
            return option.keys[0]
    raise AssertionError(f"{row.path}: {value!r} is not a choice")


def press(qtbot, row: ChoiceRow, value: Any) -> None:
    """Set a choice by its key, with the keyboard focus on the row."""
    row.setFocus()
    qtbot.keyClicks(row, key_for(row, value))


def click(qtbot, row: ChoiceRow, value: Any) -> None:
    """Set a choice by clicking its button."""
    for option, button in zip(row.options, row.buttons, strict=True):
        if option.value == value and type(option.value) is type(value):
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
            return
    raise AssertionError(f"{row.path}: {value!r} is not a choice")


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    return widget


def type_time(qtbot, edit: QWidget, moment: datetime) -> None:
    """Select the whole date-time and type it as the nurse reads it on the clock (a
    QDateTimeEdit, or a time field typed as text)."""
    local = moment.astimezone() if moment.tzinfo else moment
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(edit, local.strftime("%Y-%m-%d %H:%M"))
    shown = edit.dateTime().toString("yyyy-MM-dd HH:mm") if isinstance(edit, QDateTimeEdit) \
        else edit.text()
    assert shown == local.strftime("%Y-%m-%d %H:%M")


def type_text(qtbot, field: QWidget, text: str) -> None:
    if isinstance(field, QComboBox):
        field = field.lineEdit()
    field.setFocus()
    if isinstance(field, QLineEdit) and field.text():
        qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(field, text)


def enter(qtbot) -> None:
    """Press Enter wherever the focus is (it moves the wizard on unless a field takes it)."""
    qtbot.keyClick(focused(), Qt.Key.Key_Return)


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


# pages -----------------------------------------------------------------------------------
def fill_patient_page(qtbot, wizard: ExamWizard, document: dict[str, Any]) -> None:
    patient, procedure = document["patient"], document["procedure"]
    exam = document["exam"]
    if not wizard.session.context_locked:
        mrn = find(wizard, QLineEdit, "patient.mrn")
        qtbot.mouseClick(mrn, Qt.MouseButton.LeftButton)
        qtbot.keyClicks(mrn, patient["mrn"])  # the scanner types the code ...
        qtbot.keyClick(mrn, Qt.Key.Key_Return)  # ... and Enter
        name = find(wizard, QLineEdit, "patient.name")
        if patient.get("name") and name.text() != patient["name"]:
            type_text(qtbot, name, patient["name"])
        birth = find(wizard, QLineEdit, "patient.birth_date")
        if patient.get("birth_date") and birth.text() != patient["birth_date"]:
            type_text(qtbot, birth, patient["birth_date"])
        press(qtbot, find(wizard, ChoiceRow, "procedure.kind"), procedure["kind"])
        type_time(qtbot, find(wizard, QLineEdit, "procedure.performed_at"),
                  parse_time(procedure["performed_at"]))
        if "side" in procedure:
            click(qtbot, find(wizard, ChoiceRow, "procedure.side"), procedure["side"])
        if "anticoagulated" in procedure:
            press(qtbot, find(wizard, ChoiceRow, "procedure.anticoagulated"),
                  procedure["anticoagulated"])
        if "site" in procedure:
            press(qtbot, find(wizard, ChoiceRow, "procedure.site"), procedure["site"])
        if "fluoroscopy_contrast" in procedure:
            click(qtbot, find(wizard, ChoiceRow, "procedure.fluoroscopy_contrast"),
                  procedure["fluoroscopy_contrast"])
        for key in ("drug", "anaesthetic", "sedation"):
            if key in procedure:
                type_text(qtbot, find(wizard, QWidget, f"procedure.{key}"), procedure[key])
        if "levels" in procedure:
            type_text(qtbot, find(wizard, QLineEdit, "procedure.levels"),
                      ", ".join(procedure["levels"]))
        for key in ("volume_ml_per_level", "concentration_percent"):
            if key in procedure:
                type_text(qtbot, find(wizard, QLineEdit, f"procedure.{key}"),
                          f"{procedure[key]:g}")
    type_time(qtbot, find(wizard, QDateTimeEdit, "exam.performed_at"),
              parse_time(exam["performed_at"]))


def fill_symptoms_page(qtbot, wizard: ExamWizard, exam: dict[str, Any]) -> None:
    for index, (name, value) in enumerate(exam.get("symptoms", {}).items()):
        row = find(wizard, ChoiceRow, f"symptoms.{name}")
        if index % 2:
            click(qtbot, row, value)
        else:
            press(qtbot, row, value)


def fill_grid_by_keyboard(qtbot, wizard: ExamWizard, grades: dict[str, Any]) -> None:
    """Type the page's grades in reading order; the focus must walk the grid by itself."""
    page = wizard.pages[wizard.current]
    cells = page.navigator.cells()
    cells[0].setFocus()
    for cell in cells:
        assert focused() is cell, f"focus is on {focused().objectName()}, not {cell.path}"
        if cell.path in grades:
            qtbot.keyClicks(cell, key_for(cell, grades[cell.path]))  # a key moves on itself
        elif cell is not cells[-1]:
            qtbot.keyClick(cell, Qt.Key.Key_Right)  # skip a cell the document leaves out


def fill_grid_by_mouse(qtbot, wizard: ExamWizard, grades: dict[str, Any]) -> None:
    page = wizard.pages[wizard.current]
    for cell in page.navigator.cells():
        if cell.path in grades:
            click(qtbot, cell, grades[cell.path])


def fill_escalation_page(qtbot, wizard: ExamWizard) -> None:
    type_text(qtbot, find(wizard, QComboBox, "escalation.role"), "Anaesthetist")
    type_text(qtbot, find(wizard, QLineEdit, "escalation.name"), "Dr Ana Lima")
    type_text(qtbot, find(wizard, QLineEdit, "escalation.response"),
              "to review within 30 min")
    qtbot.mouseClick(find(wizard, QPushButton, "escalation.record"), Qt.MouseButton.LeftButton)


def fill_reasons(qtbot, wizard: ExamWizard, reasons: dict[str, str]) -> None:
    for path, reason in reasons.items():
        combo = wizard.findChild(QComboBox, f"not_tested_reasons.{path}")
        if combo is not None:
            type_text(qtbot, combo, reason)


def fill_exam(qtbot, wizard: ExamWizard, document: dict[str, Any]) -> None:
    """Fill every page from `document` (its current exam), ending on the Review page."""
    exam = document["exam"]
    grades = flat_grades(exam)
    visited = []
    while True:
        page = wizard.pages[wizard.current]
        visited.append(page.page_id)
        if page.page_id == "patient":
            fill_patient_page(qtbot, wizard, document)
        elif page.page_id == "symptoms":
            fill_symptoms_page(qtbot, wizard, exam)
        elif page.page_id == "escalation":
            fill_escalation_page(qtbot, wizard)
        elif page.page_id == "review":
            break
        elif page.page_id in MOUSE_PAGES:
            fill_grid_by_mouse(qtbot, wizard, grades)
        else:
            fill_grid_by_keyboard(qtbot, wizard, grades)
        before = wizard.current
        enter(qtbot)
        assert wizard.current != before, (
            f"Enter did not leave page {page.page_id}: {wizard.status.text()}"
        )
    # Grades on pages the procedure stepped over (e.g. legs after a deltoid injection).
    for path, value in grades.items():
        cell = find(wizard, ChoiceRow, path)
        if cell.value() != value or type(cell.value()) is not type(value):
            click(qtbot, cell, value)
    fill_reasons(qtbot, wizard, exam.get("not_tested_reasons", {}))
    assert visited[-1] == "review"


# reading the live panel --------------------------------------------------------------
def shown_assessment(wizard: ExamWizard) -> dict[str, Any]:
    """Level, rules and flags as the live panel shows them (read from its visible text)."""
    panel = wizard.panel
    level_text = find(panel, QLabel, "assessment.level").text()
    shown = panel.text()
    rules = RULE_ID.findall(shown)
    flags = [key for key, words in FLAG_WORDS.items() if f"\u2716 {words}" in shown]
    return {"level": level_text.split()[-1].lower(), "rules": sorted(rules),
            "flags": sorted(flags)}


def case(name: str) -> dict:
    """A shared case's exam document (`mbb-saddle` or `mbb-saddle.json`) as parsed JSON."""
    from tests.conftest import CASES

    file = name if name.endswith(".json") else f"{name}.json"
    return json.loads((CASES / file).read_text(encoding="utf-8"))


def new_episode(qtbot, window):
    """The wizard of a new episode, opened as a nurse does (the main window's button)."""
    qtbot.mouseClick(find(window, QPushButton, "main.new_episode"), Qt.MouseButton.LeftButton)
    return window.wizard


def scan(qtbot, wizard, code: str) -> QLineEdit:
    """A wristband scanned into the MRN field: the code, then Enter."""
    mrn = find(wizard, QLineEdit, "patient.mrn")
    qtbot.mouseClick(mrn, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(mrn, code)
    qtbot.keyClick(mrn, Qt.Key.Key_Return)
    return mrn
