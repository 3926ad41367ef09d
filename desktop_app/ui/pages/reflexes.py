"""Page 5: patellar (L4) and Achilles (S1) reflexes, 0 to 4+, both sides."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from desktop_app.domain.scales import GRID_BY_PATH, REFLEX_GRADES, REFLEXES, Scale
from desktop_app.ui.exam_state import ExamSession
from desktop_app.ui.page import WizardPage
from desktop_app.ui.pages.motor import SIDES_SHOWN, legend
from desktop_app.ui.widgets import (
    ChoiceRow,
    GradeCell,
    SideGrid,
    fit_width,
    grade_options,
    heading,
    note_label,
    scale_words,
)


class ReflexesPage(WizardPage):
    page_id = "reflexes"
    title = "Reflexes"

    def __init__(self, session: ExamSession, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        outer = QVBoxLayout(self)
        outer.addWidget(heading("Reflexes"))
        scale = QLabel("Grades: " + legend(REFLEX_GRADES))
        scale.setObjectName("reflexes.legend")
        scale.setWordWrap(True)
        outer.addWidget(scale)
        outer.addWidget(note_label("Keys: 0 to 4 set 0 to 4+, N not testable, Delete clears."))
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        outer.addLayout(grid)
        sides = SideGrid(grid)
        self.side_grids = [sides]
        for column, side in enumerate(SIDES_SHOWN, start=1):
            sides.place(QLabel(f"<b>{side.capitalize()}</b>"), (0, column, 1, 1), None)
        for row, (reflex, (root, words)) in enumerate(REFLEXES.items(), start=1):
            sides.place(QLabel(f"{words.capitalize()} ({root})"), (row, 0, 1, 1),
                        (2 * row - 1, 0, 2, 1))
            cells = []
            for column, side in enumerate(SIDES_SHOWN, start=1):
                path = f"reflexes.{reflex}.{side}"
                cell = self.add_cell(ChoiceRow(path, GRID_BY_PATH[path].words,
                                               grade_options(Scale.REFLEX),
                                               refused_words=scale_words(Scale.REFLEX)))
                narrow_row = 2 * row - 1 + column - 1  # Right, then Left under it
                sides.place(sides.side_tag(side), None, (narrow_row, 1, 1, 1))
                sides.place(GradeCell(cell), (row, column, 1, 1), (narrow_row, 2, 1, 1))
                cells.append(cell)
            self.navigator.add_row(cells)
        grid.setColumnStretch(3, 1)
        outer.addWidget(note_label(
            "Reflexes are recorded and printed for the clinician; no rule reads them "
            "(the sources give asymmetry no threshold)."
        ))
        outer.addStretch(1)
        self.load()

    def load(self) -> None:
        super().load()
        for cell_widget in self.findChildren(GradeCell):
            cell_widget.update_caption()

    def fit_width(self, width: int) -> None:
        """Left under Right when the page is narrower than the grid side by side."""
        fit_width(self, self.side_grids, width)

    def relevant(self) -> bool:
        return self.session.procedure.site != "deltoid"
