"""Account screens: an administrator adds accounts, resets a password, disables and
enables an account, re-issues a signing key; every user changes their own password.

The screens only collect what is typed; the rules (who may, password rules, keys and the
revocation list) are the record's (desktop_app/record/accounts.py), run off the GUI
thread on their own connection. An administrator's operations change signing keys, so
they ask for the administrator's password again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.record.reads import StoreError, list_users
from desktop_app.ui.dialogs import fit_to_screen
from desktop_app.ui.widgets import message_label, set_message
from desktop_app.ui.workers import run_in_background

log = logging.getLogger(__name__)

ROLES = (("nurse", "Nurse"), ("clinician", "Clinician"), ("admin", "Administrator"))


def _password_field(name: str, words: str) -> QLineEdit:
    field = QLineEdit()
    field.setObjectName(name)
    field.setAccessibleName(words)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


def _text_field(name: str, words: str) -> QLineEdit:
    field = QLineEdit()
    field.setObjectName(name)
    field.setAccessibleName(words)
    return field


def _words(error: BaseException) -> str:
    if isinstance(error, StoreError):
        text = str(error)
        return text[:1].upper() + text[1:] + ". Nothing was changed."
    log.error("account operation failed (%s)", type(error).__name__)
    return "That did not work; nothing was changed. Try again, or ask for help."


class _RecordJob:
    """Runs one record operation on its own connection, off the GUI thread."""

    def __init__(self, address, data_dir) -> None:
        self.address = address  # the record's file, or its server's URL
        self.data_dir = data_dir

    def __call__(self, operation: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[[], Any]:
        def work() -> Any:
            from desktop_app.record.reads import connect_address

            db = connect_address(self.address)
            try:
                return operation(db, self.data_dir, *args, **kwargs)
            finally:
                db.close()

        return work


class AccountsDialog(QDialog):
    """The administrator's account screen (opened with `open()`, never blocking)."""

    def __init__(self, db, admin_name: str, job: _RecordJob,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("accounts")
        self.setWindowTitle("Accounts")
        self.db, self.admin_name, self.job = db, admin_name, job
        self.busy = False
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("accounts.table")
        self.table.setHorizontalHeaderLabels(["User", "Name", "Role", "State"])
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()  # every name whole; the full name takes the room
        for column in range(4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(4 * self.table.verticalHeader().defaultSectionSize()
                                    + header.sizeHint().height())
        layout.addWidget(self.table, 1)

        chosen = QFormLayout()
        self.account_password = _password_field(
            "accounts.account_password", "Password for the selected account")
        chosen.addRow("New password (reset, enable) or the user's own (re-issue key):",
                      self.account_password)
        layout.addLayout(chosen)
        buttons = QHBoxLayout()
        self.reset = self._button("accounts.reset", "&Reset password", self.reset_password)
        self.disable = self._button("accounts.disable", "&Disable", self.disable_account)
        self.enable = self._button("accounts.enable", "&Enable again", self.enable_account)
        self.reissue = self._button("accounts.reissue", "Re-issue &key", self.reissue_key)
        for button in (self.reset, self.disable, self.enable, self.reissue):
            buttons.addWidget(button)
        layout.addLayout(buttons)

        layout.addWidget(QLabel("<b>New account</b>"))
        form = QFormLayout()
        self.new_name = _text_field("accounts.new_name", "New user name")
        self.new_full_name = _text_field("accounts.new_full_name", "Full name")
        self.new_credentials = _text_field("accounts.new_credentials", "Credentials")
        self.new_role = QComboBox()
        self.new_role.setObjectName("accounts.new_role")
        self.new_role.setAccessibleName("Role")
        for value, words in ROLES:
            self.new_role.addItem(words, value)
        self.new_password = _password_field("accounts.new_password", "New account's password")
        form.addRow("User name:", self.new_name)
        form.addRow("Full name (printed on notes):", self.new_full_name)
        form.addRow("Credentials (e.g. RN):", self.new_credentials)
        form.addRow("Role:", self.new_role)
        form.addRow("Password (12 characters or more):", self.new_password)
        layout.addLayout(form)
        self.add = self._button("accounts.add", "&Add account", self.add_account)
        layout.addWidget(self.add)

        admin = QFormLayout()
        self.admin_password = _password_field("accounts.admin_password", "Your password")
        admin.addRow(f"Your password ({admin_name}), to unlock the signing authority:",
                     self.admin_password)
        layout.addLayout(admin)
        self.message = message_label("accounts.message")
        layout.addWidget(self.message)
        self.done_text = QLabel()
        self.done_text.setObjectName("accounts.done")
        layout.addWidget(self.done_text)
        close = QPushButton("Close")
        close.setObjectName("accounts.close")
        close.clicked.connect(self.reject)
        layout.addWidget(close)
        self.refresh()
        fit_to_screen(self, 760, 720)  # the table grows with the room there is

    def _button(self, name: str, text: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAccessibleName(text.replace("&", ""))
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        return button

    def refresh(self) -> None:
        """The accounts as the record holds them now."""
        selected = self.selected_name()
        users = list_users(self.db)
        self.table.setRowCount(len(users))
        for row, user in enumerate(users):
            role = dict(ROLES).get(user.role, user.role)
            for column, text in enumerate((user.name, user.full_name, role,
                                           "disabled" if user.disabled else "active")):
                self.table.setItem(row, column, QTableWidgetItem(text))
            if user.name == selected:
                self.table.selectRow(row)

    def selected_name(self) -> str | None:
        row = self.table.currentRow()
        item = self.table.item(row, 0) if row >= 0 else None
        return item.text() if item is not None else None

    # operations ------------------------------------------------------------------------
    def _admin(self) -> dict[str, str] | None:
        if not self.admin_password.text():
            set_message(self.message, "Type your own password first (it unlocks the signing "
                                      "authority).")
            self.admin_password.setFocus()
            return None
        return {"admin_name": self.admin_name, "admin_password": self.admin_password.text()}

    def _on_selected(self, what: str, operation, *, with_password: bool) -> None:
        name = self.selected_name()
        if name is None:
            set_message(self.message, "Choose an account in the list first.")
            return
        if with_password and not self.account_password.text():
            set_message(self.message, "Type the password for the selected account.")
            self.account_password.setFocus()
            return
        admin = self._admin()
        if admin is None:
            return
        args = (name, self.account_password.text()) if with_password else (name,)
        self._run(self.job(operation, *args, **admin), f"{what}: {name}.")

    def reset_password(self) -> None:
        from desktop_app.record.accounts import reset_password

        self._on_selected("Password reset, with a new signing key", reset_password,
                          with_password=True)

    def disable_account(self) -> None:
        from desktop_app.record.accounts import disable_user

        self._on_selected("Disabled, signing key revoked", disable_user, with_password=False)

    def enable_account(self) -> None:
        from desktop_app.record.accounts import enable_user

        self._on_selected("Enabled again, with a new password and key", enable_user,
                          with_password=True)

    def reissue_key(self) -> None:
        from desktop_app.record.accounts import reissue_key

        self._on_selected("New signing key issued", reissue_key, with_password=True)

    def add_account(self) -> None:
        from desktop_app.record.accounts import add_user

        admin = self._admin()
        if admin is None:
            return
        name = self.new_name.text().strip()
        work = self.job(add_user, name, full_name=self.new_full_name.text().strip(),
                        role=self.new_role.currentData(), password=self.new_password.text(),
                        credentials=self.new_credentials.text().strip() or None, **admin)
        self._run(work, f"Account added, with a signing key: {name}.")

    def _run(self, work: Callable[[], Any], success: str) -> None:
        if self.busy:
            return
        self._set_busy(True)
        set_message(self.message, "")
        self.done_text.setText("Working\u2026")

        def done(_result: Any, error: BaseException | None) -> None:
            self._set_busy(False)
            self.refresh()
            if error is not None:
                self.done_text.setText("")
                set_message(self.message, _words(error))
                return
            self.done_text.setText(success)
            self.account_password.clear()
            self.new_password.clear()

        run_in_background(work, done)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for button in (self.add, self.reset, self.disable, self.enable, self.reissue):
            button.setEnabled(not busy)


class ChangePasswordDialog(QDialog):
    """Every user: change one's own password (the signing key is sealed again)."""

    def __init__(self, user_name: str, job: _RecordJob, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("password")
        self.setWindowTitle("Change your password")
        self.user_name, self.job = user_name, job
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.current = _password_field("password.current", "Current password")
        self.new = _password_field("password.new", "New password")
        self.repeat = _password_field("password.repeat", "New password again")
        form.addRow("Current password:", self.current)
        form.addRow("New password (12 characters or more):", self.new)
        form.addRow("New password again:", self.repeat)
        layout.addLayout(form)
        self.message = message_label("password.message")
        layout.addWidget(self.message)
        self.save = QPushButton("&Change password")
        self.save.setObjectName("password.save")
        self.save.clicked.connect(self.change)
        layout.addWidget(self.save)

    def change(self) -> None:
        from desktop_app.record.accounts import change_own_password

        if self.new.text() != self.repeat.text():
            set_message(self.message, "The two new passwords differ; type them again.")
            return
        self.save.setEnabled(False)
        work = self.job(change_own_password, self.user_name, self.current.text(),
                        self.new.text())

        def done(_result: Any, error: BaseException | None) -> None:
            self.save.setEnabled(True)
            if error is not None:
                set_message(self.message, _words(error))
                return
            self.accept()

        run_in_background(work, done)


def install_accounts(shell) -> None:
    """Put 'Accounts…' (administrators) and 'Change password…' (everyone signed in) on the
    ward's tool bar."""
    session, toolbar = shell.session, shell.toolbar
    job = _RecordJob(session.address, shell.data_dir)
    accounts = QAction("A&ccounts\u2026", toolbar)
    accounts.setObjectName("toolbar.accounts")
    password = QAction("Change &password\u2026", toolbar)
    password.setObjectName("toolbar.password")
    toolbar.insertAction(toolbar.audit, accounts)
    toolbar.addAction(password)
    for action in (accounts, password):
        button = toolbar.widgetForAction(action)
        if button is not None:
            button.setObjectName(action.objectName())
    open_dialogs: list[QDialog] = []

    def keep(dialog: QDialog) -> QDialog:
        open_dialogs.append(dialog)
        dialog.finished.connect(lambda _r: (open_dialogs.remove(dialog),
                                            dialog.deleteLater()))
        dialog.open()
        return dialog

    def open_accounts() -> QDialog | None:
        if not session.has_role("admin") or session.break_glass:
            return None
        return keep(AccountsDialog(shell.db, session.actor(), job, shell.main_window))

    def open_password() -> QDialog | None:
        if not session.active or session.break_glass:
            return None
        return keep(ChangePasswordDialog(session.actor(), job, shell.main_window))

    def show_for(*_args: Any) -> None:
        admin = session.has_role("admin") and not session.break_glass
        accounts.setVisible(admin)
        accounts.setEnabled(admin)
        own = session.active and not session.break_glass
        password.setVisible(own)
        password.setEnabled(own)

    accounts.triggered.connect(open_accounts)
    password.triggered.connect(open_password)
    session.userChanged.connect(show_for)
    session.stateChanged.connect(show_for)
    session.breakGlassChanged.connect(show_for)
    show_for()
    shell.open_accounts = open_accounts
    shell.open_password = open_password
