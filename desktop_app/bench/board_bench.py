"""Benchmark: refreshing the ward board with 5,000 open episodes in a 1,000,000-exam record.

`python -m desktop_app.bench.board_bench [--exams N] [--open N] [--keep DIR] [--repeat N]`

Measured in one run, each a median on a warm connection, against a floor:
- board refresh: what the board does on its timer and after another workstation's write
  (its `WardReader` read, the overdue-first ordering, the filter, the table model's reset;
  Qt offscreen), against the same SELECT fetched on a bare `sqlite3` connection;
- board refresh cpu: the same in CPU time of this process, against the floor's, for a
  machine busy with other work (wall-clock medians grow with its load);
- board first read: a new reader's first read, which also reads each open episode's latest
  exam once (flags, site), against the same two SELECTs on the bare connection.

The record is the store benchmark's (`store_bench.generate`: real exam documents written
straight into the tables, with a whole audit chain), with 5,000 of its episodes open.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from desktop_app.bench.common import measure, median_ms, table
from desktop_app.bench.store_bench import EXAMS, generate

OPEN_EPISODES = 5_000


def _cpu_median_ms(action, *, repeat: int) -> float:
    """Median CPU time of this process per call: what the refresh costs when other programs
    compete for the processors (wall-clock medians then grow with the machine's load)."""
    action()
    times = []
    for _ in range(repeat):
        start = time.process_time()
        action()
        times.append(time.process_time() - start)
    return statistics.median(times) * 1000


def _first_read_floor(conn: sqlite3.Connection) -> list:
    """The bare SQL of a board's first read: the open episodes, then their latest exams."""
    from desktop_app.store.ward import DETAILS_SQL, WARD_SQL

    rows = conn.execute(WARD_SQL).fetchall()
    ids = json.dumps([r[8] for r in rows if r[8] is not None])
    return rows + conn.execute(DETAILS_SQL, [ids]).fetchall()


def run(*, exams: int = EXAMS, open_episodes: int = OPEN_EPISODES,
        folder: Path | None = None, repeat: int = 30) -> dict[str, float]:
    """Generate the record (or reuse `folder` when it already holds one) and time the board.
    Returns medians in ms, their ratios to the bare-SQL floors, and the record's size."""
    import sys

    from PySide6.QtWidgets import QApplication

    from desktop_app.store import connect
    from desktop_app.store.database import database_path
    from desktop_app.store.ward import WARD_SQL, WardReader
    from desktop_app.ui.ward.board import BoardModel

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    scratch = None
    if folder is None:
        scratch = Path(tempfile.mkdtemp(prefix="neurocheck-board-bench-"))
        folder = scratch
    folder = Path(folder)
    figures: dict[str, float] = {}
    try:
        if not database_path(folder).exists():
            started = time.perf_counter()
            made = generate(folder, exams=exams, open_episodes=open_episodes,
                            report=lambda line: print(line, file=sys.stderr))
            figures["exams"] = made["exams"]
            figures["generate_s"] = time.perf_counter() - started
        path = database_path(folder)
        figures["database_mb"] = path.stat().st_size / 1e6
        _app = QApplication.instance() or QApplication([])

        bare = sqlite3.connect(str(path))
        floor = measure(lambda: bare.execute(WARD_SQL).fetchall(), repeat=repeat)
        floor_first = measure(lambda: _first_read_floor(bare), repeat=max(5, repeat // 3))
        figures["floor_select_cpu_ms"] = _cpu_median_ms(
            lambda: bare.execute(WARD_SQL).fetchall(), repeat=repeat)
        bare.close()

        db = connect(path, create=False)
        first = measure(lambda: WardReader(db).entries(), repeat=max(5, repeat // 3))
        reader = WardReader(db)
        model = BoardModel()
        refresh = measure(lambda: model.set_entries(reader.entries()), repeat=repeat)
        figures["board_refresh_cpu_ms"] = _cpu_median_ms(
            lambda: model.set_entries(reader.entries()), repeat=repeat)
        figures["open_episodes_shown"] = model.rowCount()
        db.close()
        figures.update({
            "floor_select_ms": median_ms(floor),
            "board_refresh_ms": median_ms(refresh),
            "floor_first_read_ms": median_ms(floor_first),
            "board_first_read_ms": median_ms(first),
        })
        figures["board_refresh_ratio_to_floor"] = (figures["board_refresh_ms"]
                                                   / figures["floor_select_ms"])
        figures["board_first_read_ratio_to_floor"] = (figures["board_first_read_ms"]
                                                      / figures["floor_first_read_ms"])
        figures["board_refresh_cpu_ratio_to_floor"] = (figures["board_refresh_cpu_ms"]
                                                       / figures["floor_select_cpu_ms"])
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    return figures


def main() -> None:
    """Run the benchmark and print its table and figures (JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exams", type=int, default=EXAMS)
    parser.add_argument("--open", type=int, default=OPEN_EPISODES, dest="open_episodes")
    parser.add_argument("--keep", metavar="DIR", type=Path,
                        help="generate the record into DIR (or reuse it) and keep it")
    parser.add_argument("--repeat", type=int, default=30, help="timed refreshes (median)")
    args = parser.parse_args()
    figures = run(exams=args.exams, open_episodes=args.open_episodes, folder=args.keep,
                  repeat=args.repeat)
    rows = []
    for name, floor_name in (("board_refresh_ms", "floor_select_ms"),
                             ("board_refresh_cpu_ms", "floor_select_cpu_ms"),
                             ("board_first_read_ms", "floor_first_read_ms")):
        value, floor = figures[name], figures[floor_name]
        rows.append((name.removesuffix("_ms").replace("_", " "), f"{value:.2f} ms",
                     f"{floor:.2f} ms", f"{value / floor:.1f}x"))
    print(table(rows))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
