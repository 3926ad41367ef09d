"""What every wizard page has in common.

A page is built once per exam, loads its widgets from the `ExamSession`, writes every change
straight back to it, and shows the session's problems next to its own fields. It never
saves anything: only the wizard's finish step does.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from desktop_app.ui.exam_state import ExamSession, Problem
from desktop_app.ui.widgets import ChoiceRow, GridNavigator, show_problem


class WizardPage(QWidget):
    """Base of the pages. Subclasses set `page_id` and `title` and build their widgets."""

    page_id = ""
    title = ""
    max_width: int | None = None  # form pages stay readable on a wide screen

    def __init__(self, session: ExamSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName(f"page.{self.page_id}")
        self.setAccessibleName(self.title)
        self.navigator = GridNavigator()
        self.cells: dict[str, ChoiceRow] = {}
        self.problem_labels: dict[str, QLabel] = {}
        if self.max_width:
            self.setMaximumWidth(self.max_width)

    # to override -----------------------------------------------------------------------
    def load(self) -> None:
        """Fill every widget from the session (after building, and after a draft restore)."""
        for path, cell in self.cells.items():
            cell.setValue(self.session.value(path))

    def relevant(self) -> bool:
        """False when the procedure makes this page irrelevant: Next steps over it."""
        return True

    def refresh(self, changed_path: str) -> None:
        """Called after any change of the session (another page's too)."""

    def first_focus(self) -> QWidget | None:
        cells = self.navigator.cells()
        return cells[0] if cells else None

    def owns(self, path: str) -> bool:
        """True when the problem at `path` is shown on this page."""
        return path in self.cells or path in self.problem_labels

    # shared ----------------------------------------------------------------------------
    def add_cell(self, cell: ChoiceRow) -> ChoiceRow:
        """Bind a grade or choice cell to the session path in its objectName."""
        self.cells[cell.path] = cell
        cell.valueChanged.connect(lambda value, p=cell.path: self.session.set_value(p, value))
        return cell

    def show_problems(self, problems: list[Problem]) -> None:
        by_path = {}
        for problem in problems:
            by_path.setdefault(problem.path, problem.message)
        for path, label in self.problem_labels.items():
            show_problem(label, by_path.get(path))
        for path, cell in self.cells.items():
            message = by_path.get(path)
            cell.set_flag("problem", message is not None)
            if cell.toolTip() != (message or ""):
                cell.setToolTip(message or "")

    def focus_path(self, path: str) -> bool:
        """Put the keyboard focus on the field of `path` if it is on this page."""
        widget = self.findChild(QWidget, path)
        if widget is None:
            return False
        widget.setFocus(Qt.FocusReason.OtherFocusReason)
        return True
