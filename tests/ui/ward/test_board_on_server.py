"""The window on a ward record on a PostgreSQL server: it opens behind the sign-in screen as
a file does; the board hears another workstation's save the moment it commits (its own
timers stopped, so only the server's notification can bring it); a record out of reach
is said on the board, with what it last read kept, until the record answers again."""

from __future__ import annotations

import json
import subprocess
import sys
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
        add_episode(db, 0, calm_block(2.0, 1.5))
        add_episode(db, 1, calm_block(3.0, 2.5))
    finally:
        db.close()
    return postgres_url


@pytest.fixture
def window(qtbot, folder: Path, server_record: str):
    """The main window on the server's record, opened as `neurocheck --database URL` does."""
    windows: list[QWidget] = []
    failures: list[BaseException] = []
    gui.start_gui(folder, database=server_record, on_window=windows.append,
                  on_failure=failures.append)
    qtbot.waitUntil(lambda: bool(windows or failures), timeout=20_000)
    assert failures == []
    window = windows[0]
    qtbot.addWidget(window)
    yield window
    record = window.record
    if shiboken6.isValid(window):
        window.ward_shell.close()
    record.close()  # before the test's database is dropped


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
    windows: list[QWidget] = []
    failures: list[BaseException] = []
    gui.start_gui(folder, database=gone, on_window=windows.append, on_failure=failures.append)
    qtbot.waitUntil(lambda: bool(failures), timeout=20_000)
    assert windows == []
    assert report_failure(None, failures[0]) == 1
    said = capsys.readouterr().err.strip().splitlines()
    assert len(said) == 1 and "cannot be reached" in said[0], said
    assert "Traceback" not in said[0]
