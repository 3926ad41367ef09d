"""GUI test setup: the application as `run_gui` sets it up, a fresh record per test, a main
window at the smallest supported screen, and the truth for each shared case from the real
`assess` command."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from tests.conftest import ROOT

# The offscreen platform says this when a top-level window's size limits change or a tool
# tip is raised; it is about the test platform, not the application.
OFFSCREEN_NOISE = r"This plugin does not support (propagateSizeHints|raise)\(\)"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


@pytest.fixture(scope="session")
def qapp_args():
    return [sys.argv[0]]


@pytest.fixture(autouse=True)
def styled_app(qapp):
    """Fonts and style sheet exactly as `run_gui` sets them."""
    from desktop_app.ui.app import set_up_application

    return set_up_application()


@pytest.fixture
def bare_record(private_data_dir):
    """The real record (SQLite store) in the test's own data folder, as the windows hold it,
    with no account yet (for tests that set up the installation's accounts themselves) and
    `nurse.test` signed in."""
    from desktop_app.record import WardRecord

    record = WardRecord.open(private_data_dir, signed_in="nurse.test")
    yield record
    record.close()


@pytest.fixture
def record(bare_record, monkeypatch):
    """The real record with the nurse account `nurse.test` it saves as (the record layer
    saves only for an account)."""
    from desktop_app.store import create_user
    from tests.signing_in import make_hashing_quick

    make_hashing_quick(monkeypatch)
    create_user(bare_record.db, "nurse.test", full_name="Nora Test", role="nurse",
                password="nurse-test-passphrase", actor="test")
    return bare_record


@pytest.fixture
def window(qtbot, record):
    from desktop_app.ui.main_window import MainWindow

    main = MainWindow(record, autosave_ms=50)
    main.resize(1366, 768)
    main.show()
    qtbot.waitExposed(main)
    yield main
    discard_window(main)


def discard_window(main) -> None:
    """Close and delete a window now: left to the garbage collector, every test's windows
    would pile up and slow the ones after it."""
    import shiboken6

    main.close()
    if shiboken6.isValid(main):
        shiboken6.delete(main)


@cache
def assess_truth(case: Path) -> tuple[int, dict | None, str]:
    """Exit code, JSON output and standard error of `python -m desktop_app assess CASE`."""
    run = subprocess.run(
        [sys.executable, "-m", "desktop_app", "assess", str(case)],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )
    output = json.loads(run.stdout) if run.returncode == 0 else None
    return run.returncode, output, run.stderr


SIGNER_PASSWORD = "correct horse 42"
ADMIN_PASSWORD = "admin password 1"


@pytest.fixture
def users(record, private_data_dir, monkeypatch):
    """An administrator (who sets the installation up) and the nurse the window runs as,
    with signing keys that open quickly (the cost is stored with each key; the shipped cost
    is tested in tests/report)."""
    from desktop_app.record.accounts import add_user
    from desktop_app.report import pki

    monkeypatch.setattr(pki, "SCRYPT_N", 2**10)
    db = record.db
    add_user(db, private_data_dir, "admin", full_name="Ada Admin", role="admin",
             password=ADMIN_PASSWORD)
    add_user(db, private_data_dir, "nurse.test", full_name="Nora Nurse", role="nurse",
             credentials="RN", password=SIGNER_PASSWORD, admin_name="admin",
             admin_password=ADMIN_PASSWORD)
    return db
