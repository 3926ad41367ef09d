"""The ward's settings, for administrators: the ward and institution printed on the note, the
idle time before the screen locks, the re-check schedule (PROTOCOL.md section 5), the paper
size, and the emergency account.

They live in the database, so every workstation of the ward shares them. A new schedule
moves the next check due of every open episode (the store does that). The check at 4 h
after a block is not a setting: it is where the protocol's rules change (t <= 4), so it is
always scheduled.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlite_utils import Database

from desktop_app.domain import DEFAULT_POLICY, SchedulePolicy
from desktop_app.record import change_settings
from desktop_app.record.reads import (
    BREAK_GLASS_ROLES,
    IDLE_TIMEOUT_MINUTES,
    INSTITUTION,
    PAPER_SIZE,
    PAPER_SIZES,
    SCHEDULE_POLICY,
    WARD_NAME,
    StoreError,
    UserRecord,
    get_user,
    storage_errors,
)
from desktop_app.ui.widgets import message_label, note_label, set_message

BLOCK_MARK_HOURS = 4.0  # the protocol's boundary (t <= 4): always a check there
NO_ACCOUNT = ""

SaveSettings = Callable[[dict[str, Any], str | None], str | None]


def parse_marks(text: str) -> tuple[float, ...]:
    """'24, 48' -> (24.0, 48.0); ValueError naming the problem."""
    parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p]
    if not parts:
        raise ValueError("give at least one time, e.g. 24, 48")
    try:
        marks = tuple(sorted({float(p) for p in parts}))
    except ValueError:
        raise ValueError("write hours as numbers separated by commas, e.g. 24, 48") from None
    if any(m <= 0 or m > 24 * 60 for m in marks):
        raise ValueError("each time is between 0 and 1440 hours after the injection")
    return marks


def _marks_text(marks: Sequence[float]) -> str:
    return ", ".join(f"{m:g}" for m in marks)


class SettingsDialog(QDialog):
    """Opened with `open()`. Save calls `save(changes, emergency_account)`, which returns
    None (saved: the dialog closes) or the problem to show."""

    def __init__(self, settings: dict[str, Any], *, users: Sequence[UserRecord],
                 emergency_account: str | None, save: SaveSettings,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settings")
        self.setWindowTitle("Ward settings")
        self.setModal(True)
        self.original = dict(settings)
        self.original_account = emergency_account or NO_ACCOUNT
        self.save_callback = save
        policy = SchedulePolicy.from_json(settings[SCHEDULE_POLICY])
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)  # never squeezed

        ward = QGroupBox("On the chart note")
        form = QFormLayout(ward)
        self.ward_name = self._line("settings.ward_name", "Ward name", settings[WARD_NAME])
        self.institution = self._line("settings.institution", "Institution",
                                      settings[INSTITUTION])
        self.paper_size = QComboBox()
        self.paper_size.setObjectName("settings.paper_size")
        self.paper_size.setAccessibleName("Paper size")
        self.paper_size.addItems(PAPER_SIZES)
        self.paper_size.setCurrentText(settings[PAPER_SIZE])
        form.addRow("&Ward name", self.ward_name)
        form.addRow("&Institution", self.institution)
        form.addRow("&Paper size", self.paper_size)
        layout.addWidget(ward)

        lock = QGroupBox("Shared workstation")
        form = QFormLayout(lock)
        self.idle = self._spin("settings.idle_timeout", "Lock the screen after minutes idle",
                               1, 240, settings[IDLE_TIMEOUT_MINUTES], " min")
        form.addRow("&Lock after idle", self.idle)
        self.account = QComboBox()
        self.account.setObjectName("settings.break_glass")
        self.account.setAccessibleName("Emergency account")
        self.account.addItem("(none: emergency access off)", NO_ACCOUNT)
        for user in users:
            if not user.disabled and user.role in BREAK_GLASS_ROLES:
                self.account.addItem(f"{user.name} ({user.full_name}, {user.role})", user.name)
        index = self.account.findData(self.original_account)
        self.account.setCurrentIndex(max(0, index))
        form.addRow("&Emergency account", self.account)
        self.account.setToolTip("Its password is kept sealed on the ward. Every use is audited "
                                "and shown in red until the user signs out.")
        layout.addWidget(lock)

        schedule = QGroupBox("Re-check schedule (local policy; PROTOCOL.md section 5)")
        form = QFormLayout(schedule)
        self.block_every = self._spin("settings.block_observe_every_minutes",
                                      "Block at level observe: minutes between checks", 5, 240,
                                      policy.block_observe_every_minutes, " min")
        form.addRow("&Block, observe: every", self.block_every)
        mark = QLabel(f"{BLOCK_MARK_HOURS:g} h after the block, always (where the protocol's "
                      "rules change)")
        mark.setObjectName("settings.block_mark")
        mark.setAccessibleName("A check 4 hours after a block is always scheduled")
        form.addRow("Block: a check at", mark)
        self.im_marks = self._line("settings.im_observe_marks_hours",
                                   "IM injection at level observe: hours after the injection",
                                   _marks_text(policy.im_observe_marks_hours))
        form.addRow("I&M, observe: checks at (h)", self.im_marks)
        self.im_every = QDoubleSpinBox()
        self.im_every.setObjectName("settings.im_observe_then_every_hours")
        self.im_every.setAccessibleName("IM injection at level observe: then every hours")
        self.im_every.setRange(1, 168)
        self.im_every.setDecimals(1)
        self.im_every.setSuffix(" h")
        self.im_every.setValue(policy.im_observe_then_every_hours)
        form.addRow("IM, observe: &then every", self.im_every)
        self.escalated = self._spin("settings.escalated_every_minutes",
                                    "Level notify or higher: minutes between checks", 5, 120,
                                    policy.escalated_every_minutes, " min")
        form.addRow("&Notify or higher: every", self.escalated)
        layout.addWidget(schedule)
        layout.addWidget(note_label("Notify or higher: until a clinician closes the episode. "
                                    "Saving a new schedule moves the next check of every open "
                                    "episode."))

        self.message = message_label("settings.message")
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        defaults = QPushButton("Protocol &defaults")
        defaults.setObjectName("settings.defaults")
        defaults.setAccessibleName("Put the protocol's default schedule back")
        defaults.clicked.connect(self.restore_defaults)
        buttons.addWidget(defaults)
        cancel = QPushButton("Cancel")
        cancel.setObjectName("settings.cancel")
        cancel.clicked.connect(self.reject)
        self.save_button = QPushButton("Save")
        self.save_button.setObjectName("settings.save")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)
        layout.addLayout(buttons)
        self.ward_name.setFocus(Qt.FocusReason.OtherFocusReason)

    def _line(self, name: str, words: str, value: str) -> QLineEdit:
        line = QLineEdit(value)
        line.setObjectName(name)
        line.setAccessibleName(words)
        line.setMaxLength(200)
        return line

    def _spin(self, name: str, words: str, low: int, high: int, value: int,
              suffix: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setObjectName(name)
        spin.setAccessibleName(words)
        spin.setRange(low, high)
        spin.setSuffix(suffix)
        spin.setValue(int(value))
        return spin

    def restore_defaults(self) -> None:
        """Put the protocol's default schedule back in the fields (saved with Save)."""
        self.block_every.setValue(DEFAULT_POLICY.block_observe_every_minutes)
        self.im_marks.setText(_marks_text(DEFAULT_POLICY.im_observe_marks_hours))
        self.im_every.setValue(DEFAULT_POLICY.im_observe_then_every_hours)
        self.escalated.setValue(DEFAULT_POLICY.escalated_every_minutes)

    def values(self) -> dict[str, Any]:
        """Every setting as the fields hold it; ValueError for a field that cannot be read."""
        marks = parse_marks(self.im_marks.text())
        policy = SchedulePolicy(
            block_observe_every_minutes=self.block_every.value(),
            block_mark_hours=BLOCK_MARK_HOURS,
            im_observe_marks_hours=marks,
            im_observe_then_every_hours=self.im_every.value(),
            escalated_every_minutes=self.escalated.value(),
        )
        policy.validate()
        return {
            WARD_NAME: self.ward_name.text().strip(),
            INSTITUTION: self.institution.text().strip(),
            PAPER_SIZE: self.paper_size.currentText(),
            IDLE_TIMEOUT_MINUTES: self.idle.value(),
            SCHEDULE_POLICY: policy.to_json(),
        }

    def changes(self) -> dict[str, Any]:
        """Only the settings that differ from what was loaded."""
        return {k: v for k, v in self.values().items() if self.original.get(k) != v}

    def save(self) -> None:
        """Save through the callback; close when saved, else show why not."""
        try:
            changes = self.changes()
        except ValueError as error:
            self.show_message(f"Schedule: {error}.")
            return
        problem = self.save_callback(changes, self.account.currentData() or None)
        if problem:
            self.show_message(problem)
            return
        self.accept()

    def show_message(self, text: str) -> None:
        """Say why the settings were not saved."""
        set_message(self.message, text)


def save_settings(db: Database, actor: str, changes: dict[str, Any],
                  emergency_account: str | None) -> str | None:
    """Store the changed settings and the emergency account (empty: none), all or nothing,
    through the record (administrators only). Returns None when saved, else the problem in
    words (a full disk or an I/O error in one line: nothing was saved, Save again)."""
    from desktop_app.ui.failures import storage_failure_words

    try:
        change_settings(db, get_user(db, actor), changes, emergency_account=emergency_account)
    except StoreError as error:
        return str(error).capitalize() + "."
    except storage_errors() as error:
        return ("The settings were not saved: " + storage_failure_words(error, "Save again")
                + "; nothing was changed.")
    return None
