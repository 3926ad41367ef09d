"""Benchmark: the record's interactive queries on 1,000,000 exams (200,000 episodes).

`python -m desktop_app.bench.store_bench [--exams N] [--open N] [--keep DIR] [--repeat N]`

Each line is the median of a repository function on a warm connection, beside the median of
the same SQL on a bare `sqlite3` connection to the same file (the floor), and their ratio:
- save one exam: `save_exam` (validation, assessment, lookups, the exam row, the episode's
  board columns, an audit entry, one durable commit) against the bare INSERT of the same
  exam row and UPDATE of its episode in one transaction;
- patient by MRN, patients by name prefix, the ward board (every open episode with its next
  check due): the repository function against its SQL.
Also reported, not interactive: the start-up check (integrity_check and the audit chain) at
that size, the time to generate the record, and its size.

The record is written straight into the tables in one transaction (executemany): real exam
documents (demo scenarios, each exam carrying the earlier ones as an exam document does),
assessed by the protocol once per template, then given each patient's MRN and name; the
audit chain is computed for every row, so the record passes its own check.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import itertools
import json
import random
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from desktop_app.bench.common import measure, median_ms, table

EXAMS = 1_000_000
EXAMS_PER_EPISODE = 5
EPISODES_PER_PATIENT = 2
OPEN_EPISODES = 200
TARGET_MS = 20.0
BATCH = 10_000

FIRST_NAMES = ("Ana", "Kwame", "Zoë", "Mehmet", "Ingrid", "Priya", "José", "Aoife", "Dmitri",
               "Wei", "Fatima", "Lan", "Olusegun", "Małgorzata", "Hannah", "Yuki", "Ahmad",
               "Chloé", "Tomasz", "Sipho", "Elena", "Rafael", "Aisha", "Björn", "Mariana",
               "Kenji", "Grace", "Rania", "Pedro", "Ева", "Γιώργος", "Samuel", "Leila", "Oskar",
               "María", "John", "Sofia", "Ahmed", "Mei", "Lukas")
LAST_NAMES = ("Souza", "Mensah", "Ngô", "Yılmaz", "Håkansson", "Raghunathan", "Álvarez",
              "Ní Bhriain", "Volkov", "李", "El Idrissi", "Nguyễn", "Adeyemi", "Kowalska",
              "Schäfer", "田中", "Karimi", "Dubois", "Wiśniewski", "Dlamini", "Popescu",
              "Moreno", "Bello", "Lindqvist", "Costa", "Sato", "O'Connor", "Haddad", "Gonçalves",
              "Смирнова", "Παπαδόπουλος", "Okafor", "Farahani", "Nowak", "García", "Smith",
              "Rossi", "Müller", "Jensen", "Kowalczyk", "Fernández", "Novák", "Horvat",
              "Petrović", "Ivanova", "Tanaka", "Kim", "Singh", "Hassan", "Ali", "Öztürk",
              "Andersson", "Virtanen", "Murphy", "Dupont", "Silva", "Santos", "Jovanović",
              "Papadakis", "Cohen")


def _utc(moment: datetime) -> str:
    # `database.utc_text` for a naive UTC time, without strftime (millions of times here).
    return moment.isoformat(timespec="microseconds") + "Z"


def _templates() -> list[tuple[str, str, list[tuple[str, str, str, float]]]]:
    """For each demo scenario: the procedure kind, its JSON, and five exams in a row, each
    (document %-template with the patient's MRN and name as slots, assessment JSON, level,
    minutes from the exam to the next check). Each document is validated and assessed by
    the real protocol here, once."""
    from desktop_app.domain import DEFAULT_POLICY, assess, load_document
    from desktop_app.store.demo import SCENARIOS, Check, scenario_documents

    now = datetime.now(UTC)
    series = []
    for index, scenario in enumerate(SCENARIOS):
        checks = list(scenario.checks)
        while len(checks) < EXAMS_PER_EPISODE:  # further checks like the last, 30 min apart
            last = checks[-1]
            checks.append(Check(last.hours + 0.5, last.symptoms, last.changes))
        hours_ago = checks[-1].hours + 0.1
        longer = dataclasses.replace(scenario, checks=tuple(checks), hours_ago=hours_ago)
        templates = []
        for document in scenario_documents(longer, index, now)[:EXAMS_PER_EPISODE]:
            result = assess(load_document(document), DEFAULT_POLICY).to_json()
            exam_at = datetime.fromisoformat(document["exam"]["performed_at"])
            due_minutes = (datetime.fromisoformat(result["next_check_due"]) - exam_at) \
                .total_seconds() / 60
            document["patient"] = {"mrn": "@MRN@", "name": "@NAME@", "birth_date": "1960-01-01"}
            text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
            text = text.replace("%", "%%").replace("@MRN@", "%(mrn)s").replace(
                "@NAME@", "%(name)s")
            templates.append((text, json.dumps(result, ensure_ascii=False,
                                               separators=(",", ":")),
                              result["level"], due_minutes))
        procedure = json.dumps(document["procedure"], ensure_ascii=False, separators=(",", ":"))
        series.append((scenario.kind, procedure, templates))
    return series


def generate(folder: Path, *, exams: int = EXAMS, open_episodes: int = OPEN_EPISODES,
             seed: int = 3, report: Callable[[str], object] = print) -> dict[str, float]:
    """Write a record of `exams` exams (5 an episode, 2 episodes a patient, the latest
    `open_episodes` episodes open) into an empty data folder. Returns counts and seconds."""
    from desktop_app.domain import DEFAULT_POLICY
    from desktop_app.store import open_database
    from desktop_app.store.audit import GENESIS_HASH, entry_hash
    from desktop_app.store.patients import name_words

    started = time.perf_counter()
    rng = random.Random(seed)
    series = _templates()
    db = open_database(folder)
    conn = db.conn
    # Generating only (measured connections are durable): no fsync, and a rollback journal,
    # which for a new file holds next to nothing, where WAL would write everything twice.
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA foreign_keys = OFF")  # an episode names its last exam before it is in
    policy = json.dumps(DEFAULT_POLICY.to_json(), separators=(",", ":"))
    episodes = exams // EXAMS_PER_EPISODE
    patients = (episodes + EPISODES_PER_PATIENT - 1) // EPISODES_PER_PATIENT
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    first = now - timedelta(days=10 * 365)
    names = [f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" for _ in range(patients)]
    created = _utc(first)

    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "INSERT INTO patients (id, mrn, name, birth_date, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        ((p, f"B{p:08d}", names[p - 1], f"{1930 + p % 70}-{1 + p % 12:02d}-{1 + p % 28:02d}",
          created, created) for p in range(1, patients + 1)))
    conn.executemany("INSERT INTO patient_name_words (word, patient_id) VALUES (?, ?)",
                     ((word, p) for p in range(1, patients + 1)
                      for word in name_words(names[p - 1])))
    report(f"  {patients:,} patients written ({time.perf_counter() - started:.0f} s)")

    episode_rows: list[tuple[Any, ...]] = []
    exam_rows: list[tuple[Any, ...]] = []

    def flush() -> None:
        conn.executemany(
            "INSERT INTO episodes (id, patient_id, procedure_kind, procedure_at_utc, procedure,"
            " location, opened_at, opened_by, closed_at, closed_by, close_note, last_exam_id,"
            " last_exam_at, current_level, next_check_due) VALUES"
            " (?, ?, ?, ?, ?, ?, ?, 'bench', ?, ?, ?, ?, ?, ?, ?)", episode_rows)
        conn.executemany(
            "INSERT INTO exams (id, episode_id, performed_at_utc, document, assessment,"
            " schedule_policy, level, next_check_due, saved_at, saved_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'bench')", exam_rows)
        episode_rows.clear()
        exam_rows.clear()

    closed_step = (now - timedelta(days=3) - first) / max(1, episodes - open_episodes)
    exam_id = 0
    for episode in range(1, episodes + 1):
        is_open = episode > episodes - open_episodes
        procedure_at = (now - timedelta(minutes=rng.randrange(30, 48 * 60)) if is_open
                        else first + closed_step * episode).replace(microsecond=0)
        kind, procedure, templates = series[rng.randrange(len(series))]
        patient = (episode - 1) // EPISODES_PER_PATIENT + 1
        slots = {"mrn": f"B{patient:08d}", "name": names[patient - 1]}
        gap = (now - procedure_at) / (EXAMS_PER_EPISODE + 1) if is_open \
            else timedelta(minutes=30)
        exam_at = procedure_at
        for document, assessment, level, due_minutes in templates:
            exam_id += 1
            exam_at = (exam_at + gap).replace(microsecond=0)
            due = _utc(exam_at + timedelta(minutes=due_minutes))
            exam_rows.append((exam_id, episode, _utc(exam_at), document % slots, assessment,
                              policy, level, due, _utc(exam_at)))
        closed = None if is_open else _utc(exam_at + timedelta(hours=1))
        episode_rows.append((
            episode, patient, kind, _utc(procedure_at), procedure,
            f"Bed {episode % 30 + 1}" if is_open else None, _utc(procedure_at), closed,
            "bench" if closed else None, "recovered" if closed else None, exam_id,
            _utc(exam_at), level, due))
        if len(exam_rows) >= BATCH:
            flush()
            if exam_id % 100_000 < EXAMS_PER_EPISODE:
                report(f"  {exam_id:,} exams written ({time.perf_counter() - started:.0f} s)")
    flush()

    head = conn.execute("SELECT last_id, last_hash FROM audit_head").fetchone()
    last_id, last_hash = head or (0, GENESIS_HASH)
    at = _utc(now)

    def records() -> Iterator[tuple[str, str, int]]:
        """What each row above would have been audited as, in the order of a real record."""
        for patient in range(1, patients + 1):
            for episode in range((patient - 1) * EPISODES_PER_PATIENT + 1,
                                 min(patient * EPISODES_PER_PATIENT, episodes) + 1):
                if episode == (patient - 1) * EPISODES_PER_PATIENT + 1:
                    yield "patient.create", "patients", patient
                yield "episode.open", "episodes", episode
                for exam in range((episode - 1) * EXAMS_PER_EPISODE + 1,
                                  episode * EXAMS_PER_EPISODE + 1):
                    yield "exam.save", "exams", exam

    def entries() -> Iterator[tuple[Any, ...]]:
        nonlocal last_id, last_hash
        for action, table_name, record_id in records():
            last_id += 1
            digest = entry_hash(last_hash, last_id, at, "bench", action, table_name, record_id,
                                None)
            yield last_id, at, "bench", action, table_name, record_id, None, last_hash, digest
            last_hash = digest

    conn.executemany("INSERT INTO audit_log (id, at, actor, action, record_table, record_id,"
                     " detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", entries())
    conn.execute("UPDATE audit_head SET last_id = ?, last_hash = ?", [last_id, last_hash])
    conn.execute("COMMIT")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("ANALYZE")
    conn.execute("PRAGMA journal_mode = WAL")
    db.close()
    return {"exams": exam_id, "episodes": episodes, "patients": patients,
            "open episodes": open_episodes, "audit entries": last_id,
            "generate s": time.perf_counter() - started}


def _save_documents(count: int) -> Iterator[dict[str, Any]]:
    """Documents for timed saves: serial exams of one bench patient's open episode, a
    second apart, new on every run (a real exam document each, as the exam screen hands
    over)."""
    from desktop_app.store.demo import SCENARIOS, scenario_documents

    now = datetime.now(UTC)
    base = scenario_documents(SCENARIOS[1], 0, now)[0]
    base["patient"] = {"mrn": "BENCH-SAVE", "name": "Bench Save"}
    start = now.replace(microsecond=0) - timedelta(minutes=30)
    for index in range(count):
        document = copy.deepcopy(base)
        document["exam"]["performed_at"] = (start + timedelta(seconds=index)).isoformat()
        yield document


def run(report: Callable[[str], object] = print, *, exams: int = EXAMS,
        open_episodes: int = OPEN_EPISODES, folder: Path | None = None,
        repeat: int = 200) -> list[dict[str, Any]]:
    """Generate the record (or reuse `folder` when it holds one), time each query, report a
    table through `report`, and return the rows (name, median ms, floor ms, ratio)."""
    from desktop_app.domain import assess
    from desktop_app.store import (
        check_database,
        connect,
        database_path,
        patient_by_mrn,
        prepare_exam,
        save_exam,
        search_patients,
        ward_board,
    )
    from desktop_app.store.episodes import BOARD_SQL
    from desktop_app.store.patients import name_search_sql, name_words

    scratch = None
    if folder is None:
        scratch = folder = Path(tempfile.mkdtemp(prefix="neurocheck-store-bench-"))
    folder = Path(folder)
    path = database_path(folder)
    facts: dict[str, float] = {}
    rows: list[dict[str, Any]] = []
    try:
        if not path.exists():
            report(f"Generating {exams:,} exams in {folder} ...")
            facts.update(generate(folder, exams=exams, open_episodes=open_episodes,
                                  report=report))
        facts["database MB"] = path.stat().st_size / 1e6
        db = connect(path, create=False)
        bare = sqlite3.connect(str(path))
        rng = random.Random(7)
        patients = db.execute("SELECT max(id) FROM patients").fetchone()[0]
        mrns = [f"B{rng.randrange(1, patients + 1):08d}" for _ in range(repeat)]
        prefixes = [name_words(rng.choice(LAST_NAMES))[0][:4] for _ in range(repeat)]

        def cycle(values: list[str]) -> Callable[[], str]:
            items = itertools.cycle(values)
            return lambda: next(items)

        def add(name: str, ours: list[float], floor: list[float]) -> None:
            rows.append({"name": name, "median_ms": median_ms(ours),
                         "floor_ms": median_ms(floor),
                         "ratio": median_ms(ours) / median_ms(floor)})

        # save one exam. Each side first saves `repeat` untimed: until the WAL file has
        # grown to its working size, every commit also waits for the file system to record
        # the new size, which is not what a ward's saves wait for.
        documents = _save_documents(3 * repeat + 10)
        first = save_exam(db, next(documents), actor="bench")
        ours = measure(lambda: save_exam(db, next(documents), actor="bench"), repeat=repeat,
                       warmup=repeat)
        sample = db.execute("SELECT document, assessment, schedule_policy, level, next_check_due"
                            " FROM exams WHERE id = ?", [first.exam_id]).fetchone()
        # Exam times no save of any run has used: long ago, a microsecond apart.
        long_ago = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=20 * 365)
        moments = itertools.count()

        def bare_save() -> None:
            moment = _utc(long_ago + timedelta(microseconds=next(moments)))
            bare.execute("BEGIN IMMEDIATE")
            exam_id = bare.execute(
                "INSERT INTO exams (episode_id, performed_at_utc, document, assessment,"
                " schedule_policy, level, next_check_due, saved_at, saved_by)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'bench')",
                [first.episode_id, moment, *sample, moment]).lastrowid
            bare.execute("UPDATE episodes SET last_exam_id = ? WHERE id = ?",
                         [exam_id, first.episode_id])
            bare.execute("COMMIT")

        add("save one exam", ours, measure(bare_save, repeat=repeat, warmup=repeat))
        # Where a save's time goes beyond the floor: the domain's validation and assessment.
        document = next(documents)
        facts["of a save, validation + assessment ms"] = median_ms(measure(
            lambda: assess(prepare_exam(document).document), repeat=repeat))

        next_mrn = cycle(mrns)
        add("patient by MRN", measure(lambda: patient_by_mrn(db, next_mrn()), repeat=repeat),
            measure(lambda: bare.execute(
                "SELECT id, mrn, name, birth_date, created_at, updated_at FROM patients"
                " WHERE mrn = ?", [next_mrn()]).fetchall(), repeat=repeat))

        next_prefix = cycle(prefixes)
        add("patients by name prefix (20)",
            measure(lambda: search_patients(db, next_prefix()), repeat=repeat),
            measure(lambda: bare.execute(*name_search_sql([next_prefix()], 21)).fetchall(),
                    repeat=repeat))

        board = measure(lambda: ward_board(db), repeat=repeat)
        add(f"ward board ({len(ward_board(db))} open episodes)", board,
            measure(lambda: bare.execute(BOARD_SQL).fetchall(), repeat=repeat))
        bare.close()

        started = time.perf_counter()
        check = check_database(db)
        facts["start-up check s"] = time.perf_counter() - started
        facts["check ok"] = float(check.ok)
        db.close()
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)

    report(table([(r["name"], f"{r['median_ms']:.3f} ms", f"{r['floor_ms']:.3f} ms",
                   f"{r['ratio']:.1f}x") for r in rows]))
    slow = [r["name"] for r in rows if r["median_ms"] >= TARGET_MS]
    report(f"target: every interactive query under {TARGET_MS:.0f} ms: "
           + ("met" if not slow else f"NOT met by {', '.join(slow)}"))
    report(", ".join(f"{k}: {v:,.1f}" if isinstance(v, float) else f"{k}: {v:,}"
                     for k, v in facts.items() if k != "check ok"))
    report("start-up check " + ("passed" if facts.get("check ok") else "FAILED"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exams", type=int, default=EXAMS)
    parser.add_argument("--open", type=int, default=OPEN_EPISODES, dest="open_episodes")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--keep", metavar="DIR", type=Path,
                        help="generate the record into DIR (or reuse the one there) and keep it")
    args = parser.parse_args(argv)
    run(print, exams=args.exams, open_episodes=args.open_episodes, folder=args.keep,
        repeat=args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
