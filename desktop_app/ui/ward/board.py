"""The ward board, the home screen: every open episode with its patient, bed, procedure,
time since it, current level (colour, symbol and word), flags, next check and a countdown.

Overdue rows stand out (bold, tinted, the word OVERDUE) and rise to the top, the highest
level first among them; the rest follow by when their next check is due. A filter shows one
level, or the overdue rows only. Enter (or a double click) starts the next check of the
selected patient; a clinician closes an episode with a reason.

`BoardModel` and `WardBoard` are the view; `BoardController` reads the record, keeps the
board fresh (a timer, and every commit to the record heard by `RecordWatcher`) and
carries out what the board asks, each patient opened leaving an audit entry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import shiboken6
from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QKeySequence,
    QPainter,
    QPen,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlite_utils import Database

from desktop_app.domain import DO_NOT_DISCHARGE, NO_MOBILIZATION, Level
from desktop_app.domain.model import IM_SITE_WORDS, LEVEL_ACTIONS
from desktop_app.record import close_episode
from desktop_app.record.actions import WARD_BOARD_VIEW
from desktop_app.record.events import record_event, record_patient_view
from desktop_app.record.reads import (
    StoreError,
    WardEntry,
    WardReader,
    get_user,
    record_address,
    storage_errors,
    utc_now,
)
from desktop_app.ui.failures import RECORD_RETRY_MS
from desktop_app.ui.labels import alert_label
from desktop_app.ui.theme import LEVEL_STYLES, level_style
from desktop_app.ui.ward.session import ScreenState, WardSession
from desktop_app.ui.ward.watch import RecordWatcher
from desktop_app.ui.widgets import heading, message_label, note_label, set_message

log = logging.getLogger(__name__)

COLUMNS = ("level", "patient", "location", "procedure", "since", "flags", "next_check", "due")
HEADERS = {
    "level": "Level", "patient": "Patient", "location": "Bed", "procedure": "Procedure",
    "since": "Since", "flags": "Flags", "next_check": "Next check", "due": "Due",
}
HEADER_TIPS = {
    "since": "Time since the procedure",
    "due": "Time to the next check; OVERDUE when it has passed",
}
# Each column's width as the text it must hold without cutting it (at the board's font).
WIDTH_SAMPLES = {
    "level": "\u26a0 EMERGENCY ", "location": "Bed 30 ", "since": "99.9 h ",
    "next_check": "22 Nov 14:35 ", "due": "\u26a0 OVERDUE 23 h 59 min ",
    "procedure": "Block L4-L5, L5-S1 \u00b7 bilateral ",
    "flags": "Do not discharge \u00b7 No mobilization ",
}
# What gives way on a narrow screen, first to last (the level and the times never do).
SHRINKABLE = ("flags", "procedure", "location", "patient")
FLAG_SHORT = {DO_NOT_DISCHARGE: "Do not discharge", NO_MOBILIZATION: "No mobilization"}
LEVEL_RANK = {level.value: level.rank for level in Level}
OVERDUE_ROW = QColor("#ffebee")
OVERDUE_TEXT = QColor("#b71c1c")
TICK_MS = 15_000
REFRESH_MS = 60_000


# -- words ---------------------------------------------------------------------------------

def duration_text(delta: timedelta) -> str:
    """'12 min', '3 h 05 min', '2 d 4 h' (rounded down to the minute)."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def countdown_text(due: datetime | None, now: datetime) -> str:
    """'in 12 min', 'due now' (within the minute), or '⚠ OVERDUE 25 min' once the time
    has passed ('⚠ OVERDUE under 1 min' in its first minute: never '0 min')."""
    if due is None:
        return "\u26a0 OVERDUE: never checked"
    if due < now:
        late = now - due
        return ("\u26a0 OVERDUE " + (duration_text(late) if late >= timedelta(minutes=1)
                                     else "under 1 min"))
    return "due now" if due - now < timedelta(minutes=1) else f"in {duration_text(due - now)}"


def since_text(procedure_at: datetime, now: datetime) -> str:
    """Hours since the procedure, '2.6 h'; past two days '3 d 4 h'. Rounded up, never down,
    so a time reads as on a boundary of the protocol (4 h, 24 h, 48 h, 60 days) only while
    it has not passed it: '48.0 h' is at most 48 h, '48.1 h' is past it."""
    elapsed = max(now - procedure_at, timedelta(0))
    tenths = -(-elapsed // timedelta(minutes=6))
    if tenths <= 480:
        return f"{tenths // 10}.{tenths % 10} h"
    hours = -(-elapsed // timedelta(hours=1))
    return f"{hours // 24} d {hours % 24} h"


def clock_text(moment: datetime | None, now: datetime) -> str:
    """'14:35' today (the workstation's time), '22 Nov 14:35' on another day."""
    if moment is None:
        return "\u2014"
    local = moment.astimezone()
    if local.date() == now.astimezone().date():
        return local.strftime("%H:%M")
    return local.strftime("%d %b %H:%M")


def procedure_text(entry: WardEntry) -> str:
    """'Block L4-L5, L5-S1 · left', 'IM ventrogluteal · right'."""
    if entry.procedure_kind == "medial_branch_block":
        what = "Block " + ", ".join(entry.block_levels) if entry.block_levels else "Block"
    else:
        site = IM_SITE_WORDS.get(entry.site or "", entry.site or "")
        what = f"IM {site.split(' (')[0]}".strip()
    return f"{what} \u00b7 {entry.side}" if entry.side else what


def flags_text(flags: Sequence[str]) -> str:
    """'Do not discharge · No mobilization' (short words of the flags)."""
    return " \u00b7 ".join(FLAG_SHORT.get(f, f.replace("_", " ")) for f in flags)


def patient_text(entry: WardEntry) -> str:
    """'Ana Souza · DEMO-1001'."""
    return f"{entry.name or 'Name not recorded'} \u00b7 {entry.mrn}"


def board_order(entries: Sequence[WardEntry], now: datetime) -> list[WardEntry]:
    """Overdue first (highest level first, then longest overdue), then by next check due
    (the highest level first at the same time).

    `entries` come in next-check order, as `WardReader` reads them, so the overdue ones are
    the first few: only those are re-sorted (a stable sort by level keeps their time order).
    """
    split = 0
    for entry in entries:
        if not entry.overdue(now):
            break
        split += 1
    overdue = sorted(entries[:split], key=lambda e: -LEVEL_RANK.get(e.level or "", -1))
    return overdue + list(entries[split:])


# -- the model -----------------------------------------------------------------------------

class BoardModel(QAbstractTableModel):
    """The open episodes in board order, filtered; texts made only for the rows shown."""

    def __init__(self, parent: QObject | None = None,
                 clock: Callable[[], datetime] = utc_now) -> None:
        super().__init__(parent)
        self.clock = clock
        self.now = clock()
        self.entries: list[WardEntry] = []
        self.rows: list[WardEntry] = []
        self.level_filter: str | None = None
        self.overdue_only = False
        self.overdue_count = 0
        self._bold = QFont()
        self._bold.setBold(True)
        self._level_colours = {
            level.value: (QColor(style.background), QColor(style.foreground))
            for level, style in LEVEL_STYLES.items()
        }
        none = level_style(None)
        self._no_level = (QColor(none.background), QColor(none.foreground))

    # filling ---------------------------------------------------------------------------
    def set_entries(self, entries: list[WardEntry], now: datetime | None = None) -> None:
        """Replace what the board holds (a refresh)."""
        self.entries = entries
        self._rebuild(now)

    def set_level_filter(self, level: str | None) -> None:
        """Show one level only (None: every level)."""
        self.level_filter = level
        self._rebuild()

    def set_overdue_only(self, on: bool) -> None:
        """Show the overdue rows only."""
        self.overdue_only = on
        self._rebuild()

    def tick(self, now: datetime | None = None) -> None:
        """Time passed: countdowns move, and a row that became overdue rises."""
        now = now or self.clock()
        following = self.entries[self.overdue_count] if self.overdue_count < len(
            self.entries) else None
        if following is not None and following.overdue(now):
            self._rebuild(now)
            return
        self.now = now
        if self.rows:
            self.dataChanged.emit(self.index(0, COLUMNS.index("since")),
                                  self.index(len(self.rows) - 1, len(COLUMNS) - 1))

    def _rebuild(self, now: datetime | None = None) -> None:
        self.now = now or self.clock()
        ordered = board_order(self.entries, self.now)
        self.overdue_count = next((i for i, e in enumerate(ordered)
                                   if not e.overdue(self.now)), len(ordered))
        if self.overdue_only:
            ordered = ordered[:self.overdue_count]
        if self.level_filter is not None:
            ordered = [e for e in ordered if e.level == self.level_filter]
        self.beginResetModel()
        self.rows = ordered
        self.endResetModel()

    # reading ---------------------------------------------------------------------------
    def entry(self, row: int) -> WardEntry:
        """The episode shown in `row`."""
        return self.rows[row]

    def row_of(self, episode_id: int) -> int | None:
        """The row showing an episode (None: not shown)."""
        for row, entry in enumerate(self.rows):
            if entry.episode_id == episode_id:
                return row
        return None

    def level_counts(self) -> dict[str | None, int]:
        """Open episodes by level (all of them, whatever the filter)."""
        counts: dict[str | None, int] = {}
        for entry in self.entries:
            counts[entry.level] = counts.get(entry.level, 0) + 1
        return counts

    # Qt's model interface --------------------------------------------------------------
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        column = COLUMNS[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS.get(column)
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        entry = self.rows[index.row()]
        column = COLUMNS[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            text = self.text(entry, column)
            if role == Qt.ItemDataRole.AccessibleTextRole and column == "level":
                return f"Level {text.split(' ', 1)[-1].lower()}"
            return text
        if role == Qt.ItemDataRole.UserRole:
            return entry.episode_id
        overdue = entry.overdue(self.now)
        if role == Qt.ItemDataRole.BackgroundRole:
            if column == "level":
                return self._level_colours.get(entry.level or "", self._no_level)[0]
            return OVERDUE_ROW if overdue else None
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == "level":
                return self._level_colours.get(entry.level or "", self._no_level)[1]
            return OVERDUE_TEXT if overdue and column == "due" else None
        if role == Qt.ItemDataRole.FontRole:
            return self._bold if overdue or column == "level" else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(entry, column)
        return None

    def text(self, entry: WardEntry, column: str) -> str:
        """The words of one cell."""
        now = self.now
        if column == "level":
            style = level_style(Level(entry.level) if entry.level else None)
            return f"{style.symbol} {style.word}"
        if column == "patient":
            return patient_text(entry)
        if column == "location":
            return entry.location or "\u2014"
        if column == "procedure":
            return procedure_text(entry)
        if column == "since":
            return since_text(entry.procedure_at, now)
        if column == "flags":
            return flags_text(entry.flags)
        if column == "next_check":
            return clock_text(entry.next_check_due, now)
        return countdown_text(entry.next_check_due, now)

    def tooltip(self, entry: WardEntry, column: str) -> str | None:
        """The tooltip of one cell: the level's action, the full text, the time."""
        if column == "level" and entry.level:
            return LEVEL_ACTIONS[Level(entry.level)]
        if column == "since":
            return "Procedure at " + clock_text(entry.procedure_at, self.now)
        if column in ("patient", "procedure", "flags", "due"):
            return self.text(entry, column) or None
        return None


# -- the view ------------------------------------------------------------------------------

PADDING = 6


class LevelDelegate(QStyledItemDelegate):
    """Paints a level cell in its level's colour even when its row is selected (a selected
    row is framed instead), so the colour never leaves the word."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex) -> None:
        painter.save()
        background = index.data(Qt.ItemDataRole.BackgroundRole)
        foreground = index.data(Qt.ItemDataRole.ForegroundRole)
        font = index.data(Qt.ItemDataRole.FontRole)
        rect = option.rect
        if isinstance(background, (QColor, QBrush)):
            painter.fillRect(rect, background)
        if font is not None:
            painter.setFont(font)
        if isinstance(foreground, QBrush):
            foreground = foreground.color()
        painter.setPen(foreground if isinstance(foreground, QColor) else QColor("#000000"))
        text = index.data(Qt.ItemDataRole.DisplayRole) or ""
        painter.drawText(rect.adjusted(PADDING, 0, -PADDING, 0),
                         int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), text)
        if option.state & QStyle.StateFlag.State_Selected:
            painter.setPen(QPen(QColor("#0d47a1"), 4))
            painter.drawRect(rect.adjusted(2, 2, -2, -2))
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # noqa: N802
        hint = super().sizeHint(option, index)
        return QSize(hint.width() + 2 * PADDING, hint.height())


class WardBoard(QWidget):
    """The board's widgets. Says what the nurse asks for through its signals."""

    startCheckRequested = Signal(int)  # episode ID
    serialViewRequested = Signal(int)
    historyRequested = Signal(int)
    closeRequested = Signal(int)
    newEpisodeRequested = Signal()
    levelFilterChanged = Signal(object)  # level value or None

    def __init__(self, model: BoardModel | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("board")
        self.setAccessibleName("Ward board")
        self.model = model or BoardModel(self)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 6, 8, 6)
        outer.setSpacing(6)

        top = QHBoxLayout()
        self.title = heading("Ward board")
        self.title.setObjectName("board.title")
        top.addWidget(self.title)
        self.summary = QLabel()
        self.summary.setObjectName("board.summary")
        self.summary.setAccessibleName("Summary of the ward")
        top.addWidget(self.summary, 1)
        self.updated = note_label()
        self.updated.setObjectName("board.updated")
        top.addWidget(self.updated)
        outer.addLayout(top)
        # Shown while the record cannot be read (a server down, the network cut): what the
        # board shows is then what it last read, and says so.
        self.unreachable = alert_label("board.unreachable")
        self.last_read: datetime | None = None
        self.unreachable_since: datetime | None = None
        outer.addWidget(self.unreachable)

        filters = QHBoxLayout()
        filters.addWidget(QLabel("Show:"))
        self.filter_group = QButtonGroup(self)
        self.filter_group.setExclusive(True)
        self.filter_buttons: dict[str | None, QPushButton] = {}
        for value, text in ((None, "&All levels"), *(
                (level.value, f"{LEVEL_STYLES[level].symbol} {LEVEL_STYLES[level].word.capitalize()}")
                for level in Level)):
            button = QPushButton(text)
            button.setCheckable(True)
            button.setObjectName(f"board.filter.{value or 'all'}")
            button.setAccessibleName(f"Show {value} only" if value else "Show all levels")
            button.clicked.connect(lambda _=False, v=value: self._filter_chosen(v))
            self.filter_group.addButton(button)
            self.filter_buttons[value] = button
            filters.addWidget(button)
        self.filter_buttons[None].setChecked(True)
        self.overdue_only = QCheckBox("&Overdue only")
        self.overdue_only.setObjectName("board.filter.overdue")
        self.overdue_only.setAccessibleName("Show overdue checks only")
        self.overdue_only.toggled.connect(self.model.set_overdue_only)
        filters.addWidget(self.overdue_only)
        filters.addStretch(1)
        outer.addLayout(filters)

        self.table = QTableView()
        self.table.setObjectName("board.table")
        self.table.setAccessibleName("Open episodes, overdue first")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(
            max(30, self.table.fontMetrics().height() + 14))
        # A pale selection keeps the row readable; the level cell keeps its colour.
        self.table.setStyleSheet("QTableView { selection-background-color: #bbdefb;"
                                 " selection-color: #000000; }")
        self.table.setItemDelegateForColumn(COLUMNS.index("level"), LevelDelegate(self.table))
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        self.table.activated.connect(self._activated)
        self.model.modelReset.connect(self._restore_selection)
        self._selected: int | None = None
        self.table.selectionModel().currentRowChanged.connect(self._remember_selection)
        outer.addWidget(self.table, 1)
        self.table.viewport().installEventFilter(self)
        self.size_columns()

        actions = QHBoxLayout()
        self.new_episode = self._button("board.new_episode", "&New episode", "Start a new "
                                        "episode (a patient after a procedure)")
        self.new_episode.clicked.connect(self.newEpisodeRequested)
        self.start_check = self._button("board.start_check", "&Start next check (Enter)",
                                        "Start the next check of the selected patient")
        self.start_check.clicked.connect(lambda: self._emit_for_selected(
            self.startCheckRequested))
        self.serial_view = self._button("board.serial_view", "Serial &view",
                                        "Exams over time and the trend charts of the "
                                        "selected patient")
        self.serial_view.clicked.connect(lambda: self._emit_for_selected(
            self.serialViewRequested))
        self.history = self._button("board.history", "&History and notes",
                                    "Every exam of the selected patient with its signed "
                                    "notes: sign, reprint, export, addendum")
        self.history.clicked.connect(lambda: self._emit_for_selected(self.historyRequested))
        self.close_episode = self._button("board.close_episode", "&Close episode\u2026",
                                          "Close the selected episode (clinicians)")
        self.close_episode.clicked.connect(lambda: self._emit_for_selected(self.closeRequested))
        for button in (self.new_episode, self.start_check, self.serial_view, self.history):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.close_episode)
        outer.addLayout(actions)
        self.hint = note_label("Enter starts the next check of the selected patient. "
                               "Overdue checks are at the top.")
        outer.addWidget(self.hint)
        QShortcut(QKeySequence("Ctrl+F"), self, activated=lambda: self.filter_buttons[None]
                  .setFocus(Qt.FocusReason.ShortcutFocusReason))
        self.model.modelReset.connect(self.update_summary)
        self.update_summary()

    def _button(self, name: str, text: str, words: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAccessibleName(text.replace("&", "").replace("\u2026", ""))
        button.setAccessibleDescription(words)
        button.setToolTip(words)
        return button

    def size_columns(self) -> None:
        """Every column wide enough for its longest text, the patient taking the rest; on a
        narrow screen (200 % scaling) the columns that can be shortened are, so the board
        never needs scrolling sideways (a shortened cell ends in an ellipsis, its whole text
        on its tooltip). The level, the time since, the next check and the due time are
        never shortened."""
        header = self.table.horizontalHeader()
        metrics = self.table.fontMetrics()
        bold = QFont(self.table.font())
        bold.setBold(True)
        wide = QFontMetrics(bold)
        self._preferred: dict[str, int] = {}
        for column, name in enumerate(COLUMNS):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            if name == "patient":
                self._preferred[name] = wide.horizontalAdvance("Firstname Lastname ") + 10
                continue
            sample = WIDTH_SAMPLES.get(name, HEADERS[name])
            self._preferred[name] = max(wide.horizontalAdvance(sample), metrics.horizontalAdvance(
                HEADERS[name] + "    ")) + 10
        header.setMinimumSectionSize(40)
        header.setStretchLastSection(False)
        self.fit_columns()

    def fit_columns(self) -> None:
        """Share the table's width among the columns (see `size_columns`)."""
        preferred = getattr(self, "_preferred", None)
        if not preferred:
            return
        header = self.table.horizontalHeader()
        room = self.table.viewport().width()
        if room <= 0:
            return
        widths = dict(preferred)
        fixed = sum(w for n, w in widths.items() if n != "patient")
        widths["patient"] = max(room - fixed, preferred["patient"])
        excess = sum(widths.values()) - room
        minimum = header.minimumSectionSize()
        for name in SHRINKABLE:  # shorten these, in this order, down to a third each
            if excess <= 0:
                break
            floor = max(minimum, preferred[name] // 3)
            take = min(excess, widths[name] - floor)
            widths[name] -= take
            excess -= take
        if excess > 0:  # still too wide: every shortenable column shares the rest
            shares = [n for n in SHRINKABLE if widths[n] > minimum]
            for name in shares:
                take = min(widths[name] - minimum, -(-excess // len(shares)))
                widths[name] -= take
                excess -= take
        for column, name in enumerate(COLUMNS):
            if header.sectionSize(column) != widths[name]:
                header.resizeSection(column, widths[name])

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt naming)
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self.fit_columns()
        return False

    # selection -------------------------------------------------------------------------
    def selected_episode(self) -> int | None:
        """The episode of the current row (None: none)."""
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.entry(index.row()).episode_id

    def select_episode(self, episode_id: int) -> bool:
        """Make an episode's row current; False when it is not shown."""
        row = self.model.row_of(episode_id)
        if row is None:
            return False
        self.table.selectRow(row)
        self.table.setCurrentIndex(self.model.index(row, 0))
        return True

    def _remember_selection(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self._selected = self.model.entry(current.row()).episode_id
        self._update_buttons()

    def _restore_selection(self) -> None:
        if self._selected is not None and self.select_episode(self._selected):
            return
        if self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(0, 0))
            self.table.selectRow(0)
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = self.selected_episode() is not None
        for button in (self.start_check, self.serial_view, self.history):
            button.setEnabled(has)
        self.close_episode.setEnabled(has and self.close_episode.property("allowed") is True)

    def set_close_allowed(self, allowed: bool) -> None:
        """Only a clinician closes an episode; for the others the button stays off."""
        self.close_episode.setProperty("allowed", allowed)
        self._update_buttons()

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.startCheckRequested.emit(self.model.entry(index.row()).episode_id)

    def _emit_for_selected(self, signal: Signal) -> None:
        episode_id = self.selected_episode()
        if episode_id is not None:
            signal.emit(episode_id)

    def _filter_chosen(self, level: str | None) -> None:
        self.model.set_level_filter(level)
        self.levelFilterChanged.emit(level)

    # text around the table -------------------------------------------------------------
    def set_reachable(self, reachable: bool, now: datetime) -> None:
        """Whether the last read of the record worked (`now`: when it was tried). While it
        does not, a red line says since when the record cannot be reached and that the
        rows are those last read; the countdowns still run on them."""
        if reachable:
            self.last_read, self.unreachable_since = now, None
            set_message(self.unreachable, "")
        else:
            self.unreachable_since = self.unreachable_since or now
            set_message(self.unreachable, (
                f"\u26a0 The record cannot be reached since {_clock(self.unreachable_since)}: "
                "this board shows what it last read"
                f"{' at ' + _clock(self.last_read) if self.last_read else ''}, and may be out "
                "of date. Saves made elsewhere do not show until it is back."))
        self.update_summary()

    def set_ward_name(self, ward: str) -> None:
        """Name the ward in the board's title."""
        text = f"Ward board \u00b7 {ward}" if ward else "Ward board"
        self.title.setText(text)
        self.title.setAccessibleName(text)

    def update_summary(self) -> None:
        """Counts above the table (open, overdue, by level) and the time of the read."""
        model = self.model
        counts = model.level_counts()
        parts = [f"<b>{len(model.entries)}</b> open"]
        if model.overdue_count:
            parts.append(f"<b style='color:#b71c1c'>\u26a0 {model.overdue_count} overdue</b>")
        for level in reversed(Level):
            if counts.get(level.value):
                style = LEVEL_STYLES[level]
                parts.append(f"{counts[level.value]} {style.word.lower()}")
        if len(model.rows) != len(model.entries):
            parts.append(f"showing {len(model.rows)}")
        text = " \u00b7 ".join(parts)
        self.summary.setText(text)
        self.summary.setAccessibleDescription(text)
        if self.unreachable_since is None:
            self.updated.setText("Updated " + model.now.astimezone().strftime("%H:%M:%S"))
        else:
            self.updated.setText("Last read " + _clock(self.last_read))
        for value, button in self.filter_buttons.items():
            if value is not None:
                button.setToolTip(f"{counts.get(value, 0)} open at this level")


def _clock(moment: datetime | None) -> str:
    """A moment as the workstation's clock shows it (HH:MM:SS)."""
    return moment.astimezone().strftime("%H:%M:%S") if moment else "?"


# -- closing an episode --------------------------------------------------------------------

CLOSE_REASONS = (
    "Recovered: no deficit at the last check",
    "Discharged with advice",
    "Transferred to another ward or hospital",
    "Under the care of neurology or neurosurgery",
    "Opened in error",
    "Other (say why)",
)


class CloseEpisodeDialog(QDialog):
    """A clinician closes an episode with a reason. Opened with `open()`; `confirmed(note)`
    asks the controller, which answers with `accept()` or `show_message()`."""

    confirmed = Signal(str)

    def __init__(self, entry: WardEntry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("close_episode")
        self.setWindowTitle("Close the episode")
        self.setModal(True)
        self.entry = entry
        layout = QVBoxLayout(self)
        who = QLabel(f"<b>{patient_text(entry)}</b><br>{entry.location or 'no bed recorded'}"
                     f" \u00b7 {procedure_text(entry)}")
        who.setObjectName("close_episode.patient")
        who.setWordWrap(True)
        layout.addWidget(who)
        layout.addWidget(note_label("Closing takes the episode off the ward board. Its exams "
                                    "stay in the record. Only a clinician closes an episode."))
        form = QFormLayout()
        self.reason = QComboBox()
        self.reason.setObjectName("close_episode.reason")
        self.reason.setAccessibleName("Reason for closing")
        self.reason.addItem("Choose the reason\u2026", "")
        for reason in CLOSE_REASONS:
            self.reason.addItem(reason, reason)
        form.addRow("&Reason", self.reason)
        self.detail = QLineEdit()
        self.detail.setObjectName("close_episode.detail")
        self.detail.setAccessibleName("Details of the reason")
        self.detail.setMaxLength(300)
        form.addRow("&Details", self.detail)
        layout.addLayout(form)
        self.message = message_label("close_episode.message")
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        cancel = QPushButton("Keep it open")
        cancel.setObjectName("close_episode.cancel")
        cancel.clicked.connect(self.reject)
        self.ok = QPushButton("Close the episode")
        self.ok.setObjectName("close_episode.ok")
        self.ok.clicked.connect(self.submit)
        buttons.addWidget(cancel)
        buttons.addStretch(1)
        buttons.addWidget(self.ok)
        layout.addLayout(buttons)
        self.reason.setFocus(Qt.FocusReason.OtherFocusReason)

    def note(self) -> str | None:
        """The closing note, or None when the reason is not complete."""
        reason = self.reason.currentData()
        detail = self.detail.text().strip()
        if not reason or (reason == CLOSE_REASONS[-1] and not detail):
            return None
        if reason == CLOSE_REASONS[-1]:
            return f"Other: {detail}"
        return f"{reason}: {detail}" if detail else reason

    def submit(self) -> None:
        """Ask to close with the reason given (or say what is missing)."""
        note = self.note()
        if note is None:
            self.show_message("Choose the reason" + (", and say why" if
                                                     self.reason.currentData() else "") + ".")
            return
        self.confirmed.emit(note)

    def show_message(self, text: str) -> None:
        """Say why the episode was not closed."""
        set_message(self.message, text)


# -- the controller ------------------------------------------------------------------------

class BoardController(QObject):
    """Reads the record into the board and carries out what the board asks."""

    refreshed = Signal()

    def __init__(self, db: Database, board: WardBoard, session: WardSession, *,
                 start_check: Callable[[int], object] | None = None,
                 open_serial_view: Callable[[int], object] | None = None,
                 ward_name: Callable[[], str] = lambda: "",
                 watch_ms: int = 500, tick_ms: int = TICK_MS, refresh_ms: int = REFRESH_MS,
                 retry_ms: int = RECORD_RETRY_MS, parent: QObject | None = None) -> None:
        super().__init__(parent or board)
        self.db = db
        self.board = board
        self.model = board.model
        self.session = session
        self.start_check_callback = start_check
        self.open_serial_view_callback = open_serial_view
        self.ward_name = ward_name
        self.reader = WardReader(db)
        self.dialog: CloseEpisodeDialog | None = None
        self.watcher = RecordWatcher(record_address(db), interval_ms=watch_ms, parent=self)
        self.watcher.changed.connect(self.refresh)
        self.watcher.lost.connect(self.refresh)  # which then says the record is out of reach
        self.tick_timer = QTimer(self)
        self.tick_timer.setInterval(tick_ms)
        self.tick_timer.timeout.connect(self.tick)
        self.tick_timer.start()
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setInterval(refresh_ms)
        self.refresh_timer.timeout.connect(self.refresh)
        self.refresh_timer.start()
        # Out of reach, the board asks again every few seconds, not only at the next refresh
        # (a notification may come while its own connection still waits to reconnect).
        self.retry_timer = QTimer(self)
        self.retry_timer.setInterval(retry_ms)
        self.retry_timer.timeout.connect(self.refresh)
        board.startCheckRequested.connect(self.start_check)
        board.serialViewRequested.connect(self.open_serial_view)
        board.closeRequested.connect(self.ask_close)
        session.stateChanged.connect(self._session_changed)
        session.userChanged.connect(lambda _user: self._permissions())
        self._permissions()
        self.refresh()

    # keeping it fresh ------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the open episodes again (a timer, another writer, an action here)."""
        try:
            entries = self.reader.entries()
        except (StoreError, *storage_errors()) as error:
            if self.board.unreachable_since is None:
                log.error("the ward board could not be read (%s)", type(error).__name__)
            self._out_of_reach()
            return
        self.retry_timer.stop()
        self.model.set_entries(entries)
        self.board.set_reachable(True, utc_now())
        self.board.set_ward_name(self.ward_name())
        self.refreshed.emit()

    def _out_of_reach(self) -> None:
        """Say the record cannot be reached, and ask again every few seconds until it can."""
        self.board.set_reachable(False, utc_now())
        if not self.retry_timer.isActive():
            self.retry_timer.start()

    def tick(self) -> None:
        """Move the countdowns on (no read of the record)."""
        self.model.tick()
        self.board.update_summary()

    def _session_changed(self, state: ScreenState) -> None:
        self._permissions()
        if state is ScreenState.ACTIVE:
            self.refresh()
            try:
                record_event(self.db, actor=self.session.actor(), action=WARD_BOARD_VIEW,
                             detail={"open_episodes": len(self.model.entries)})
            except storage_errors() as error:  # the board says it is stale
                log.warning("board view not audited (%s)", type(error).__name__)
            self.board.table.setFocus(Qt.FocusReason.OtherFocusReason)
        elif self.dialog is not None:
            self.dialog.reject()

    def _permissions(self) -> None:
        self.board.set_close_allowed(self.session.has_role("clinician"))

    # actions ---------------------------------------------------------------------------
    def _view(self, episode_id: int, via: str) -> bool:
        try:
            record_patient_view(self.db, episode_id, actor=self.session.actor(), via=via)
        except StoreError as error:
            log.warning("patient view refused (%s)", type(error).__name__)
            return False
        except storage_errors() as error:  # the record out of reach: say so
            log.warning("patient view not recorded (%s)", type(error).__name__)
            self._out_of_reach()
            return False
        return True

    def start_check(self, episode_id: int) -> None:
        """The next check of the episode's patient, in the exam wizard."""
        if self.start_check_callback is None or not self._view(episode_id, "next_check"):
            return
        self.start_check_callback(episode_id)

    def open_serial_view(self, episode_id: int) -> None:
        """The episode's exams over time and its charts (the callback audits the view)."""
        if self.open_serial_view_callback is None or not self.session.active:
            return
        self.open_serial_view_callback(episode_id)

    def ask_close(self, episode_id: int) -> CloseEpisodeDialog | None:
        """Ask a clinician for the reason, then close the episode."""
        row = self.model.row_of(episode_id)
        if row is None or not self.session.has_role("clinician") or self.dialog is not None:
            return None
        dialog = CloseEpisodeDialog(self.model.entry(row), self.board)
        dialog.confirmed.connect(lambda note: self._close(dialog, episode_id, note))
        dialog.finished.connect(lambda _result: self._dialog_closed(dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _close(self, dialog: CloseEpisodeDialog, episode_id: int, note: str) -> None:
        try:
            close_episode(self.db, get_user(self.db, self.session.actor()), episode_id, note)
        except StoreError as error:
            dialog.show_message(str(error).capitalize() + ".")
            return
        except storage_errors() as error:
            from desktop_app.ui.failures import storage_failure_words

            dialog.show_message("The episode was not closed: "
                                + storage_failure_words(error, "close it again") + ".")
            return
        log.info("episode %d closed", episode_id)
        dialog.accept()
        self.refresh()

    def _dialog_closed(self, dialog: CloseEpisodeDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def close(self) -> None:
        """Stop the timers and the watcher's connection (safe once the Qt parts are gone)."""
        for timer in (self.tick_timer, self.refresh_timer, self.retry_timer):
            if shiboken6.isValid(timer):
                timer.stop()
        self.watcher.close()
