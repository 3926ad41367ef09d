"""A crash loses nothing: an exam typed into the real window, autosaved, then the process
SIGKILLed; the next window offers the draft back and resumes it where it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton

from desktop_app.ui.widgets import ChoiceRow
from tests.conftest import ROOT
from tests.ui.driver import find


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_killed_exam_is_offered_back(qtbot, private_data_dir):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.ui.draft_child", str(private_data_dir)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        line = ""
        while "DRAFT SAVED" not in line:
            assert time.monotonic() < deadline, "the child never autosaved"
            assert child.poll() is None, "the child died before autosaving"
            line = child.stdout.readline()
        os.kill(child.pid, signal.SIGKILL)  # no clean-up, no closeEvent
        assert child.wait(timeout=10) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
        child.stdout.close()

    from desktop_app.record import WardRecord
    from desktop_app.store import open_database
    from desktop_app.ui.main_window import MainWindow
    from tests.ui.conftest import discard_window

    db = open_database(private_data_dir)
    try:
        window = MainWindow(WardRecord(db, private_data_dir, signed_in="nurse.crash"))
        window.resize(1366, 768)
        window.show()
        bar = find(window, QLabel, "drafts.label")
        assert bar.isVisible()
        assert "Unfinished exam" in bar.text() and "Zoë Ngô-Ærøe (KILL-1)" in bar.text()
        qtbot.mouseClick(find(window, QPushButton, "main.resume_draft"),
                         Qt.MouseButton.LeftButton)
        wizard = window.wizard
        assert wizard is not None
        assert wizard.pages[wizard.current].page_id == "sensory"  # where the nurse was
        assert find(wizard, QLineEdit, "patient.mrn").text() == "KILL-1"
        assert find(wizard, ChoiceRow, "procedure.kind").value() == "medial_branch_block"
        assert find(wizard, ChoiceRow, "symptoms.saddle_anaesthesia").value() is False
        assert find(wizard, ChoiceRow, "sensory.L5.left.light_touch").value() == 1
        assert wizard.session.grade("sensory.L5.left.light_touch") == 1
        discard_window(window)
    finally:
        db.close()
