"""The lock screen: while nobody is signed in, or the workstation sat idle, it covers the
window so no patient data shows, and takes the next sign-in.

Covering hides every other child of the window and every other window of the application
(an exam's question box names the patient too), and puts them back afterwards exactly as
they were: the exam in progress stays open underneath, its draft saved before the cover.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication, QWidget

from desktop_app.record.reads import has_users
from desktop_app.ui.ward.first_run import FirstAdminPanel
from desktop_app.ui.ward.session import (
    BREAK_GLASS_REASONS,
    IdleWatcher,
    ScreenState,
    SignInResult,
    WardSession,
)
from desktop_app.ui.ward.sign_in import LOCKED_TITLE, BreakGlassDialog, LockScreen

__all__ = ["LOCKED_TITLE", "LockController", "LockScreen"]

log = logging.getLogger(__name__)



class LockController(QObject):
    """Keeps the cover in step with the session: covered unless someone is signed in and
    the workstation is not locked. Locks after the idle time."""

    def __init__(self, host: QWidget, session: WardSession, *, idle: IdleWatcher | None = None,
                 ward_name: Callable[[], str] = lambda: "",
                 idle_minutes: Callable[[], float] = lambda: 5,
                 before_cover: list[Callable[[], None]] | None = None,
                 data_folder: Path | None = None,
                 exam_open: Callable[[], bool] = lambda: False,
                 parent: QObject | None = None) -> None:
        super().__init__(parent or host)
        self.exam_open = exam_open  # whether an exam is open underneath (the cover says so)
        self.data_folder = data_folder
        self.host = host
        self.session = session
        self.idle = idle
        self.ward_name = ward_name
        self.idle_minutes = idle_minutes
        self.before_cover = list(before_cover or [])
        self.screen = LockScreen(host, FirstAdminPanel())
        self.panel = self.screen.panel
        self.dialog: BreakGlassDialog | None = None
        self.covered = False
        self._hidden: list[QWidget] = []
        self._focus: QWidget | None = None
        self._title = ""
        self._lock_reason = "manual"
        host.installEventFilter(self)
        session.stateChanged.connect(self._apply)
        session.busyChanged.connect(self.panel.set_busy)
        self.panel.submitted.connect(self._submit)
        self.panel.breakGlassRequested.connect(self.open_break_glass)
        self.first_run = self.screen.first_run
        self.first_run.submitted.connect(self._set_up)
        session.busyChanged.connect(self.first_run.set_busy)
        if idle is not None:
            idle.idle.connect(lambda: self.lock("idle"))
        self._apply(session.state)

    # what the user does ----------------------------------------------------------------
    def lock(self, why: str = "manual") -> None:
        """Lock now (Ctrl+L, or the idle timer): the same user or another unlocks."""
        self._lock_reason = why
        self.session.lock(why)

    def _submit(self, name: str, password: str) -> None:
        self.session.sign_in(name, password, self._answered)

    def _answered(self, result: SignInResult) -> None:
        if not result.ok:
            self.panel.set_busy(False)
            self.panel.show_message(result.message)
            self.panel.password.setFocus(Qt.FocusReason.OtherFocusReason)

    def _set_up(self, name: str, full_name: str, credentials: str, password: str) -> None:
        def answered(result: SignInResult) -> None:
            if not result.ok:
                self.first_run.show_message(result.message)

        self.session.set_up_installation(self.data_folder, name, full_name, credentials,
                                         password, answered)

    def open_break_glass(self) -> BreakGlassDialog | None:
        """The emergency-access dialog, opened without blocking (`open()`)."""
        account = self.session.emergency_account()
        if not account:
            self.panel.show_message("No emergency account is set up; an administrator sets "
                                    "one in Settings.")
            return None
        dialog = BreakGlassDialog(account, BREAK_GLASS_REASONS, self.screen)
        dialog.requested.connect(lambda password, reason: self._break_glass(dialog, password,
                                                                            reason))
        dialog.finished.connect(lambda _result: self._dialog_closed(dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _break_glass(self, dialog: BreakGlassDialog, password: str, reason: str) -> None:
        dialog.set_busy(True)

        def answered(result: SignInResult) -> None:
            if not shiboken6.isValid(dialog):
                return
            dialog.set_busy(False)
            if result.ok:
                dialog.accept()
            else:
                dialog.show_message(result.message)

        self.session.use_break_glass(password, reason, answered)

    def _dialog_closed(self, dialog: BreakGlassDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    # covering --------------------------------------------------------------------------
    def _apply(self, state: ScreenState) -> None:
        if state is ScreenState.ACTIVE:
            self.uncover()
            return
        prefill = self.session.user.name if (state is ScreenState.LOCKED
                                             and self.session.user is not None) else ""
        try:
            self._show_cover_text(state)
        except Exception as error:  # noqa: BLE001 - the screen is covered whatever fails
            log.error("the lock screen's text could not be read (%s)", type(error).__name__)
            self.screen.show_text("NeuroCheck", "Locked. Sign in to go on.")
        self.cover(prefill=prefill)
        self._lock_reason = "manual"

    def _show_cover_text(self, state: ScreenState) -> None:
        """What the cover says (reads the record: the ward's name, whether it has accounts)."""
        if state is ScreenState.LOCKED and self.session.user is not None:
            minutes = self.idle_minutes()
            why = (f"Locked after {minutes:g} minute{'s' if minutes != 1 else ''} without use."
                   if self._lock_reason == "idle" else "Locked.")
            kept = "; the exam in progress is kept" if self.exam_open() else ""
            self.screen.show_text(
                self._title_text(),
                f"{why} {self.session.user.full_name} was signed in{kept}. The same or "
                "another user signs in to go on.")
        else:
            message = "Nobody is signed in. Sign in to see the ward."
            first_start = not has_users(self.session.db)
            if first_start and self.data_folder is None:
                message = ("No user accounts yet. An administrator creates the first one with "
                           "the command: neurocheck user add NAME --role admin \u2026")
            elif first_start:
                message = "Welcome to NeuroCheck."
            self.panel.setVisible(not (first_start and self.data_folder is not None))
            self.first_run.setVisible(first_start and self.data_folder is not None)
            self.screen.show_text(self._title_text(), message)

    def _title_text(self) -> str:
        ward = self.ward_name()
        return f"NeuroCheck \u00b7 {ward}" if ward else "NeuroCheck"

    def cover(self, *, prefill: str = "") -> None:
        """Hide the window's content and the other windows; show the sign-in form."""
        try:
            emergency = self.session.emergency_account()
        except Exception as error:  # noqa: BLE001 - never a reason to leave the screen open
            log.error("emergency access could not be looked up (%s)", type(error).__name__)
            emergency = None
        self.panel.set_break_glass_available(emergency)
        if not self.covered:
            for hook in self.before_cover:
                try:
                    hook()
                except Exception:  # a failing hook must never leave the screen uncovered
                    log.exception("a before-lock step failed")
            if self.idle is not None:
                self.idle.stop()
            self._focus = QApplication.focusWidget()
            self._hidden = []
            for child in self.host.findChildren(QWidget, options=Qt.FindChildOption.
                                                FindDirectChildrenOnly):
                if child is not self.screen and child.isVisibleTo(self.host):
                    self._hidden.append(child)
            for window in QApplication.topLevelWidgets():
                if window is not self.host and window.isVisible() and \
                        window.windowType() in (Qt.WindowType.Window, Qt.WindowType.Dialog):
                    self._hidden.append(window)
            for widget in self._hidden:
                widget.hide()
            self._title = self.host.windowTitle()
            self.host.setWindowTitle(LOCKED_TITLE)
            self.covered = True
        self.screen.setGeometry(self.host.rect())
        self.screen.show()
        self.screen.raise_()
        self.panel.reset(prefill)
        log.info("screen covered")

    def uncover(self) -> None:
        """Put back exactly what was showing."""
        if self.dialog is not None:
            self.dialog.accept()
        if self.covered:
            self.screen.hide()
            for widget in self._hidden:
                if shiboken6.isValid(widget):
                    widget.show()
            self._hidden = []
            self.host.setWindowTitle(self._title)
            self.covered = False
            focus, self._focus = self._focus, None
            # Focus goes back only to a field of this window (the exam in progress), never
            # to one of another window that happened to hold the application's focus.
            if focus is not None and shiboken6.isValid(focus) and focus.isVisible() and \
                    focus.window() is self.host:
                focus.setFocus(Qt.FocusReason.OtherFocusReason)
            self.host.activateWindow()  # whoever signed in works in this window
            log.info("screen uncovered")
        if self.idle is not None:
            self.idle.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if watched is self.host and event.type() == QEvent.Type.Resize and self.covered:
            self.screen.setGeometry(self.host.rect())
        return False
