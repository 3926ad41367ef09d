"""The benchmark suite: `python -m desktop_app.bench` (or `python3 tasks.py bench`).

Every figure is a median measured against a floor taken in the same run on the same
machine, and reported as a ratio. Prints a table per part and writes every figure to
out/bench.json, then the table of the places a nurse waits, each with its floor and ratio.
`--quick` skips the parts that need the generated record of 1,000,000 exams (store, board)
so those places are measured in about a minute; `--exams N` makes a smaller record;
`--keep DIR` keeps the generated record for the next run. `--server URL` adds the ward
server's part (`server_bench`): the same queries on an empty PostgreSQL database that URL
names, filled to the same size with 5,000 open episodes (and left filled for the next run).
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
PARTS = ("domain", "startup", "report", "signing", "finish", "ui", "store", "board")
RECORD_PARTS = ("store", "board")


def _ratio(value: float, floor: float) -> str:
    return f"{value / floor:.2f}x" if floor else "-"


def waits(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The rows a nurse waits on: (measure, median, floor, ratio), from the parts that ran."""
    rows: list[tuple[str, str, str, str]] = []
    start = results.get("startup")
    if isinstance(start, dict):
        rows.append(("start-up to the first painted window", f"{start['app_start_ms']:.0f} ms",
                     f"bare PySide6 window {start['bare_window_start_ms']:.0f} ms",
                     _ratio(start["app_start_ms"], start["bare_window_start_ms"])))
        rows.append(("peak memory at start-up", f"{start['app_peak_mib']:.0f} MiB",
                     f"bare window {start['bare_window_peak_mib']:.0f} MiB",
                     _ratio(start["app_peak_mib"], start["bare_window_peak_mib"])))
    panel = results.get("ui")
    if isinstance(panel, dict):
        rows.append(("grade change to the panel repainted",
                     f"median {panel['median_ms']:.1f} ms, 99th pct {panel['p99_ms']:.1f} ms, "
                     f"worst {panel['worst_ms']:.1f} ms",
                     f"one frame {panel['frame_ms']:.1f} ms",
                     f"{_ratio(panel['p99_ms'], panel['frame_ms'])} (99th), "
                     f"{_ratio(panel['worst_ms'], panel['frame_ms'])} (worst)"))
    domain = results.get("domain")
    if isinstance(domain, dict):
        rows.append(("validate one exam document", f"{domain['validate_ms']:.2f} ms",
                     f"its JSON parse {domain['json_parse_ms']:.3f} ms",
                     _ratio(domain["validate_ms"], domain["json_parse_ms"])))
    report = results.get("report")
    if isinstance(report, dict):
        rows.append(("render + sign one note, warm", f"{report['render_and_sign_ms']:.0f} ms",
                     f"unsigned one-page reportlab {report['one_page_floor_ms']:.1f} ms",
                     _ratio(report["render_and_sign_ms"], report["one_page_floor_ms"])))
    for part, what, total in (
            ("signing", "sign a stored exam (Finish and sign, headless; target 1.5 s)",
             "sign_exam_ms"),
            ("finish", "Finish and sign (GUI): password typed to the preview shown; target 1.5 s",
             "finish_and_sign_ms")):
        split = results.get(part)
        if isinstance(split, dict):
            rows.append((what, f"{split[total]:.0f} ms: sign-in {split['sign_in_ms']:.0f}, "
                         f"key unlock {split['key_unlock_ms']:.0f}, render + sign "
                         f"{split['render_sign_ms']:.0f}, the rest {split['rest_ms']:.0f}",
                         f"unsigned one-page reportlab {split['one_page_floor_ms']:.1f} ms",
                         _ratio(split[total], split["one_page_floor_ms"])))
    return rows


def machine() -> dict[str, Any]:
    import os

    return {"python": platform.python_version(), "system": platform.platform(),
            "processor": platform.machine(), "cpus": os.cpu_count(),
            "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None}


def run_part(name: str, record: Path, exams: int, server: str | None = None) -> Any:
    module = importlib.import_module(f"desktop_app.bench.{name}_bench")
    if name == "server":
        return module.run(server, print, exams=exams, open_episodes=OPEN_EPISODES)
    if name == "store":
        return module.run(print, exams=exams, open_episodes=OPEN_EPISODES, folder=record)
    if name == "board":
        return module.run(exams=exams, open_episodes=OPEN_EPISODES, folder=record)
    return module.run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=PARTS, help="run only these parts")
    parser.add_argument("--exams", type=int, default=EXAMS, help="exams in the generated record")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="generate the record in DIR (or reuse it) and keep it")
    parser.add_argument("--out", type=Path, default=Path("out") / "bench.json")
    parser.add_argument("--quick", action="store_true",
                        help="skip the parts that need the 1,000,000-exam record (store, board)")
    parser.add_argument("--server", metavar="URL",
                        help="also time the record on this empty PostgreSQL database")
    args = parser.parse_args(argv)
    parts = [p for p in PARTS if (not args.only or p in args.only)
             and not (args.quick and p in RECORD_PARTS)]
    if args.server:
        parts.append("server")
    parts = [p for p in parts if importlib.util.find_spec(f"desktop_app.bench.{p}_bench")]
    results: dict[str, Any] = {"machine": machine(), "exams": args.exams}
    with tempfile.TemporaryDirectory(prefix="neurocheck-bench-") as tmp:
        record = args.keep or Path(tmp) / "record"
        record.mkdir(parents=True, exist_ok=True)
        for part in parts:
            print(f"\n== {part}", flush=True)
            start = time.perf_counter()
            figures = run_part(part, record, args.exams, args.server)
            results[part] = figures
            if isinstance(figures, dict):
                for key, value in figures.items():
                    print(f"  {key}: {value:.3f}" if isinstance(value, float) else f"  {key}: {value}")
            print(f"  ({time.perf_counter() - start:.0f} s)", flush=True)
    rows = waits(results)
    if rows:
        from desktop_app.bench.common import table

        print("\n== where a nurse waits (median against its floor in this run)")
        print(table(rows))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nfigures written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
