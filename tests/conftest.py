"""Shared test setup: no display, a private data folder for every test, the shared cases."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# As the application does: no automatic garbage collection, which would run on whichever
# thread allocates (a signing worker) and finalize Qt objects there. The GUI tests collect
# from the application's GUI-thread timer; every test's teardown collects what is due.
_GC_THRESHOLD = gc.get_threshold()
gc.disable()

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CASES = SHARED / "cases"


def case_files() -> list[Path]:
    """Every exam document of ../shared/cases that has an expected result."""
    return sorted(
        p.with_name(p.name.replace(".expected.json", ".json"))
        for p in CASES.glob("*.expected.json")
    )


@pytest.fixture(autouse=True)
def private_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own data folder; nothing touches the real one."""
    folder = tmp_path / "data"
    monkeypatch.setenv("NEUROCHECK_DATA_DIR", str(folder))
    return folder


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--rule-matrix", metavar="-", default=None,
                     help="print the rule -> tests matrix as JSON after collection")


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items) -> None:
    import json

    from tests.traceability import MATRIX_KEY, matrix_from_items

    matrix = matrix_from_items(items)
    config.stash[MATRIX_KEY] = matrix
    if config.getoption("--rule-matrix"):
        print("\nRULE-MATRIX:" + json.dumps(matrix))



_INSTALLER_TESTS = "tests/test_installer.py::"
_SUITE_TIME = {"start": 0.0, "installer": 0.0}


def pytest_sessionstart(session: pytest.Session) -> None:
    import time

    _SUITE_TIME["start"] = time.monotonic()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.nodeid.startswith(_INSTALLER_TESTS):
        _SUITE_TIME["installer"] += report.duration


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    """The suite's own wall time, with and without the installer build (printed in CI too)."""
    import time

    total = time.monotonic() - _SUITE_TIME["start"]
    installer = _SUITE_TIME["installer"]
    terminalreporter.write_line(
        f"suite wall time {total:.0f} s; without the installer build {total - installer:.0f} s "
        f"(installer build {installer:.0f} s)")


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    """Collect on the main (GUI) thread what automatic collection would have by now."""
    first, second, third = gc.get_count()
    if third > _GC_THRESHOLD[2]:
        gc.collect(2)
    elif second > _GC_THRESHOLD[1]:
        gc.collect(1)
    elif first > _GC_THRESHOLD[0]:
        gc.collect(0)


# The PostgreSQL server fixtures and the engine every record test runs on.
pytest_plugins = ("tests.postgres_server",)
