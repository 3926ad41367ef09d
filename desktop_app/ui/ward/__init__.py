"""The shared ward workstation: sign-in and lock screen, emergency access, the ward board,
the serial view with its trend charts, the audit screen and the ward's settings.

Each part is a self-contained widget with its controller (see the modules); `install_ward`
puts them all into the application's main window in one call:

    shell = install_ward(main_window, record, start_check=open_next_exam)

`main_window` is the `MainWindow` of desktop_app/ui/main_window.py (or any QMainWindow;
without a `stack` the board becomes the central widget). `record` is the workstation's
`WardRecord`, the one the main window holds: its `signed_in` follows the ward's sign-in.
`start_check(episode_id)` opens the exam wizard on the next check of that episode; without
it the main window's own `open_wizard` and `wizard` are used.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

if TYPE_CHECKING:
    from sqlite_utils import Database

    from desktop_app.record import WardRecord
    from desktop_app.ui.ward.audit_view import AuditView
    from desktop_app.ui.ward.board import BoardController, WardBoard
    from desktop_app.ui.ward.lock import LockController
    from desktop_app.ui.ward.session import IdleWatcher, WardSession
    from desktop_app.ui.ward.settings_dialog import SettingsDialog
    from desktop_app.ui.ward.toolbar import WardToolBar
    from desktop_app.ui.ward.trends import SerialView

# The sign-in screen (sign_in.py) is painted before the record, the board and Qt's `Qt`
# namespace load: this package imports them only when the workstation is installed.
_CHANGES = ("CHANGE_STYLE_SHEET", "grade_change", "mark_change", "watch_changes")


def __getattr__(name: str) -> Any:
    if name in _CHANGES:
        from desktop_app.ui.ward import changes

        return getattr(changes, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


log = logging.getLogger(__name__)

__all__ = [
    "CHANGE_STYLE_SHEET",
    "WardShell",
    "grade_change",
    "install_ward",
    "mark_change",
    "watch_changes",
]


@dataclass
class WardShell:
    """Everything `install_ward` made, for the integrator and the tests."""

    main_window: QMainWindow
    db: Database
    session: WardSession
    idle: IdleWatcher
    lock: LockController
    board: WardBoard
    board_controller: BoardController
    toolbar: WardToolBar
    windows: list[QWidget] = field(default_factory=list)  # serial views, the audit screen
    settings_dialog: SettingsDialog | None = None
    data_dir: Path | None = None  # the record's data folder (its keys, when not on a server)

    def show_board(self) -> bool:
        """Bring the board to the front (not while an exam is open in the window)."""
        stack = getattr(self.main_window, "stack", None)
        if getattr(self.main_window, "wizard", None) is not None:
            self.main_window.statusBar().showMessage(
                "Finish or discard the exam first; the board is behind it.", 6000)
            return False
        if stack is not None:
            stack.setCurrentWidget(self.board)
        self.board.table.setFocus()  # Qt's OtherFocusReason
        return True

    def open_settings(self) -> SettingsDialog | None:
        """The ward's settings (administrators only), opened without blocking."""
        if not self.session.has_role("admin") or self.session.break_glass:
            return None
        from desktop_app.record.reads import all_settings, break_glass_account, list_users
        from desktop_app.ui.ward.settings_dialog import SettingsDialog

        actor = self.session.actor()
        dialog = SettingsDialog(
            all_settings(self.db), users=list_users(self.db),
            emergency_account=break_glass_account(self.db),
            save=lambda changes, account: self._save_settings(actor, changes, account),
            parent=self.main_window)
        dialog.finished.connect(lambda _result: self._settings_closed(dialog))
        self.settings_dialog = dialog
        dialog.open()
        return dialog

    def _save_settings(self, actor: str, changes: dict[str, Any],
                       account: str | None) -> str | None:
        from desktop_app.ui.ward.settings_dialog import save_settings

        problem = save_settings(self.db, actor, changes, account)
        if problem is None:
            self.apply_settings()
        return problem

    def _settings_closed(self, dialog: SettingsDialog) -> None:
        if self.settings_dialog is dialog:
            self.settings_dialog = None
        dialog.deleteLater()

    def apply_settings(self) -> None:
        """Take up changed settings: the idle time, the ward's name, the schedule."""
        from desktop_app.record.reads import IDLE_TIMEOUT_MINUTES, get_setting

        self.idle.set_timeout_ms(int(get_setting(self.db, IDLE_TIMEOUT_MINUTES) * 60_000))
        self.board_controller.refresh()

    def open_audit(self) -> AuditView | None:
        """The audit screen (administrators only)."""
        if not self.session.has_role("admin") or self.session.break_glass:
            return None
        from PySide6.QtCore import Qt

        from desktop_app.ui.dialogs import fit_to_screen
        from desktop_app.ui.ward.audit_view import AuditView

        view = AuditView(self.db, actor=self.session.actor(), parent=self.main_window)
        view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        fit_to_screen(view, 1200, 700)
        self._keep(view)
        view.show()
        return view

    def open_serial(self, episode_id: int) -> SerialView:
        # QtCharts loads when the first serial view opens, not at start-up.
        from desktop_app.ui.ward.trends import open_serial_view

        """The serial view of an episode in its own window (the view of the patient audited)."""
        view = open_serial_view(self.db, episode_id, actor=self.session.actor(),
                                parent=self.main_window)
        self._keep(view)
        return view

    def _keep(self, window: QWidget) -> None:
        self.windows = [w for w in self.windows if shiboken6.isValid(w)]
        self.windows.append(window)

    def close_session_windows(self) -> None:
        """Before the screen is covered (lock, switch user, sign-out): every window of this
        session goes (audit log, serial views, notes and their messages, the password
        dialog, settings), so the next person to sign in never finds the previous user's."""
        notes = getattr(self.main_window, "notes", None)
        viewers = list(getattr(notes, "viewers", []) or [])
        # The note desk's message (a verification result) and its password dialog too; a
        # signature being made keeps its dialog (it refuses to close until it is done).
        extras = [getattr(notes, "message", None), getattr(notes, "dialog", None),
                  self.settings_dialog]
        for window in [*self.windows, *viewers, *(w for w in extras if w is not None)]:
            if shiboken6.isValid(window) and window.isVisible():
                window.close()
        self.windows = [w for w in self.windows if shiboken6.isValid(w) and w.isVisible()]
        if notes is not None:
            notes.viewers = []

    def close(self) -> None:
        """Stop timers and connections (before the database is closed). Safe to call twice,
        and after the main window (which owns the Qt parts) is gone."""
        if shiboken6.isValid(self.idle):
            self.idle.stop()
        self.board_controller.close()
        if shiboken6.isValid(self.session):
            self.session.shutdown()
        for window in self.windows:
            if shiboken6.isValid(window):
                window.close()
        self.windows = []


def _open_next_exam(main_window: Any, record: WardRecord) -> Callable[[int], None]:
    """The default `start_check`: the main window's wizard on the episode's next exam."""
    def start(episode_id: int) -> None:
        from desktop_app.ui.exam_state import ExamSession, recorded_calls

        if getattr(main_window, "wizard", None) is not None:
            main_window.statusBar().showMessage("Finish or discard the open exam first.", 6000)
            return
        history = record.episode_exams(episode_id)
        calls = recorded_calls(history, record.episode_escalations(episode_id))
        main_window.open_wizard(ExamSession.next_exam(episode_id, history, calls))
    return start


def _exam_open(main_window: Any) -> bool:
    """Whether an exam is open in the window (not yet finished or discarded)."""
    wizard = getattr(main_window, "wizard", None)
    return wizard is not None and not getattr(wizard, "closed", True)


def _save_open_exam(main_window: Any) -> None:
    """Before the screen is covered: the exam in progress goes to its draft."""
    if _exam_open(main_window):
        main_window.wizard.save_draft()


def _show_history(main_window: QMainWindow, episode_id: int) -> None:
    """The main window's history page for one episode: its exams and their signed notes."""
    from PySide6.QtCore import Qt

    main_window.refresh()
    episodes = main_window.episodes
    for row in range(episodes.count()):
        if str(episodes.item(row).data(Qt.ItemDataRole.UserRole)) == str(episode_id):
            episodes.setCurrentRow(row)
            break
    main_window.show_history()
    main_window.stack.setCurrentIndex(1)  # the board went in front of the history page


def install_ward(main_window: QMainWindow, record: WardRecord, *,
                 start_check: Callable[[int], object] | None = None,
                 idle_ms: int | None = None, watch_ms: int = 500,
                 before_lock: list[Callable[[], None]] | None = None,
                 data_folder: Path | None = None) -> WardShell:
    """Put the ward workstation into `main_window`: the board as the home page (with the
    main window's unfinished-exam bar moved onto it), the tool bar, the lock screen
    (covering the window until someone signs in), the idle lock.

    `idle_ms` overrides the ward's idle timeout (tests); `before_lock` adds steps run just
    before the screen is covered (the open exam's draft is always saved first). The
    record's `signed_in` becomes the signed-in user's name at every sign-in, so what the
    exam screens save is audited under them. With `data_folder`, a first start asks for
    the installation's administrator on the lock screen.
    """
    from PySide6.QtCore import Qt

    from desktop_app.record.reads import (
        IDLE_TIMEOUT_MINUTES,
        WARD_NAME,
        get_setting,
        storage_errors,
    )
    from desktop_app.ui.ward.accounts import install_accounts
    from desktop_app.ui.ward.board import BoardController, WardBoard
    from desktop_app.ui.ward.changes import CHANGE_STYLE_SHEET
    from desktop_app.ui.ward.lock import LockController
    from desktop_app.ui.ward.session import IdleWatcher, ScreenState, WardSession
    from desktop_app.ui.ward.toolbar import WardToolBar

    db = record.db
    known_name = [""]

    def ward_name() -> str:
        """The ward's name; while the record cannot be read, the name it last had."""
        try:
            known_name[0] = get_setting(db, WARD_NAME)
        except storage_errors() as error:
            log.warning("ward name not read (%s)", type(error).__name__)
        return known_name[0]

    session = WardSession(db, parent=main_window)
    idle = IdleWatcher(idle_ms if idle_ms is not None else
                       int(get_setting(db, IDLE_TIMEOUT_MINUTES) * 60_000), parent=main_window)
    board = WardBoard()
    stack = getattr(main_window, "stack", None)
    if stack is not None:
        stack.insertWidget(0, board)  # the main window returns to page 0 after an exam
        stack.setCurrentWidget(board)
    else:
        main_window.setCentralWidget(board)
    toolbar = WardToolBar(main_window)
    main_window.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
    shell_ref: list[WardShell] = []
    controller = BoardController(
        db, board, session,
        start_check=start_check or _open_next_exam(main_window, record),
        open_serial_view=lambda episode_id: shell_ref[0].open_serial(episode_id),
        ward_name=ward_name, watch_ms=watch_ms, parent=main_window)
    drafts_bar = getattr(main_window, "drafts_bar", None)
    if drafts_bar is not None:  # an exam a crash left unfinished is offered on the board
        board.layout().insertWidget(0, drafts_bar)
    discarded_bar = getattr(main_window, "discarded_bar", None)
    if discarded_bar is not None:  # and an exam discarded at notify or above stays there
        board.layout().insertWidget(1 if drafts_bar is not None else 0, discarded_bar)
    if hasattr(main_window, "show_history") and stack is not None:
        board.historyRequested.connect(lambda episode_id: _show_history(main_window, episode_id))
    else:
        board.history.setVisible(False)
    if hasattr(main_window, "new_episode"):
        board.newEpisodeRequested.connect(main_window.new_episode)
    else:
        board.new_episode.setVisible(False)
    lock = LockController(
        main_window, session, idle=idle, ward_name=ward_name,
        idle_minutes=lambda: idle.timer.interval() / 60_000,
        before_cover=[lambda: _save_open_exam(main_window),
                      lambda: shell_ref and shell_ref[0].close_session_windows(),
                      *(before_lock or [])],
        data_folder=data_folder, exam_open=lambda: _exam_open(main_window))
    shell = WardShell(main_window, db, session, idle, lock, board, controller, toolbar,
                      data_dir=record.data_dir)
    shell_ref.append(shell)
    main_window.destroyed.connect(lambda *_: shell.close())  # a window deleted on close
    toolbar.homeRequested.connect(shell.show_board)
    toolbar.lockRequested.connect(lambda: lock.lock("manual"))
    toolbar.switchUserRequested.connect(lambda: session.sign_out("switch_user"))
    toolbar.settingsRequested.connect(shell.open_settings)
    toolbar.auditRequested.connect(shell.open_audit)
    session.userChanged.connect(lambda user: toolbar.show_user(user,
                                                               break_glass=session.break_glass))
    # What the exam screens save is audited under whoever is signed in now.
    session.userChanged.connect(lambda user: user is not None and setattr(
        record, "signed_in", user.name))
    session.breakGlassChanged.connect(lambda on: toolbar.show_user(session.user, break_glass=on))
    if hasattr(main_window, "refresh"):
        # Whoever signs in sees every unfinished exam of the ward at once (a restart's too).
        session.stateChanged.connect(
            lambda state: state is ScreenState.ACTIVE
            and getattr(main_window, "wizard", None) is None and main_window.refresh())
    session.stateChanged.connect(
        lambda state: state is ScreenState.ACTIVE and stack is not None
        and getattr(main_window, "wizard", None) is None and stack.setCurrentWidget(board))
    app = QApplication.instance()
    if app is not None and CHANGE_STYLE_SHEET.strip() not in app.styleSheet():
        app.setStyleSheet(app.styleSheet() + CHANGE_STYLE_SHEET)
    install_accounts(shell)  # the account screens (ui/ward/accounts.py)
    log.info("ward workstation installed")
    return shell
