"""Page 7: every finding in one view, what was not tested (each NT with its reason), what
still stands in the way of finishing, and the assessment."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain import FLAG_WORDS
from desktop_app.domain.model import (
    IM_SITE_WORDS,
    PROCEDURE_KIND_WORDS,
    RED_FLAG_SYMPTOMS,
    SYMPTOM_KEYS,
    SYMPTOM_WORDS,
)
from desktop_app.domain.scales import (
    DERMATOMES,
    GRID,
    GRID_BY_PATH,
    LOWER_LIMB_MUSCLES,
    NT,
    REFLEXES,
    SIDE_ORDER,
    WRIST_MUSCLES,
    grade_text,
)
from desktop_app.ui.exam_state import GROUP_WORDS, ExamSession, Problem, items_words
from desktop_app.ui.page import WizardPage
from desktop_app.ui.theme import PROBLEM_COLOUR
from desktop_app.ui.widgets import heading, note_label, problem_label, text_label

REASONS = (
    "dressing over the area",
    "amputation",
    "patient asleep",
    "patient declined",
    "pain prevents testing",
    "not indicated for this procedure",
)
SIDES_SHOWN = SIDE_ORDER  # the one order of sides: Right, then Left


class ReviewPage(WizardPage):
    page_id = "review"
    title = "Review"

    def __init__(self, session: ExamSession, go_to: Callable[[str], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.go_to = go_to
        outer = QVBoxLayout(self)
        outer.addWidget(heading("Review the whole exam"))
        self.blockers = text_label("review.problems", "What must be done before finishing")
        self.blockers.linkActivated.connect(self.go_to)
        outer.addWidget(self.blockers)

        # The assessment first: what the exam found is in view without scrolling.
        outer.addWidget(heading("Assessment"))
        self.summary = text_label("review.assessment", "Assessment")
        outer.addWidget(self.summary)

        outer.addWidget(heading("Required before signing"))
        self.required = note_label()
        self.required.setObjectName("review.required")
        self.required.setAccessibleName("What this procedure requires before signing")
        outer.addWidget(self.required)
        self.still_needed = text_label("review.still_needed", "Still needed before signing",
                                       rich=False)
        outer.addWidget(self.still_needed)

        outer.addWidget(heading("Not tested"))
        outer.addWidget(note_label("Every item marked NT, and every item this procedure "
                                   "requires that was not graded, needs the reason it was not "
                                   "tested. The reason is printed on the note."))
        self.reasons_grid = QGridLayout()
        self.reasons_grid.setColumnStretch(1, 1)
        outer.addLayout(self.reasons_grid)
        self.optional_untested = note_label()
        self.optional_untested.setObjectName("review.optional_not_tested")
        outer.addWidget(self.optional_untested)
        self.reason_rows: dict[str, tuple[QLabel, QComboBox, QLabel]] = {}

        outer.addWidget(heading("Findings"))
        self.findings = text_label("review.findings", "Every finding of this exam")
        self.findings.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(self.findings)

        outer.addStretch(1)
        self._dirty = True

    # the not-tested reasons ------------------------------------------------------------
    def _reason_row(self, path: str) -> tuple[QLabel, QComboBox, QLabel]:
        if path in self.reason_rows:
            return self.reason_rows[path]
        label = QLabel()
        combo = QComboBox()
        combo.setObjectName(f"not_tested_reasons.{path}")
        combo.setAccessibleName(f"Reason {GRID_BY_PATH[path].words} was not tested")
        combo.setEditable(True)
        combo.addItems(REASONS)
        combo.setCurrentIndex(-1)
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        combo.setCompleter(None)  # typed text is taken as typed; presets in the list
        combo.lineEdit().setPlaceholderText("why it was not tested")
        combo.currentTextChanged.connect(
            lambda text, p=path: self.session.set_value(f"not_tested_reasons.{p}",
                                                        text.strip() or None)
        )
        label.setBuddy(combo)
        problem = problem_label(f"not_tested_reasons.{path}")
        self.problem_labels[f"not_tested_reasons.{path}"] = problem
        row = (label, combo, problem)
        self.reason_rows[path] = row
        return row

    def _layout_reasons(self) -> None:
        # Marked NT, or left out with a reason already given (an imported exam): a missing
        # item is graded on its page, or marked NT there first, so skipping is deliberate.
        wanted = [p for p in self.session.not_tested_paths()
                  if self.session.grade(p) == NT or self.session.exam.reason_for(p)]
        for path, (label, combo, problem) in list(self.reason_rows.items()):
            if path not in wanted:
                for widget in (label, combo, problem):
                    self.reasons_grid.removeWidget(widget)
                    widget.hide()
        for index, path in enumerate(wanted):
            label, combo, problem = self._reason_row(path)
            grade = self.session.grade(path)
            state = "NT" if grade == NT else "not graded, required"
            label.setText(f"{GRID_BY_PATH[path].words} ({state})")
            reason = self.session.exam.reason_for(path) or ""
            if combo.currentText() != reason:
                combo.blockSignals(True)
                combo.setEditText(reason)
                combo.blockSignals(False)
            self.reasons_grid.addWidget(label, 2 * index, 0)
            self.reasons_grid.addWidget(combo, 2 * index, 1)
            self.reasons_grid.addWidget(problem, 2 * index + 1, 1)
            label.show()
            combo.show()
        wanted_set = set(wanted)
        required = set(self.session.required_paths())
        untested = [item.path for item in GRID if item.path not in self.session.exam.grades
                    and item.path not in wanted_set and self._applies(item.path)]
        missing = [p for p in untested if p in required]
        optional = [p for p in untested if p not in required]
        lines = [] if wanted else ["No item is marked NT."]
        if missing:
            lines.append("Required and not graded yet (grade each, or mark it NT on its page "
                         "and give the reason here): " + items_words(missing) + ".")
        if optional:
            lines.append("Not tested, not required for this procedure (no reason needed): "
                         + items_words(optional) + ".")
        self.optional_untested.setText(" ".join(lines))

    # refreshing ------------------------------------------------------------------------
    def refresh(self, changed_path: str) -> None:
        self._dirty = True
        if self.isVisible():
            self._rebuild()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        if self._dirty:
            self._rebuild()
        super().showEvent(event)

    def load(self) -> None:
        self._dirty = True

    def _applies(self, path: str) -> bool:
        """Bromage is a block's score only: an IM exam has no such item."""
        return not path.startswith("bromage.") or self.session.procedure.is_block

    def _rebuild(self) -> None:
        self._dirty = False
        required = self.session.required_words()
        self.required.setText(required[:1].upper() + required[1:])
        needed = self.session.still_needed()
        self.still_needed.setText(
            "Still needed before signing:\n" + "\n".join(f"\u2022 {item}" for item in needed)
            if needed else "Nothing more is needed before signing.")
        self._layout_reasons()
        self.findings.setText(findings_html(self.session))
        self.summary.setText(assessment_html(self.session))

    def show_problems(self, problems: list[Problem]) -> None:
        super().show_problems(problems)
        text = blockers_html(problems)
        if self.blockers.text() != text:
            self.blockers.setText(text)
            ready = not problems
            palette = self.blockers.palette()
            palette.setColor(QPalette.ColorRole.WindowText,
                             QColor("#1b5e20" if ready else "#b71c1c"))
            self.blockers.setPalette(palette)

    def owns(self, path: str) -> bool:
        return path.startswith("not_tested_reasons.")


def _row_of(path: str) -> str:
    """A grid item's row: its path with the side left out."""
    return ".".join("SIDE" if part in ("left", "right") else part for part in path.split("."))


_ROW_ORDER = {row: index for index, row in enumerate(dict.fromkeys(
    _row_of(item.path) for item in GRID))}


def _reading_order(path: str) -> tuple[int, int]:
    """Where a grid item comes as the pages show it: row by row, Right before Left."""
    return _ROW_ORDER.get(_row_of(path), len(_ROW_ORDER)), int(".left" in path)


def blockers_html(problems: list[Problem]) -> str:
    """What stands in the way of finishing, each a link to its field (grid gaps by group)."""
    if not problems:
        return "<b>Ready to finish.</b> Press Finish (or Ctrl+Enter) to save the exam."
    lines = []
    missing: dict[str, list[str]] = {}
    for p in problems:
        if p.missing_item:
            missing.setdefault(GRID_BY_PATH[p.path].group, []).append(p.path)
        elif not p.path.startswith("not_tested_reasons."):
            lines.append(f'<li><a href="{escape(p.path)}">{escape(words_for(p.path))}</a>: '
                         f"{escape(p.message)}</li>")
    for group, paths in missing.items():
        first_path = min(paths, key=_reading_order)
        first = GRID_BY_PATH[first_path].words
        many = f"{len(paths)} required items" if len(paths) > 1 else "a required item"
        lines.append(
            f'<li><a href="{escape(first_path)}">{GROUP_WORDS[group]}</a>: {many} not graded '
            f"(first: {escape(first)}). Grade them, or mark NT and give the reason.</li>"
        )
    return f"<b>Before you can finish:</b><ul>{''.join(lines)}</ul>"


def words_for(path: str) -> str:
    """A field path in words, for lists of problems."""
    if path in GRID_BY_PATH:
        return GRID_BY_PATH[path].words
    group, _, name = path.partition(".")
    if group == "symptoms":
        return SYMPTOM_WORDS[name].split(" (")[0]
    named = {
        "patient.mrn": "MRN",
        "patient.birth_date": "Birth date",
        "procedure.kind": "Procedure",
        "procedure.performed_at": "Procedure time",
        "exam.performed_at": "Exam time",
        "escalation": "Escalation",
    }
    return named.get(path, path.replace("_", " "))


def _cell(value: object, path: str) -> str:
    """A grade for the tables; a deficit in bold (below 2 for sensation, below 5 for MRC)."""
    text = grade_text(GRID_BY_PATH[path].scale, value)
    normal = {"sensory": 2, "motor": 5}.get(path.split(".")[0])
    if normal is not None and isinstance(value, int) and not isinstance(value, bool) \
            and value < normal:
        return f"<b>{text}</b>"
    return text


def _when(moment) -> str:
    return f"{moment.astimezone():%d %b %H:%M}" if moment is not None else \
        "procedure time not entered"


def findings_html(session: ExamSession) -> str:
    """Everything entered, as one table per group (right before left)."""
    doc = session.document
    procedure = doc.procedure
    kind = PROCEDURE_KIND_WORDS.get(procedure.kind, "procedure not chosen")
    details = []
    if procedure.site:
        details.append(IM_SITE_WORDS[procedure.site])
    for name in ("drug", "anaesthetic", "sedation"):
        if getattr(procedure, name):
            details.append(escape(str(getattr(procedure, name))))
    if procedure.levels:
        details.append(", ".join(procedure.levels))
    if procedure.volume_ml_per_level is not None:
        details.append(f"{procedure.volume_ml_per_level:g} mL per level")
    if procedure.concentration_percent is not None:
        details.append(f"{procedure.concentration_percent:g} %")
    if procedure.fluoroscopy_contrast is not None:
        details.append("fluoroscopy with contrast" if procedure.fluoroscopy_contrast
                       else "no fluoroscopy with contrast")
    context = (
        f"<p><b>{escape(doc.patient.name or 'Name not entered')}</b> "
        f"({escape(doc.patient.mrn or 'no MRN')})<br>"
        f"{kind}, {procedure.side or 'side not recorded'}, "
        f"{_when(procedure.performed_at)}; {'; '.join(details)}<br>"
        f"Anticoagulated: {procedure.anticoagulated or 'not recorded'}. "
        f"Exam at {doc.exam.performed_at.astimezone():%d %b %H:%M}.</p>"
    )
    symptoms = doc.exam.symptoms
    reported = []
    for name in SYMPTOM_KEYS:
        value = getattr(symptoms, name)
        shown = "not asked" if value is None else {True: "yes", False: "no"}.get(value, value)
        answer = f"<b>{escape(str(shown))}</b>"
        if value is True and name in RED_FLAG_SYMPTOMS:  # a red flag stands out of the line
            answer = (f"<span style='color:{PROBLEM_COLOUR}'><b>\u26a0 YES "
                      "(red flag)</b></span>")
        reported.append(f"{SYMPTOM_WORDS[name].split(' (')[0]}: {answer}")
    symptom_html = "<p>" + "; ".join(reported) + "</p>"

    def table(title: str, rows: list[tuple[str, str]]) -> str:
        head = "".join(f"<th>{side.capitalize()}</th>" for side in SIDES_SHOWN)
        body = "".join(
            f"<tr><td>{words}</td>"
            + "".join(f"<td align='center'>{_cell(session.grade(f'{prefix}.{s}'), f'{prefix}.{s}')}"
                      "</td>" for s in SIDES_SHOWN)
            + "</tr>"
            for prefix, words in rows
        )
        return (f"<p><b>{title}</b></p><table cellspacing='0' cellpadding='3' border='1'>"
                f"<tr><th></th>{head}</tr>{body}</table>")

    sensory_html = (
        "<p><b>Sensory</b> (0 absent, 1 altered, 2 normal)</p>"
        "<table cellspacing='0' cellpadding='3' border='1'><tr><th></th>"
        + "".join(f"<th>{s.capitalize()} light touch</th><th>{s.capitalize()} pinprick</th>"
                  for s in SIDES_SHOWN)
        + "</tr>"
        + "".join(
            f"<tr><td>{d}</td>"
            + "".join(
                f"<td align='center'>{_cell(session.grade(p), p)}</td>"
                for s in SIDES_SHOWN for m in ("light_touch", "pinprick")
                for p in [f"sensory.{d}.{s}.{m}"]
            )
            + "</tr>"
            for d in DERMATOMES
        )
        + "</table>"
    )
    motor = [(f"motor.{m}", f"{root} {words}") for m, (root, words) in LOWER_LIMB_MUSCLES.items()]
    motor += [(f"motor.{m}", words) for m, words in WRIST_MUSCLES.items()]
    other = [("straight_leg_raise", "Straight-leg raise")]
    other += [(f"reflexes.{r}", f"{words} ({root})") for r, (root, words) in REFLEXES.items()]
    if procedure.is_block:
        other.append(("bromage", "Bromage"))
    return (context + symptom_html + sensory_html + table("Motor (MRC)", motor)
            + table("Straight-leg raise, reflexes" + (", Bromage" if procedure.is_block else ""),
                    other))


def assessment_html(session: ExamSession) -> str:
    result = session.assessment()
    if result is None:
        return f"No assessment yet: {escape(session.assessment_problem or '')}."
    findings = result.findings
    derived = [
        f"sensory deficit: {', '.join(findings.sensory_deficit) or 'none'}",
        f"motor deficit: {', '.join(findings.motor_deficit) or 'none'}",
        f"bilateral: {'yes' if findings.bilateral else 'no'}",
        f"straight-leg raise failed: {'yes' if findings.slr_failed else 'no'}",
        f"foot drop: {', '.join(findings.foot_drop) or 'none'}",
        f"wrist drop: {', '.join(findings.wrist_drop) or 'none'}",
        f"progressive weakness: {'yes' if findings.progressive_weakness else 'no'}",
    ]
    flags = ", ".join(FLAG_WORDS[f].split(":")[0] for f in result.flags) or "none"
    return (
        f"<p><b>{result.level.value.upper()}</b> by {', '.join(result.rule_ids)}. "
        f"Flags: {flags}.</p><p>Derived findings: {'; '.join(derived)}.</p>"
    )
