"""Ward workstation fixtures: the test's own database with a few users, the main window with
the ward installed on it, helpers that sign in through the lock screen as a nurse would,
and, after every test, the audit chain of the test's database verified."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from sqlite_utils import Database

from desktop_app.paths import data_dir
from desktop_app.store import connect, create_user, open_database, save_exam, verify_audit_chain
from desktop_app.store.database import database_path, utc_now
from desktop_app.store.demo import Check, Scenario, _block, _im, scenario_documents
from desktop_app.ui.workers import wait_for_jobs
from tests.store.conftest import fast_password_hashing  # noqa: F401  (autouse: quick argon2)

PASSWORD = "correct horse battery"
USERS = (  # name, role, full name
    ("admin", "admin", "Ada Admin"),
    ("nurse", "nurse", "Nia Nurse"),
    ("nurse2", "nurse", "Noor Second"),
    ("clinician", "clinician", "Cy Clinician"),
    ("emergency", "nurse", "Ward Emergency Account"),
)


@pytest.fixture
def folder(private_data_dir: Path) -> Path:
    return data_dir()


@pytest.fixture
def db(folder: Path) -> Iterator[Database]:
    """The test's database with its users."""
    database = open_database(folder)
    for name, role, full_name in USERS:
        create_user(database, name, full_name=full_name, role=role, password=PASSWORD,
                    actor="test")
    yield database
    database.close()


@pytest.fixture(autouse=True)
def audit_chain_verifies(private_data_dir: Path) -> Iterator[None]:
    """Whatever a test did, the audit chain of its database still verifies afterwards."""
    yield
    wait_for_jobs()
    path = database_path(private_data_dir.resolve())
    if path.exists():
        check = connect(path, create=False)
        try:
            count, problems = verify_audit_chain(check)
        finally:
            check.close()
        assert problems == [], problems
        assert count > 0


def add_episode(db: Database, index: int, scenario: Scenario, *, bed: str | None = None,
                now: datetime | None = None) -> int:
    """Record a scenario's exams (the store's demo builders) as patient DEMO-(1001+index)."""
    saved = None
    for document in scenario_documents(scenario, index, now or utc_now()):
        saved = save_exam(db, document, actor="nurse", location=bed or f"Bed {index + 1}")
    assert saved is not None
    return saved.episode_id


def calm_block(hours_ago: float, checked_at: float) -> Scenario:
    """A block at level observe, checked once: next due 30 min after the check."""
    return _block(hours_ago, Check(checked_at))


def weak_block(hours_ago: float, checked_at: float) -> Scenario:
    """A block with weakness past 4 h: urgent, next due 15 min after the check."""
    return _block(hours_ago, Check(checked_at, changes={"motor.ankle_dorsiflexion.left": 4}))


def calm_im(hours_ago: float, checked_at: float) -> Scenario:
    return _im(hours_ago, Check(checked_at))


@pytest.fixture
def host(qtbot, db, folder):
    """The application's main window on the test's database (the ward installed on it by
    `make_ward`), saving as the workstation account until someone signs in."""
    from desktop_app.record import WardRecord
    from desktop_app.ui.main_window import MainWindow

    window = MainWindow(WardRecord(db, folder, signed_in="workstation"), autosave_ms=50)
    window.data_folder = folder
    qtbot.addWidget(window)
    window.resize(1366, 768)
    return window


class Started:
    """Records the episodes whose next check the board asked to start."""

    def __init__(self) -> None:
        self.episodes: list[int] = []

    def __call__(self, episode_id: int) -> None:
        self.episodes.append(episode_id)


@pytest.fixture
def started() -> Started:
    return Started()


@pytest.fixture
def make_ward(qtbot, host, db, started):
    """install_ward on the main window; returns a function taking install_ward's options."""
    from desktop_app.ui.ward import install_ward

    shells = []

    def make(**options: Any):
        options.setdefault("start_check", started)
        options.setdefault("watch_ms", 50)
        shell = install_ward(host, host.record, **options)
        shells.append(shell)
        host.show()
        qtbot.waitExposed(host)
        return shell

    yield make
    for shell in shells:
        shell.close()


@pytest.fixture
def ward(make_ward):
    return make_ward()


def sign_in(qtbot, shell, name: str, password: str = PASSWORD, *, expect_ok: bool = True) -> None:
    """Type the name and password into the lock screen and press Enter."""
    panel = shell.lock.panel
    assert shell.lock.screen.isVisible(), "the lock screen is not showing"
    panel.user.clear()
    qtbot.keyClicks(panel.user, name)
    qtbot.keyClick(panel.user, Qt.Key.Key_Return)
    qtbot.keyClicks(panel.password, password)
    qtbot.keyClick(panel.password, Qt.Key.Key_Return)
    if expect_ok:
        qtbot.waitUntil(lambda: shell.session.active, timeout=10_000)
    else:
        qtbot.waitUntil(lambda: not shell.session.busy and panel.message.isVisible()
                        and not panel.message.text().startswith("Checking"), timeout=10_000)
        assert not shell.session.active


def minutes(value: float) -> timedelta:
    return timedelta(minutes=value)
