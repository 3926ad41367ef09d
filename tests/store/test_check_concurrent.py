"""`check` and the start-up check read one snapshot: four processes writing all the while
never make them report damage (the chain and its head are read in one read transaction)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop_app.store import (
    check_database,
    connect,
    database_path,
    open_database,
    save_exam,
)
from tests.conftest import ROOT
from tests.store.documents import document

WRITERS = 4


def checks_while_writing(folder: Path, seconds: float) -> tuple[int, list[str], int]:
    """Run the full check and the start-up check in a loop while WRITERS processes save
    exams. Returns (checks run, problems reported, exams written meanwhile)."""
    db = open_database(folder)
    save_exam(db, document("CC-0"), actor="n")
    before = db.execute("SELECT count(*) FROM exams").fetchone()[0]
    db.close()
    writers = [subprocess.Popen([sys.executable, "-m", "tests.store.writer", str(folder),
                                 f"W{n}", "100000"], cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True) for n in range(WRITERS)]
    problems: list[str] = []
    runs = 0
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            db = connect(database_path(folder), create=False)
            try:
                problems += check_database(db, full=True).problems
            finally:
                db.close()
            open_database(folder, migrate=False).close()  # raises on a start-up alarm
            runs += 1
    finally:
        for writer in writers:
            writer.terminate()
        errors = [writer.communicate(timeout=30)[1] for writer in writers]
    assert all(w.returncode in (0, -15) for w in writers), errors
    db = connect(database_path(folder), create=False)
    after = db.execute("SELECT count(*) FROM exams").fetchone()[0]
    final = check_database(db, full=True)
    db.close()
    assert final.ok, final.problems
    return runs, problems, after - before


def test_no_false_alarm_while_four_processes_write(folder: Path) -> None:
    runs, problems, written = checks_while_writing(folder, 15)
    assert problems == []
    assert runs >= 5 and written >= 20  # the checks really ran while the writers wrote


@pytest.mark.slow
def test_no_false_alarm_in_a_minute_of_four_writers(folder: Path) -> None:
    runs, problems, written = checks_while_writing(folder, 60)
    assert problems == []
    assert runs >= 20 and written >= 100
