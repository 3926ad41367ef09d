"""Starting the GUI: fonts, the application object, logging, the record, the main window.

What a nurse sees first is the sign-in screen, painted with only what it needs imported.
The record is opened and checked on a worker thread while she types; the main window and
the board are built once it is open, and take over what she typed (a password submitted
before then is signed in with as soon as the record is ready).
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import traceback
from collections.abc import Callable
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QObject,
    QThread,
    QTimer,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QWidget

from desktop_app.logging_setup import setup_logging
from desktop_app.paths import APP_NAME, data_dir, resource_path
from desktop_app.ui.theme import FONT_FAMILY, STYLE_SHEET
from desktop_app.ui.workers import install_gui_thread_gc, run_in_background

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox

    from desktop_app.record import WardRecord
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
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox

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


def open_record(folder: Path, actor: str | None = None, *, check: bool = True,
                database: str | None = None) -> WardRecord:
    """The record the windows use: the data folder's database, or the server's that
    `database` names (a postgresql:// URL), opened (and checked) once.

    `actor` is who the audit log names: nobody until someone signs in (the ward sets the
    record's `signed_in` at every sign-in), so nothing is ever written under the
    operating-system account."""
    from desktop_app.record import WardRecord

    return WardRecord.open(folder, check=check, signed_in=actor or "", database=database)


def open_main_window(folder: Path, actor: str | None = None, *, check: bool = True,
                     database: str | None = None) -> MainWindow:
    """The main window on the record in `folder`, sized for the smallest supported screen,
    with the ward workstation installed: the board as home, sign-in, idle lock. One record
    serves them all: the wizard, the signing desk and the ward are given the same one.

    `check=False` when the record was just checked (`check_record`, on a worker thread);
    `database`: the ward record on that PostgreSQL server (the data folder keeps the log)."""
    from desktop_app.ui.dialogs import fit_to_screen
    from desktop_app.ui.main_window import MainWindow
    from desktop_app.ui.ward import install_ward

    record = open_record(folder, actor, check=check, database=database)
    window = MainWindow(record)
    window.data_folder = folder
    window.ward_shell = install_ward(window, record, data_folder=folder)
    if database is None:  # a server's record is not a file on a share
        show_network_share_warning(window, folder)
    # 1366x768 where the screen has room; never more than the screen (its taskbar left out).
    fit_to_screen(window, 1366, 768)
    return window


def show_network_share_warning(window: MainWindow, folder: Path) -> None:
    """A record on a network share (several workstations on one SQLite file) is not safe:
    say so for as long as the window is open, in the status bar, where every screen shows it."""
    from PySide6.QtWidgets import QLabel

    from desktop_app.record.reads import network_share_warning

    warning = network_share_warning(folder)
    if warning is None:
        return
    label = QLabel("\u26a0 " + warning[0].upper() + warning[1:])
    label.setObjectName("status.network_share")
    label.setWordWrap(True)
    window.statusBar().addPermanentWidget(label, 1)


# The file `desktop_app.store.database.DATABASE_NAME` names (its absence: a first start);
# the record is not imported before the sign-in screen is painted.
DATABASE_FILE = "neurocheck.sqlite"


def check_record(folder: Path, database: str | None = None) -> bool:
    """A worker's job (plain data in and out): open the record in `folder` (or on the
    server `database` names) as the application does (checked, migrations applied) and
    close it again. True when it has accounts."""
    from desktop_app.record.reads import has_users, open_record

    db = open_record(folder, database=database, create=False)
    try:
        return has_users(db)
    finally:
        db.close()


class _OnPaint(QObject):
    """Calls `then` once, just after `watched` is first painted."""

    def __init__(self, watched: QWidget, then: Callable[[], None]) -> None:
        super().__init__(watched)
        self.then = then
        watched.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self.then)
        return False


class StartWindow(QWidget):
    """The first window at start-up: the lock screen and its sign-in form, ready to type
    into, shown before the record and the main window exist. What is typed (and a password
    submitted early) goes over to the main window's lock screen once the record is open."""

    OPENING = "Opening the record\u2026 you are signed in as soon as it is open."

    def __init__(self) -> None:
        from PySide6.QtWidgets import QProgressBar

        from desktop_app.ui.ward.sign_in import LOCKED_TITLE, LockScreen

        super().__init__()
        self.setObjectName("start")
        self.setWindowTitle(LOCKED_TITLE)
        self.lock_screen = LockScreen(self)
        self.panel = self.lock_screen.panel
        self.lock_screen.show_text("NeuroCheck", "Nobody is signed in. Sign in to see the ward.")
        self.panel.break_glass.setEnabled(False)
        self.panel.break_glass.setToolTip("Opening the record\u2026")
        self.progress = QProgressBar()
        self.progress.setObjectName("start.progress")
        self.progress.setAccessibleName("Opening the record")
        self.progress.setRange(0, 0)  # busy: how long the check takes is not known
        self.progress.setTextVisible(False)
        self.progress.setVisible(False)
        self.panel.layout().addWidget(self.progress)
        self.pending: tuple[str, str] | None = None
        self.panel.submitted.connect(self._submitted)
        self.lock_screen.show()
        self.panel.user.setFocus()

    def _submitted(self, name: str, password: str) -> None:
        """Enter before the record is open: keep the attempt and show that it waits."""
        self.pending = (name, password)
        self.panel.set_busy(True)
        self.panel.show_message(self.OPENING, problem=False)
        self.progress.setVisible(True)

    def resizeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt naming)
        self.lock_screen.setGeometry(self.rect())
        super().resizeEvent(event)

    def hand_over(self, window: QWidget) -> None:
        """Show `window` (the main window, covered by its own lock screen) where this one
        is, with what was typed here; a password submitted here is signed in with now."""
        lock = window.ward_shell.lock
        panel = lock.panel
        pending, self.pending = self.pending, None
        typing_password = self.panel.password.hasFocus()
        if panel.isVisible() or not lock.first_run.isVisible():
            panel.user.setText(self.panel.user.text())
            panel.password.setText(self.panel.password.text())
        self.panel.password.clear()
        window.setGeometry(self.geometry())
        window.setWindowState(self.windowState())
        window.show()
        self.close()
        self.deleteLater()
        if pending is not None and panel.isVisible():
            panel.user.setText(pending[0])
            panel.password.setText(pending[1])
            panel.submit()
        elif panel.isVisible():
            (panel.password if typing_password or panel.user.text() else panel.user).setFocus()
        window.activateWindow()


def start_gui(folder: Path, *, database: str | None = None,
              on_window: Callable[[QWidget], None] | None = None,
              on_failure: Callable[[BaseException], None] | None = None) -> StartWindow:
    """Show the sign-in screen now; once it is painted, check the record (the data folder's,
    or the server's that `database` names) on a worker thread, then build the main window
    and hand over to it. `on_window(main_window)` follows the
    hand-over; `on_failure(error)` is called when the record cannot be opened."""
    start = StartWindow()
    # 1366x768 where the screen has room (a title bar and border left for), as the main
    # window (`fit_to_screen`, which loads the whole `Qt` namespace: after the paint).
    area = start.screen().availableGeometry()
    start.resize(min(1366, area.width() - 8), min(768, area.height() - 32))

    def checked(_has_users: object, error: BaseException | None) -> None:
        if error is not None:
            if on_failure is not None:
                on_failure(error)
            start.close()
            start.deleteLater()
            return
        if not shiboken6.isValid(start) or not start.isVisible():
            return  # closed before the record was open: nobody waits for it
        window = open_main_window(folder, check=False, database=database)
        start.hand_over(window)
        if on_window is not None:
            on_window(window)

    _OnPaint(start, lambda: run_in_background(partial(check_record, folder, database),
                                              checked))
    start.show()
    return start


BENCH_FIRST_PAINT = "NEUROCHECK_BENCH_FIRST_PAINT"


class _FirstPaint(QObject):
    """For the start-up benchmark: note when the window first painted (the system-wide
    monotonic clock, which the benchmark read when it started this process), then quit and
    report it with the peak memory."""

    painted_at = 0.0
    cpu_at = 0.0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if event.type() == QEvent.Type.Paint:
            import time

            self.painted_at = time.monotonic()
            self.cpu_at = time.process_time()
            watched.removeEventFilter(self)
            QTimer.singleShot(0, QCoreApplication.quit)
        return False


def _quit_after_first_paint(window: QWidget) -> None:
    spy = _FirstPaint(window)
    window.installEventFilter(spy)

    def report() -> None:
        import resource

        print("FIRST-PAINT", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
              f"{spy.painted_at:.6f}", f"{spy.cpu_at:.6f}", flush=True)

    QCoreApplication.instance().aboutToQuit.connect(report)


def run_gui(args: argparse.Namespace) -> int:
    """Open the sign-in screen, then the main window, and run until it is closed; the exit
    code of the application. A first start (no record yet) opens the main window at once,
    on its first-administrator screen. With --database (or $NEUROCHECK_DATABASE, or the
    server an administrator set for this workstation) the record is the one on that
    PostgreSQL server, opened behind the sign-in screen as a file is."""
    from desktop_app.paths import database_url

    app = set_up_application()
    folder = data_dir(getattr(args, "data_dir", None))
    database = database_url(getattr(args, "database", None), folder)
    setup_logging(folder)
    route_qt_messages()
    install_exception_report()
    windows: list[QWidget] = []
    failures: list[BaseException] = []
    if database or (folder / DATABASE_FILE).exists():
        def failed(error: BaseException) -> None:
            failures.append(error)
            app.exit(1)

        first: QWidget = start_gui(folder, database=database, on_window=windows.append,
                                   on_failure=failed)
    else:
        first = open_main_window(folder)
        windows.append(first)
        first.show()
    if os.environ.get(BENCH_FIRST_PAINT):
        _quit_after_first_paint(first)
    log.info("NeuroCheck window opened")
    code = app.exec()
    if failures:  # the record could not be opened: said as before the window existed
        raise failures[0]
    # The windows (and the signal closures that refer to them) go while the application
    # object still exists; left to interpreter exit they would outlive it and crash.
    for window in (first, *windows):
        if shiboken6.isValid(window):  # closing may already have deleted it
            window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    del window, first, windows
    gc.collect()
    qInstallMessageHandler(None)
    return code
