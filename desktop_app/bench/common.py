"""Timing helpers shared by the benchmarks."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop_app.record import WardRecord


def measure(action: Callable[[], object], *, repeat: int, warmup: int = 3) -> list[float]:
    """Seconds per call of `action`, `repeat` times after `warmup` untimed calls."""
    for _ in range(warmup):
        action()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times


def median_ms(times: list[float]) -> float:
    return statistics.median(times) * 1000


def table(rows: list[tuple[str, str, str, str]]) -> str:
    """A plain text table: what, median, floor, ratio."""
    header = ("measure", "median", "floor", "ratio")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
             for row in [header, *rows]]
    return "\n".join(lines)


def scratch_record(folder: Path) -> WardRecord:
    """A new record in `folder` as the windows hold it, with the nurse `nurse` (an account
    without a signing key) signed in: for benchmarks and screenshots of the wizard."""
    from desktop_app.record import WardRecord
    from desktop_app.store import create_user

    record = WardRecord.open(Path(folder), signed_in="nurse")
    create_user(record.db, "nurse", full_name="Nora Nurse", role="nurse", credentials="RN",
                password="scratch-record-passphrase", actor="bench")
    return record
