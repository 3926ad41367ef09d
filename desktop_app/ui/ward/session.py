"""Who is at the shared workstation: signing in, locking, switching user, emergency access.

`WardSession` holds the signed-in user and the three states of the screen: signed out
(covered, nobody's session), active, and locked (covered, the user's session and the exam
in progress kept). It checks passwords off the GUI thread (argon2id takes a noticeable
fraction of a second by design), refuses an account after repeated wrong passwords for a
while (the store's lock-out, audited there), and audits what the store does not: locking,
unlocking, signing out, a refused attempt on a locked account, and emergency access.
The password check and the lock-out are the record's (`desktop_app.record.auth.sign_in`),
the same for every screen and command.

`IdleWatcher` says when nobody has touched the keyboard, mouse or screen for the ward's
idle timeout.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication
from sqlite_utils import Database

from desktop_app.record.accounts import add_user
from desktop_app.record.actions import (
    BREAK_GLASS,
    BREAK_GLASS_END,
    SESSION_LOCK,
    SESSION_REFUSED,
    SESSION_SIGN_OUT,
    SESSION_UNLOCK,
)
from desktop_app.record.auth import LOCK_AFTER_FAILURES, LOCK_FOR, sign_in
from desktop_app.record.events import record_event
from desktop_app.record.reads import (
    AccountLocked,
    AuthenticationFailed,
    NotFound,
    StoreError,
    UserRecord,
    break_glass_account,
    connect_address,
    get_user,
    has_users,
    record_address,
    storage_errors,
    utc_now,
    utc_text,
)
from desktop_app.ui.workers import WorkerPool, run_in_background

log = logging.getLogger(__name__)

# Why emergency access was used: a code, so the audit log never holds free text that could
# name a patient.
BREAK_GLASS_REASONS: dict[str, str] = {
    "patient_emergency": "A patient needs a check now and I cannot sign in",
    "account_locked": "My account is locked after wrong passwords",
    "no_account": "I have no account on this workstation yet",
    "sign_in_broken": "Signing in does not work",
}


class ScreenState(Enum):
    """Signed out (covered), active, or locked (covered, the session kept)."""

    SIGNED_OUT = "signed_out"
    ACTIVE = "active"
    LOCKED = "locked"


@dataclass(frozen=True)
class SignInResult:
    """What a sign-in attempt came to: the user, or the message to show."""

    user: UserRecord | None
    message: str = ""

    @property
    def ok(self) -> bool:
        """True when someone is signed in now."""
        return self.user is not None


def locked_message(error: AccountLocked, *, emergency_access: bool = False) -> str:
    """'This account is locked until 14:35 ...' in the workstation's time; emergency access
    is offered only where an emergency account is set up."""
    until = datetime.fromisoformat(error.locked_until).astimezone().strftime("%H:%M")
    others = ("Another nurse can sign in, or use emergency access." if emergency_access
              else "Another nurse can sign in.")
    return f"This account is locked after repeated wrong passwords, until {until}. {others}"


class WardSession(QObject):
    """The signed-in user of the workstation and the state of its screen."""

    stateChanged = Signal(object)  # ScreenState
    userChanged = Signal(object)  # UserRecord | None
    breakGlassChanged = Signal(bool)
    busyChanged = Signal(bool)

    def __init__(self, db: Database, *, lock_after: int = LOCK_AFTER_FAILURES,
                 lock_for: timedelta = LOCK_FOR, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.address = record_address(db)  # its file, or its server
        self.lock_after = lock_after
        self.lock_for = lock_for
        self.user: UserRecord | None = None
        self.state = ScreenState.SIGNED_OUT
        self.break_glass = False
        self.break_glass_since: datetime | None = None
        self.busy = False
        self.pool = WorkerPool(1, "sign-in")  # one attempt at a time, in the order typed

    # reading ---------------------------------------------------------------------------
    @property
    def user_name(self) -> str | None:
        """The signed-in (or locked-out) user's name, or None."""
        return self.user.name if self.user else None

    @property
    def active(self) -> bool:
        """Someone is signed in and the screen is not locked."""
        return self.state is ScreenState.ACTIVE

    def actor(self) -> str:
        """The name audit entries carry for what is done now; refuses when nobody is in."""
        if self.user is None or self.state is not ScreenState.ACTIVE:
            raise StoreError("nobody is signed in")
        return self.user.name

    def has_role(self, *roles: str) -> bool:
        """True when the active user has one of `roles`."""
        return self.active and self.user is not None and self.user.role in roles

    def emergency_account(self) -> str | None:
        """The account an administrator set aside for emergency access (None: none)."""
        return break_glass_account(self.db)

    # signing in, off the GUI thread ----------------------------------------------------
    def _run(self, work: Callable[[], Any],
             callback: Callable[[Any, BaseException | None], None]) -> None:
        def delivered(result: Any, error: BaseException | None) -> None:
            self._set_busy(False)
            callback(result, error)

        self._set_busy(True)
        run_in_background(work, delivered, self.pool)

    def _set_busy(self, busy: bool) -> None:
        if busy != self.busy:
            self.busy = busy
            self.busyChanged.emit(busy)

    def _check_password(self, name: str, password: str) -> Callable[[], UserRecord]:
        """The worker's job: plain values only, never this object."""
        return partial(check_password, self.address, name, password, self.lock_after,
                       self.lock_for)

    def sign_in(self, name: str, password: str,
                done: Callable[[SignInResult], None] | None = None) -> None:
        """Sign in (or unlock, as the same or another user). `done` gets the result."""
        name = name.strip()
        emergency = self.emergency_account()
        if emergency and name.casefold() == emergency.casefold():
            self._finish(done, SignInResult(None, "This is the emergency account: use "
                                                  "Emergency access, which asks why."))
            return
        if not name or not password:
            self._finish(done, SignInResult(None, "Type your user name and password."))
            return

        def finished(user: UserRecord | None, error: BaseException | None) -> None:
            if error is None and user is not None:
                self._enter(user, break_glass=False)
                self._finish(done, SignInResult(user))
            else:
                self._finish(done, SignInResult(None, self._refusal(name, error)))

        self._run(self._check_password(name, password), finished)

    def set_up_installation(self, data_folder: Path, name: str, full_name: str,
                            credentials: str | None, password: str,
                            done: Callable[[SignInResult], None] | None = None) -> None:
        """First start: create the administrator (and the signing authority), then sign in
        as them. Refused once any account exists."""
        if has_users(self.db):
            self._finish(done, SignInResult(None, "This installation is already set up."))
            return

        create = partial(create_first_admin, self.address, data_folder, name.strip(),
                         full_name.strip(), (credentials or "").strip() or None, password)

        def finished(user: UserRecord | None, error: BaseException | None) -> None:
            if error is None and user is not None:
                self._enter(user, break_glass=False)
                self._finish(done, SignInResult(user))
            else:
                self._finish(done, SignInResult(None, str(error) if isinstance(
                    error, StoreError) else "The administrator could not be created."))
                if error is not None and not isinstance(error, StoreError):
                    log.error("first administrator not created: %s", type(error).__name__)

        self._run(create, finished)

    def use_break_glass(self, password: str, reason: str,
                        done: Callable[[SignInResult], None] | None = None) -> None:
        """Emergency access: sign in as the emergency account, for a stated reason."""
        account = self.emergency_account()
        if not account:
            self._finish(done, SignInResult(None, "No emergency account is set up; an "
                                                  "administrator sets one in Settings."))
            return
        if reason not in BREAK_GLASS_REASONS:
            self._finish(done, SignInResult(None, "Choose why emergency access is needed."))
            return

        def finished(user: UserRecord | None, error: BaseException | None) -> None:
            if error is None and user is not None:
                self._enter(user, break_glass=True, reason=reason)
                self._finish(done, SignInResult(user))
            else:
                self._finish(done, SignInResult(None, self._refusal(account, error)))

        self._run(self._check_password(account, password), finished)

    @staticmethod
    def _finish(done: Callable[[SignInResult], None] | None, result: SignInResult) -> None:
        if done is not None:
            done(result)

    def _emergency_offered(self, locked_name: str) -> bool:
        """Emergency access is a way out only when an emergency account is set up, it is
        not the account that is locked, and it is not locked itself."""
        account = self.emergency_account()
        if not account or account.casefold() == locked_name.casefold():
            return False
        try:
            until = get_user(self.db, account).locked_until
        except NotFound:
            return False
        return until is None or until <= utc_now()

    def _refusal(self, name: str, error: BaseException | None) -> str:
        if isinstance(error, AccountLocked):
            try:
                user = get_user(self.db, name)
                self._audit(actor=user.name, action=SESSION_REFUSED, table="users",
                            record_id=user.id, detail={"reason": "account_locked"})
            except NotFound:
                pass
            return locked_message(error, emergency_access=self._emergency_offered(name))
        if isinstance(error, AuthenticationFailed):
            message = str(error).capitalize() + "."
            try:  # the attempt that locked the account says so at once
                locked_until = get_user(self.db, name).locked_until
            except NotFound:
                return message
            if locked_until is not None and locked_until > utc_now():
                message += " " + locked_message(AccountLocked(utc_text(locked_until)),
                                                emergency_access=self._emergency_offered(name))
            return message
        log.error("sign-in failed unexpectedly (%s)", type(error).__name__)
        return "Signing in did not work; try again, or ask for help."

    def _enter(self, user: UserRecord, *, break_glass: bool, reason: str | None = None) -> None:
        """A password was right: the user's session starts (or resumes)."""
        previous, was = self.user, self.state
        self._end_break_glass()  # an emergency session ends when anyone signs in after it
        if previous is not None and was is ScreenState.LOCKED:
            if previous.id != user.id:
                self._audit(actor=previous.name, action=SESSION_SIGN_OUT,
                            table="users", record_id=previous.id,
                            detail={"why": "another user unlocked"})
            self._audit(actor=user.name, action=SESSION_UNLOCK, table="users",
                        record_id=user.id,
                        detail={"previous_user_id": previous.id,
                                "same_user": previous.id == user.id})
        if break_glass:
            self._audit(actor=user.name, action=BREAK_GLASS, table="users",
                        record_id=user.id, detail={"reason": reason})
            log.warning("EMERGENCY ACCESS: the emergency account was used (reason %s)", reason)
            self.break_glass_since = utc_now()
        self.user = user
        self.userChanged.emit(user)
        if break_glass != self.break_glass:
            self.break_glass = break_glass
            self.breakGlassChanged.emit(break_glass)
        self._set_state(ScreenState.ACTIVE)

    def _audit(self, **event: Any) -> None:
        """Audit a session event. A record that cannot be written (its server down, a full
        disk) never stops the screen being locked or the user signed out: the failure is
        logged (its kind only) and the session goes on as asked."""
        try:
            record_event(self.db, **event)
        except (StoreError, *storage_errors()) as error:
            log.error("session event %s not audited: the record cannot be written (%s)",
                      event.get("action"), type(error).__name__)

    # locking and signing out -----------------------------------------------------------
    def lock(self, why: str = "manual") -> None:
        """Cover the screen, keeping the user's session (and the exam in progress)."""
        if self.state is not ScreenState.ACTIVE or self.user is None:
            return
        self._audit(actor=self.user.name, action=SESSION_LOCK, table="users",
                    record_id=self.user.id, detail={"why": why})
        log.info("workstation locked (%s)", why)
        self._set_state(ScreenState.LOCKED)

    def sign_out(self, why: str = "switch_user") -> None:
        """End the user's session and cover the screen for the next user."""
        if self.user is None:
            return
        user = self.user
        self._end_break_glass()
        self._audit(actor=user.name, action=SESSION_SIGN_OUT, table="users",
                    record_id=user.id, detail={"why": why})
        self.user = None
        self.userChanged.emit(None)
        if self.break_glass:
            self.break_glass = False
            self.breakGlassChanged.emit(False)
        self._set_state(ScreenState.SIGNED_OUT)

    def _end_break_glass(self) -> None:
        if not self.break_glass or self.user is None or self.break_glass_since is None:
            return
        minutes = round((utc_now() - self.break_glass_since).total_seconds() / 60, 1)
        self._audit(actor=self.user.name, action=BREAK_GLASS_END, table="users",
                    record_id=self.user.id, detail={"minutes": minutes})
        log.warning("emergency access ended after %.1f min", minutes)
        self.break_glass_since = None

    def _set_state(self, state: ScreenState) -> None:
        if state is not self.state:
            self.state = state
            self.stateChanged.emit(state)

    def shutdown(self) -> None:
        """Wait for a sign-in still being checked (before the database closes)."""
        self.pool.wait()


def check_password(address: Path | str, name: str, password: str, lock_after: int,
                   lock_for: timedelta) -> UserRecord:
    """Runs in the worker: its own connection, the record's audited sign-in (the lock-out
    every door shares)."""
    db = connect_address(address)
    try:
        return sign_in(db, name, password, lock_after=lock_after, lock_for=lock_for)
    finally:
        db.close()


def create_first_admin(address: Path | str, data_folder: Path, name: str, full_name: str,
                       credentials: str | None, password: str) -> UserRecord:
    """Runs in the worker: the first administrator (and the signing authority)."""
    db = connect_address(address)
    try:
        return add_user(db, data_folder, name, full_name=full_name, role="admin",
                        password=password, credentials=credentials)
    finally:
        db.close()


_INPUT_EVENTS = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
    QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate,
    QEvent.Type.TabletPress, QEvent.Type.ShortcutOverride,
})


class IdleWatcher(QObject):
    """Emits `idle` when no key, click, touch or mouse movement reached the application for
    `timeout_ms`. Watches the whole application (an event filter on it) while running."""

    idle = Signal()

    def __init__(self, timeout_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(timeout_ms)
        self.timer.timeout.connect(self.idle)
        self._filtering = False

    def set_timeout_ms(self, timeout_ms: int) -> None:
        """A new idle time (the ward's setting changed)."""
        self.timer.setInterval(timeout_ms)
        if self.timer.isActive():
            self.timer.start()

    def start(self) -> None:
        """Start counting from now, and restart on every input."""
        app = QApplication.instance()
        if app is not None and not self._filtering:
            app.installEventFilter(self)
            self._filtering = True
        self.timer.start()

    def stop(self) -> None:
        """Stop watching (while the screen is covered)."""
        self.timer.stop()
        app = QApplication.instance()
        if app is not None and self._filtering:
            app.removeEventFilter(self)
            self._filtering = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if event.type() in _INPUT_EVENTS:
            self.timer.start()
        return False
