"""The benchmark suite: `python -m desktop_app.bench` (or `python3 tasks.py bench`).

Every figure is a median measured against a floor taken in the same run on the same
machine, and reported as a ratio. Prints a table per part and writes every figure to
out/bench.json. `--exams N` makes a smaller record for a quick look (the issue targets are
at 1,000,000 exams); `--keep DIR` keeps the generated record for the next run.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from desktop_app.bench.store_bench import EXAMS

OPEN_EPISODES = 5_000
PARTS = ("domain", "startup", "report", "ui", "store", "board")


def machine() -> dict[str, Any]:
    import os

    return {"python": platform.python_version(), "system": platform.platform(),
            "processor": platform.machine(), "cpus": os.cpu_count(),
            "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None}


def run_part(name: str, record: Path, exams: int) -> Any:
    if name == "domain":
        from desktop_app.bench import domain_bench
        return domain_bench.run()
    if name == "startup":
        from desktop_app.bench import startup_bench
        return startup_bench.run()
    if name == "report":
        from desktop_app.bench import report_bench
        return report_bench.run()
    if name == "ui":
        from desktop_app.bench import ui_bench
        return ui_bench.run()
    if name == "store":
        from desktop_app.bench import store_bench
        return store_bench.run(print, exams=exams, open_episodes=OPEN_EPISODES, folder=record)
    if name == "board":
        from desktop_app.bench import board_bench
        return board_bench.run(exams=exams, open_episodes=OPEN_EPISODES, folder=record)
    raise ValueError(name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=PARTS, help="run only these parts")
    parser.add_argument("--exams", type=int, default=EXAMS, help="exams in the generated record")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="generate the record in DIR (or reuse it) and keep it")
    parser.add_argument("--out", type=Path, default=Path("out") / "bench.json")
    args = parser.parse_args(argv)
    parts = [p for p in PARTS if not args.only or p in args.only]
    parts = [p for p in parts if importlib.util.find_spec(f"desktop_app.bench.{p}_bench")]
    results: dict[str, Any] = {"machine": machine(), "exams": args.exams}
    with tempfile.TemporaryDirectory(prefix="neurocheck-bench-") as tmp:
        record = args.keep or Path(tmp) / "record"
        record.mkdir(parents=True, exist_ok=True)
        for part in parts:
            print(f"\n== {part}", flush=True)
            start = time.perf_counter()
            figures = run_part(part, record, args.exams)
            results[part] = figures
            if isinstance(figures, dict):
                for key, value in figures.items():
                    print(f"  {key}: {value:.3f}" if isinstance(value, float) else f"  {key}: {value}")
            print(f"  ({time.perf_counter() - start:.0f} s)", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nfigures written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
