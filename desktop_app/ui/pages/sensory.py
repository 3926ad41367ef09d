"""Page 3: light touch and pinprick, L2 to S1, both sides, beside the body map."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QBoxLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.scales import (
    DERMATOMES,
    GRID_BY_PATH,
    KEY_SENSORY_POINTS,
    SENSORY_MODALITIES,
    Scale,
)
from desktop_app.ui.bodymap_view import BodyMapView
from desktop_app.ui.exam_state import ExamSession
from desktop_app.ui.page import WizardPage
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

# Right before left, as on the ASIA chart and as the front view of the body map shows them.
COLUMNS = tuple((side, modality) for side in ("right", "left") for modality in SENSORY_MODALITIES)


def sensory_path(dermatome: str, side: str, modality: str) -> str:
    return f"sensory.{dermatome}.{side}.{modality}"


class SensoryPage(WizardPage):
    page_id = "sensory"
    title = "Sensory"

    def __init__(self, session: ExamSession, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        outer = QHBoxLayout(self)
        left = QVBoxLayout()
        left.addWidget(heading("Sensory: light touch and pinprick"))
        left.addWidget(note_label(
            "Keys: 0 absent, 1 altered, 2 normal, N not testable; Delete clears. "
            "A digit moves on to the next cell; arrows and Tab move too."
        ))
        grid = QGridLayout()
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(2)
        left.addLayout(grid)
        sides = SideGrid(grid)
        self.side_grids = [sides]
        for index, side in enumerate(("right", "left")):
            label = QLabel(f"<b>{side.capitalize()}</b>")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            sides.place(label, (0, 1 + 2 * index, 1, 2), None)
        for column, (side, modality) in enumerate(COLUMNS, start=1):
            label = QLabel(modality.replace("_", " ").capitalize())
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            # Narrow: one heading per modality over the Right and Left rows.
            sides.place(label, (1, column, 1, 1),
                        (1, 2 + (column - 1) % 2, 1, 1) if side == "right" else None)
        refused = scale_words(Scale.SENSORY)
        for row, dermatome in enumerate(DERMATOMES, start=2):
            name = QLabel(f"<b>{dermatome}</b><br><small>{KEY_SENSORY_POINTS[dermatome]}</small>")
            name.setWordWrap(True)
            name.setMaximumWidth(150)
            narrow_row = 2 + 2 * (row - 2)
            sides.place(name, (row, 0, 1, 1), (narrow_row, 0, 2, 1))
            for offset, side in enumerate(("right", "left")):
                sides.place(sides.side_tag(side), None, (narrow_row + offset, 1, 1, 1))
            cells = []
            for column, (side, modality) in enumerate(COLUMNS, start=1):
                path = sensory_path(dermatome, side, modality)
                cell = self.add_cell(ChoiceRow(path, GRID_BY_PATH[path].words,
                                               grade_options(Scale.SENSORY),
                                               refused_words=refused, compact=True))
                below = side == "left"  # Right, then Left under it
                sides.place(GradeCell(cell, show_meaning=False), (row, column, 1, 1),
                            (narrow_row + below, 2 + (column - 1) % 2, 1, 1))
                cells.append(cell)
            self.navigator.add_row(cells)
        left.addStretch(1)
        outer.addLayout(left)
        self.outer = outer

        self.bodymap = BodyMapView()
        self.bodymap.regionClicked.connect(self.select_region)
        outer.addWidget(self.bodymap, 1)
        for cell in self.cells.values():
            cell.valueChanged.connect(lambda _value: self._paint_map())
        self.load()

    def load(self) -> None:
        super().load()
        self._paint_map()

    def _paint_map(self) -> None:
        grades = {}
        for dermatome in DERMATOMES:
            for side in ("left", "right"):
                grades[(side, dermatome)] = tuple(
                    self.session.grade(sensory_path(dermatome, side, m))
                    for m in SENSORY_MODALITIES
                )
        self.bodymap.set_grades(grades)

    def fit_width(self, width: int) -> None:
        """Left under Right, and the body map under the grid, when the page is narrower than
        the grid and the map side by side."""
        fit_width(self, self.side_grids, width)
        self.outer.setDirection(QBoxLayout.Direction.TopToBottom if self.side_grids[0].is_narrow
                                else QBoxLayout.Direction.LeftToRight)

    def select_region(self, side: str, dermatome: str) -> None:
        """A click on the map selects that dermatome's two cells and focuses the first."""
        for path, cell in self.cells.items():
            _, cell_dermatome, cell_side, _ = path.split(".")
            cell.set_flag("selected", (cell_side, cell_dermatome) == (side, dermatome))
        self.bodymap.set_selected(side, dermatome)
        self.cells[sensory_path(dermatome, side, "light_touch")].setFocus(
            Qt.FocusReason.MouseFocusReason
        )

    def relevant(self) -> bool:
        # A deltoid injection puts the radial nerve at risk, not the legs: the page steps aside.
        return self.session.procedure.site != "deltoid"
