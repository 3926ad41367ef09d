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
that size, the time to generate the record, and its size; and `check` (every row against
the audit chain) on a ward's record of 5,000 exams and on this one, each beside its floor
(`check_floor`: integrity_check, and every row and entry read and hashed once).

The record is written straight into the tables in one transaction (executemany): real exam
documents (demo scenarios, each exam carrying the earlier ones as an exam document does),
assessed by the protocol once per template, then given each patient's MRN and name. Each
row gets the audit entries a real write appends (patient.create, episode.open, exam.save,
episode.close), chained, each carrying the row's hash by the store's own `content_hash`
and `entry_hash`, so the record passes the full check.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import hashlib
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
WARD_EXAMS = 5_000  # a ward's record: about two years of one ward's checks
WARD_OPEN = 30

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


def generate(folder: Path | None, *, exams: int = EXAMS, open_episodes: int = OPEN_EPISODES,
             seed: int = 3, report: Callable[[str], object] = print,
             database: str | None = None) -> dict[str, float]:
    """Write a record of `exams` exams (5 an episode, 2 episodes a patient, the latest
    `open_episodes` episodes open) into an empty data folder, or into the empty PostgreSQL
    database `database` names. Returns counts and seconds."""
    from desktop_app.domain import DEFAULT_POLICY
    from desktop_app.store import open_database
    from desktop_app.store.audit import GENESIS_HASH, entry_hash
    from desktop_app.store.opening import open_postgres
    from desktop_app.store.patients import name_words
    from desktop_app.store.rows import COVERED, ID_TABLES, content_hash

    started = time.perf_counter()
    rng = random.Random(seed)
    series = _templates()
    on_server = database is not None
    db = open_postgres(database) if on_server else open_database(folder)
    conn = db.conn
    if not on_server:
        # Generating only (measured connections are durable): no fsync, and a rollback
        # journal, which for a new file holds next to nothing, where WAL would write
        # everything twice.
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA foreign_keys = OFF")  # an episode names its last exam first
    # A server checks every reference at once: an episode's last exam is set after the
    # exams are in.
    episode_links: list[tuple[Any, ...]] = []
    policy = json.dumps(DEFAULT_POLICY.to_json(), separators=(",", ":"))
    episodes = exams // EXAMS_PER_EPISODE
    patients = (episodes + EPISODES_PER_PATIENT - 1) // EPISODES_PER_PATIENT
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    first = now - timedelta(days=10 * 365)
    names = [f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" for _ in range(patients)]
    created = _utc(first)

    # Each row is built in its covered columns' order (store/rows.py), so the row hash its
    # audit entry carries is the store's own `content_hash` of exactly what is inserted.
    def insert_sql(table: str, extra: tuple[str, ...] = ()) -> str:
        columns = (*COVERED[table], *extra)
        return (f"INSERT INTO {table} ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' * len(columns))})")

    head = conn.execute("SELECT last_id, last_hash FROM audit_head").fetchone()
    last_id, last_hash = head or (0, GENESIS_HASH)
    at = _utc(now)
    audit_rows: list[tuple[Any, ...]] = []

    def audit(action: str, table_name: str, row: tuple[Any, ...]) -> None:
        """The entry a real write of `row` appends: chained, carrying the row's hash."""
        nonlocal last_id, last_hash
        last_id += 1
        row_sha = content_hash(table_name, row)
        digest = entry_hash(last_hash, last_id, at, "bench", action, table_name, row[0], None,
                            row_sha)
        audit_rows.append((last_id, at, "bench", action, table_name, row[0], None, last_hash,
                           digest, row_sha))
        last_hash = digest

    conn.execute("BEGIN" if on_server else "BEGIN IMMEDIATE")
    patient_rows = [
        (p, f"B{p:08d}", names[p - 1], f"{1930 + p % 70}-{1 + p % 12:02d}-{1 + p % 28:02d}",
         created, created) for p in range(1, patients + 1)]
    conn.executemany(insert_sql("patients"), patient_rows)
    conn.executemany("INSERT INTO patient_name_words (word, patient_id) VALUES (?, ?)",
                     ((word, p) for p in range(1, patients + 1)
                      for word in name_words(names[p - 1])))
    report(f"  {patients:,} patients written ({time.perf_counter() - started:.0f} s)")

    episode_rows: list[tuple[Any, ...]] = []
    exam_rows: list[tuple[Any, ...]] = []
    episode_sql = insert_sql("episodes", ("last_exam_id", "last_exam_at", "current_level",
                                          "next_check_due"))
    exam_sql = insert_sql("exams")

    def flush() -> None:
        if on_server:
            episode_links.extend((*row[-4:], row[0]) for row in episode_rows)
            conn.executemany(episode_sql, [(*row[:-4], None, None, None, None)
                                           for row in episode_rows])
        else:
            conn.executemany(episode_sql, episode_rows)
        conn.executemany(exam_sql, exam_rows)
        if episode_links:
            conn.executemany("UPDATE episodes SET last_exam_id = ?, last_exam_at = ?, "
                             "current_level = ?, next_check_due = ? WHERE id = ?",
                             episode_links)
            episode_links.clear()
        conn.executemany("INSERT INTO audit_log (id, at, actor, action, record_table,"
                         " record_id, detail, prev_hash, hash, row_sha256)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", audit_rows)
        episode_rows.clear()
        exam_rows.clear()
        audit_rows.clear()

    closed_step = (now - timedelta(days=3) - first) / max(1, episodes - open_episodes)
    exam_id = 0
    for episode in range(1, episodes + 1):
        is_open = episode > episodes - open_episodes
        procedure_at = (now - timedelta(minutes=rng.randrange(30, 48 * 60)) if is_open
                        else first + closed_step * episode).replace(microsecond=0)
        kind, procedure, templates = series[rng.randrange(len(series))]
        patient = (episode - 1) // EPISODES_PER_PATIENT + 1
        if (episode - 1) % EPISODES_PER_PATIENT == 0:
            audit("patient.create", "patients", patient_rows[patient - 1])
        slots = {"mrn": f"B{patient:08d}", "name": names[patient - 1]}
        opened = (episode, patient, kind, _utc(procedure_at), procedure,
                  f"Bed {episode % 30 + 1}" if is_open else None, _utc(procedure_at), "bench",
                  None, None, None)
        audit("episode.open", "episodes", opened)
        gap = (now - procedure_at) / (EXAMS_PER_EPISODE + 1) if is_open \
            else timedelta(minutes=30)
        exam_at = procedure_at
        for document, assessment, level, due_minutes in templates:
            exam_id += 1
            exam_at = (exam_at + gap).replace(microsecond=0)
            due = _utc(exam_at + timedelta(minutes=due_minutes))
            row = (exam_id, episode, _utc(exam_at), document % slots, assessment, policy,
                   level, due, _utc(exam_at), "bench")
            exam_rows.append(row)
            audit("exam.save", "exams", row)
        final = opened
        if not is_open:
            final = (*opened[:8], _utc(exam_at + timedelta(hours=1)), "bench", "recovered")
            audit("episode.close", "episodes", final)
        episode_rows.append((*final, exam_id, _utc(exam_at), level, due))
        if len(exam_rows) >= BATCH:
            flush()
            if exam_id % 100_000 < EXAMS_PER_EPISODE:
                report(f"  {exam_id:,} exams written ({time.perf_counter() - started:.0f} s)")
    flush()

    conn.execute("UPDATE audit_head SET last_id = ?, last_hash = ?", [last_id, last_hash])
    if on_server:  # the identity sequences go on after the IDs written here
        for table_name in ID_TABLES:
            sequence = db.execute("SELECT pg_get_serial_sequence(?, 'id')",
                                  [table_name]).fetchone()[0]
            if sequence is not None:
                db.execute(f"SELECT setval('{sequence}', greatest(1, (SELECT coalesce(max(id),"
                           f" 0) FROM {table_name})))").fetchone()
    conn.execute("COMMIT")
    if not on_server:
        conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("ANALYZE")
    if not on_server:
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


def check_floor(path: Path) -> float:
    """Seconds for the least a full check of the record at `path` must do, on a bare
    `sqlite3` connection in one read transaction: PRAGMA integrity_check (is the file
    sound) and every row of the record's tables and of the audit log read with `SELECT *`
    and hashed once with hashlib. The full check does this and more (each row hashed in its
    canonical form, each entry's chained hash recomputed and compared, references, ID
    counters, the ward board), so the ratio is what that more costs."""
    from desktop_app.store.rows import COVERED

    bare = sqlite3.connect(str(path), isolation_level=None)
    try:
        started = time.perf_counter()
        bare.execute("BEGIN")
        bare.execute("PRAGMA integrity_check").fetchall()
        for table in (*COVERED, "audit_log"):
            for row in bare.execute(f"SELECT * FROM {table}"):
                hashlib.sha256(repr(row).encode("utf-8")).digest()
        bare.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        bare.close()


def time_check(path: Path, *, repeat: int) -> dict[str, Any]:
    """`check`'s work (`check_database(full=True)`, as the command runs it) on the record at
    `path` against `check_floor`, each the median of `repeat` runs; the check runs first, so
    a cold page cache costs the check, not the floor. Raises when the check finds a
    problem (a timing of a failing check would mean nothing)."""
    from desktop_app.store import check_database, connect

    db = connect(path, create=False)
    try:
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            result = check_database(db, full=True)
            times.append(time.perf_counter() - started)
            if not result.ok:
                raise RuntimeError(f"the benchmark record failed its check: {result.problems[0]}"
                                   " (a record kept from before its rows were audited: delete"
                                   " the --keep folder to generate it anew)")
    finally:
        db.close()
    floor = [check_floor(path) for _ in range(repeat)]
    return {"median_ms": median_ms(times), "floor_ms": median_ms(floor),
            "ratio": median_ms(times) / median_ms(floor), "rows": result.rows_checked,
            "audit_entries": result.audit_entries}


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
        ward_entries,
    )
    from desktop_app.store.patients import name_search_sql, name_words
    from desktop_app.store.ward import WARD_SQL

    scratch = None
    if folder is None:
        scratch = folder = Path(tempfile.mkdtemp(prefix="neurocheck-store-bench-"))
    folder = Path(folder)
    path = database_path(folder)
    facts: dict[str, float] = {}
    rows: list[dict[str, Any]] = []
    checks: list[dict[str, Any]] = []
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
        last_saved = db.execute("SELECT last_exam_id FROM episodes WHERE id = ?",
                                [first.episode_id]).fetchone()[0]
        bare_exams: list[int] = []

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
            bare_exams.append(exam_id)

        add("save one exam", ours, measure(bare_save, repeat=repeat, warmup=repeat))
        # The floor's exams were written outside NeuroCheck: take them out again, so the
        # record (and a kept one, next run) is still one that passes `check`.
        bare.execute("BEGIN IMMEDIATE")
        bare.executemany("DELETE FROM exams WHERE id = ?", ([i] for i in bare_exams))
        bare.execute("UPDATE episodes SET last_exam_id = ? WHERE id = ?",
                     [last_saved, first.episode_id])
        bare.execute("COMMIT")
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

        board = measure(lambda: ward_entries(db), repeat=repeat)
        add(f"ward board ({len(ward_entries(db))} open episodes)", board,
            measure(lambda: bare.execute(WARD_SQL).fetchall(), repeat=repeat))
        bare.close()

        started = time.perf_counter()
        check = check_database(db)
        facts["start-up check s"] = time.perf_counter() - started
        facts["check ok"] = float(check.ok)
        db.close()

        # `check`: every row against the audit chain, on a ward's record and on this one.
        ward = Path(tempfile.mkdtemp(prefix="neurocheck-ward-check-"))
        try:
            generate(ward, exams=WARD_EXAMS, open_episodes=WARD_OPEN, report=lambda _: None)
            checks.append({"name": f"check, a ward's record ({WARD_EXAMS:,} exams)",
                           **time_check(database_path(ward), repeat=5)})
        finally:
            shutil.rmtree(ward, ignore_errors=True)
        report(f"Timing check on {exams:,} exams ...")
        checks.append({"name": f"check, the benchmark record ({exams:,} exams)",
                       **time_check(path, repeat=1)})
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
    report(table([(c["name"], f"{c['median_ms'] / 1000:.2f} s", f"{c['floor_ms'] / 1000:.2f} s",
                   f"{c['ratio']:.1f}x") for c in checks]))
    report("check floor: integrity_check + every row and audit entry read (bare sqlite3) and "
           "hashed once (hashlib)")
    return rows + checks


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
