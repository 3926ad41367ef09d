"""Questions to the nurse that never block the event loop.

`ask()` opens a message box with `open()` and calls back with the answer, so code under
test never sits in `exec()`; a test answers by clicking the box's button, or patches `ask`.
"""

from __future__ import annotations

from collections.abc import Callable

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
