"""Page 6 (notify or higher): whom the nurse called, when, and what they answered."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.model import LEVEL_ACTIONS
from desktop_app.ui.exam_state import ExamSession, Problem, local_now
from desktop_app.ui.page import WizardPage
from desktop_app.ui.pages.patient_procedure import (
    DATE_TIME_FORMAT,
    from_qdatetime,
    to_qdatetime,
)
from desktop_app.ui.services import EscalationRecord
from desktop_app.ui.widgets import heading, note_label, problem_label, show_problem, with_problem

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
        self.called_at = QDateTimeEdit()
        self.called_at.setObjectName("escalation.called_at")
        self.called_at.setAccessibleName("Time of the call")
        self.called_at.setDisplayFormat(DATE_TIME_FORMAT)
        self.called_at.setDateTime(to_qdatetime(local_now()))
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
            form.addRow(label, with_problem(field, self.problem_labels[path]))
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
        self._show_form_problems()
        if self.form_problems:
            return False
        result = self.session.assessment()
        call = EscalationRecord(
            role=values["escalation.role"],
            name=values["escalation.name"],
            called_at=from_qdatetime(self.called_at.dateTime()).isoformat(),
            response=values["escalation.response"],
            level=result.level.value if result else None,
        )
        self.form_problems = {}
        self.session.add_escalation(call)
        self.role.setCurrentIndex(-1)
        self.name.clear()
        self.response.clear()
        self.called_at.setDateTime(to_qdatetime(local_now()))
        return True

    def _show_form_problems(self) -> None:
        for path in ("escalation.role", "escalation.name", "escalation.response"):
            show_problem(self.problem_labels[path], self.form_problems.get(path))

    def show_problems(self, problems: list[Problem]) -> None:
        super().show_problems(problems)
        self._show_form_problems()  # the call form's own checks stay until it is recorded

    def form_started(self) -> bool:
        return bool(self.role.currentText().strip() or self.name.text().strip()
                    or self.response.text().strip())

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
