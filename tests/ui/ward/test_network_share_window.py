"""The window on a record on a network share says, in its status bar, that this is not
safe; on this computer's own disk it says nothing. (The share is simulated: the file
system check behind the warning answers "network" for the test's data folder; the record
itself stays as the fixture made it.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel

import desktop_app.store.opening as opening
from desktop_app.ui.app import open_main_window
from tests.ui.ward.conftest import sign_in


@pytest.mark.parametrize("shared", [True, False])
def test_the_status_bar_warns_of_a_record_on_a_network_share(qtbot, monkeypatch, folder,
                                                             db, shared) -> None:
    monkeypatch.setattr(opening, "is_network_filesystem",
                        lambda path: shared and Path(path).resolve() == Path(folder).resolve())
    window = open_main_window(folder)
    qtbot.addWidget(window)
    window.show()
    sign_in(qtbot, window.ward_shell, "nurse")
    label = window.statusBar().findChild(QLabel, "status.network_share")
    if shared:
        assert label is not None and label.isVisible()
        assert label.text().startswith("\u26a0 The record is on a network share")
    else:
        assert label is None
