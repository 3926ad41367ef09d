"""A writer killed mid-stream (SIGKILL, as close to a power cut as a test can get) never
leaves a damaged database, a broken audit chain or a lost exam whose save returned; two
processes writing to one database both succeed."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop_app.store import check_database, export_document, open_database
from tests.conftest import ROOT
from tests.store.writer import writer_document

ROUNDS = 20


def start_writer(folder: Path, prefix: str, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "tests.store.writer", str(folder), prefix,
                             str(count)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def reported(lines: list[str], prefix: str) -> dict[int, tuple[str, int]]:
    """exam ID -> (prefix, index) for every "ID INDEX" line the writer printed."""
    found = {}
    for line in lines:
        exam_id, index = line.split()
        found[int(exam_id)] = (prefix, int(index))
    return found


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
def test_a_killed_writer_never_loses_a_committed_exam(folder: Path) -> None:
    rng = random.Random(20261121)
    open_database(folder).close()
    committed: dict[int, tuple[str, int]] = {}
    for round_number in range(ROUNDS):
        prefix = f"K{round_number}"
        writer = start_writer(folder, prefix, 10_000)
        lines = []
        for _ in range(rng.randint(1, 8)):  # let it commit a few, then kill it mid-stream
            line = writer.stdout.readline()
            assert line, writer.stderr.read()
            lines.append(line)
        time.sleep(rng.uniform(0, 0.015))
        writer.send_signal(signal.SIGKILL)
        rest, _err = writer.communicate(timeout=30)
        assert writer.returncode == -signal.SIGKILL
        printed = rest.splitlines(keepends=True)
        if printed and not printed[-1].endswith("\n"):
            printed.pop()  # killed while printing it: that exam was never acknowledged
        committed |= reported(lines + printed, prefix)

        db = open_database(folder)  # raises unless integrity_check and the audit chain pass
        for exam_id, (saved_prefix, index) in committed.items():
            assert export_document(db, exam_id) == writer_document(saved_prefix, index)
        stored = db.execute("SELECT count(*) FROM exams").fetchone()[0]
        # A save can commit and be killed before it prints: more stored, never fewer.
        assert stored >= len(committed)
        db.close()
    assert len(committed) >= ROUNDS


def test_two_processes_writing_at_once_both_succeed(folder: Path) -> None:
    # A fresh folder: both also race to create and migrate the schema.
    writers = {prefix: start_writer(folder, prefix, 15) for prefix in ("A", "B")}
    committed = {}
    for prefix, writer in writers.items():
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
        committed |= reported(out.splitlines(), prefix)
    assert len(committed) == 30
    db = open_database(folder)
    assert check_database(db).ok
    assert db.execute("SELECT count(*) FROM exams").fetchone()[0] == 30
    for exam_id, (prefix, index) in committed.items():
        assert export_document(db, exam_id) == writer_document(prefix, index)
    db.close()


SPILL_AND_DIE = """
import os, signal, sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA cache_size = 5")  # spill changed pages into the file before the commit
conn.execute("BEGIN IMMEDIATE")
for i in range(2000):
    conn.execute("INSERT INTO drafts (id, content, started_at, saved_at) VALUES (?, ?, 'x', 'x')",
                 (str(i), "x" * 500))
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
def test_a_crash_on_a_rollback_journal_is_undone_at_the_next_start(
        folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop_app.store import database as database_module

    monkeypatch.setattr(database_module, "is_network_filesystem", lambda path: True)
    db = open_database(folder)
    assert database_module.journal_mode(db) == "delete"
    db.close()
    path = folder / "neurocheck.sqlite"
    subprocess.run([sys.executable, "-c", SPILL_AND_DIE, str(path)], check=False)
    assert (folder / "neurocheck.sqlite-journal").exists()  # a hot journal: mid-transaction
    result = subprocess.run([sys.executable, "-m", "desktop_app", "--data-dir", str(folder),
                             "check"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    db = open_database(folder)
    assert db.execute("SELECT count(*) FROM drafts").fetchone() == (0,)
    db.close()
