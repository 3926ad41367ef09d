"""Questions to the nurse that never block the event loop, and the manners of the
application's other windows (Esc closes them; none is larger than the screen).

`ask()` opens a message box with `open()` and calls back with the answer, so code under
test never sits in `exec()`; a test answers by clicking the box's button, or patches `ask`.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


def ask(
    parent: QWidget,
    title: str,
    text: str,
    on_answer: Callable[[bool], None],
    *,
    yes: str = "Yes",
    no: str = "No",
    default_yes: bool = False,
) -> QMessageBox:
    """Ask a yes/no question; `on_answer(True)` when the yes button was chosen."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton,
                      parent)
    box.setObjectName("question")
    yes_button = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    no_button = box.addButton(no, QMessageBox.ButtonRole.RejectRole)
    yes_button.setObjectName("question.yes")
    no_button.setObjectName("question.no")
    box.setDefaultButton(yes_button if default_yes else no_button)
    box.setEscapeButton(no_button)

    def answered(_result: int) -> None:
        on_answer(box.clickedButton() is yes_button)
        box.deleteLater()

    box.finished.connect(answered)
    box.open()
    return box


class _CloseOnEscape(QObject):
    """Esc that reached the window (no field or open list took it) closes the window."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and \
                event.key() == Qt.Key.Key_Escape and \
                event.modifiers() == Qt.KeyboardModifier.NoModifier:
            watched.close()
            return True
        return False


def close_on_escape(window: QWidget) -> QObject:
    """Esc closes a secondary window (the audit log, a serial view, a note) as it closes a
    dialog; a combo box's open list or an editor still takes its Esc first. A key event,
    not a shortcut: it works whichever window the system thinks is active."""
    closer = _CloseOnEscape(window)
    closer.setObjectName("close_on_escape")
    window.installEventFilter(closer)
    return closer


def available_geometry(widget: QWidget | None = None) -> QRect:
    """The part of the screen a window may use (the taskbar left out): the widget's screen,
    else the primary one."""
    screen = widget.screen() if widget is not None else None
    screen = screen or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1366, 728)


class _RefitOnShow(QObject):
    """Once the window is shown its real frame is known: size it again with that frame."""

    def __init__(self, window: QWidget, width: int, height: int) -> None:
        super().__init__(window)
        self.size = (width, height)
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if event.type() == QEvent.Type.Show:
            watched.removeEventFilter(self)
            width, height = self.size
            QTimer.singleShot(0, watched, lambda: _refit(watched, width, height))
        return False


def _refit(window: QWidget, width: int, height: int) -> None:
    import shiboken6

    if shiboken6.isValid(window) and window.isVisible():
        fit_to_screen(window, width, height)


def fit_to_screen(window: QWidget, width: int, height: int) -> QSize:
    """Size a top-level window to `width` x `height`, never beyond the available screen
    (its frame included), and keep it on that screen. Before the window is shown its frame
    is guessed (a usual title bar and border); once shown it is sized again with its own."""
    area = available_geometry(window)
    if not window.isVisible():
        _RefitOnShow(window, width, height)
    frame = window.frameGeometry().size() - window.geometry().size()
    extra_w, extra_h = max(frame.width(), 0), max(frame.height(), 0)
    if not window.isVisible():  # no frame yet: leave room for a usual title bar and border
        extra_w, extra_h = max(extra_w, 8), max(extra_h, 32)
    size = QSize(min(width, area.width() - extra_w), min(height, area.height() - extra_h))
    window.setMaximumSize(QSize(16_777_215, 16_777_215))
    window.resize(size)
    top_left = window.pos()
    x = min(max(top_left.x(), area.left()), area.right() - size.width() - extra_w + 1)
    y = min(max(top_left.y(), area.top()), area.bottom() - size.height() - extra_h + 1)
    window.move(max(x, area.left()), max(y, area.top()))
    return size


# Why an exam that asked for a call is thrown away: codes in the audit log (free text could
# name the patient), words on the screen and the board.
DISCARD_REASONS: dict[str, str] = {
    "wrong_patient": "Started on the wrong patient",
    "duplicate": "A duplicate: this check is recorded in another exam",
    "entered_in_error": "Entered in error: the exam is repeated from the start",
    "patient_unavailable": "Patient not available (left the ward, declined the exam)",
    "other": "Other reason (write it below)",
}


class DiscardReasonDialog(QDialog):
    """Discarding an exam whose provisional level asks for a call: a reason is required,
    and the dialog says the exam stays on the board. Opened with `open()`; `chosen(code,
    details)` once the nurse confirms."""

    chosen = Signal(str, str)

    def __init__(self, parent: QWidget, level_words: str, what: str) -> None:
        super().__init__(parent)
        self.setObjectName("discard_reason")
        self.setWindowTitle("Discard an exam at " + level_words)
        self.setModal(True)
        layout = QVBoxLayout(self)
        text = QLabel(
            f"<b>This exam reads {level_words} (provisional).</b><br>Discarding it throws "
            f"away the findings of {what}. Say why: the discard is recorded with your name "
            "and the level, and the patient stays on the board as \u201cexam discarded\u201d "
            "until a nurse has dealt with it.")
        text.setObjectName("discard_reason.text")
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(text)
        self.reason = QComboBox()
        self.reason.setObjectName("discard_reason.reason")
        self.reason.setAccessibleName("Why the exam is discarded")
        self.reason.addItem("Choose why\u2026", "")
        for code, words in DISCARD_REASONS.items():
            self.reason.addItem(words, code)
        layout.addWidget(QLabel("&Why is it discarded?", buddy=self.reason))
        layout.addWidget(self.reason)
        self.details = QLineEdit()
        self.details.setObjectName("discard_reason.details")
        self.details.setAccessibleName("Details of the reason")
        self.details.setMaxLength(200)
        self.details.setPlaceholderText("Details (required for another reason)")
        layout.addWidget(self.details)
        self.message = QLabel()
        self.message.setObjectName("discard_reason.message")
        self.message.setProperty("role", "problem")
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        self.keep = QPushButton("Keep editing")
        self.keep.setObjectName("discard_reason.keep")
        self.keep.setDefault(True)
        self.keep.clicked.connect(self.reject)
        self.discard = QPushButton("Discard with this reason")
        self.discard.setObjectName("discard_reason.discard")
        self.discard.setAutoDefault(False)
        self.discard.clicked.connect(self.submit)
        buttons.addWidget(self.keep)
        buttons.addStretch(1)
        buttons.addWidget(self.discard)
        layout.addLayout(buttons)
        self.reason.setFocus(Qt.FocusReason.OtherFocusReason)
        self.finished.connect(lambda _r: self.deleteLater())

    def submit(self) -> None:
        code = self.reason.currentData()
        details = self.details.text().strip()
        if not code:
            self._say("Choose why the exam is discarded.")
            self.reason.setFocus()
            return
        if code == "other" and not details:
            self._say("Write the reason in the details.")
            self.details.setFocus()
            return
        self.refused = False
        self.chosen.emit(code, details)
        if not self.refused:
            self.accept()

    def refuse(self, text: str) -> None:
        """The record could not take the discard (a full disk): say so and stay open, the
        reason kept, so the nurse can discard again."""
        self.refused = True
        self._say(text)

    def _say(self, text: str) -> None:
        self.message.setText("\u26a0 " + text)
        self.message.setVisible(True)
