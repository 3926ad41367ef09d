"""The lock screen's cover with its sign-in form, and the emergency-access dialog.

Views only: they say what was typed through signals and show what they are told; the lock
controller (lock.py) asks the `WardSession` and answers them. Focus moves with `setFocus()`
(Qt's OtherFocusReason): the form is painted at start-up before the `Qt` namespace and its
enums are loaded.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.labels import message_label, note_label, set_message

EMERGENCY_RED = "#b71c1c"
LOCKED_TITLE = "NeuroCheck \u2014 locked"


class SignInPanel(QWidget):
    """User name, password, Sign in; and the way to emergency access."""

    submitted = Signal(str, str)  # user name, password
    breakGlassRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signin")
        self.setAccessibleName("Sign in")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.user = QLineEdit()
        self.user.setObjectName("signin.user")
        self.user.setAccessibleName("User name")
        self.user.setMaxLength(64)
        self.user.returnPressed.connect(self._user_entered)
        self.password = QLineEdit()
        self.password.setObjectName("signin.password")
        self.password.setAccessibleName("Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.returnPressed.connect(self.submit)
        form.addRow("&User name", self.user)
        form.addRow("&Password", self.password)
        layout.addLayout(form)
        self.message = message_label("signin.message")
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        self.break_glass = QPushButton("Emergency access\u2026")
        self.break_glass.setObjectName("signin.break_glass")
        self.break_glass.setAccessibleName("Emergency access (break glass)")
        self.break_glass.setToolTip("Sign in with the ward's emergency account when you "
                                    "cannot sign in yourself. Every use is audited.")
        self.break_glass.clicked.connect(self.breakGlassRequested)
        self.sign_in = QPushButton("Sign in")
        self.sign_in.setObjectName("signin.submit")
        self.sign_in.setAccessibleName("Sign in")
        self.sign_in.setDefault(True)
        self.sign_in.clicked.connect(self.submit)
        buttons.addWidget(self.break_glass)
        buttons.addStretch(1)
        buttons.addWidget(self.sign_in)
        layout.addLayout(buttons)

    def _user_entered(self) -> None:
        self.password.setFocus()

    def submit(self) -> None:
        """Send what was typed (the password is cleared from the field at once)."""
        if not self.sign_in.isEnabled():
            return
        name, password = self.user.text().strip(), self.password.text()
        self.password.clear()
        if not name:
            self.show_message("Type your user name.")
            self.user.setFocus()
            return
        self.submitted.emit(name, password)

    def set_busy(self, busy: bool) -> None:
        """While a password is checked: the form waits and says so."""
        for widget in (self.user, self.password, self.sign_in, self.break_glass):
            widget.setEnabled(not busy)
        if busy:
            self.show_message("Checking\u2026", problem=False)

    def show_message(self, text: str, *, problem: bool = True) -> None:
        """A line under the form: why sign-in was refused, or that it is being checked."""
        self.message.setProperty("role", "problem" if problem else "note")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        set_message(self.message, text)

    def reset(self, user_name: str = "") -> None:
        """Empty the form for the next person (the locked user's name typed in for them)."""
        self.user.setText(user_name)
        self.password.clear()
        self.show_message("")
        (self.password if user_name else self.user).setFocus()

    def set_break_glass_available(self, account: str | None) -> None:
        """Emergency access is offered only when an account is set aside for it."""
        self.break_glass.setEnabled(bool(account))
        self.break_glass.setToolTip(
            "Sign in with the ward's emergency account when you cannot sign in yourself. "
            "Every use is audited." if account else
            "No emergency account is set up; an administrator sets one in Settings.")


class LockScreen(QFrame):
    """An opaque cover with the sign-in form in its middle."""

    def __init__(self, parent: QWidget, first_run: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lock")
        self.setAccessibleName("Workstation locked")
        self.setAutoFillBackground(True)
        self.setStyleSheet("#lock { background: #263238; }"
                           "#lock\\.card { background: #fafafa; border-radius: 8px; }")
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        card = QFrame()
        card.setObjectName("lock.card")
        card.setMaximumWidth(520)
        card.setMinimumWidth(420)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(24, 20, 24, 20)
        self.title = QLabel("NeuroCheck")
        self.title.setObjectName("lock.title")
        self.title.setProperty("role", "heading")
        inner.addWidget(self.title)
        self.message = note_label()
        self.message.setObjectName("lock.message")
        inner.addWidget(self.message)
        self.panel = SignInPanel()
        inner.addWidget(self.panel)
        # The first-administrator form (first_run.py) where a first start may need it.
        self.first_run = first_run
        if first_run is not None:
            first_run.setVisible(False)
            inner.addWidget(first_run)
        # Centred by stretches, not by an alignment flag: an aligned item gets its size hint
        # only, and a message that wraps to more lines (the lock-out) would be cut off.
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card, 100)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        self.hide()

    def show_text(self, title: str, message: str) -> None:
        """The title (ward) and what the cover says about the session."""
        self.title.setText(title)
        self.title.setAccessibleName(title)
        self.message.setText(message)
        self.message.setAccessibleName(message)


class BreakGlassDialog(QDialog):
    """Emergency access: why, and the sealed password of the emergency account.

    Opened with `open()`; `requested(password, reason)` asks the controller, which answers
    with `accept()` or `show_message(...)`.
    """

    requested = Signal(str, str)  # password, reason code

    def __init__(self, account: str, reasons: dict[str, str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("break_glass")
        self.setWindowTitle("Emergency access (break glass)")
        self.setAccessibleName("Emergency access")
        self.setModal(True)
        layout = QVBoxLayout(self)
        warning = QLabel(
            "\u26a0 <b>EMERGENCY ACCESS</b><br>Use it only when a patient needs care and you "
            "cannot sign in yourself. Every use is recorded in the audit log with its reason "
            "and reviewed by the ward's administrator.")
        warning.setObjectName("break_glass.warning")
        warning.setWordWrap(True)
        warning.setStyleSheet(f"background: {EMERGENCY_RED}; color: white; padding: 10px; "
                              "border-radius: 4px;")
        layout.addWidget(warning)
        form = QFormLayout()
        account_label = QLabel(account)
        account_label.setObjectName("break_glass.account")
        account_label.setAccessibleName(f"Emergency account: {account}")
        form.addRow("Account", account_label)
        from PySide6.QtWidgets import QComboBox

        self.reason = QComboBox()
        self.reason.setObjectName("break_glass.reason")
        self.reason.setAccessibleName("Why emergency access is needed")
        self.reason.addItem("Choose why\u2026", "")
        for code, words in reasons.items():
            self.reason.addItem(words, code)
        form.addRow("&Why", self.reason)
        self.password = QLineEdit()
        self.password.setObjectName("break_glass.password")
        self.password.setAccessibleName("Emergency account password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.returnPressed.connect(self.submit)
        form.addRow("&Password (sealed envelope)", self.password)
        layout.addLayout(form)
        self.message = message_label("break_glass.message")
        layout.addWidget(self.message)
        layout.addWidget(note_label("Sign out as soon as the emergency is over."))
        buttons = QHBoxLayout()
        cancel = QPushButton("Cancel")
        cancel.setObjectName("break_glass.cancel")
        cancel.clicked.connect(self.reject)
        self.use = QPushButton("Use emergency access")
        self.use.setObjectName("break_glass.submit")
        self.use.setAccessibleName("Use emergency access")
        self.use.setStyleSheet(f"background: {EMERGENCY_RED}; color: white; font-weight: bold;")
        self.use.clicked.connect(self.submit)
        buttons.addWidget(cancel)
        buttons.addStretch(1)
        buttons.addWidget(self.use)
        layout.addLayout(buttons)
        self.reason.setFocus()

    def submit(self) -> None:
        """Ask for emergency access with the reason chosen (or say it is missing)."""
        reason = self.reason.currentData()
        if not reason:
            self.show_message("Choose why emergency access is needed.")
            self.reason.setFocus()
            return
        password = self.password.text()
        self.password.clear()
        self.requested.emit(password, reason)

    def set_busy(self, busy: bool) -> None:
        """While the password is checked."""
        for widget in (self.reason, self.password, self.use):
            widget.setEnabled(not busy)

    def show_message(self, text: str) -> None:
        """Say why emergency access was refused."""
        set_message(self.message, text)


def emergency_banner_text(full_name: str) -> str:
    """The words of the banner shown for the whole of an emergency session."""
    return (f"\u26a0 EMERGENCY ACCESS ({full_name}): every action is audited. "
            "Sign out when the emergency is over.")
