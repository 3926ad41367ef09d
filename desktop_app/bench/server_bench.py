"""Benchmark: the record's interactive queries on a PostgreSQL server, at 1,000,000 exams
with 5,000 open episodes.

`python -m desktop_app.bench.server_bench URL [--exams N] [--open N] [--repeat N]`

URL names an empty database the role may fill (it is left filled, for a second run to
reuse). Each line is the median of the record's own function on a warm connection beside
the same SQL on a bare psycopg connection to the same database in the same run (the
floor), and their ratio:
- save one exam: `save_exam` (validation, assessment, lookups, the exam row, the
  episode's board columns, an audit entry under the record's write lock, one commit)
  against the bare INSERT of the same exam row and UPDATE of its episode in one transaction;
- patient by MRN, patients by name prefix, the ward board (every open episode): the
  record's function against its SQL;
- another workstation's save on the board: from the save to the board's change feed
  having heard it and the board's refresh done, against a bare NOTIFY heard by a bare
  LISTEN connection plus the board's bare SQL.
Targets: a save within 10 ms, each query within 20 ms, the board within 1.5x its bare SQL.
The record is generated as the embedded benchmark's (`store_bench.generate`), so it
passes the full check.
"""

from __future__ import annotations

import argparse
import itertools
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from desktop_app.bench.common import measure, median_ms, table
from desktop_app.bench.store_bench import EXAMS, LAST_NAMES, _save_documents, _utc, generate

OPEN_EPISODES = 5_000
SAVE_MS, QUERY_MS, BOARD_RATIO = 10.0, 20.0, 1.5


def run(url: str, report: Callable[[str], object] = print, *, exams: int = EXAMS,
        open_episodes: int = OPEN_EPISODES, repeat: int = 200) -> list[dict[str, Any]]:
    import psycopg

    from desktop_app.store import patient_by_mrn, save_exam, search_patients, ward_entries
    from desktop_app.store.changes import watch_changes
    from desktop_app.store.dialect import schema_version
    from desktop_app.store.opening import open_postgres
    from desktop_app.store.patients import name_search_sql, name_words
    from desktop_app.store.postgres import connect_postgres, translate
    from desktop_app.store.ward import WARD_SQL, WardReader

    probe = connect_postgres(url)
    filled = schema_version(probe) > 0 and probe.execute(
        "SELECT count(*) FROM exams").fetchone()[0] >= exams
    probe.close()
    facts: dict[str, float] = {}
    if not filled:
        report(f"Generating {exams:,} exams on the server ...")
        facts.update(generate(None, exams=exams, open_episodes=open_episodes, report=report,
                              database=url))
    db = open_postgres(url, check=False)
    bare = psycopg.connect(url, autocommit=True)
    rows: list[dict[str, Any]] = []

    def add(name: str, ours: list[float], floor: list[float]) -> None:
        rows.append({"name": name, "median_ms": median_ms(ours), "floor_ms": median_ms(floor),
                     "ratio": median_ms(ours) / median_ms(floor)})

    try:
        rng = random.Random(7)
        patients = db.execute("SELECT max(id) FROM patients").fetchone()[0]
        mrns = [f"B{rng.randrange(1, patients + 1):08d}" for _ in range(repeat)]
        prefixes = [name_words(rng.choice(LAST_NAMES))[0][:4] for _ in range(repeat)]

        documents = _save_documents(3 * repeat + 80)
        first = save_exam(db, next(documents), actor="bench")
        ours = measure(lambda: save_exam(db, next(documents), actor="bench"), repeat=repeat,
                       warmup=10)
        sample = db.execute("SELECT document, assessment, schedule_policy, level, "
                            "next_check_due FROM exams WHERE id = ?",
                            [first.exam_id]).fetchone()
        long_ago = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=20 * 365)
        moments = itertools.count()
        last_saved = db.execute("SELECT last_exam_id FROM episodes WHERE id = ?",
                                [first.episode_id]).fetchone()[0]
        bare_exams: list[int] = []
        insert = translate("INSERT INTO exams (episode_id, performed_at_utc, document, "
                           "assessment, schedule_policy, level, next_check_due, saved_at, "
                           "saved_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'bench') RETURNING id")
        update = translate("UPDATE episodes SET last_exam_id = ? WHERE id = ?")

        def bare_save() -> None:
            moment = _utc(long_ago + timedelta(microseconds=next(moments)))
            with bare.transaction():
                exam_id = bare.execute(insert, [first.episode_id, moment, *sample,
                                                moment]).fetchone()[0]
                bare.execute(update, [exam_id, first.episode_id])
            bare_exams.append(exam_id)

        add("save one exam", ours, measure(bare_save, repeat=repeat, warmup=10))
        with bare.transaction():  # the floor's rows were written outside NeuroCheck
            bare.execute(update, [last_saved, first.episode_id])
            bare.cursor().executemany(translate("DELETE FROM exams WHERE id = ?"),
                                      [[i] for i in bare_exams])

        by_mrn = translate("SELECT id, mrn, name, birth_date, created_at, updated_at "
                           "FROM patients WHERE mrn = ?")
        next_mrn = itertools.cycle(mrns).__next__
        add("patient by MRN", measure(lambda: patient_by_mrn(db, next_mrn()), repeat=repeat),
            measure(lambda: bare.execute(by_mrn, [next_mrn()]).fetchall(), repeat=repeat))

        next_prefix = itertools.cycle(prefixes).__next__

        def bare_prefix() -> None:
            sql, params = name_search_sql([next_prefix()], 21)
            bare.execute(translate(sql), params).fetchall()

        add("patients by name prefix (20)",
            measure(lambda: search_patients(db, next_prefix()), repeat=repeat),
            measure(bare_prefix, repeat=repeat))
        board_sql = translate(WARD_SQL)
        count = len(ward_entries(db))
        board_floor = measure(lambda: bare.execute(board_sql).fetchall(),
                              repeat=max(20, repeat // 10))
        # What a board does at every notification: its kept reader reads the open episodes
        # and re-reads the details of those whose latest exam changed (here: none).
        reader = WardReader(db)
        reader.entries()
        add(f"ward board refresh ({count:,} open episodes)",
            measure(reader.entries, repeat=max(20, repeat // 10)), board_floor)
        # A board's first read (the latest exam's details of every open episode too).
        add(f"ward board first read ({count:,} open episodes)",
            measure(lambda: ward_entries(db), repeat=max(10, repeat // 20)), board_floor)
        # Another workstation's save heard by a board: the commit, its notification on the
        # board's own connection, the refresh (kept reader). Floor: a bare NOTIFY heard by
        # a bare LISTEN connection, and the board's bare SQL.
        feed = watch_changes(url)
        listener = psycopg.connect(url, autocommit=True)
        try:
            add(f"another workstation's save on the board ({count:,} open episodes)",
                measure(_heard_on_board(db, feed, documents, reader),
                        repeat=max(20, repeat // 10)),
                measure(_bare_heard(bare, listener, board_sql), repeat=max(20, repeat // 10)))
        finally:
            feed.close()
            listener.close()
        facts["exams"] = db.execute("SELECT count(*) FROM exams").fetchone()[0]
        facts["audit entries"] = db.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    finally:
        bare.close()
        db.close()

    report(table([(r["name"], f"{r['median_ms']:.3f} ms", f"{r['floor_ms']:.3f} ms",
                   f"{r['ratio']:.2f}x") for r in rows]))
    save, mrn, prefix, board, _first_read, _heard = rows
    verdicts = [f"save {'met' if save['median_ms'] <= SAVE_MS else 'NOT met'} "
                f"(<= {SAVE_MS:.0f} ms)",
                f"queries {'met' if max(mrn['median_ms'], prefix['median_ms']) <= QUERY_MS else 'NOT met'} "
                f"(<= {QUERY_MS:.0f} ms)",
                f"board {'met' if board['ratio'] <= BOARD_RATIO else 'NOT met'} "
                f"(a refresh <= {BOARD_RATIO}x its bare SQL)"]
    report("targets: " + "; ".join(verdicts))
    report(", ".join(f"{k}: {v:,.1f}" if isinstance(v, float) else f"{k}: {v:,}"
                     for k, v in facts.items()))
    return rows


def _heard_on_board(db, feed, documents, reader) -> Callable[[], None]:
    """One save by `db` (another workstation), until the board's feed has heard it and the
    board has read the ward again."""
    import select

    from desktop_app.store import save_exam

    def once() -> None:
        save_exam(db, next(documents), actor="bench")
        while True:
            select.select([feed.fileno()], [], [], 5.0)
            if feed.changed():
                break
        reader.entries()

    return once


def _bare_heard(bare, listener, board_sql: str) -> Callable[[], None]:
    import select

    listener.execute("LISTEN bench_floor")
    connection = listener.pgconn

    def once() -> None:
        bare.execute("NOTIFY bench_floor")
        while True:
            select.select([listener.fileno()], [], [], 5.0)
            connection.consume_input()
            if connection.notifies() is not None:
                break
        bare.execute(board_sql).fetchall()

    return once


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="an empty PostgreSQL database (postgresql://...)")
    parser.add_argument("--exams", type=int, default=EXAMS)
    parser.add_argument("--open", type=int, default=OPEN_EPISODES, dest="open_episodes")
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    run(args.url, print, exams=args.exams, open_episodes=args.open_episodes,
        repeat=args.repeat)
    print(f"({time.perf_counter() - started:.0f} s in all)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
