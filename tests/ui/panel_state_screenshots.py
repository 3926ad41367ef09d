"""Screenshots of every wizard page in each state of the live panel, for review:
`python -m tests.ui.panel_state_screenshots [FOLDER] [STATE ...]`.

States: `new` (a new episode, nothing entered: not yet assessed), `provisional` (patient,
procedure and red flags answered no, nothing graded), `emergency` (a re-check with
progressive weakness), `observe` (a complete normal exam), `deltoid` (an IM injection in
the deltoid with a wrist drop), `recheck` (a re-check just opened whose last exam was an
emergency). Each at 1366x768 and 1920x1080, or with QT_SCALE_FACTOR=2 at 960x540 logical
(1920x1080 at 200 %, files with an `@2x` suffix). Into out/ui/states/ (git-ignored)
unless a folder is named.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT.parent / "shared" / "cases"
OUT = ROOT / "out" / "ui" / "states"
STATES = ("new", "provisional", "emergency", "observe", "deltoid", "recheck")
FILLED = {"emergency": "mbb-progressive-6h", "observe": "mbb-normal-1h",
          "deltoid": "im-deltoid-wrist-drop"}


def scaled() -> bool:
    return os.environ.get("QT_SCALE_FACTOR") == "2"


def document(name: str) -> dict:
    return json.loads((CASES / f"{name}.json").read_text(encoding="utf-8"))


def open_window(size: tuple[int, int], earlier: list[dict]):
    from PySide6.QtTest import QTest

    from desktop_app.bench.common import scratch_record
    from desktop_app.ui.main_window import MainWindow
    from tests.ui.recording import save_exam

    record = scratch_record(Path(tempfile.mkdtemp(dir=os.environ.get("NEUROCHECK_DATA_DIR"))))
    for saved in earlier:
        save_exam(record, saved)
    window = MainWindow(record)
    window.resize(*size)
    window.show()
    window.activateWindow()
    QTest.qWaitForWindowActive(window)
    return window, record


def grab_pages(window, state: str, size: tuple[int, int], folder: Path,
               only: tuple[str, ...] = ()) -> list[Path]:
    from PySide6.QtCore import QCoreApplication

    wizard = window.wizard
    written = []
    for index, page in enumerate(wizard.pages):
        if not wizard.step_buttons[index].isVisible() or (only and page.page_id not in only):
            continue
        wizard.go(index)
        if page.page_id == "sensory":  # show a selection: the first abnormal dermatome
            abnormal = [key for key, grades in page.bodymap.grades.items()
                        if any(g in (0, 1) for g in grades)]
            page.select_region(*(abnormal[0] if abnormal else ("left", "L5")))
        QCoreApplication.processEvents()
        suffix = "@2x" if scaled() else ""
        path = folder / f"{state}-{size[0]}x{size[1]}{suffix}-{index + 1}-{page.page_id}.png"
        window.grab().save(str(path))
        written.append(path)
    return written


def shoot(state: str, size: tuple[int, int], folder: Path) -> list[Path]:
    from desktop_app.domain.model import RED_FLAG_SYMPTOMS
    from tests.ui.driver import fill_exam, fill_patient_page
    from tests.ui.wizard_screenshots import Bot

    bot = Bot()
    only: tuple[str, ...] = ()
    if state == "new":
        window, _ = open_window(size, [])
        window.new_episode()
    elif state == "provisional":
        window, _ = open_window(size, [])
        window.new_episode()
        fill_patient_page(bot, window.wizard, document("mbb-normal-1h"))
        for name in RED_FLAG_SYMPTOMS:
            window.wizard.session.set_value(f"symptoms.{name}", False)
        for page in window.wizard.pages:
            page.load()
    elif state == "recheck":  # the last exam of the episode was an emergency
        window, _ = open_window(size, [dict(document("mbb-saddle"), previous_exams=[])])
        window.new_exam()
        only = ("patient", "symptoms", "sensory", "review")
    else:
        filled = document(FILLED[state])
        window, record = open_window(size, [
            dict(filled, exam=exam, previous_exams=[])
            for exam in filled.get("previous_exams", [])])
        if record.open_episodes():
            window.new_exam()
        else:
            window.new_episode()
        fill_exam(bot, window.wizard, filled)
    written = grab_pages(window, state, size, folder, only)
    window.close()
    return written


def main(argv: list[str]) -> int:
    from desktop_app.ui.app import set_up_application

    folder = Path(argv[0]) if argv and argv[0] not in STATES else OUT
    states = [a for a in argv if a in STATES] or list(STATES)
    sizes = [(960, 540)] if scaled() else [(1366, 768), (1920, 1080)]
    app = set_up_application()
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as data:
        os.environ["NEUROCHECK_DATA_DIR"] = data
        for size in sizes:
            for state in states:
                for path in shoot(state, size, folder):
                    print(path)
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
