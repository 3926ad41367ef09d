"""First start: the lock screen asks for the installation's administrator."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.record.passwords import MIN_LENGTH as MIN_PASSWORD  # the record's rule
from desktop_app.ui.widgets import message_label, set_message


class FirstAdminPanel(QWidget):
    """User name, full name, credentials and a password typed twice, for the first admin."""

    submitted = Signal(str, str, str, str)  # user name, full name, credentials, password

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstrun")
        self.setAccessibleName("Set up the administrator")
        layout = QVBoxLayout(self)
        intro = QLabel("This installation has no accounts yet. Create the administrator: "
                       "they add the ward's nurses and clinicians, and hold the key that "
                       "issues everyone's signing key.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.user = self._field("firstrun.user", "User name", 64)
        self.full_name = self._field("firstrun.full_name", "Full name (printed on notes)", 200)
        self.credentials = self._field("firstrun.credentials", "Credentials, e.g. RN", 40)
        self.password = self._field("firstrun.password", "Password", 256, secret=True)
        self.repeat = self._field("firstrun.repeat", "Password again", 256, secret=True)
        form.addRow("&User name", self.user)
        form.addRow("&Full name", self.full_name)
        form.addRow("&Credentials", self.credentials)
        form.addRow("&Password", self.password)
        form.addRow("Password &again", self.repeat)
        layout.addLayout(form)
        self.message = message_label("firstrun.message")
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.create = QPushButton("Create administrator")
        self.create.setObjectName("firstrun.submit")
        self.create.setAccessibleName("Create administrator")
        self.create.setDefault(True)
        self.create.clicked.connect(self.submit)
        buttons.addWidget(self.create)
        layout.addLayout(buttons)
        for field in (self.user, self.full_name, self.credentials, self.password):
            field.returnPressed.connect(self.focusNextChild)
        self.repeat.returnPressed.connect(self.submit)

    @staticmethod
    def _field(name: str, words: str, length: int, *, secret: bool = False) -> QLineEdit:
        field = QLineEdit()
        field.setObjectName(name)
        field.setAccessibleName(words)
        field.setMaxLength(length)
        if secret:
            field.setEchoMode(QLineEdit.EchoMode.Password)
        return field

    def submit(self) -> None:
        """Check what a person can get wrong here, then hand it on."""
        if not self.create.isEnabled():
            return
        user, full_name = self.user.text().strip(), self.full_name.text().strip()
        password, repeat = self.password.text(), self.repeat.text()
        problem = None
        if not user or not full_name:
            problem = "Type a user name and the full name to print on notes."
        elif len(password) < MIN_PASSWORD:
            problem = f"The password needs at least {MIN_PASSWORD} characters."
        elif password != repeat:
            problem = "The two passwords differ."
        if problem:
            if user and full_name:  # a password problem: both are typed again
                self.password.clear()
                self.repeat.clear()
                self.password.setFocus(Qt.FocusReason.OtherFocusReason)
            self.show_message(problem)
            return
        self.password.clear()
        self.repeat.clear()
        self.show_message("")
        self.submitted.emit(user, full_name, self.credentials.text().strip(), password)

    def show_message(self, text: str) -> None:
        set_message(self.message, text)

    def set_busy(self, busy: bool) -> None:
        self.create.setEnabled(not busy)
        self.create.setText("Creating the administrator\u2026" if busy else "Create administrator")
        if not busy:
            self.user.setFocus(Qt.FocusReason.OtherFocusReason)
