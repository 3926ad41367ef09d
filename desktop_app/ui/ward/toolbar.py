"""The workstation's tool bar: who is signed in, the ward board, lock, switch user, and for
administrators the settings and the audit log. During emergency access it turns red and
says so for as long as the session lasts."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QSizePolicy, QToolBar, QWidget

from desktop_app.record.reads import UserRecord
from desktop_app.ui.ward.sign_in import EMERGENCY_RED, emergency_banner_text


class WardToolBar(QToolBar):
    """Signals what was asked; `show_user` keeps it in step with the session."""

    homeRequested = Signal()
    lockRequested = Signal()
    switchUserRequested = Signal()
    settingsRequested = Signal()
    auditRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Workstation", parent)
        self.setObjectName("ward.toolbar")
        self.setMovable(False)
        self.setFloatable(False)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.home = self._action("toolbar.home", "Ward &board", "Ctrl+H", self.homeRequested)
        self.addSeparator()
        self.settings = self._action("toolbar.settings", "Se&ttings\u2026", None,
                                     self.settingsRequested)
        self.audit = self._action("toolbar.audit", "&Audit log\u2026", None, self.auditRequested)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.addWidget(spacer)
        self.user = QLabel()
        self.user.setObjectName("toolbar.user")
        self.user.setAccessibleName("Signed-in user")
        self.addWidget(self.user)
        self.lock = self._action("toolbar.lock", "&Lock (Ctrl+L)", "Ctrl+L", self.lockRequested)
        self.switch = self._action("toolbar.switch_user", "S&witch user", None,
                                   self.switchUserRequested)
        self.show_user(None, break_glass=False)

    def _action(self, name: str, text: str, shortcut: str | None, signal: Signal) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(signal)
        self.addAction(action)
        button = self.widgetForAction(action)
        if button is not None:
            button.setObjectName(name)
            button.setAccessibleName(text.replace("&", "").replace("\u2026", ""))
        return action

    def show_user(self, user: UserRecord | None, *, break_glass: bool) -> None:
        """Name the user; show the administrator's actions to administrators only."""
        admin = user is not None and user.role == "admin" and not break_glass
        self.settings.setVisible(admin)
        self.audit.setVisible(admin)
        signed_in = user is not None
        for action in (self.lock, self.switch, self.home):
            action.setEnabled(signed_in)
        if user is None:
            text = "Nobody signed in"
        elif break_glass:
            text = emergency_banner_text(user.full_name)
        else:
            text = f"Signed in: <b>{user.full_name}</b> ({user.role})"
        self.user.setText(text)
        self.user.setAccessibleName(text.replace("<b>", "").replace("</b>", ""))
        if break_glass:
            self.setStyleSheet(f"#ward\\.toolbar {{ background: {EMERGENCY_RED}; }}"
                               "#toolbar\\.user { color: white; font-weight: bold; "
                               "font-size: 12pt; padding: 4px; }"
                               "#ward\\.toolbar QToolButton { color: white; }")
        else:
            self.setStyleSheet("#toolbar\\.user { padding: 4px; }")
