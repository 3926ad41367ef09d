"""The audit log for administrators: filter by who, what, when and which record; verify the
hash chain; export what is shown as CSV. Emergency access stands out in red.

Opening it and exporting from it are audited too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QObject, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlite_utils import Database

from desktop_app.record import export_audit_log, reads
from desktop_app.record.actions import AUDIT_VIEW
from desktop_app.record.events import record_event
from desktop_app.record.reads import (
    AuditEntry,
    audit_actions,
    audit_actors,
    search_audit,
    storage_errors,
    verify_audit_chain,
)
from desktop_app.ui.dialogs import close_on_escape
from desktop_app.ui.widgets import heading, note_label

log = logging.getLogger(__name__)

AUDIT_COLUMNS = ("#", "When", "Who", "Action", "Record", "Detail")
ANY = "(any)"
ACTION_GROUPS = ("session.", "user.", "patient.", "episode.", "exam.", "note.", "setting.",
                 "audit.", "escalation.")
RECORD_TABLES = ("patients", "episodes", "exams", "signed_notes", "users", "settings",
                 "escalations", "addenda")
EMERGENCY_ROW = QColor("#ffcdd2")
LIMIT = 2000


class AuditModel(QAbstractTableModel):
    """Audit entries, newest first."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.entries: list[AuditEntry] = []
        self._bold = QFont()
        self._bold.setBold(True)

    def set_entries(self, entries: list[AuditEntry]) -> None:
        """Show these entries."""
        self.beginResetModel()
        self.entries = entries
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(AUDIT_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return AUDIT_COLUMNS[section]
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        entry = self.entries[index.row()]
        emergency = entry.action.startswith("session.break_glass")
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.text(entry, index.column())
        if role == Qt.ItemDataRole.BackgroundRole and emergency:
            return EMERGENCY_ROW
        if role == Qt.ItemDataRole.FontRole and emergency:
            return self._bold
        return None

    @staticmethod
    def text(entry: AuditEntry, column: int) -> str:
        """The words of one cell (times in the workstation's zone)."""
        if column == 0:
            return str(entry.id)
        if column == 1:
            return datetime.fromisoformat(entry.at).astimezone().strftime("%Y-%m-%d %H:%M:%S")
        if column == 2:
            return entry.actor
        if column == 3:
            mark = "\u26a0 " if entry.action.startswith("session.break_glass") else ""
            return mark + entry.action
        if column == 4:
            if entry.record_table is None:
                return ""
            return f"{entry.record_table} {entry.record_id}" if entry.record_id is not None \
                else entry.record_table
        if entry.detail is None:
            return ""
        return ", ".join(f"{k}: {v}" for k, v in sorted(entry.detail.items()))


class AuditView(QWidget):
    """The administrator's audit screen (a window of its own)."""

    def __init__(self, db: Database, *, actor: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("audit")
        self.setAccessibleName("Audit log")
        self.setWindowTitle("Audit log \u2014 NeuroCheck")
        close_on_escape(self)
        self.db = db
        self.actor = actor
        self.entries: list[AuditEntry] = []
        # Asks where to save the CSV and calls back with the path (None: cancelled); a test
        # replaces it. The default opens a file dialog with open(), never exec().
        self.choose_path: Callable[[Callable[[Path | None], None]], None] = self._file_dialog
        outer = QVBoxLayout(self)
        outer.addWidget(heading("Audit log"))

        filters = QGridLayout()
        self.who = self._combo("audit.actor", "Who", [ANY, *audit_actors(db)])
        self.what = self._combo("audit.action", "Action (a group ends with a dot)",
                                [ANY, *ACTION_GROUPS, *audit_actions(db)])
        self.record = QComboBox()
        self.record.setObjectName("audit.table")
        self.record.setAccessibleName("Record kind")
        self.record.addItems([ANY, *RECORD_TABLES])
        self.record_id = QLineEdit()
        self.record_id.setObjectName("audit.record_id")
        self.record_id.setAccessibleName("Record ID")
        self.record_id.setPlaceholderText("ID")
        self.record_id.setMaximumWidth(90)
        self.record_id.returnPressed.connect(self.apply)
        today = QDate.currentDate()
        self.since_on = QCheckBox("&From")
        self.since_on.setObjectName("audit.since_on")
        self.since = self._date("audit.since", "From date", today.addDays(-7))
        self.until_on = QCheckBox("&To")
        self.until_on.setObjectName("audit.until_on")
        self.until = self._date("audit.until", "To date (included)", today)
        filters.addWidget(QLabel("&Who"), 0, 0)
        filters.itemAtPosition(0, 0).widget().setBuddy(self.who)
        filters.addWidget(self.who, 0, 1)
        filters.addWidget(QLabel("&Action"), 0, 2)
        filters.itemAtPosition(0, 2).widget().setBuddy(self.what)
        filters.addWidget(self.what, 0, 3)
        filters.addWidget(QLabel("&Record"), 0, 4)
        filters.itemAtPosition(0, 4).widget().setBuddy(self.record)
        record = QHBoxLayout()
        record.addWidget(self.record)
        record.addWidget(self.record_id)
        filters.addLayout(record, 0, 5)
        filters.addWidget(self.since_on, 1, 0)
        filters.addWidget(self.since, 1, 1)
        filters.addWidget(self.until_on, 1, 2)
        filters.addWidget(self.until, 1, 3)
        self.apply_button = QPushButton("&Show")
        self.apply_button.setObjectName("audit.apply")
        self.apply_button.setDefault(True)
        self.apply_button.clicked.connect(self.apply)
        filters.addWidget(self.apply_button, 1, 5)
        filters.setColumnStretch(1, 1)
        filters.setColumnStretch(3, 1)
        outer.addLayout(filters)

        self.model = AuditModel(self)
        self.table = QTableView()
        self.table.setObjectName("audit.entries")
        self.table.setAccessibleName("Audit entries, newest first")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for column in range(4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        outer.addWidget(self.table, 1)

        bottom = QHBoxLayout()
        self.status = note_label()
        self.status.setObjectName("audit.status")
        bottom.addWidget(self.status, 1)
        self.chain = QLabel()
        self.chain.setObjectName("audit.chain")
        self.chain.setWordWrap(True)
        bottom.addWidget(self.chain, 1)
        self.verify_button = QPushButton("&Verify the chain")
        self.verify_button.setObjectName("audit.verify")
        self.verify_button.clicked.connect(self.verify)
        bottom.addWidget(self.verify_button)
        self.export_button = QPushButton("&Export CSV\u2026")
        self.export_button.setObjectName("audit.export")
        self.export_button.setAccessibleName("Export the entries shown as CSV")
        self.export_button.clicked.connect(self.export)
        bottom.addWidget(self.export_button)
        outer.addLayout(bottom)

        record_event(db, actor=actor, action=AUDIT_VIEW)
        self.apply()
        self.verify()

    def _combo(self, name: str, words: str, items: list[str]) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        combo.setAccessibleName(words)
        combo.setEditable(True)
        combo.addItems(items)
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        combo.lineEdit().returnPressed.connect(self.apply)
        return combo

    def _date(self, name: str, words: str, value: QDate) -> QDateEdit:
        edit = QDateEdit(value)
        edit.setObjectName(name)
        edit.setAccessibleName(words)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        return edit

    # filtering -------------------------------------------------------------------------
    def filters(self) -> dict[str, Any]:
        """The filter as `search_audit` takes it."""
        found: dict[str, Any] = {}
        who = self.who.currentText().strip()
        if who and who != ANY:
            found["actor"] = who
        what = self.what.currentText().strip()
        if what and what != ANY:
            found["action"] = what
        table = self.record.currentText()
        if table != ANY:
            found["table"] = table
            if self.record_id.text().strip().isdigit():
                found["record_id"] = int(self.record_id.text().strip())
        if self.since_on.isChecked():
            found["since"] = _local_midnight(self.since.date())
        if self.until_on.isChecked():
            found["until"] = _local_midnight(self.until.date()) + timedelta(days=1)
        return found

    def apply(self) -> None:
        """Show the newest entries that match the filter."""
        filters = self.filters()
        self.entries = search_audit(self.db, **filters, limit=LIMIT)
        self.model.set_entries(self.entries)
        more = " (the newest; narrow the filter for older ones)" if len(self.entries) == LIMIT \
            else ""
        self.status.setText(f"{len(self.entries)} entr{'y' if len(self.entries) == 1 else 'ies'}"
                            f" shown{more}.")

    def verify(self) -> bool:
        """Walk the whole hash chain and say whether it is intact."""
        count, problems = verify_audit_chain(self.db)
        if problems:
            text = f"\u2716 The audit chain is BROKEN: {problems[0]}"
            self.chain.setStyleSheet("color: #b71c1c; font-weight: bold;")
        else:
            text = f"\u2714 Audit chain intact: {count} entries verified."
            self.chain.setStyleSheet("color: #1b5e20; font-weight: bold;")
        self.chain.setText(text)
        self.chain.setAccessibleName(text)
        return not problems

    # exporting -------------------------------------------------------------------------
    def export(self) -> None:
        """Ask where, then write the entries shown as CSV (audited)."""
        self.choose_path(self._export_to)

    def _export_to(self, path: Path | None) -> None:
        if path is None:
            return
        filters = {k: (v.isoformat() if isinstance(v, datetime) else v)
                   for k, v in self.filters().items()}
        try:
            user = reads.get_user(self.db, self.actor)
            count = export_audit_log(self.db, user, self.entries, path, filters=filters)
        except storage_errors() as error:
            from desktop_app.ui.failures import storage_failure_words

            # One line; the entries shown stay, so Export again once there is room.
            self.status.setText("\u26a0 Not exported: "
                                + storage_failure_words(error, "export again") + ".")
            log.warning("audit log not exported (%s)", type(error).__name__)
            return
        self.status.setText(f"{count} entries exported to {Path(path).name}.")
        log.info("audit log exported (%d entries)", count)

    def _file_dialog(self, answer: Callable[[Path | None], None]) -> None:
        dialog = QFileDialog(self, "Export the audit log", "audit-log.csv",
                             "CSV files (*.csv)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("csv")

        def finished(result: int) -> None:
            files = dialog.selectedFiles()
            answer(Path(files[0]) if result and files else None)
            dialog.deleteLater()

        dialog.finished.connect(finished)
        dialog.open()


def _local_midnight(day: QDate) -> datetime:
    return datetime.combine(day.toPython(), time()).astimezone()
