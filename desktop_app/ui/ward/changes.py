"""The change of a grade since the patient's previous exam, for the wizard's grade cells and
the serial view.

"Previous" is the most recent earlier exam of the episode in which the item was graded (an
NT in between is skipped over, as the progression rule does), so a cell is compared with
the last value a nurse actually found.

The wizard uses it in one of two ways:
- `watch_changes(page)` once after building a page: every grade cell then carries its change
  (a bar on its left side, the words in its caption, tooltip and accessible description),
  kept up to date as grades are entered;
- or by hand: `grade_change(previous_exams, path, value)` and `mark_change(cell, change)`.
Either needs `CHANGE_STYLE_SHEET` appended to the application's style sheet.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QLabel, QWidget

from desktop_app.domain.model import Exam
from desktop_app.domain.scales import GRID, GRID_BY_PATH, NT, Scale

WORSE, BETTER, CHANGED, SAME = "worse", "better", "changed", "same"
ARROWS = {WORSE: "\u25bc", BETTER: "\u25b2", CHANGED: "\u25c6", SAME: "="}
# Scales where a higher number is the better finding; Bromage runs the other way; reflexes
# have no better or worse (brisk and absent are both findings).
_HIGHER_IS_BETTER = (Scale.SENSORY, Scale.MRC)
CHANGE_PROPERTY = "change"
CHANGE_STYLE_SHEET = """
ChoiceRow[change="worse"] { border-left: 7px solid #d84315; }
ChoiceRow[change="better"] { border-left: 7px solid #2e7d32; }
ChoiceRow[change="changed"] { border-left: 7px solid #6a1b9a; }
"""


@dataclass(frozen=True)
class GradeChange:
    """An item's grade now against the last time it was graded."""

    path: str
    previous: Any
    previous_at: datetime
    current: Any
    direction: str  # worse | better | changed | same

    @property
    def text(self) -> str:
        """'▼ worse: was 5 at 14:10' in words a nurse reads at a glance."""
        when = self.previous_at.astimezone().strftime("%H:%M")
        was = _shown(self.previous)
        if self.direction == SAME:
            return f"= same as at {when}"
        return f"{ARROWS[self.direction]} {self.direction}: was {was} at {when}"

    @property
    def short(self) -> str:
        """'▼ was 5': what fits under a grade cell."""
        return "" if self.direction == SAME else f"{ARROWS[self.direction]} was " \
            f"{_shown(self.previous)}"


def _shown(value: Any) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


def _graded(value: Any) -> bool:
    return value is not None and not (value == NT and not isinstance(value, bool))


def exam_grades(exam: Exam | Mapping[str, Any]) -> dict[str, Any]:
    """path -> grade of an exam: a domain `Exam`, or an `exam` object of a document."""
    if isinstance(exam, Exam):
        return dict(exam.grades)
    found: dict[str, Any] = {}
    for item in GRID:
        node: Any = exam
        for part in item.path.split("."):
            if not isinstance(node, Mapping) or part not in node:
                break
            node = node[part]
        else:
            found[item.path] = node
    return found


def exam_time(exam: Exam | Mapping[str, Any]) -> datetime:
    """When an exam was performed."""
    if isinstance(exam, Exam):
        return exam.performed_at
    return datetime.fromisoformat(exam["performed_at"])


def direction(path: str, previous: Any, current: Any) -> str:
    """worse, better, changed or same, by the item's scale."""
    if previous == current and type(previous) is type(current):
        return SAME
    scale = GRID_BY_PATH[path].scale
    if scale is Scale.SLR:
        return BETTER if current is True else WORSE
    if scale in _HIGHER_IS_BETTER:
        return BETTER if current > previous else WORSE
    if scale is Scale.BROMAGE:
        return BETTER if current < previous else WORSE
    return CHANGED


def previous_grade(previous_exams: Sequence[Exam | Mapping[str, Any]],
                   path: str) -> tuple[Any, datetime] | None:
    """The last grade of `path` before this exam and when it was found (NT skipped)."""
    for exam in sorted(previous_exams, key=exam_time, reverse=True):
        value = exam_grades(exam).get(path)
        if _graded(value):
            return value, exam_time(exam)
    return None


def grade_change(previous_exams: Sequence[Exam | Mapping[str, Any]], path: str,
                 current: Any) -> GradeChange | None:
    """The change of one cell since it was last graded; None when there is nothing to
    compare (no earlier grade, or no grade now, or NT now)."""
    if not _graded(current) or path not in GRID_BY_PATH:
        return None
    earlier = previous_grade(previous_exams, path)
    if earlier is None:
        return None
    previous, at = earlier
    return GradeChange(path, previous, at, current, direction(path, previous, current))


def mark_change(cell: QWidget, change: GradeChange | None, *,
                caption: QLabel | None = None) -> None:
    """Show a change on a grade cell: the `change` style property (worse, better,
    changed; nothing when the same or not comparable), the words in the tooltip and the
    accessible description, and '▼ was 5' in the caption under the cell when given."""
    shown = change.direction if change is not None and change.direction != SAME else ""
    words = change.text if change is not None else ""
    # The shown value is kept on the Python side: reading an unset Qt property back is what
    # PySide6 6.12 gets wrong (see ChoiceRow.set_flag).
    if getattr(cell, "_change_shown", "") != shown:
        cell._change_shown = shown  # type: ignore[attr-defined]
        cell.setProperty(CHANGE_PROPERTY, shown)
        cell.style().unpolish(cell)
        cell.style().polish(cell)
    base = cell.accessibleDescription().split(" \u00b7 change: ")[0]
    cell.setAccessibleDescription(f"{base} \u00b7 change: {words}" if words else base)
    tip = cell.toolTip().split("\n\u2014 ")[0]
    cell.setToolTip(f"{tip}\n\u2014 {words}" if words and tip else (words or tip))
    if caption is not None:
        text = caption.text().split("  \u00b7 ")[0]
        short = change.short if change is not None else ""
        caption.setText(f"{text}  \u00b7 {short}" if text and short else (short or text))


class ChangeMarker(QObject):
    """Keeps the change marks of a set of grade cells up to date."""

    def __init__(self, cells: Mapping[str, QWidget],
                 previous_exams: Callable[[], Sequence[Exam | Mapping[str, Any]]],
                 value_of: Callable[[str], Any],
                 caption_of: Callable[[str], QLabel | None] = lambda _path: None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.cells = dict(cells)
        self.previous_exams = previous_exams
        self.value_of = value_of
        self.caption_of = caption_of
        self.changes: dict[str, GradeChange | None] = {}
        for path, cell in self.cells.items():
            signal = getattr(cell, "valueChanged", None)
            if signal is not None:
                # Queued behind the cell's own caption update, which it then extends.
                signal.connect(lambda _value, p=path: QTimer.singleShot(0, self,
                                                                        lambda: self.refresh(p)))
        self.refresh()

    def refresh(self, path: str | None = None) -> None:
        """Recompute one cell's mark (every cell's with no path)."""
        earlier = self.previous_exams()
        for name in [path] if path else list(self.cells):
            if name not in self.cells:
                continue
            change = grade_change(earlier, name, self.value_of(name))
            self.changes[name] = change
            mark_change(self.cells[name], change, caption=self.caption_of(name))


def watch_changes(page: Any) -> ChangeMarker:
    """Mark the grade cells of a wizard page (a `WizardPage`: `cells`, `session`) with their
    change since the previous exam. Call once, after the page is built."""
    session = page.session
    return ChangeMarker(
        {path: cell for path, cell in page.cells.items() if path in GRID_BY_PATH},
        lambda: session.document.previous_exams,
        session.grade,
        lambda path: page.findChild(QLabel, f"note:{path}"),
        parent=page,
    )
