"""The workstation fits its screen: at 1366x768 with a taskbar (1366x728 available) and at
200 % on 1920x1080 (960x540 device-independent pixels) the window is never larger than the
screen, and the board, the sign-in and lock screens and the note viewer need no scrolling
sideways and cut no control off. Tested by geometry: the screen's available area is the
one `fit_to_screen` reads, sized to the logical size; a slow test runs the real 200 % in a
process of its own (QT_SCALE_FACTOR=2)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys

import pytest
import shiboken6
from PySide6.QtCore import QRect
from pytestqt.exceptions import TimeoutError as WaitTimeout

from desktop_app.ui import dialogs
from desktop_app.ui.ward.session import LOCK_AFTER_FAILURES
from tests.conftest import ROOT
from tests.ui.geometry_probe import a_pdf, clipped, sideways
from tests.ui.ward.conftest import add_episode, calm_block, sign_in, weak_block

SCREENS = {"1366x768 with a taskbar": (1366, 728), "1920x1080 at 200 %": (960, 540)}


@pytest.fixture(params=list(SCREENS), ids=list(SCREENS))
def screen(request, monkeypatch):
    """The screen's available area, device-independent pixels."""
    width, height = SCREENS[request.param]
    area = QRect(0, 0, width, height)
    monkeypatch.setattr(dialogs, "available_geometry", lambda _widget=None: QRect(area))
    return area


@pytest.fixture
def station(qtbot, db, folder, screen):
    """The window as the application opens it (`open_main_window`), on the ward's record."""
    from desktop_app.ui.app import open_main_window
    from tests.ui.conftest import discard_window

    for index in range(6):
        add_episode(db, index, weak_block(5.0, 4.5) if index % 2 else calm_block(2.0, 1.0))
    window = open_main_window(folder, actor="workstation")
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.ward_shell.close()
    if shiboken6.isValid(window):
        discard_window(window)


def settle(qtbot) -> None:
    qtbot.wait(20)


def fits(qtbot, root, area) -> None:
    """Once the layout has settled (a message that grows re-lays the form out), no control
    of `root` is cut off; a control still cut off after 3 s is reported."""
    with contextlib.suppress(WaitTimeout):
        qtbot.waitUntil(lambda: clipped(root, area) == [], timeout=3_000)
    assert clipped(root, area) == []


def test_the_window_is_never_larger_than_the_screen(qtbot, station, screen):
    frame = station.frameGeometry()
    assert frame.width() <= screen.width() and frame.height() <= screen.height(), frame
    assert screen.contains(frame)


def test_sign_in_lock_and_board_fit_without_scrolling_sideways(qtbot, station, screen):
    shell = station.ward_shell
    settle(qtbot)
    fits(qtbot, shell.lock.screen, screen)
    assert sideways(shell.lock.screen) == []
    sign_in(qtbot, shell, "nurse")
    settle(qtbot)
    assert shell.board.isVisible()
    assert sideways(shell.board) == []  # the board table needs no sideways scrolling
    fits(qtbot, shell.board, screen)
    header = shell.board.table.horizontalHeader()
    assert header.length() <= shell.board.table.viewport().width()
    level = header.sectionSize(0)
    assert level >= shell.board.table.fontMetrics().horizontalAdvance("\u26a0 EMERGENCY")
    shell.lock.lock("manual")
    settle(qtbot)
    fits(qtbot, shell.lock.screen, screen)


def test_the_lock_out_message_fits(qtbot, station, screen):
    shell = station.ward_shell
    for _ in range(LOCK_AFTER_FAILURES):
        sign_in(qtbot, shell, "nurse", "wrong password", expect_ok=False)
    message = shell.lock.panel.message
    qtbot.waitUntil(lambda: message.height() >= message.heightForWidth(message.width()),
                    timeout=3_000)
    fits(qtbot, shell.lock.screen, screen)


def test_the_note_viewer_fits(qtbot, station, screen, tmp_path):
    shell = station.ward_shell
    sign_in(qtbot, shell, "nurse")
    viewer = station.notes.open_pdf(a_pdf(tmp_path), 1, title="Signed note")
    qtbot.waitExposed(viewer)
    settle(qtbot)
    frame = viewer.frameGeometry()
    assert frame.width() <= screen.width() and frame.height() <= screen.height(), frame
    fits(qtbot, viewer, QRect(viewer.mapToGlobal(viewer.rect().topLeft()), viewer.size()))
    viewer.close()


@pytest.mark.slow
def test_at_200_percent_on_1920x1080_for_real(tmp_path):
    """QT_SCALE_FACTOR=2 on a 1920x1080 screen, in a process of its own."""
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM",
                                                             "QT_SCALE_FACTOR")}
    env["PYTHONPATH"] = str(ROOT)
    run = subprocess.run([sys.executable, "-m", "tests.ui.geometry_probe", "1920", "1080", "2"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    line = next(x for x in run.stdout.splitlines() if x.startswith("GEOMETRY "))
    found = json.loads(line[len("GEOMETRY "):])
    assert found["available"] == [960, 540]
    assert found["frame_inside"] and found["viewer_inside"]
    for screen_name in ("lock", "board", "note_viewer", "lock.locked"):
        assert found[screen_name] == {"clipped": [], "sideways": []}, screen_name
    for name, page in found.items():  # every exam page: nothing cut off
        if name.startswith("page."):
            assert page["clipped"] == [], name
