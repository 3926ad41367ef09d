"""Benchmark: signing a stored exam as Finish and sign does, at the shipped password costs,
with the split: sign-in (argon2id), key unlock (scrypt), render and sign, store. The record
layer's `sign_exam` is timed whole and by parts, in a warm process (the GUI runs it in a
worker while the nurse waits for the preview). The floor is an unsigned one-page reportlab
document, as in the report benchmark.

`python -m desktop_app.bench.signing_bench`
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from desktop_app.bench.common import median_ms, table

PASSWORD = "bench-nurse-password"
ADMIN_PASSWORD = "bench-admin-password"


def run(repeat: int = 5) -> dict[str, float]:
    from desktop_app.bench.report_bench import one_page_document
    from desktop_app.record import sign_exam
    from desktop_app.record.accounts import add_user
    from desktop_app.record.auth import sign_in
    from desktop_app.report import pki
    from desktop_app.report.samples import sample_raw
    from desktop_app.store import open_database, save_exam

    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        db = open_database(data)
        add_user(db, data, "admin", full_name="Ada Admin", role="admin", password=ADMIN_PASSWORD)
        add_user(db, data, "nurse", full_name="Nora Nurse", role="nurse", credentials="RN",
                 password=PASSWORD, admin_name="admin", admin_password=ADMIN_PASSWORD)
        raw = sample_raw("normal")
        whole, signing_in, unlocking = [], [], []
        for index in range(repeat + 1):  # the first is a warm-up
            raw["patient"]["mrn"] = f"BENCH-{index}"
            exam_id = save_exam(db, json.dumps(raw), actor="nurse").exam_id
            start = time.perf_counter()
            sign_exam(db, data, exam_id, "nurse", PASSWORD)
            elapsed = time.perf_counter() - start
            start = time.perf_counter()
            sign_in(db, "nurse", PASSWORD)
            signed_in = time.perf_counter() - start
            start = time.perf_counter()
            pki.load_signer(data, "nurse", PASSWORD)
            unlocked = time.perf_counter() - start
            if index:
                whole.append(elapsed)
                signing_in.append(signed_in)
                unlocking.append(unlocked)
        db.close()
    start = time.perf_counter()
    for _ in range(10):
        one_page_document()
    floor = [(time.perf_counter() - start) / 10]
    figures = {
        "sign_exam_ms": median_ms(whole),
        "sign_in_ms": median_ms(signing_in),
        "key_unlock_ms": median_ms(unlocking),
        "one_page_floor_ms": median_ms(floor),
    }
    figures["render_sign_store_ms"] = max(
        0.0, figures["sign_exam_ms"] - figures["sign_in_ms"] - figures["key_unlock_ms"])
    figures["worst_sign_exam_ms"] = max(whole) * 1000
    figures["best_sign_exam_ms"] = min(whole) * 1000
    return figures


def main() -> None:
    f = run()
    print(table([
        ("sign a stored exam (record layer)", f"{f['sign_exam_ms']:.0f} ms",
         f"{f['one_page_floor_ms']:.1f} ms", f"{f['sign_exam_ms'] / f['one_page_floor_ms']:.0f}x"),
        ("  of which sign-in (argon2id)", f"{f['sign_in_ms']:.0f} ms", "", ""),
        ("  of which key unlock (scrypt)", f"{f['key_unlock_ms']:.0f} ms", "", ""),
        ("  of which render, sign, store", f"{f['render_sign_store_ms']:.0f} ms", "", ""),
    ]))


if __name__ == "__main__":
    main()
