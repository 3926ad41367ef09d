"""Child process of the crash test: the real window on the real store, part of an exam
typed in, then it waits (printing DRAFT SAVED once the autosave is done) to be killed."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def type_unicode(widget, text: str) -> None:
    """Key presses carrying any character (QTest's key clicks take ASCII only)."""
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    for character in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier,
                                                     character))


def main(folder: str) -> int:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QLineEdit

    from desktop_app.ui.app import open_main_window, set_up_application
    from desktop_app.ui.widgets import ChoiceRow

    app = set_up_application()
    window = open_main_window(Path(folder), actor="nurse.crash")
    window.show()
    wizard = window.new_episode()
    mrn = wizard.findChild(QLineEdit, "patient.mrn")
    QTest.keyClicks(mrn, "KILL-1")
    QTest.keyClick(mrn, Qt.Key.Key_Return)
    type_unicode(wizard.findChild(QLineEdit, "patient.name"), "Zoë Ngô-Ærøe")
    QTest.keyClicks(wizard.findChild(ChoiceRow, "procedure.kind"), "m")
    QTest.keyClicks(wizard.findChild(ChoiceRow, "symptoms.saddle_anaesthesia"), "n")
    wizard.go(2)
    QTest.keyClicks(wizard.findChild(ChoiceRow, "sensory.L5.left.light_touch"), "1")
    wizard.draftSaved.connect(lambda _key: print("DRAFT SAVED", flush=True))
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
