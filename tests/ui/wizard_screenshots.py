"""Screenshots of every wizard page, for review: `python -m tests.ui.wizard_screenshots`.

An emergency case, a normal one and a deltoid one (or the cases named as arguments) are
typed in through the widgets (the test driver), at 1366x768 and 1920x1080, then each page
is grabbed into out/ui/ (git-ignored). Set QT_SCALE_FACTOR=2 to see the same at 200 %
(the files get an `@2x` suffix).
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
OUT = ROOT / "out" / "ui"
SIZES = ((1366, 768), (1920, 1080))
SHOWN_CASES = ("mbb-progressive-6h", "mbb-normal-1h", "im-deltoid-wrist-drop")


class Bot:
    """The few qtbot calls the driver makes, on QTest, outside pytest."""

    def keyClicks(self, widget, text):  # noqa: N802 (qtbot naming)
        from PySide6.QtTest import QTest

        QTest.keyClicks(widget, text)

    def keyClick(self, widget, key, modifier=None):  # noqa: N802 (qtbot naming)
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        QTest.keyClick(widget, key, modifier or Qt.KeyboardModifier.NoModifier)

    def mouseClick(self, widget, button, pos=None):  # noqa: N802 (qtbot naming)
        from PySide6.QtTest import QTest

        if pos is None:
            QTest.mouseClick(widget, button)
        else:
            QTest.mouseClick(widget, button, pos=pos)


def shoot(name: str, size: tuple[int, int], folder: Path) -> list[Path]:
    from PySide6.QtTest import QTest

    from desktop_app.bench.common import scratch_record
    from desktop_app.ui.main_window import MainWindow
    from tests.ui.driver import fill_exam
    from tests.ui.panel_state_screenshots import grab_pages
    from tests.ui.recording import save_exam

    bot = Bot()
    document = json.loads((CASES / f"{name}.json").read_text(encoding="utf-8"))
    record = scratch_record(Path(tempfile.mkdtemp(dir=os.environ.get("NEUROCHECK_DATA_DIR"))))
    for earlier in document.get("previous_exams", []):
        save_exam(record, dict(document, exam=earlier, previous_exams=[]))
    window = MainWindow(record)
    window.resize(*size)
    window.show()
    window.activateWindow()
    QTest.qWaitForWindowActive(window)
    if record.open_episodes():
        window.new_exam()
    else:
        window.new_episode()
    wizard = window.wizard
    fill_exam(bot, wizard, document)
    written = grab_pages(window, name, size, folder)
    window.close()
    record.db.close()
    return written


def main(names: list[str]) -> int:
    """Screenshots of the named cases (default: an emergency, a normal and a deltoid one)."""
    from desktop_app.ui.app import set_up_application

    app = set_up_application()
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as data:
        os.environ["NEUROCHECK_DATA_DIR"] = data
        for name in names or SHOWN_CASES:
            for size in SIZES:
                for path in shoot(name, size, OUT):
                    print(path.relative_to(ROOT))
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
