"""The Review page names what is still to grade in the order the pages show it: row by
row, Right before Left (as on the ISNCSCI worksheet), and its link opens that very cell."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QToolButton

from tests.conftest import CASES
from tests.ui.driver import fill_patient_page, find


def test_the_first_item_still_to_grade_is_the_first_one_the_page_shows(qtbot, window):
    qtbot.mouseClick(find(window, QPushButton, "main.new_episode"), Qt.MouseButton.LeftButton)
    wizard = window.wizard
    fill_patient_page(qtbot, wizard, json.loads(
        (CASES / "mbb-normal-1h.json").read_text(encoding="utf-8")))
    qtbot.mouseClick(find(wizard, QToolButton, "step.review"), Qt.MouseButton.LeftButton)
    text = find(wizard, QLabel, "review.problems").text()
    assert "(first: Right L2 light touch)" in text, text
    assert "(first: Right hip flexion)" in text, text
    assert "(first: Right straight-leg raise)" in text, text
    assert "(first: Right patellar reflex)" in text, text
    assert "(first: Left" not in text, text
    # Its link goes to that very cell.
    assert '<a href="sensory.L2.right.light_touch">Sensory</a>' in text, text
