"""Benchmark: Finish and sign in the GUI, from the password typed (Enter in the signing
dialog) to the signed note's preview painted in the note viewer, at the shipped password
costs, with the split: sign-in (argon2id), key unlock (scrypt), render and sign, and the
rest (storing, the worker's hand-back, the preview). Target: 1.5 s on a quiet machine.
The floor is an unsigned one-page reportlab document, as in the report benchmark.

`python -m desktop_app.bench.finish_bench`
"""

from __future__ import annotations

import time

from desktop_app.bench.common import table


def _wait(app, condition, timeout: float = 60.0, problem=lambda: "") -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        app.processEvents()
        if time.perf_counter() > deadline:
            raise RuntimeError(f"Finish and sign did not show the note in time {problem()}")
        time.sleep(0.001)


def run(repeat: int = 5) -> dict[str, float]:
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtPdf import QPdfDocument
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QLineEdit

    from desktop_app.bench.signing_bench import (
        PASSWORD,
        signing_record,
        split_figures,
        timed_parts,
    )
    from desktop_app.domain import load_document
    from desktop_app.record import WardRecord
    from desktop_app.report.samples import sample_raw
    from desktop_app.ui.app import set_up_application
    from desktop_app.ui.exam_state import ExamSession
    from desktop_app.ui.main_window import MainWindow

    app = set_up_application()
    totals: list[float] = []
    with signing_record() as (data, db), timed_parts() as parts:
        window = MainWindow(WardRecord(db, data, signed_in="nurse"))
        window.data_folder = data
        window.resize(1366, 768)
        window.show()
        app.processEvents()
        for index in range(repeat + 1):  # the first is a warm-up
            raw = sample_raw("normal")
            raw["patient"]["mrn"] = f"BENCH-{index}"
            wizard = window.open_wizard(ExamSession(load_document(raw)))
            wizard.go(len(wizard.pages) - 1)
            QTest.mouseClick(wizard.sign_button, Qt.MouseButton.LeftButton)
            dialog = window.notes.dialog
            password = dialog.findChild(QLineEdit, "sign.password")
            QTest.keyClicks(password, PASSWORD)
            before = set(map(id, window.notes.viewers))
            if index == 1:
                for values in parts.values():
                    values.clear()
            start = time.perf_counter()
            QTest.keyClick(password, Qt.Key.Key_Return)
            _wait(app, lambda b=before: any(id(v) not in b for v in window.notes.viewers),
                  problem=lambda d=dialog: d.status.text())
            viewer = window.notes.viewers[-1]
            _wait(app, lambda v=viewer: v.document.status() == QPdfDocument.Status.Ready)
            app.processEvents()  # the first page painted
            if index:
                totals.append(time.perf_counter() - start)
            viewer.close()
            app.processEvents()
        window.close()
        app.processEvents()
    return split_figures("finish_and_sign_ms", totals, parts)


def main() -> None:
    f = run()
    print(table([
        ("password typed to the preview shown", f"{f['finish_and_sign_ms']:.0f} ms",
         f"{f['one_page_floor_ms']:.1f} ms",
         f"{f['finish_and_sign_ms'] / f['one_page_floor_ms']:.0f}x"),
        ("  sign-in (argon2id)", f"{f['sign_in_ms']:.0f} ms", "", ""),
        ("  key unlock (scrypt)", f"{f['key_unlock_ms']:.0f} ms", "", ""),
        ("  render and sign", f"{f['render_sign_ms']:.0f} ms", "", ""),
        ("  store, hand-back, preview", f"{f['rest_ms']:.0f} ms", "", ""),
    ]))


if __name__ == "__main__":
    main()
