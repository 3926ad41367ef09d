"""Benchmark: signing a stored exam as Finish and sign does, at the shipped password costs,
with the split: sign-in (argon2id), key unlock (scrypt), render and sign, and the rest
(storing). The record layer's `sign_exam` is timed whole, its parts by timing the calls it
makes, in a warm process (the GUI runs it in a worker while the nurse waits for the
preview; `finish_bench` times that). The floor is an unsigned one-page reportlab document,
as in the report benchmark.

`python -m desktop_app.bench.signing_bench`
"""

from __future__ import annotations

import contextlib
import json
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from desktop_app.bench.common import measure, median_ms, table

PASSWORD = "bench-nurse-password"
ADMIN_PASSWORD = "bench-admin-password"
PARTS = ("sign_in", "key_unlock", "render_sign")


@contextlib.contextmanager
def signing_record() -> Iterator[tuple[Path, object]]:
    """A record in a temporary folder with an administrator and the nurse `nurse` (password
    `PASSWORD`), their keys at the shipped cost: (folder, database)."""
    from desktop_app.record.accounts import add_user
    from desktop_app.store import open_database

    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        db = open_database(data)
        try:
            add_user(db, data, "admin", full_name="Ada Admin", role="admin",
                     password=ADMIN_PASSWORD)
            add_user(db, data, "nurse", full_name="Nora Nurse", role="nurse", credentials="RN",
                     password=PASSWORD, admin_name="admin", admin_password=ADMIN_PASSWORD)
            yield data, db
        finally:
            db.close()


@contextlib.contextmanager
def timed_parts() -> Iterator[dict[str, list[float]]]:
    """While active, the seconds of every sign-in, key unlock and render + sign the record
    layer's signing makes (on any thread), by part."""
    import desktop_app.record.notes as record_notes
    import desktop_app.report as report

    parts: dict[str, list[float]] = {name: [] for name in PARTS}
    lock = threading.Lock()

    def timed(name: str, function: Callable) -> Callable:
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                with lock:
                    parts[name].append(time.perf_counter() - start)
        return wrapper

    originals = (record_notes.sign_in, report.load_signer, report.create_signed_note)
    record_notes.sign_in = timed("sign_in", originals[0])
    report.load_signer = timed("key_unlock", originals[1])
    report.create_signed_note = timed("render_sign", originals[2])
    try:
        yield parts
    finally:
        record_notes.sign_in, report.load_signer, report.create_signed_note = originals


def split_figures(total_key: str, totals: list[float],
                  parts: dict[str, list[float]]) -> dict[str, float]:
    """Medians in ms: the whole (`total_key`), each part, the rest, the worst whole, and
    the one-page floor."""
    from desktop_app.bench.report_bench import one_page_document

    figures = {f"{name}_ms": median_ms(values) for name, values in parts.items()}
    figures[total_key] = statistics.median(totals) * 1000
    figures[f"worst_{total_key}"] = max(totals) * 1000
    figures["rest_ms"] = max(0.0, figures[total_key] - sum(figures[f"{n}_ms"] for n in PARTS))
    figures["one_page_floor_ms"] = median_ms(measure(one_page_document, repeat=10))
    return figures


def run(repeat: int = 5) -> dict[str, float]:
    from desktop_app.record import sign_exam
    from desktop_app.report.samples import sample_raw
    from desktop_app.store import save_exam

    with signing_record() as (data, db), timed_parts() as parts:
        raw = sample_raw("normal")
        totals = []
        for index in range(repeat + 1):  # the first is a warm-up
            raw["patient"]["mrn"] = f"BENCH-{index}"
            exam_id = save_exam(db, json.dumps(raw), actor="nurse").exam_id
            if index == 1:
                for values in parts.values():
                    values.clear()
            start = time.perf_counter()
            sign_exam(db, data, exam_id, "nurse", PASSWORD)
            if index:
                totals.append(time.perf_counter() - start)
    return split_figures("sign_exam_ms", totals, parts)


def main() -> None:
    f = run()
    print(table([
        ("sign a stored exam (record layer)", f"{f['sign_exam_ms']:.0f} ms",
         f"{f['one_page_floor_ms']:.1f} ms", f"{f['sign_exam_ms'] / f['one_page_floor_ms']:.0f}x"),
        ("  of which sign-in (argon2id)", f"{f['sign_in_ms']:.0f} ms", "", ""),
        ("  of which key unlock (scrypt)", f"{f['key_unlock_ms']:.0f} ms", "", ""),
        ("  of which render and sign", f"{f['render_sign_ms']:.0f} ms", "", ""),
        ("  of which storing", f"{f['rest_ms']:.0f} ms", "", ""),
    ]))


if __name__ == "__main__":
    main()
