"""Screenshots of the ward workstation on the demo ward, at 1366x768, for review.

`python -m tests.ui.ward.screenshots [OUT_DIR]` (default: out/ward). Writes the board, the
board filtered, the lock screen, the serial view with its charts, the audit screen, the
settings, the emergency-access banner. Also used by a test, into its own folder.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SIZE = (1366, 768)


def wait_until(condition: Callable[[], bool], timeout_s: float = 20) -> None:
    """Process events until `condition()` holds (a script has no qtbot)."""
    import time

    from PySide6.QtCore import QCoreApplication, QEventLoop

    end = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("the GUI did not get there in time")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def add_recovering_block(db) -> int:
    """A block wearing off: dense at first, weakness then numbness receding over six checks.
    Returns its episode ID."""
    from desktop_app.store import save_exam
    from desktop_app.store.database import utc_now
    from desktop_app.store.demo import Check, _block, numb, scenario_documents, symptoms, weak

    def check(hours, knee, foot, touch, prick, trend):
        grades = {**weak("knee_extension", knee), **weak("ankle_dorsiflexion", foot)}
        grades.update({k: touch for k in numb("L5") if k.endswith("light_touch")})
        grades.update({k: prick for k in numb("L5") if k.endswith("pinprick")})
        grades.update({k: v for k, v in numb("L4", grade=touch).items()})
        numbness = touch < 2 or prick < 2
        return Check(hours, symptoms(numbness=numbness, onset="delayed", trend=trend), grades)

    scenario = _block(5.6, check(0.5, 3, 3, 0, 0, "unknown"), check(1.0, 4, 3, 1, 0, "improving"),
                      check(2.0, 4, 4, 1, 1, "improving"), check(3.0, 5, 4, 1, 1, "improving"),
                      check(4.0, 5, 5, 2, 1, "improving"), check(5.5, 5, 5, 2, 2, "improving"))
    saved = None
    for document in scenario_documents(scenario, 40, utc_now()):
        saved = save_exam(db, document, actor="nurse", location="Bed 31")
    return saved.episode_id


def changes_page(db, episode_id: int):
    """The wizard's motor page for the next exam of an episode, with the change marks on,
    two grades entered lower and one higher than last time."""
    from desktop_app.store import episode_exams
    from desktop_app.ui.exam_state import ExamSession
    from desktop_app.ui.pages.motor import MotorPage
    from desktop_app.ui.ward import watch_changes

    history = episode_exams(db, episode_id)[:3]
    session = ExamSession.next_exam(episode_id, history)
    page = MotorPage(session)
    marker = watch_changes(page)
    for path, grade in (("motor.knee_extension.left", 3), ("motor.hip_flexion.left", 4),
                        ("motor.ankle_dorsiflexion.left", 5), ("motor.hip_flexion.right", 5)):
        page.cells[path].setValue(grade)
        session.set_value(path, grade)
        page.cells[path].valueChanged.emit(grade)
    wait_until(lambda: len([c for c in marker.changes.values() if c]) >= 4)
    return page


def take(out: Path, *, fill: Callable | None = None) -> dict[str, Path]:
    """Fill a demo ward in a temporary folder and save the screenshots into `out`."""
    from desktop_app.record import WardRecord
    from desktop_app.record.ward import fill_demo
    from desktop_app.store import open_database
    from desktop_app.store.demo import PASSWORD
    from desktop_app.ui.app import set_up_application
    from desktop_app.ui.main_window import MainWindow
    from desktop_app.ui.ward import install_ward
    from desktop_app.ui.ward.session import ScreenState

    out.mkdir(parents=True, exist_ok=True)
    app = set_up_application()
    shots: dict[str, Path] = {}
    with tempfile.TemporaryDirectory() as folder:
        db = open_database(Path(folder))
        (fill or fill_demo)(db, Path(folder))
        window = MainWindow(WardRecord(db, Path(folder), signed_in="workstation"))
        shell = install_ward(window, window.record, start_check=lambda _episode: None)
        window.resize(*SIZE)
        window.show()

        def grab(name: str, widget=None) -> None:
            wait_until(lambda: True)
            app.processEvents()
            path = out / f"{name}.png"
            (widget or window).grab().save(str(path))
            shots[name] = path

        grab("lock-signed-out")
        shell.session.sign_in("nurse", PASSWORD)
        wait_until(lambda: shell.session.state is ScreenState.ACTIVE)
        grab("board")
        shell.board.filter_buttons["urgent"].click()
        grab("board-urgent")
        shell.board.filter_buttons[None].click()
        shell.board.overdue_only.setChecked(True)
        grab("board-overdue")
        shell.board.overdue_only.setChecked(False)

        # The serial view of a block wearing off over six checks (added after the board
        # screenshots, which show the 30 open episodes of the demo ward).
        episode_id = add_recovering_block(db)
        view = shell.open_serial(episode_id)
        view.resize(*SIZE)
        grab("serial-view", view)
        view.charts["motor.knee_extension"].resize(520, 300)
        grab("trend-chart", view.charts["motor.knee_extension"])
        view.close()
        page = changes_page(db, episode_id)
        page.resize(900, 700)
        page.show()
        grab("wizard-changes", page)
        page.close()

        shell.lock.lock("idle")
        grab("lock-idle")
        shell.session.sign_in("admin", PASSWORD)
        wait_until(lambda: shell.session.state is ScreenState.ACTIVE)
        audit = shell.open_audit()
        audit.resize(*SIZE)
        grab("audit", audit)
        audit.close()
        dialog = shell.open_settings()
        wait_until(lambda: dialog.isVisible())
        grab("settings", dialog)
        dialog.reject()

        shell.close()
        window.close()
        db.close()
    return shots


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out/ward")
    for name, path in take(target).items():
        print(name, path)
