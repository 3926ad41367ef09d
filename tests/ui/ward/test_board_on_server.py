"""The window on a ward record on a PostgreSQL server: it opens behind the sign-in screen as
a file does; the board hears another workstation's save the moment it commits (its own
timers stopped, so only the server's notification can bring it); a record out of reach
is said on the board, with what it last read kept, until the record answers again."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtWidgets import QWidget

from desktop_app.report.samples import sample_raw
from desktop_app.store import create_user, database_path
from desktop_app.store.opening import open_postgres
from desktop_app.ui import app as gui
from tests.conftest import ROOT
from tests.ui.ward.conftest import PASSWORD, add_episode, calm_block, sign_in

pytestmark = pytest.mark.usefixtures("postgres_url")


@pytest.fixture
def server_record(postgres_url: str) -> str:
    """The server's record with a nurse and two open episodes."""
    db = open_postgres(postgres_url)
    try:
        create_user(db, "nurse", full_name="Nia Nurse", role="nurse", password=PASSWORD,
                    actor="test")
        create_user(db, "clinician", full_name="Cy Clinician", role="clinician",
                    password=PASSWORD, actor="test")
        add_episode(db, 0, calm_block(2.0, 1.5))
        add_episode(db, 1, calm_block(3.0, 2.5))
    finally:
        db.close()
    return postgres_url


def open_on(qtbot, folder: Path, database: str) -> tuple[list[QWidget], list[BaseException]]:
    """Start the application on `database` as `neurocheck --database URL` does; the main
    window (or the failure) once the sign-in screen has handed over."""
    windows: list[QWidget] = []
    failures: list[BaseException] = []
    # Held here until it hands over: a sign-in screen collected before it paints opens nothing.
    start = gui.start_gui(folder, database=database, on_window=windows.append,
                          on_failure=failures.append)
    qtbot.waitUntil(lambda: bool(windows or failures), timeout=20_000)
    qtbot.waitUntil(lambda: not shiboken6.isValid(start) or not start.isVisible())
    return windows, failures


@contextlib.contextmanager
def opened(qtbot, folder: Path, database: str) -> Iterator[QWidget]:
    """The main window on the record at `database`, closed (its record too) afterwards."""
    windows, failures = open_on(qtbot, folder, database)
    assert failures == []
    window = windows[0]
    qtbot.addWidget(window)
    record = window.record
    try:
        yield window
    finally:
        if shiboken6.isValid(window):
            window.ward_shell.close()
        record.close()  # before the test's database is dropped


@pytest.fixture
def window(qtbot, folder: Path, server_record: str):
    """The main window on the server's record, opened as `neurocheck --database URL` does."""
    with opened(qtbot, folder, server_record) as main:
        yield main


def _import(url: str, folder: Path, tmp_path: Path, mrn: str) -> subprocess.CompletedProcess:
    """Another workstation (another process, its own data folder) records an exam."""
    raw = sample_raw("normal")
    raw["patient"]["mrn"] = mrn
    source = tmp_path / f"{mrn}.json"
    source.write_text(json.dumps(raw), encoding="utf-8")
    other = tmp_path / "other-workstation"
    other.mkdir(mode=0o700)
    return subprocess.run(
        [sys.executable, "-m", "desktop_app", "--data-dir", str(other), "--database", url,
         "import", str(source), "--user", "nurse", "--password-stdin"],
        input=f"{PASSWORD}\n", capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_the_board_hears_another_workstations_save_from_the_server(
        qtbot, window, folder: Path, server_record: str, tmp_path: Path) -> None:
    shell = window.ward_shell
    sign_in(qtbot, shell, "nurse")
    controller = shell.board_controller
    model = controller.model
    qtbot.waitUntil(lambda: len(model.entries) == 2, timeout=5000)
    # No timer may bring the save: only the notification the commit sends.
    controller.watcher.timer.stop()
    controller.refresh_timer.stop()
    run = _import(server_record, folder, tmp_path, "SERVER-77")
    assert run.returncode == 0, run.stderr
    qtbot.waitUntil(lambda: len(model.entries) == 3, timeout=5000)
    assert "SERVER-77" in [entry.mrn for entry in model.entries]
    assert not database_path(folder).exists()  # nothing went into a file of the data folder
    assert not shell.board.unreachable.isVisible()


def test_a_record_out_of_reach_is_said_on_the_board_until_it_answers(
        qtbot, window, folder: Path) -> None:
    import psycopg

    shell = window.ward_shell
    sign_in(qtbot, shell, "nurse")
    controller, board = shell.board_controller, shell.board
    qtbot.waitUntil(lambda: len(controller.model.entries) == 2, timeout=5000)
    reader = controller.reader

    def unreachable():
        raise psycopg.OperationalError("connection refused")

    reader.entries = unreachable  # the next read finds the server gone
    controller.refresh()
    assert board.unreachable.isVisible()
    assert "cannot be reached since" in board.unreachable.text()
    assert board.updated.text().startswith("Last read ")
    assert len(controller.model.entries) == 2  # what it last read stays on the board
    del reader.entries  # the server is back
    controller.refresh()
    assert not board.unreachable.isVisible()
    assert board.updated.text().startswith("Updated ")


def test_a_server_that_cannot_be_reached_at_start_is_said_in_one_line(
        qtbot, folder: Path, postgres_url: str, capsys) -> None:
    from urllib.parse import urlsplit, urlunsplit

    from desktop_app.cli import report_failure

    gone = urlunsplit(urlsplit(postgres_url)._replace(path="/no_such_ward_record"))
    windows, failures = open_on(qtbot, folder, gone)
    assert windows == [] and len(failures) == 1
    assert report_failure(None, failures[0]) == 1
    said = capsys.readouterr().err.strip().splitlines()
    assert len(said) == 1 and "cannot be reached" in said[0], said
    assert "Traceback" not in said[0]


@pytest.fixture
def relay(server_record: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The server behind a relay the test can stop and start (tests/tcp_proxy.py); a lost
    connection is tried again at once (the pause between tries is tested without Qt)."""
    from desktop_app.store import postgres
    from tests.tcp_proxy import StoppableServer

    monkeypatch.setattr(postgres, "RECONNECT_PAUSE_SECONDS", 0.0)

    server = StoppableServer(server_record, tmp_path)
    if server.passfile is not None:
        monkeypatch.setenv("PGPASSFILE", str(server.passfile))
    yield server
    server.stop()


@pytest.fixture
def relayed_window(qtbot, folder: Path, relay):
    """The main window on the server's record, through the relay."""
    with opened(qtbot, folder, relay.url_through) as main:
        yield main


def test_the_server_down_mid_exam_keeps_the_exam_here_and_saves_it_once_when_back(
        qtbot, folder: Path, relay, relayed_window) -> None:
    from PySide6.QtCore import Qt

    from desktop_app.record.drafts import kept_drafts
    from tests.ui.driver import case, fill_exam

    window = relayed_window
    shell = window.ward_shell
    sign_in(qtbot, shell, "nurse")
    qtbot.mouseClick(shell.board.new_episode, Qt.MouseButton.LeftButton)
    wizard = window.wizard
    document = case("mbb-normal-1h")
    fill_exam(qtbot, wizard, document)

    relay.stop()  # the server goes down with the exam on the screen
    qtbot.keyClick(wizard, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.wizard is wizard and not wizard.closed  # not saved, still open
    assert "Not saved" in wizard.status.text()
    assert "database server" in wizard.status.text()
    assert wizard.offline.isVisible()
    assert "cannot be reached since" in wizard.offline.text()
    assert [k["id"] for k in kept_drafts(folder)] == [wizard.session.draft_key]
    qtbot.waitUntil(lambda: shell.board.unreachable_since is not None, timeout=10_000)

    relay.start()  # back: the next try puts the draft into the record
    wizard.retry.start(50)
    qtbot.waitUntil(lambda: not wizard.offline.isVisible(), timeout=10_000)
    assert kept_drafts(folder) == []
    qtbot.keyClick(wizard, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.wizard is None, timeout=10_000)
    mrn = document["patient"]["mrn"]
    db = window.record.db
    saved = db.execute("SELECT count(*) FROM exams e JOIN episodes p ON p.id = "
                       "e.episode_id JOIN patients t ON t.id = p.patient_id "
                       "WHERE t.mrn = ?", [mrn]).fetchone()[0]
    assert saved == 1  # saved once
    assert db.execute("SELECT count(*) FROM drafts").fetchone()[0] == 0
    qtbot.waitUntil(lambda: shell.board.unreachable_since is None, timeout=10_000)


def test_with_the_server_down_the_screen_still_locks_and_an_episode_close_says_why(
        qtbot, relay, relayed_window) -> None:
    from PySide6.QtCore import Qt

    from desktop_app.ui.ward.session import ScreenState

    window = relayed_window
    shell = window.ward_shell
    sign_in(qtbot, shell, "clinician")
    controller = shell.board_controller
    qtbot.waitUntil(lambda: len(controller.model.entries) == 2, timeout=5000)
    episode = controller.model.entries[0].episode_id
    relay.stop()
    assert shell.board.select_episode(episode)
    qtbot.mouseClick(shell.board.close_episode, Qt.MouseButton.LeftButton)
    dialog = controller.dialog
    dialog.reason.setCurrentIndex(1)
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()  # not closed: it says why, in one line
    text = dialog.message.text()
    assert "was not closed" in text and "database server" in text and "\n" not in text

    dialog.reject()
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)  # Lock
    qtbot.waitUntil(lambda: shell.session.state is ScreenState.LOCKED, timeout=5000)
    assert shell.lock.covered  # the record out of reach never keeps the screen open


def test_the_board_asks_again_by_itself_until_the_record_answers(
        qtbot, relay, relayed_window) -> None:
    """Out of reach, the board does not wait for its next refresh (a minute) or for a
    notification: it asks again every few seconds, and its red line goes once the record
    answers. Its refresh timer and change feed are stopped here, so only the retry can."""
    shell = relayed_window.ward_shell
    sign_in(qtbot, shell, "nurse")
    controller = shell.board_controller
    controller.refresh_timer.stop()
    controller.watcher.timer.stop()
    if controller.watcher.notifier is not None:
        controller.watcher.notifier.setEnabled(False)
    controller.retry_timer.setInterval(100)
    relay.stop()
    controller.refresh()
    assert shell.board.unreachable_since is not None
    assert controller.retry_timer.isActive()
    relay.start()
    qtbot.waitUntil(lambda: shell.board.unreachable_since is None, timeout=10_000)
    assert not controller.retry_timer.isActive()
