"""Starting the GUI: fonts, the application object, logging, the record, the main window."""

from __future__ import annotations

import argparse
import gc
import getpass
import logging
import os
import sys
import traceback
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QObject,
    Qt,
    QThread,
    QTimer,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from desktop_app.logging_setup import setup_logging
from desktop_app.paths import APP_NAME, data_dir, resource_path
from desktop_app.ui.services import Repository, StoreRepository
from desktop_app.ui.theme import FONT_FAMILY, STYLE_SHEET
from desktop_app.ui.workers import install_gui_thread_gc

if TYPE_CHECKING:
    from desktop_app.ui.main_window import MainWindow

log = logging.getLogger(__name__)
_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def register_fonts() -> list[str]:
    """Register the bundled fonts (DejaVu, Noto), so every workstation draws the same glyphs."""
    families: list[str] = []
    for path in sorted(resource_path("fonts").glob("*.ttf")):
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            log.warning("could not load the bundled font %s", path.name)
            continue
        families.extend(QFontDatabase.applicationFontFamilies(font_id))
    return families


def set_up_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication (created once), with the fonts, the font and the style sheet."""
    app = QApplication.instance() or QApplication(argv or [sys.argv[0]])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    families = register_fonts()
    # Names in scripts DejaVu lacks (Arabic, Devanagari, CJK...) fall back to the Noto fonts.
    QFont.insertSubstitutions(FONT_FAMILY, [f for f in dict.fromkeys(families)
                                            if f.startswith("Noto")])
    app.setFont(QFont(FONT_FAMILY, 10))
    app.setStyleSheet(STYLE_SHEET)
    install_gui_thread_gc(app)
    return app  # type: ignore[return-value]


def route_qt_messages() -> None:
    """Qt's own warnings go to the application log instead of standard error."""
    qt_log = logging.getLogger("qt")

    def qt_message(kind: QtMsgType, _context: object, message: str) -> None:
        qt_log.log(_QT_LEVELS.get(kind, logging.WARNING), "%s", message)

    qInstallMessageHandler(qt_message)


def report_unexpected_error(kind: type[BaseException], error: BaseException,
                            trace: TracebackType | None) -> QMessageBox | None:
    """What an exception nobody caught (in a slot, say) does: the log gets its type and
    where it happened (never its message, which may quote patient data), and the person at
    the screen is told, so nothing waits in silence."""
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, trace)
        return None
    where = " <- ".join(f"{Path(frame.filename).name}:{frame.lineno} {frame.name}"
                        for frame in reversed(traceback.extract_tb(trace)[-6:]))
    log.error("unexpected error %s at %s", kind.__name__, where or "unknown place")
    app = QApplication.instance()
    if app is None or QThread.currentThread() is not app.thread():
        return None
    box = QMessageBox(QMessageBox.Icon.Critical, "Something went wrong",
                      f"An unexpected error ({kind.__name__}) stopped what you were doing. "
                      "What was saved is kept; check the last step and try it again. "
                      "The application log has the details for support.",
                      QMessageBox.StandardButton.Ok, QApplication.activeWindow())
    box.setObjectName("unexpected_error")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def install_exception_report() -> None:
    """Every uncaught exception goes to `report_unexpected_error`."""
    sys.excepthook = report_unexpected_error


def open_repository(folder: Path, actor: str | None = None) -> Repository:
    """The record the windows use: the data folder's database.

    `actor` is who the audit log names; until sign-in is wired in, the workstation account.
    """
    from desktop_app.store import open_database

    return StoreRepository(open_database(folder), actor or getpass.getuser())


def open_main_window(folder: Path, actor: str | None = None) -> MainWindow:
    """The main window on the record in `folder`, sized for the smallest supported screen,
    with the ward workstation installed: the board as home, sign-in, idle lock."""
    from desktop_app.ui.dialogs import fit_to_screen
    from desktop_app.ui.main_window import MainWindow
    from desktop_app.ui.ward import install_ward

    repository = open_repository(folder, actor)
    window = MainWindow(repository)
    window.data_folder = folder
    window.ward_shell = install_ward(window, repository.db, data_folder=folder)
    # 1366x768 where the screen has room; never more than the screen (its taskbar left out).
    fit_to_screen(window, 1366, 768)
    return window


BENCH_FIRST_PAINT = "NEUROCHECK_BENCH_FIRST_PAINT"


class _FirstPaint(QObject):
    """For the start-up benchmark: report peak memory and quit once the window painted."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, QCoreApplication.quit)
        return False


def _quit_after_first_paint(window: QWidget) -> None:
    spy = _FirstPaint(window)
    window.installEventFilter(spy)

    def report() -> None:
        import resource

        print("FIRST-PAINT", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, flush=True)

    QCoreApplication.instance().aboutToQuit.connect(report)


def run_gui(args: argparse.Namespace) -> int:
    """Open the main window and run until it is closed; the exit code of the application."""
    app = set_up_application()
    folder = data_dir(getattr(args, "data_dir", None))
    setup_logging(folder)
    route_qt_messages()
    install_exception_report()
    window = open_main_window(folder)
    if os.environ.get(BENCH_FIRST_PAINT):
        _quit_after_first_paint(window)
    window.show()
    log.info("NeuroCheck window opened")
    code = app.exec()
    # The window (and the signal closures that refer to it) go while the application
    # object still exists; left to interpreter exit they would outlive it and crash.
    if shiboken6.isValid(window):  # closing may already have deleted it
        window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    del window
    gc.collect()
    qInstallMessageHandler(None)
    return code
