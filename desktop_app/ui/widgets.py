"""Small widgets the wizard pages are built from.

`ChoiceRow` is the grade cell: a row of large segmented buttons for the mouse and the touch
screen, and one keyboard stop that takes digits (or y/n) directly. Its objectName is the
exam-document path of its item and its accessible name the item in words, so a screen
reader, a test and a nurse all address it the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QDate, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QCalendarWidget,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from desktop_app.domain.scales import NT, SCALE_GRADES, Scale
from desktop_app.ui.labels import (  # noqa: F401 (re-exported)
    message_label,
    note_label,
    set_message,
    text_label,
)

NT_KEYS = ("t", "T", "-", "x", "X")


@dataclass(frozen=True)
class Option:
    """One choice of a row: the value stored, the button text, its meaning, its keys."""

    value: object
    label: str
    meaning: str
    keys: tuple[str, ...] = ()


def grade_options(scale: Scale) -> tuple[Option, ...]:
    """The choices of a grading scale, NT last, each with its digit (or y/n) key."""
    grades = SCALE_GRADES[scale]
    has_no = scale is Scale.SLR
    options = []
    for value, meaning in grades.items():
        if value == NT and not isinstance(value, bool):
            keys = NT_KEYS if has_no else (*NT_KEYS, "n", "N")
            options.append(Option(NT, "NT", meaning, keys))
        elif scale is Scale.SLR:
            label, keys = ("Yes", ("y", "Y", "1")) if value else ("No", ("n", "N", "0"))
            options.append(Option(value, label, meaning, keys))
        else:
            text = str(value)
            options.append(Option(value, text, meaning, (text[0],)))
    return tuple(options)


def yes_no_options() -> tuple[Option, ...]:
    return (Option(True, "Yes", "yes", ("y", "Y", "1")), Option(False, "No", "no", ("n", "N", "0")))


def word_options(values: Sequence[str], words: dict[str, str] | None = None) -> tuple[Option, ...]:
    """Choices named by words; the first letter of each is its key when it is unique."""
    words = words or {}
    firsts = [v[0].lower() for v in values]
    options = []
    for value in values:
        label = words.get(value, value.replace("_", " "))
        first = value[0].lower()
        keys = (first, first.upper()) if firsts.count(first) == 1 else ()
        options.append(Option(value, label[0].upper() + label[1:], label, keys))
    return tuple(options)


def shown_key(option: Option) -> str:
    """The key a button names: the one its label starts with if any (N for NT), else the
    first; letters in upper case, as printed on the keyboard."""
    for key in option.keys:
        if option.label[:1].upper() == key.upper():
            return key.upper()
    return option.keys[0].upper() if option.keys else ""


def button_text(option: Option, *, compact: bool = False) -> str:
    """A choice button's text with its key: `0`, `Yes [Y]`, `NT [N]`, `Ventrogluteal [1]`.
    A label that is its own key (a digit grade) is shown as it is; `compact` (a dense grid
    whose legend names the keys) also leaves a label that starts with its key as it is."""
    key = shown_key(option)
    if not key or option.label == key:
        return option.label
    if compact and option.label[:1].upper() == key:
        return option.label
    return f"{option.label} [{key}]"


SCALE_NAMES = {
    Scale.SENSORY: "a sensory grade",
    Scale.MRC: "an MRC grade",
    Scale.SLR: "an answer here",
    Scale.REFLEX: "a reflex grade",
    Scale.BROMAGE: "a Bromage score",
}


def scale_words(scale: Scale) -> str:
    """A scale named with its range, for a refused key: `an MRC grade (0 to 5, or NT)`."""
    if scale is Scale.SLR:
        return f"{SCALE_NAMES[scale]} (Y, N or NT)"
    values = [v for v in SCALE_GRADES[scale] if not (v == NT and not isinstance(v, bool))]
    nt = ", or NT" if NT in SCALE_GRADES[scale] else ""
    return f"{SCALE_NAMES[scale]} ({values[0]} to {values[-1]}{nt})"


class ChoiceRow(QFrame):
    """A segmented choice with one keyboard stop. `value()` is None until something is chosen."""

    valueChanged = Signal(object)
    keyRefused = Signal(str)  # a key that is on no option: the text of why

    def __init__(
        self,
        path: str,
        words: str,
        options: Sequence[Option],
        *,
        refused_words: str | None = None,  # "an MRC grade (0 to 5, or NT)"
        compact: bool = False,  # a dense grid: see `button_text`
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(path)
        self.setAccessibleName(words)
        self.path = path
        self.words = words
        self.options = tuple(options)
        self.refused_words = refused_words
        self.navigator: GridNavigator | None = None
        self._value: object = None
        self._flags: dict[str, bool] = {}
        self._keys = {key: option for option in self.options for key in option.keys}
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(3, 3, 3, 3)
        layout.setSpacing(2)
        self.buttons: list[QToolButton] = []
        for option in self.options:
            button = QToolButton(self)
            button.setText(button_text(option, compact=compact))
            button.setCheckable(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the row is the one keyboard stop
            keys = f" (key {shown_key(option)})" if option.keys else ""
            button.setToolTip(f"{option.label}: {option.meaning}{keys}")
            button.setAccessibleName(f"{words}: {option.label}, {option.meaning}")
            button.clicked.connect(lambda _=False, o=option: self._choose(o, from_key=False))
            layout.addWidget(button)
            self.buttons.append(button)
        self._describe()

    # value -----------------------------------------------------------------------------
    def value(self) -> object:
        return self._value

    def setValue(self, value: object) -> None:  # noqa: N802 (Qt naming)
        """Show `value` without emitting (loading from the exam object)."""
        self._value = value
        for option, button in zip(self.options, self.buttons, strict=True):
            button.setChecked(_same(option.value, value))
        self._describe()

    def _choose(self, option: Option | None, *, from_key: bool) -> None:
        value = None if option is None else option.value
        changed = not _same(value, self._value) or (value is None) != (self._value is None)
        self.setValue(value)
        if changed:
            self.valueChanged.emit(value)
        if from_key and option is not None and self.navigator is not None:
            self.navigator.advance(self)

    def meaning(self) -> str:
        for option in self.options:
            if _same(option.value, self._value):
                return f"{option.label}: {option.meaning}"
        return "not entered"

    def _describe(self) -> None:
        self.setAccessibleDescription(self.meaning())

    # keyboard --------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt naming)
        key, text = event.key(), event.text()
        if text and text in self._keys:
            self._choose(self._keys[text], from_key=True)
            return
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self._choose(None, from_key=False)
            return
        moves = {
            Qt.Key.Key_Left: (0, -1),
            Qt.Key.Key_Right: (0, 1),
            Qt.Key.Key_Up: (-1, 0),
            Qt.Key.Key_Down: (1, 0),
        }
        if key in moves and self.navigator is not None:
            self.navigator.move(self, *moves[key])
            return
        if text and text.isprintable() and not text.isspace() and event.modifiers() in (
            Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier
        ):
            what = self.refused_words or (
                "a choice here (" + ", ".join(o.label for o in self.options) + ")"
            )
            self.keyRefused.emit(f"{text} is not {what}")
            return
        super().keyPressEvent(event)

    def set_flag(self, name: str, on: bool) -> None:
        """Set a style property (`selected`, `problem`) and re-apply the style sheet."""
        # Kept on the Python side: reading back an unset Qt property gives a None whose
        # reference count PySide6 6.12 gets wrong.
        if self._flags.get(name, False) == on:
            return
        self._flags[name] = on
        self.setProperty(name, on)
        self.style().unpolish(self)
        self.style().polish(self)


def _same(a: object, b: object) -> bool:
    # 1 == True in Python; a grade of 1 is not a "yes".
    return a == b and type(a) is type(b)


class GridNavigator:
    """Moves focus through a page's grade cells in reading order (rows, then columns).

    Cells are registered row by row; a row may have gaps (None). Arrows move within the
    grid, wrapping at the ends of rows; a digit that sets a grade advances to the next cell.
    """

    def __init__(self) -> None:
        self.rows: list[list[ChoiceRow | None]] = []
        self.on_last: Callable[[], None] | None = None

    def add_row(self, cells: Sequence[ChoiceRow | None]) -> None:
        row = list(cells)
        for cell in row:
            if cell is not None:
                cell.navigator = self
        self.rows.append(row)

    def cells(self) -> list[ChoiceRow]:
        """Every visible cell in reading order."""
        return [c for row in self.rows for c in row if c is not None and c.isVisibleTo(c.window())]

    def _position(self, cell: ChoiceRow) -> tuple[int, int]:
        for r, row in enumerate(self.rows):
            if cell in row:
                return r, row.index(cell)
        raise ValueError(cell.path)

    def advance(self, cell: ChoiceRow) -> None:
        order = self.cells()
        if cell not in order:  # a cell of a page not on screen keeps the focus where it is
            return
        index = order.index(cell)
        if index + 1 < len(order):
            order[index + 1].setFocus(Qt.FocusReason.TabFocusReason)
        elif self.on_last is not None:
            self.on_last()

    def move(self, cell: ChoiceRow, d_row: int, d_col: int) -> None:
        order = self.cells()
        if cell not in order:
            return
        if d_col:
            index = order.index(cell) + d_col
            if 0 <= index < len(order):
                order[index].setFocus(Qt.FocusReason.TabFocusReason)
            return
        r, c = self._position(cell)
        r += d_row
        while 0 <= r < len(self.rows):
            row = self.rows[r]
            target = row[c] if c < len(row) else None
            if target is not None and target.isVisibleTo(target.window()):
                target.setFocus(Qt.FocusReason.TabFocusReason)
                return
            r += d_row


def problem_label(path: str, parent: QWidget | None = None) -> QLabel:
    """The red reason shown next to a field; named `problem:<path>`, empty when all is well."""
    return message_label(f"problem:{path}", parent)


def set_shown(widget: QWidget, shown: bool) -> None:
    """Show or hide `widget` only when that changes (each change re-lays its parent out)."""
    if widget.isHidden() == shown:
        widget.setVisible(shown)


def show_problem(label: QLabel, message: str | None) -> None:
    text = f"\u26a0 {message}" if message else ""
    if label.text() != text:
        label.setText(text)
        label.setAccessibleName(text)
    set_shown(label, bool(message))


def heading(text: str, parent: QWidget | None = None) -> QLabel:
    label = QLabel(text, parent)
    label.setProperty("role", "heading")
    label.setAccessibleName(text)
    return label


def with_problem(field: QWidget, label: QLabel) -> QWidget:
    """A field with its problem label under it, as one form row."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addWidget(field)
    layout.addWidget(label)
    return box


class GradeCell(QWidget):
    """A `ChoiceRow` with a caption under it: the chosen grade's meaning, or why a key was
    refused (`6 is not an MRC grade`). The caption is named `note:<path>`."""

    def __init__(self, row: ChoiceRow, parent: QWidget | None = None, *, show_meaning=True):
        super().__init__(parent)
        self.row = row
        self.show_meaning = show_meaning
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(row)
        self.caption = QLabel(self)
        self.caption.setObjectName(f"note:{row.path}")
        self.caption.setProperty("role", "note")
        self.caption.setMinimumHeight(self.caption.fontMetrics().height())
        self.refused = False
        small = self.caption.font()
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
        self.caption.setFont(small)
        if show_meaning:
            # As wide as the widest meaning from the start: a grade typed never widens its
            # column, so the grid does not shift under the finger nor repaint as a whole.
            metrics = self.caption.fontMetrics()
            self.caption.setMinimumWidth(max(
                (metrics.horizontalAdvance(option.meaning) for option in row.options),
                default=0) + 2)
        layout.addWidget(self.caption)
        row.valueChanged.connect(lambda _value: self.update_caption())
        row.keyRefused.connect(self.refuse)
        self.update_caption()

    def update_caption(self) -> None:
        """Show the meaning of the value the row holds (after a load or a change)."""
        if self.refused:
            self.refused = False
            self.caption.setStyleSheet("")
            self.caption.setAccessibleName("")
        value = self.row.value()
        text = self.row.meaning().split(": ", 1)[-1] if value is not None and \
            self.show_meaning else ""
        if self.caption.text() != text:
            self.caption.setText(text)

    def refuse(self, message: str) -> None:
        if not self.refused:
            self.refused = True
            self.caption.setStyleSheet("color: #b71c1c; font-weight: bold;")
        self.caption.setText(f"\u26a0 {message}")
        self.caption.setAccessibleName(message)


# the wheel -------------------------------------------------------------------------------
WHEEL_GUARDED = (QAbstractSpinBox, QComboBox, QAbstractSlider)  # inputs a wheel would change


class WheelGuard(QObject):
    """Keeps the wheel from changing an input the nurse did not put the focus on: the
    wheel over such an input scrolls the page around it instead."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if event.type() != QEvent.Type.Wheel or not isinstance(watched, QWidget):
            return False
        if watched.hasFocus():
            return False  # focused on purpose (click or Tab): the wheel may change it
        scroll = _scroll_area_of(watched)
        if scroll is not None:
            bar = scroll.verticalScrollBar()
            if event.angleDelta().x() and not event.angleDelta().y():
                bar = scroll.horizontalScrollBar()
            QApplication.sendEvent(bar, QWheelEvent(
                event.position(), event.globalPosition(), event.pixelDelta(),
                event.angleDelta(), event.buttons(), event.modifiers(), event.phase(),
                event.inverted()))
        return True  # never the input's value


_WHEEL_GUARD: WheelGuard | None = None


def guard_wheel(root: QWidget) -> None:
    """Give every value input under `root` the wheel guard (once each): strong focus (click
    or Tab, never the wheel) and the filter that passes the wheel on to the page."""
    global _WHEEL_GUARD
    if _WHEEL_GUARD is None:
        _WHEEL_GUARD = WheelGuard(QApplication.instance())
    for kind in WHEEL_GUARDED:
        for widget in root.findChildren(kind):
            if widget.property("wheelGuarded"):
                continue
            widget.setProperty("wheelGuarded", True)
            widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            widget.installEventFilter(_WHEEL_GUARD)


def _scroll_area_of(widget: QWidget) -> QScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QScrollArea):
        parent = parent.parentWidget()
    return parent


# times -------------------------------------------------------------------------------------
TIME_FORMAT = "%Y-%m-%d %H:%M"
TIME_WORDS = "YYYY-MM-DD HH:MM"


def parse_time(text: str) -> datetime:
    """`2026-05-04 08:15` (or with a T) as an aware time in the workstation's zone;
    ValueError when it is not one."""
    text = " ".join(text.strip().replace("T", " ").split())
    return datetime.strptime(text, TIME_FORMAT).astimezone()


class TimeField(QLineEdit):
    """A date and time typed as `YYYY-MM-DD HH:MM`, or its date picked from a calendar: empty
    until the nurse enters it (no default), and changed only by typing or picking."""

    timeChanged = Signal(object)  # an aware datetime, or None (empty or not a time)

    def __init__(self, path: str, words: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(path)
        self.setAccessibleName(words)
        self.setPlaceholderText(TIME_WORDS)
        self.setMaxLength(20)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance(f"{TIME_WORDS}  ") + 32)
        self._time: datetime | None = None
        self.problem: str | None = None  # why the typed text is not a time
        self.textEdited.connect(self._edited)
        self.pick = QToolButton()
        self.pick.setObjectName(f"{path}.pick")
        self.pick.setText("Pick date\u2026")
        self.pick.setAccessibleName(f"{words}: pick the date from a calendar")
        self.pick.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.pick.clicked.connect(self.show_calendar)
        self.menu: QMenu | None = None  # built on the first pick
        self.calendar: QCalendarWidget | None = None

    def show_calendar(self) -> None:
        """Open the calendar under the Pick button (at the date typed, if any)."""
        if self.menu is None:
            self.menu = QMenu(self.pick)
            self.calendar = QCalendarWidget(self.menu)
            self.calendar.setObjectName(f"{self.objectName()}.calendar")
            self.calendar.clicked.connect(self._picked)
            self.calendar.activated.connect(self._picked)
            action = QWidgetAction(self.menu)
            action.setDefaultWidget(self.calendar)
            self.menu.addAction(action)
        if self._time is not None:
            moment = self._time.astimezone()
            self.calendar.setSelectedDate(QDate(moment.year, moment.month, moment.day))
        self.menu.popup(self.pick.mapToGlobal(self.pick.rect().bottomLeft()))

    def time(self) -> datetime | None:
        return self._time

    def setTime(self, moment: datetime | None) -> None:  # noqa: N802 (Qt naming)
        """Show `moment` (None: empty) without emitting (loading from the exam)."""
        self._time = moment
        self.problem = None
        self.setText(moment.astimezone().strftime(TIME_FORMAT) if moment else "")

    def _edited(self, text: str) -> None:
        moment: datetime | None = None
        self.problem = None
        if text.strip():
            try:
                moment = parse_time(text)
            except ValueError:
                self.problem = f"is not a time: write {TIME_WORDS}"
        self._time = moment
        self.timeChanged.emit(moment)

    def _picked(self, day: QDate) -> None:
        """A picked date keeps the typed time of day (or asks for it: the time is typed)."""
        if self.menu is not None:
            self.menu.close()
        old = self.text().strip().replace("T", " ").split(" ")
        clock = old[1] if len(old) > 1 else ""
        self.setText(f"{day.toString('yyyy-MM-dd')} {clock}".rstrip() + ("" if clock else " "))
        self.setFocus(Qt.FocusReason.OtherFocusReason)
        self.setCursorPosition(len(self.text()))
        self._edited(self.text())


# Right and Left side by side, or Left under Right when the page is narrow ----------------
Place = tuple[int, int, int, int]  # row, column, row span, column span


class SideGrid:
    """Where the widgets of a grid of Right and Left cells sit: side by side when the page
    is wide, each row's Left cells under its Right cells (each side named on its own row)
    when it is not (200 % on 1920x1080). The keyboard order of the cells does not change."""

    def __init__(self, grid: QGridLayout) -> None:
        self.grid = grid
        self.wide: dict[QWidget, Place] = {}
        self.narrow: dict[QWidget, Place] = {}
        self.is_narrow = False

    def place(self, widget: QWidget, wide: Place | None, narrow: Place | None) -> None:
        """Put `widget` at `wide` now; `None` hides it in that arrangement."""
        if wide is not None:
            self.wide[widget] = wide
            self.grid.addWidget(widget, *wide)
        if narrow is not None:
            self.narrow[widget] = narrow
        if wide is None:
            widget.setParent(self.grid.parentWidget())
            widget.hide()

    def side_tag(self, side: str) -> QLabel:
        tag = QLabel(f"<b>{side.capitalize()}</b>")
        tag.setObjectName(f"side_tag.{side}")
        return tag

    def set_narrow(self, narrow: bool) -> None:
        if narrow == self.is_narrow:
            return
        self.is_narrow = narrow
        shown = self.narrow if narrow else self.wide
        for widget in {*self.wide, *self.narrow}:
            self.grid.removeWidget(widget)
        for widget in {*self.wide, *self.narrow}:
            if widget in shown:
                self.grid.addWidget(widget, *shown[widget])
            widget.setVisible(widget in shown)


def fit_width(page: QWidget, grids: list[SideGrid], width: int) -> None:
    """Narrow the grids of `page` when its wide arrangement needs more than `width`."""
    if not grids:
        return
    if not grids[0].is_narrow:
        page.ensurePolished()
        page.wide_width = page.minimumSizeHint().width()
    narrow = width < getattr(page, "wide_width", 0)
    for grid in grids:
        grid.set_narrow(narrow)
