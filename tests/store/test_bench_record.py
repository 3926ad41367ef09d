"""The benchmark's generated record is one NeuroCheck could have written: it passes the full
`check` (every row against the audit chain) with no problem, so `check` can be timed on
it; and the check still sees a row changed behind its back."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from desktop_app.bench.store_bench import generate
from desktop_app.commands.check import run as check_command
from desktop_app.store import check_database, connect, database_path


def test_the_generated_record_passes_the_full_check(tmp_path: Path, capsys) -> None:
    facts = generate(tmp_path, exams=105, open_episodes=4, report=lambda _line: None)
    assert (facts["exams"], facts["episodes"], facts["patients"]) == (105, 21, 11)
    db = connect(database_path(tmp_path), create=False)
    try:
        report = check_database(db, full=True)
        tables = ("patients", "episodes", "exams", "users", "settings")
        rows = sum(db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables)
    finally:
        db.close()
    assert report.problems == []
    assert report.exams == 105 and report.rows_checked == rows
    # 11 patients, 21 episodes opened and 17 closed, 105 exams, after the schema's entries
    assert report.audit_entries == facts["audit entries"] >= 11 + 21 + 17 + 105

    import argparse

    assert check_command(argparse.Namespace(data_dir=str(tmp_path), signatures=False)) == 0
    assert capsys.readouterr().out.startswith("OK:")

    conn = sqlite3.connect(database_path(tmp_path))
    with conn:
        conn.execute("UPDATE exams SET level = 'observe' WHERE id = 7")
    conn.close()
    db = connect(database_path(tmp_path), create=False)
    try:
        assert any("exams row 7" in p for p in check_database(db, full=True).problems)
    finally:
        db.close()


def test_the_server_benchmark_fills_a_record_that_passes_the_full_check_and_leaves_it_so(
        postgres_url: str) -> None:
    from desktop_app.bench.server_bench import run
    from desktop_app.store.opening import open_postgres

    lines: list[str] = []
    rows = run(postgres_url, lines.append, exams=105, open_episodes=4, repeat=5)
    assert [r["name"].split(" (")[0] for r in rows] == [
        "save one exam", "patient by MRN", "patients by name prefix", "ward board refresh",
        "ward board first read", "another workstation's save on the board"]
    assert all(r["median_ms"] > 0 and r["floor_ms"] > 0 for r in rows)
    assert any(line.startswith("targets: ") for line in lines)
    db = open_postgres(postgres_url, check=False)
    try:
        report = check_database(db, full=True)  # the floor's own rows were taken out again
        open_episodes = db.execute("SELECT count(*) FROM episodes WHERE closed_at IS NULL"
                                   ).fetchone()[0]
    finally:
        db.close()
    assert report.problems == []
    assert open_episodes >= 4
