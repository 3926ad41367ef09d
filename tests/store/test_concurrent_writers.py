"""Several workstations on one ward record on a PostgreSQL server: two processes saving
exams into the same episode at once lose nothing, fail nothing, and leave one audit chain
that `check` passes; `check` run meanwhile never reports damage (it reads one snapshot)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop_app.store import check_database, save_exam, verify_audit_chain
from desktop_app.store.opening import open_postgres
from tests.conftest import ROOT
from tests.store.documents import document
from tests.store.episode_writer import MRN

WORKERS = 2


@pytest.mark.parametrize("seconds", [10, pytest.param(60, marks=pytest.mark.slow)])
def test_two_workstations_saving_into_one_episode_lose_nothing(
        postgres_url: str, seconds: float, tmp_path: Path) -> None:
    db = open_postgres(postgres_url)  # the schema, before the workstations start
    save_exam(db, document("OTHER-1"), actor="n")
    # Into files, not pipes: a pipe nobody reads while the check runs would stop a writer.
    logs = [(tmp_path / f"worker-{k}.out", tmp_path / f"worker-{k}.err") for k in range(WORKERS)]
    workers = []
    for k, (out, err) in enumerate(logs):
        with out.open("w") as stdout, err.open("w") as stderr:
            workers.append(subprocess.Popen(
                [sys.executable, "-m", "tests.store.episode_writer", postgres_url, str(k),
                 str(seconds)], cwd=ROOT, stdout=stdout, stderr=stderr))
    checks, problems = 0, []
    give_up = time.monotonic() + seconds + 120
    while any(w.poll() is None for w in workers):
        if time.monotonic() > give_up:
            for worker in workers:
                worker.kill()
            pytest.fail("a workstation did not finish in time")
        report = check_database(db)
        checks += 1
        problems += report.problems
        time.sleep(0.2)
    for worker in workers:
        worker.wait(timeout=60)
    outputs = [(out.read_text(), err.read_text()) for out, err in logs]
    assert [w.returncode for w in workers] == [0] * WORKERS, [err[-2000:] for _, err in outputs]
    saved = [int(line.split()[0]) for out, _err in outputs for line in out.splitlines()]
    per_worker = [len(out.splitlines()) for out, _err in outputs]
    assert problems == [] and checks > 0
    assert all(count > 0 for count in per_worker), per_worker

    recorded = [r[0] for r in db.execute(
        "SELECT x.id FROM exams x JOIN episodes e ON e.id = x.episode_id "
        "JOIN patients p ON p.id = e.patient_id WHERE p.mrn = ? ORDER BY x.id", [MRN])]
    assert sorted(saved) == recorded  # none lost, none twice
    assert db.execute("SELECT count(*) FROM episodes e JOIN patients p ON p.id = e.patient_id "
                      "WHERE p.mrn = ?", [MRN]).fetchone()[0] == 1
    saves = db.execute("SELECT count(*) FROM audit_log WHERE action = 'exam.save'").fetchone()[0]
    assert saves == len(saved) + 1
    count, chain_problems = verify_audit_chain(db)
    assert chain_problems == []
    report = check_database(db, full=True)
    assert report.ok, report.problems
    print(f"\n{seconds:.0f} s, {WORKERS} workstations: {per_worker} exams saved, "
          f"{count} audit entries, {checks} checks meanwhile, 0 problems")
    db.close()
