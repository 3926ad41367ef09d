"""The message and note lines every screen uses, in a module of their own: the sign-in
screen is painted at start-up with these and none of the wizard's widgets."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

__all__ = ["message_label", "note_label", "set_message"]


def message_label(name: str, parent: QWidget | None = None) -> QLabel:
    """A red line saying what went wrong (hidden while there is nothing to say)."""
    label = QLabel(parent)
    label.setObjectName(name)
    label.setProperty("role", "problem")
    label.setWordWrap(True)
    label.setVisible(False)
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
