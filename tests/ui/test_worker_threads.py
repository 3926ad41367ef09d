"""Background work never touches Qt off the GUI thread: many notes signed in one window,
the garbage collector forced on the GUI thread during each, Qt garbage made meanwhile; no
collection ever runs on a worker thread, nothing crashes, every note verifies."""

from __future__ import annotations

import gc
import json
import threading
from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QWidget

from desktop_app.record.accounts import add_user
from desktop_app.report import pki, verify_note
from desktop_app.store import exam_notes
from desktop_app.ui import signing, workers
from tests.conftest import CASES
from tests.store.conftest import fast_password_hashing  # noqa: F401  (autouse: quick argon2)
from tests.ui.recording import save_exam

PASSWORD = "correct horse 42"


@pytest.fixture
def record(bare_record):
    """The record before any account: these tests create the administrator first."""
    return bare_record


@pytest.fixture
def nurse(record, private_data_dir, monkeypatch):
    """An administrator and a nurse whose signing key opens quickly (the scrypt cost is
    stored with the key, so only this test's keys are cheap)."""
    monkeypatch.setattr(pki, "SCRYPT_N", 2**10)
    db = record.db
    add_user(db, private_data_dir, "admin", full_name="Ada Admin", role="admin",
             password="admin password 1")
    add_user(db, private_data_dir, "nurse.test", full_name="Nora Nurse", role="nurse",
             credentials="RN", password=PASSWORD, admin_name="admin",
             admin_password="admin password 1")
    return db


@pytest.fixture
def collections():
    """The thread of every garbage collection while the test runs."""
    threads: list[str] = []

    def seen(phase: str, _info: dict) -> None:
        if phase == "start":
            threads.append(threading.current_thread().name)

    gc.callbacks.append(seen)
    yield threads
    gc.callbacks.remove(seen)


def saved_exam(record, seconds: int = 0) -> int:
    """A signable exam of the shared cases, `seconds` later than the case's (a distinct
    exam each: the record keeps one copy of an identical one)."""
    document = json.loads((CASES / "mbb-progressive-6h.json").read_text(encoding="utf-8"))
    performed = datetime.fromisoformat(document["exam"]["performed_at"])
    document["exam"]["performed_at"] = (performed + timedelta(seconds=seconds)).isoformat()
    return int(save_exam(record, document).exam_id)


def qt_garbage() -> None:
    """Qt wrappers only the cyclic collector can free (a dialog whose signal closure refers
    to it), as closed dialogs leave behind."""
    dialog = QDialog()
    label = QLabel("garbage", dialog)
    dialog.finished.connect(lambda _r: label.setText(str(dialog)))
    dialog.me = dialog
    widget = QWidget()
    widget.me = widget


@pytest.mark.parametrize("signings", [6, pytest.param(30, marks=pytest.mark.slow)])
def test_many_signings_with_forced_collection_stay_on_the_gui_thread(
        qtbot, window, record, nurse, private_data_dir, collections, signings):
    exam_ids = [saved_exam(record, seconds) for seconds in range(signings)]
    assert not gc.isenabled()  # the application's collector is installed
    gui = threading.current_thread().name

    for exam_id in exam_ids:
        dialog = window.notes.sign_exam(exam_id)
        assert dialog is not None
        qtbot.keyClicks(dialog.password, PASSWORD)
        qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)
        assert dialog.busy
        while not exam_notes(nurse, exam_id) or workers.pending_jobs():
            qt_garbage()
            gc.collect()  # forced on the GUI thread while the worker lays out the note
            qtbot.wait(20)
        qtbot.waitUntil(lambda: window.notes.dialog is None, timeout=10_000)
        for viewer in window.notes.viewers:
            viewer.close()
        gc.collect()

    assert collections and set(collections) == {gui}, set(collections)
    stored = [exam_notes(nurse, exam_id) for exam_id in exam_ids]
    assert all(len(notes) == 1 for notes in stored)
    checked = verify_note(bytes(stored[-1][0].pdf), private_data_dir)
    assert checked.ok, checked.problems


def test_a_job_holds_no_qt_object(qtbot, record, nurse, private_data_dir):
    """What the signing dialog hands its worker: paths, numbers and strings."""
    from PySide6.QtCore import QObject

    exam_id = saved_exam(record)
    services = signing.NoteServices.for_record(record)
    dialog = signing.SignDialog(services, exam_id, "the exam")
    qtbot.addWidget(dialog)
    given = []
    real = workers.default_pool().start

    def spy(work, ticket, relay):
        given.append(work)
        real(work, ticket, relay)

    pool = workers.default_pool()
    pool.start = spy
    try:
        qtbot.keyClicks(dialog.password, PASSWORD)
        qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: bool(exam_notes(nurse, exam_id)), timeout=10_000)
    finally:
        del pool.start
    [work] = given
    assert work.func is signing.sign_stored_exam
    for value in [*work.args, *work.keywords.values()]:
        assert not isinstance(value, QObject | QWidget), type(value)
    qtbot.waitUntil(lambda: not dialog.isVisible() or not dialog.busy, timeout=10_000)
