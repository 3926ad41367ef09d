"""`--smoke-test`: prove a build works end to end in a temporary data folder.

Opens the main window and a wizard, renders and signs a note, verifies it, exits 0. Any
failure prints one line naming the step and exits 1. Touches no real data.
"""

from __future__ import annotations

import sys
import tempfile
import traceback
from pathlib import Path

SMOKE_USER = "smoke-admin"
SMOKE_PASSWORD = "smoke-test-passphrase"


def _sign_and_verify(folder: Path) -> None:
    from desktop_app.domain import load_document
    from desktop_app.paths import resource_path
    from desktop_app.record.accounts import add_user
    from desktop_app.report import create_signed_note, load_signer, new_note_id, verify_note
    from desktop_app.store.opening import open_database

    db = open_database(folder)
    try:
        add_user(db, folder, SMOKE_USER, full_name="Smoke Test", role="admin",
                 password=SMOKE_PASSWORD, credentials="RN")
    finally:
        db.close()
    document = load_document(resource_path("examples", "mbb-progressive.json").read_bytes())
    signer = load_signer(folder, SMOKE_USER, SMOKE_PASSWORD)
    pdf = create_signed_note(document, signer, note_id=new_note_id())
    result = verify_note(pdf, folder)
    if not result.ok:
        raise RuntimeError("the fresh note did not verify: " + "; ".join(result.problems))


def _open_windows(folder: Path) -> None:
    from PySide6.QtCore import QCoreApplication

    from desktop_app.ui.app import open_main_window, set_up_application

    app = set_up_application()
    window = open_main_window(folder)
    window.show()
    QCoreApplication.processEvents()
    wizard = window.new_episode()
    if wizard is None:
        raise RuntimeError("the exam wizard did not open")
    QCoreApplication.processEvents()
    window.close()
    app.processEvents()


def run_smoke_test() -> int:
    """Run every step; 0 when all passed."""
    steps = [("sign and verify a note", _sign_and_verify), ("open the windows", _open_windows)]
    with tempfile.TemporaryDirectory(prefix="neurocheck-smoke-") as tmp:
        for index, (what, step) in enumerate(steps):
            folder = Path(tmp) / f"step{index}"
            folder.mkdir(mode=0o700)
            try:
                step(folder)
            except Exception as error:  # noqa: BLE001 (the smoke test reports any failure)
                traceback.print_exc(file=sys.stderr)
                print(f"smoke test failed at '{what}': {type(error).__name__}: {error}",
                      file=sys.stderr)
                return 1
            print(f"smoke test: {what}: ok")
    print("smoke test passed")
    return 0
