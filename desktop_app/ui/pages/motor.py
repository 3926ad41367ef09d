"""Page 4: key muscles (MRC), the foot, the wrist, straight-leg raise, Bromage for a block.

The MRC and Bromage meanings stand in a legend on the page, in every button's tooltip and
under every cell once a grade is chosen. A deltoid injection leads with the wrist.
"""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QVBoxLayout, QWidget

from desktop_app.domain.scales import (
    BROMAGE_GRADES,
    GRID_BY_PATH,
    LOWER_LIMB_MUSCLES,
    MRC_GRADES,
    NT,
    SIDE_ORDER,
    WRIST_MUSCLES,
    Scale,
)
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
    set_shown,
)

SIDES_SHOWN = SIDE_ORDER  # the one order of sides: Right, then Left


def legend(grades: dict[object, str]) -> str:
    return "  \u00b7  ".join(f"<b>{value}</b> {meaning}" for value, meaning in grades.items())


class MotorPage(WizardPage):
    page_id = "motor"
    title = "Motor"

    def __init__(self, session: ExamSession, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.side_grids: list[SideGrid] = []
        self.layout_ = QVBoxLayout(self)
        self.layout_.addWidget(heading("Motor"))
        mrc = QLabel("MRC grades: " + legend(MRC_GRADES))
        mrc.setObjectName("motor.legend")
        mrc.setWordWrap(True)
        self.layout_.addWidget(mrc)
        self.layout_.addWidget(note_label(
            "Keys (shown on the buttons): a digit sets the grade, N not testable (T for the "
            "straight-leg raise, where N is No), Delete clears; the cursor moves on."
        ))

        self.legs = self._section(
            "Key muscles of the legs",
            [(f"motor.{m}", f"{myotome} {words}" + _foot_note(m), Scale.MRC)
             for m, (myotome, words) in LOWER_LIMB_MUSCLES.items()],
        )
        self.foot_summary = note_label()
        self.foot_summary.setObjectName("motor.foot")
        self.foot_summary.setAccessibleName("Foot summary")
        self.legs.layout().addWidget(self.foot_summary)
        self.wrist = self._section(
            "Wrist (radial nerve)",
            [(f"motor.{m}", words.capitalize(), Scale.MRC) for m, words in WRIST_MUSCLES.items()],
        )
        self.wrist_summary = note_label()
        self.wrist_summary.setObjectName("motor.wrist")
        self.wrist_summary.setAccessibleName("Wrist summary")
        self.wrist.layout().addWidget(self.wrist_summary)
        self.slr = self._section(
            "Straight-leg raise (heel lifts off the bed against gravity)",
            [("straight_leg_raise", "Straight-leg raise", Scale.SLR)],
        )
        self.bromage = self._section(
            "Bromage score (medial branch block)",
            [("bromage", "Bromage", Scale.BROMAGE)],
        )
        bromage_legend = QLabel(legend(BROMAGE_GRADES))
        bromage_legend.setObjectName("bromage.legend")
        bromage_legend.setWordWrap(True)
        self.bromage.layout().addWidget(bromage_legend)
        self.sections_at = self.layout_.count()
        self.layout_.addStretch(1)
        self._order: tuple[QGroupBox, ...] = ()
        for cell in self.cells.values():
            cell.valueChanged.connect(lambda _value: self._summarise_foot())
        self.load()

    def _section(self, title: str, rows: list[tuple[str, str, Scale]]) -> QGroupBox:
        box = QGroupBox(title, self)  # owned by the page even while the procedure hides it
        box.setAccessibleName(title)
        outer = QVBoxLayout(box)
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(0)
        outer.addLayout(grid)
        sides = SideGrid(grid)
        self.side_grids.append(sides)
        for column, side in enumerate(SIDES_SHOWN, start=1):
            sides.place(QLabel(f"<b>{side.capitalize()}</b>"), (0, column, 1, 1), None)
        box.setProperty("cells", [])
        cell_rows = []
        for row, (prefix, words, scale) in enumerate(rows, start=1):
            label = QLabel(words)
            label.setWordWrap(True)
            label.setMinimumWidth(150)
            sides.place(label, (row, 0, 1, 1), (2 * row - 1, 0, 2, 1))
            cells = []
            for column, side in enumerate(SIDES_SHOWN, start=1):
                path = f"{prefix}.{side}"
                cell = self.add_cell(ChoiceRow(path, GRID_BY_PATH[path].words,
                                               grade_options(scale),
                                               refused_words=scale_words(scale)))
                narrow_row = 2 * row - 1 + column - 1  # Right, then Left under it
                sides.place(sides.side_tag(side), None, (narrow_row, 1, 1, 1))
                sides.place(GradeCell(cell), (row, column, 1, 1), (narrow_row, 2, 1, 1))
                cells.append(cell)
            cell_rows.append(cells)
        grid.setColumnStretch(3, 1)
        self._rows_of = getattr(self, "_rows_of", {})
        self._rows_of[box] = cell_rows
        return box

    # arrangement -----------------------------------------------------------------------
    def _arrange(self) -> None:
        """Order the sections for the procedure; hide the ones it makes irrelevant."""
        procedure = self.session.procedure
        if procedure.site == "deltoid":
            order = (self.wrist, self.legs, self.slr)
        elif procedure.is_block:
            order = (self.legs, self.slr, self.bromage)
        else:
            order = (self.legs, self.slr, self.wrist)
        if order == self._order:
            return
        self._order = order
        for box in (self.legs, self.wrist, self.slr, self.bromage):
            self.layout_.removeWidget(box)
            box.setVisible(box in order)
        for offset, box in enumerate(order):
            self.layout_.insertWidget(self.sections_at + offset, box)
        self.navigator.rows.clear()
        for box in order:
            for cells in self._rows_of[box]:
                self.navigator.add_row(cells)
        self.wrist.setTitle("Wrist (radial nerve): deltoid injection, test first"
                            if procedure.site == "deltoid" else "Wrist (radial nerve)")

    def _summarise_foot(self) -> None:
        parts = []
        for muscle, words in (("ankle_dorsiflexion", "dorsiflexion"),
                              ("ankle_plantarflexion", "plantarflexion")):
            grades = [f"{side} {_shown(self.session.grade(f'motor.{muscle}.{side}'))}"
                      for side in SIDES_SHOWN]
            parts.append(f"{words} {', '.join(grades)}")
        drop = [side for side in SIDES_SHOWN
                if _is_grade(g := self.session.grade(f"motor.ankle_dorsiflexion.{side}"))
                and g <= 2]
        text = "Foot: " + "; ".join(parts) + " (the L4 and S1 key muscles above)."
        if drop:
            text += f"  \u26a0 Foot drop: {' and '.join(drop)}."
        self.foot_summary.setText(text)
        wrist_drop = [side for side in SIDES_SHOWN
                      if _is_grade(g := self.session.grade(f"motor.wrist_extension.{side}"))
                      and g <= 2]
        self.wrist_summary.setText(f"\u26a0 Wrist drop: {' and '.join(wrist_drop)}."
                                   if wrist_drop else "")
        set_shown(self.wrist_summary, bool(wrist_drop))

    def load(self) -> None:
        super().load()
        self._arrange()
        self._summarise_foot()
        for cell_widget in self.findChildren(GradeCell):
            cell_widget.update_caption()

    def refresh(self, changed_path: str) -> None:
        if changed_path in ("procedure.kind", "procedure.site", ""):
            self._arrange()

    def fit_width(self, width: int) -> None:
        """Left under Right when the page is narrower than the grid side by side."""
        fit_width(self, self.side_grids, width)


def _foot_note(muscle: str) -> str:
    return {"ankle_dorsiflexion": " (foot)", "ankle_plantarflexion": " (foot)"}.get(muscle, "")


def _is_grade(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _shown(value: object) -> str:
    if value is None:
        return "not entered"
    return "NT" if value == NT else str(value)
