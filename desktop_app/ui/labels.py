"""The message and note lines every screen uses, in a module of their own: the sign-in
screen is painted at start-up with these and none of the wizard's widgets."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

__all__ = ["alert_label", "message_label", "note_label", "set_message", "text_label"]


def message_label(name: str, parent: QWidget | None = None) -> QLabel:
    """A red line saying what went wrong (hidden while there is nothing to say)."""
    label = QLabel(parent)
    label.setObjectName(name)
    label.setProperty("role", "problem")
    label.setWordWrap(True)
    label.setVisible(False)
    return label


def alert_label(name: str, parent: QWidget | None = None) -> QLabel:
    """A bold white-on-red band for a state that changes what the screen can be trusted
    with (the record out of reach); hidden until `set_message` gives it a text."""
    label = message_label(name, parent)
    label.setStyleSheet("background:#b71c1c; color:white; font-weight:bold; padding:6px; "
                        "border-radius:3px")
    return label


def text_label(name: str, accessible: str, *, rich: bool = True) -> QLabel:
    """A word-wrapped label named for the tests (`name`) and for a screen reader
    (`accessible`), its text rich (links, bold) or plain."""
    label = QLabel()
    label.setObjectName(name)
    label.setAccessibleName(accessible)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    return label


def set_message(label: QLabel, text: str) -> None:
    """Say `text` on a message line (read out too); an empty text hides it."""
    label.setText(text)
    label.setAccessibleName(text)
    label.setVisible(bool(text))


def note_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    label = QLabel(text, parent)
    label.setProperty("role", "note")
    label.setWordWrap(True)
    return label
