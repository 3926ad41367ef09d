"""From the board, the history of a patient: every exam with its notes' actions."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from desktop_app.store import save_exam
from desktop_app.ui.app import open_main_window
from tests.conftest import CASES
from tests.ui.ward.conftest import sign_in


def test_the_board_opens_the_history_and_notes_of_the_selected_patient(qtbot, folder, db):
    saved = save_exam(db, (CASES / "mbb-numb-30h.json").read_bytes(), actor="nurse")
    window = open_main_window(folder)
    qtbot.addWidget(window)
    window.show()
    shell = window.ward_shell
    sign_in(qtbot, shell, "nurse")
    board = shell.board
    qtbot.waitUntil(lambda: board.select_episode(saved.episode_id), timeout=5000)
    qtbot.mouseClick(board.history, Qt.MouseButton.LeftButton)
    assert window.stack.currentIndex() == 1
    assert "URGENT" in window.history.text() and "MBB-6" in window.history.text()
    assert "Sign note" in window.history.text()  # not signed yet: the action is offered
    # whose history it is comes first, above the notes that are signed from here
    patient = json.loads((CASES / "mbb-numb-30h.json").read_text(encoding="utf-8"))["patient"]
    assert window.history.text().startswith(f"<p><b>{patient['name']} ({patient['mrn']})")
