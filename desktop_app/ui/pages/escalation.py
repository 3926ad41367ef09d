"""Page 6 (notify or higher): whom the nurse called, when, and what they answered."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.escalation import EscalationError, check_escalation
from desktop_app.domain.model import LEVEL_ACTIONS
from desktop_app.ui.exam_state import EscalationRecord, ExamSession, Problem, local_now
from desktop_app.ui.page import WizardPage
from desktop_app.ui.widgets import (
    TimeField,
    heading,
    note_label,
    problem_label,
    show_problem,
    with_problem,
)

FORM_PATHS = ("escalation.role", "escalation.name", "escalation.called_at",
              "escalation.response")

ROLES = (
    "Anaesthetist",
    "Proceduralist",
    "Prescriber",
    "Physician on call",
    "Neurologist",
    "Rapid response team",
)


class EscalationPage(WizardPage):
    page_id = "escalation"
    title = "Escalation"
    max_width = 860

    def __init__(self, session: ExamSession, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.form_problems: dict[str, str] = {}
        outer = QVBoxLayout(self)
        outer.addWidget(heading("Escalation: whom you called"))
        self.prompt = note_label()
        self.prompt.setObjectName("escalation.prompt")
        outer.addWidget(self.prompt)
        self.problem_labels["escalation"] = problem_label("escalation")
        outer.addWidget(self.problem_labels["escalation"])

        form = QFormLayout()
        self.role = QComboBox()
        self.role.setObjectName("escalation.role")
        self.role.setAccessibleName("Role of the person called")
        self.role.setEditable(True)
        self.role.addItems(ROLES)
        self.role.setCurrentIndex(-1)
        self.role.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.role.setCompleter(None)  # typed text is taken as typed; presets in the list
        self.name = QLineEdit()
        self.name.setObjectName("escalation.name")
        self.name.setAccessibleName("Name of the person called")
        # Empty means "when Record is pressed": the form may stand open for a while.
        self.called_at = TimeField("escalation.called_at", "Time of the call")
        self.called_at.setPlaceholderText("now, when you record the call (or type "
                                          "YYYY-MM-DD HH:MM)")
        called_box = QWidget()
        called_row = QHBoxLayout(called_box)
        called_row.setContentsMargins(0, 0, 0, 0)
        called_row.addWidget(self.called_at, 1)
        called_row.addWidget(self.called_at.pick)
        self.response = QLineEdit()
        self.response.setObjectName("escalation.response")
        self.response.setAccessibleName("Their response")
        self.response.setPlaceholderText("e.g. anaesthetist to review within 30 min")
        for path, words, field in (
            ("escalation.role", "Role", self.role),
            ("escalation.name", "Name", self.name),
            ("escalation.called_at", "Called at", self.called_at),
            ("escalation.response", "Response", self.response),
        ):
            label = QLabel(words)
            label.setBuddy(field)
            self.problem_labels[path] = problem_label(path)
            shown = called_box if field is self.called_at else field
            form.addRow(label, with_problem(shown, self.problem_labels[path]))
        # Enter in a field of the call records it (or says what is missing); it never moves
        # on with typed text left unrecorded.
        self.enter_records = _EnterRecords(self)
        for field in (self.role, self.role.lineEdit(), self.name, self.called_at,
                      self.response):
            field.installEventFilter(self.enter_records)
        outer.addLayout(form)
        self.record = QPushButton("Record this call")
        self.record.setObjectName("escalation.record")
        self.record.setAccessibleName("Record this call")
        self.record.clicked.connect(self.record_call)
        outer.addWidget(self.record)

        outer.addWidget(heading("Calls recorded in this episode"))
        self.calls = note_label()
        self.calls.setObjectName("escalation.calls")
        self.calls.setAccessibleName("Calls recorded in this episode")
        outer.addWidget(self.calls)
        outer.addStretch(1)
        self.load()

    def record_call(self) -> bool:
        """Add the call in the form to the exam; False (with reasons shown) if incomplete."""
        values = {
            "escalation.role": self.role.currentText().strip(),
            "escalation.name": self.name.text().strip(),
            "escalation.response": self.response.text().strip(),
        }
        self.form_problems = {path: "required" for path, text in values.items() if not text}
        if self.called_at.problem:
            self.form_problems["escalation.called_at"] = self.called_at.problem
        self._show_form_problems()
        if self.form_problems:
            return False
        result = self.session.assessment()
        called_at = self.called_at.time() or local_now()  # the moment the call is recorded
        if self.session.procedure_time_known:
            try:  # the protocol's rule of a call (PROTOCOL.md section 6), as the store holds it
                check_escalation({"role": values["escalation.role"],
                                  "name": values["escalation.name"], "called_at": called_at},
                                 procedure_at=self.session.procedure.performed_at)
            except EscalationError as error:
                where = error.field.rsplit(".", 1)[-1]
                self.form_problems = {f"escalation.{where}" if f"escalation.{where}" in
                                      FORM_PATHS else "escalation.called_at": error.problem}
                self._show_form_problems()
                return False
        call = EscalationRecord(
            role=values["escalation.role"],
            name=values["escalation.name"],
            called_at=called_at.isoformat(),
            response=values["escalation.response"],
            level=result.level.value if result else None,
        )
        self.form_problems = {}
        self.session.add_escalation(call)
        self.role.setCurrentIndex(-1)
        self.name.clear()
        self.response.clear()
        self.called_at.setTime(None)
        return True

    def record_or_explain(self) -> str:
        """Record the call in the form, or name what it lacks: the line to show the nurse."""
        if self.record_call():
            return "Call recorded. Enter: next page."
        missing = [words for path, words in (
            ("escalation.role", "role"), ("escalation.name", "name"),
            ("escalation.called_at", "time of the call"),
            ("escalation.response", "response")) if path in self.form_problems]
        first = next(p for p in FORM_PATHS if p in self.form_problems)
        field = self.findChild(QWidget, first)
        if field is not None:
            field.setFocus(Qt.FocusReason.OtherFocusReason)
        return (f"\u26a0 The call is not recorded yet: {', '.join(missing)} missing or wrong. "
                "Complete it, or clear the form.")

    def _show_form_problems(self) -> None:
        for path in ("escalation.role", "escalation.name", "escalation.called_at",
                     "escalation.response"):
            show_problem(self.problem_labels[path], self.form_problems.get(path))

    def show_problems(self, problems: list[Problem]) -> None:
        super().show_problems(problems)
        self._show_form_problems()  # the call form's own checks stay until it is recorded

    def form_started(self) -> bool:
        return bool(self.role.currentText().strip() or self.name.text().strip()
                    or self.response.text().strip() or self.called_at.text().strip())

    def load(self) -> None:
        self.refresh("")

    def refresh(self, changed_path: str) -> None:
        result = self.session.assessment()
        if result is None:
            self.prompt.setText("No assessment yet.")
        else:
            self.prompt.setText(
                f"Level {result.level.value.upper()}: {LEVEL_ACTIONS[result.level]}"
            )
        calls = [*self.session.escalations, *self.session.new_escalations]
        self.calls.setText(
            "<br>".join(
                f"{from_iso(c.called_at)}: {c.role} {c.name} "
                f"({(c.level or 'no level').upper()}): {c.response}"
                + (" <i>(this exam, saved on finishing)</i>" if c in self.session.new_escalations
                   else "")
                for c in calls
            ) or "None yet."
        )

    def relevant(self) -> bool:
        return self.session.needs_escalation() or bool(self.session.new_escalations)

    def first_focus(self) -> QWidget | None:
        return self.role

    def owns(self, path: str) -> bool:
        return path == "escalation" or path.startswith("escalation.")


def from_iso(text: str) -> str:
    return datetime.fromisoformat(text).astimezone().strftime("%d %b %H:%M")


class _EnterRecords(QObject):
    """Enter in a field of a started call: record it or say what is missing, and stay."""

    def __init__(self, page: EscalationPage) -> None:
        super().__init__(page)
        self.page = page

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        if event.key() not in (Qt.Key.Key_Return, Qt.Key.Key_Enter) or \
                event.modifiers() not in (Qt.KeyboardModifier.NoModifier,
                                          Qt.KeyboardModifier.KeypadModifier):
            return False
        if not self.page.form_started():
            return False  # an empty form: Enter moves on as on every page
        message = self.page.record_or_explain()
        wizard = self.page.window().findChild(QLabel, "wizard.status")
        if wizard is not None:
            wizard.setText(message)
        return True
