"""Start-up: the sign-in screen is the first window, painted before the record is open; the
main window takes over once the record is checked, with what the nurse typed meanwhile."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication, QWidget

from desktop_app.store.database import DATABASE_NAME
from desktop_app.ui import app as gui
from desktop_app.ui.ward.sign_in import SignInPanel
from desktop_app.ui.workers import pending_jobs
from tests.ui.ward.conftest import PASSWORD


class _Painted(QObject):
    """Notes, at the first paint of the watched window, which windows were showing."""

    def __init__(self, watched: QWidget) -> None:
        super().__init__(watched)
        self.showing: list[QWidget] | None = None
        watched.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if event.type() == QEvent.Type.Paint and self.showing is None:
            self.showing = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
        return False


@pytest.fixture
def held_record(monkeypatch):
    """The record check waits until the test lets it go (the nurse is faster than it)."""
    release = threading.Event()
    started = threading.Event()
    check = gui.check_record

    def slow_check(folder: Path, database: str | None = None) -> bool:
        started.set()
        assert release.wait(10), "the test never let the record open"
        return check(folder, database)

    monkeypatch.setattr(gui, "check_record", slow_check)
    yield started, release
    release.set()


def _start(qtbot, folder: Path) -> tuple[gui.StartWindow, list[QWidget]]:
    windows: list[QWidget] = []

    def opened(window: QWidget) -> None:
        qtbot.addWidget(window)
        windows.append(window)

    start = gui.start_gui(folder, on_window=opened)
    return start, windows


def test_the_database_file_is_the_stores():
    assert gui.DATABASE_FILE == DATABASE_NAME


def test_the_first_window_painted_is_the_sign_in_screen(qtbot, folder, db, held_record):
    started, release = held_record
    start, windows = _start(qtbot, folder)
    painted = _Painted(start)
    qtbot.waitUntil(lambda: painted.showing is not None, timeout=5000)
    assert painted.showing == [start]  # nothing but the sign-in screen, no main window yet
    panel = start.findChild(SignInPanel, "signin")
    assert panel is not None and panel.isVisible()
    assert panel.user.isVisible() and panel.user.isEnabled() and panel.password.isEnabled()
    assert start.windowTitle() == "NeuroCheck \u2014 locked"
    qtbot.waitUntil(started.is_set, timeout=5000)  # the record opens after the paint
    assert windows == []
    qtbot.keyClicks(panel.user, "nurse")  # typing while the record opens
    release.set()
    qtbot.waitUntil(lambda: len(windows) == 1, timeout=10_000)
    window = windows[0]
    lock = window.ward_shell.lock
    assert window.isVisible() and lock.covered and lock.panel.isVisible()
    assert lock.panel.user.text() == "nurse"  # what was typed went over
    assert not window.ward_shell.session.active
    qtbot.waitUntil(lambda: not shiboken6.isValid(start) or not start.isVisible(),
                    timeout=5000)


def test_a_password_entered_before_the_record_opened_signs_in_once_it_is_open(
        qtbot, folder, db, held_record):
    started, release = held_record
    start, windows = _start(qtbot, folder)
    qtbot.waitUntil(started.is_set, timeout=5000)
    panel = start.panel
    qtbot.keyClicks(panel.user, "nurse")
    qtbot.keyClick(panel.user, Qt.Key.Key_Return)
    qtbot.keyClicks(panel.password, PASSWORD)
    qtbot.keyClick(panel.password, Qt.Key.Key_Return)
    # The record is still opening: the screen says so, with a busy bar, and waits.
    assert windows == []
    assert "Opening the record" in panel.message.text() and panel.message.isVisible()
    assert start.progress.isVisible()
    assert not panel.password.isEnabled() and panel.password.text() == ""
    release.set()
    qtbot.waitUntil(lambda: len(windows) == 1, timeout=10_000)
    session = windows[0].ward_shell.session
    qtbot.waitUntil(lambda: session.active, timeout=10_000)
    assert session.user.name == "nurse"
    assert not windows[0].ward_shell.lock.covered


def test_a_wrong_password_entered_early_is_refused_on_the_main_windows_screen(
        qtbot, folder, db, held_record):
    started, release = held_record
    start, windows = _start(qtbot, folder)
    qtbot.waitUntil(started.is_set, timeout=5000)
    qtbot.keyClicks(start.panel.user, "nurse")
    qtbot.keyClicks(start.panel.password, "not the password")
    qtbot.keyClick(start.panel.password, Qt.Key.Key_Return)
    release.set()
    qtbot.waitUntil(lambda: len(windows) == 1, timeout=10_000)
    shell = windows[0].ward_shell
    qtbot.waitUntil(lambda: not shell.session.busy and shell.lock.panel.message.text()
                    .startswith("The user name or password is wrong"), timeout=10_000)
    assert not shell.session.active and shell.lock.covered


def test_a_record_that_cannot_be_opened_is_reported(qtbot, folder, db, monkeypatch):
    failures: list[BaseException] = []

    def broken(_folder: Path, _database: str | None = None) -> bool:
        raise OSError("disk I/O error")

    monkeypatch.setattr(gui, "check_record", broken)
    windows: list[QWidget] = []
    start = gui.start_gui(folder, on_window=windows.append, on_failure=failures.append)
    qtbot.waitUntil(lambda: failures != [], timeout=5000)
    assert isinstance(failures[0], OSError) and windows == []
    qtbot.waitUntil(lambda: not shiboken6.isValid(start) or not start.isVisible(),
                    timeout=5000)


def test_closing_the_sign_in_screen_before_the_record_opened_opens_nothing(
        qtbot, folder, db, held_record):
    started, release = held_record
    start, windows = _start(qtbot, folder)
    qtbot.waitUntil(started.is_set, timeout=5000)
    start.close()
    release.set()
    qtbot.waitUntil(lambda: pending_jobs() == 0, timeout=10_000)
    assert windows == []
