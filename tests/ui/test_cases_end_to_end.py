"""Every shared case, entered through the wizard by keyboard and mouse.

The live panel must show what the real `assess` command prints for the document (level,
rules, flags), and the saved exam must be that document. The refused (`bad-*`) documents
are refused by the wizard too, with the reason next to the field where the GUI can express
the problem at all.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton

from desktop_app.domain import load_document
from desktop_app.domain.model import SYMPTOM_KEYS
from desktop_app.domain.scales import GRID
from desktop_app.ui.widgets import ChoiceRow
from tests.conftest import case_files
from tests.ui.conftest import assess_truth
from tests.ui.driver import fill_exam, find, shown_assessment

GOOD = [p for p in case_files() if not p.name.startswith("bad-")]


def open_new_episode(qtbot, window):
    qtbot.mouseClick(find(window, QPushButton, "main.new_episode"), Qt.MouseButton.LeftButton)
    assert window.wizard is not None
    return window.wizard


def finish(qtbot, window, wizard):
    with qtbot.waitSignal(wizard.finished, timeout=5000) as saved:
        qtbot.mouseClick(find(wizard, QPushButton, "wizard.finish"), Qt.MouseButton.LeftButton)
    return saved.args[0]


def select_episode(window, episode_id):
    for row in range(window.episodes.count()):
        if window.episodes.item(row).data(Qt.ItemDataRole.UserRole) == episode_id:
            window.episodes.setCurrentRow(row)
            return
    raise AssertionError("the saved episode is not in the open-episode list")


@pytest.mark.parametrize("case", GOOD, ids=lambda p: p.stem)
def test_case_through_the_wizard(qtbot, window, record, case):
    code, truth, _ = assess_truth(case)
    assert code == 0
    expected = json.loads(case.with_name(case.stem + ".expected.json").read_text())
    document = json.loads(case.read_text(encoding="utf-8"))

    episode_id = None
    for earlier in document.get("previous_exams", []):
        # Earlier exams go in first, as exams of the same episode, through the same wizard.
        first = dict(document, exam=earlier, previous_exams=[])
        if episode_id is None:
            wizard = open_new_episode(qtbot, window)
        else:
            select_episode(window, episode_id)
            qtbot.mouseClick(find(window, QPushButton, "main.new_exam"),
                             Qt.MouseButton.LeftButton)
            wizard = window.wizard
        fill_exam(qtbot, wizard, first)
        episode_id = finish(qtbot, window, wizard).episode_id

    if episode_id is None:
        wizard = open_new_episode(qtbot, window)
    else:
        select_episode(window, episode_id)
        qtbot.mouseClick(find(window, QPushButton, "main.new_exam"), Qt.MouseButton.LeftButton)
        wizard = window.wizard
        assert wizard.session.context_locked
    fill_exam(qtbot, wizard, document)

    shown = shown_assessment(wizard)
    assert shown == {"level": truth["level"], "rules": sorted(truth["rules"]),
                     "flags": sorted(truth["flags"])}
    assert shown == {"level": expected["level"], "rules": sorted(expected["rules"]),
                     "flags": sorted(expected["flags"])}
    saved = finish(qtbot, window, wizard)

    stored = record.episode_exams(saved.episode_id)[-1]
    assert load_document(stored.document) == load_document(document)
    assert stored.assessment["level"] == truth["level"]
    assert stored.assessment["rules"] == truth["rules"]
    assert window.wizard is None  # back on the ward list
    assert record.pending_drafts() == []


def bad(name):
    path = next(p for p in case_files() if p.stem == name)
    assert assess_truth(path)[0] == 2
    return json.loads(path.read_text(encoding="utf-8"))


def test_exam_before_the_procedure_is_refused_next_to_the_exam_time(qtbot, window):
    document = bad("bad-exam-before-procedure")
    wizard = open_new_episode(qtbot, window)
    with pytest.raises(AssertionError, match="Enter did not leave page patient"):
        fill_exam(qtbot, wizard, document)
    problem = find(wizard, QLabel, "problem:exam.performed_at")
    assert problem.isVisible()
    assert "before the procedure" in problem.text()
    assert "No assessment yet" in wizard.panel.text()
    qtbot.mouseClick(find(wizard, QPushButton, "wizard.finish"), Qt.MouseButton.LeftButton)
    assert window.wizard is wizard and not wizard.closed  # nothing saved
    assert window.record.open_episodes() == []


def test_mrc_6_cannot_be_entered(qtbot, window):
    document = bad("bad-mrc-6")
    assert document["exam"]["motor"]["hip_flexion"]["left"] == 6
    wizard = open_new_episode(qtbot, window)
    cell = find(wizard, ChoiceRow, "motor.hip_flexion.left")
    assert [o.label for o in cell.options] == ["0", "1", "2", "3", "4", "5", "NT"]  # no 6 to click
    cell.setFocus()
    qtbot.keyClicks(cell, "6")
    assert cell.value() is None
    note = find(wizard, QLabel, "note:motor.hip_flexion.left")
    assert note.text() == "\u26a0 6 is not an MRC grade (0 to 5, or NT)"
    assert "motor.hip_flexion.left" not in wizard.session.exam.grades


def test_a_time_without_offset_cannot_be_entered(qtbot, window, record):
    """The date-time fields carry the workstation's zone: the document always has an offset."""
    document = bad("bad-time-without-offset")
    assert "+" not in document["procedure"]["performed_at"]
    wizard = open_new_episode(qtbot, window)
    # Read as the wall-clock time the nurse sees on the workstation (here: its zone).
    local = datetime.fromisoformat(document["procedure"]["performed_at"]).astimezone()
    document["procedure"]["performed_at"] = local.isoformat()
    exam_time = datetime.fromisoformat(document["exam"]["performed_at"])
    document["exam"]["performed_at"] = max(exam_time, local).isoformat()
    fill_exam(qtbot, wizard, document)
    saved = finish(qtbot, window, wizard)
    stored = record.episode_exams(saved.episode_id)[-1].document
    for moment in (stored["procedure"]["performed_at"], stored["exam"]["performed_at"]):
        assert datetime.fromisoformat(moment).utcoffset() is not None
    load_document(stored)


def test_an_unknown_key_has_no_field_to_type_it_into(qtbot, window, record):
    document = bad("bad-unknown-key")
    assert "numbnes" in document["exam"]["symptoms"]
    wizard = open_new_episode(qtbot, window)
    assert wizard.findChild(ChoiceRow, "symptoms.numbnes") is None
    names = {row.objectName() for row in wizard.findChildren(ChoiceRow)}
    known = {item.path for item in GRID} | {f"symptoms.{k}" for k in SYMPTOM_KEYS} | {
        f"procedure.{k}" for k in ("kind", "side", "anticoagulated", "site",
                                   "fluoroscopy_contrast")
    }
    assert names <= known  # every input is a field of the document, spelled as it is
    del document["exam"]["symptoms"]["numbnes"]
    fill_exam(qtbot, wizard, document)
    saved = finish(qtbot, window, wizard)
    load_document(record.episode_exams(saved.episode_id)[-1].document)


def test_the_next_exam_opens_without_the_last_ones_saved_message(qtbot, window):
    """"Exam saved." was about the exam before: it does not stand over the next one."""
    wizard = open_new_episode(qtbot, window)
    fill_exam(qtbot, wizard, json.loads(next(p for p in GOOD if p.stem == "mbb-normal-1h")
                                        .read_text(encoding="utf-8")))
    finish(qtbot, window, wizard)
    assert window.statusBar().currentMessage() == "Exam saved."
    open_new_episode(qtbot, window)
    assert window.statusBar().currentMessage() == ""
