"""Screenshots of signing, for review: `python -m tests.ui.signing_screenshots`.

A throwaway record with a nurse and a saved exam; the main window at 1366x768 with the
sign dialog over it (and again with a wrong password refused), then the note viewer of the
signed note at 1366x768 after Verify, then the addendum dialog; all into out/signing/
(git-ignored).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT.parent / "shared" / "cases"
OUT = ROOT / "out" / "signing"
PASSWORD = "correct horse 42"


def wait_until(app, predicate, limit_s: float = 30) -> None:
    import time

    end = time.monotonic() + limit_s
    while not predicate():
        if time.monotonic() > end:
            raise TimeoutError("the signing did not finish")
        app.processEvents()
        time.sleep(0.01)


def over_window(window, dialog):
    """The window with the dialog drawn where it sits (centred on the window)."""
    from PySide6.QtGui import QPainter

    shot = window.grab()
    top = dialog.grab()
    painter = QPainter(shot)
    x, y = (shot.width() - top.width()) // 2, (shot.height() - top.height()) // 3
    painter.drawPixmap(x, y, top)
    painter.drawRect(x - 1, y - 1, top.width() + 1, top.height() + 1)  # the frame offscreen lacks
    painter.end()
    return shot


def main() -> None:
    from PySide6.QtTest import QTest

    from desktop_app.record import WardRecord
    from desktop_app.record.accounts import add_user
    from desktop_app.store import open_database
    from desktop_app.ui.app import set_up_application
    from desktop_app.ui.main_window import MainWindow
    from tests.ui.recording import save_exam

    OUT.mkdir(parents=True, exist_ok=True)
    app = set_up_application()
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        db = open_database(data)
        add_user(db, data, "admin", full_name="Ada Admin", role="admin",
                 password="admin password 1")
        add_user(db, data, "nurse.kim", full_name="Kim Lee", role="nurse", credentials="RN",
                 password=PASSWORD, admin_name="admin", admin_password="admin password 1")
        record = WardRecord(db, data, signed_in="nurse.kim")
        document = json.loads((CASES / "mbb-progressive-6h.json").read_text(encoding="utf-8"))
        exam_id = int(save_exam(record, document).exam_id)
        window = MainWindow(record)
        window.resize(1366, 768)
        window.show()
        app.processEvents()
        window.grab().save(str(OUT / "history-unsigned-1366x768.png"))

        dialog = window.notes.sign_exam(exam_id)
        app.processEvents()
        over_window(window, dialog).save(str(OUT / "sign-dialog-1366x768.png"))
        QTest.keyClicks(dialog.password, "wrong password")
        dialog.sign()
        app.processEvents()
        over_window(window, dialog).save(str(OUT / "sign-dialog-busy-1366x768.png"))
        wait_until(app, lambda: not dialog.busy)
        over_window(window, dialog).save(str(OUT / "sign-dialog-wrong-1366x768.png"))
        QTest.keyClicks(dialog.password, PASSWORD)
        dialog.sign()
        wait_until(app, lambda: bool(window.notes.viewers))
        viewer = window.notes.viewers[-1]
        viewer.resize(1366, 768)
        viewer.verify()
        wait_until(app, lambda: viewer.verify_button.isEnabled())
        for _ in range(20):
            app.processEvents()
        viewer.grab().save(str(OUT / "note-viewer-1366x768.png"))
        window.grab().save(str(OUT / "history-signed-1366x768.png"))
        addendum = window.notes.add_addendum(viewer.note_row_id)
        app.processEvents()
        over_window(viewer, addendum).save(str(OUT / "addendum-dialog-1366x768.png"))
        addendum.close()
        viewer.close()
        window.close()
        db.close()
    print(f"screenshots in {OUT}")


if __name__ == "__main__":
    main()
