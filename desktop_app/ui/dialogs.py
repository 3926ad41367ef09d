"""Questions to the nurse that never block the event loop, and the manners of the
application's other windows (Esc closes them; none is larger than the screen).

`ask()` opens a message box with `open()` and calls back with the answer, so code under
test never sits in `exec()`; a test answers by clicking the box's button, or patches `ask`.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import QMessageBox, QWidget


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


def fit_to_screen(window: QWidget, width: int, height: int) -> QSize:
    """Size a top-level window to `width` x `height`, never beyond the available screen
    (its frame included), and keep it on that screen."""
    area = available_geometry(window)
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
