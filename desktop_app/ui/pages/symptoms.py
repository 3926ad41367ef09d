"""Page 2: what the patient reports, and the red-flag questions that cannot be skipped."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QVBoxLayout, QWidget

from desktop_app.domain.model import ONSETS, RED_FLAG_SYMPTOMS, SYMPTOM_WORDS, TRENDS
from desktop_app.ui.exam_state import ExamSession
from desktop_app.ui.page import WizardPage
from desktop_app.ui.widgets import (
    ChoiceRow,
    heading,
    note_label,
    problem_label,
    with_problem,
    word_options,
    yes_no_options,
)

REPORTED = ("numbness", "onset", "trend", "radicular_pain", "paresthesia")


class SymptomsPage(WizardPage):
    page_id = "symptoms"
    title = "Symptoms, red flags"
    max_width = 900

    def __init__(self, session: ExamSession, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        outer = QVBoxLayout(self)

        flags = QGroupBox("\u26a0 RED FLAGS: ask every question")
        flags.setObjectName("redflags")
        flags.setAccessibleName("Red-flag questions: every one must be answered")
        flag_form = QFormLayout(flags)
        flag_form.addRow(note_label(
            "A yes to any of these means a possible spinal emergency. Each needs an answer "
            "before you can go on (Y / N)."
        ))
        for name in RED_FLAG_SYMPTOMS:
            cell = self.add_cell(ChoiceRow(f"symptoms.{name}", SYMPTOM_WORDS[name],
                                           yes_no_options()))
            label = QLabel(f"<b>{SYMPTOM_WORDS[name]}</b>")
            label.setWordWrap(True)
            label.setMinimumWidth(380)
            label.setBuddy(cell)
            problem = problem_label(f"symptoms.{name}")
            self.problem_labels[f"symptoms.{name}"] = problem
            flag_form.addRow(label, with_problem(cell, problem))
            self.navigator.add_row([cell])
        outer.addWidget(flags)

        outer.addWidget(heading("Reported symptoms"))
        form = QFormLayout()
        for name in REPORTED:
            if name == "onset":
                options = word_options(ONSETS)
            elif name == "trend":
                options = word_options(TRENDS)
            else:
                options = yes_no_options()
            cell = self.add_cell(ChoiceRow(f"symptoms.{name}", SYMPTOM_WORDS[name], options))
            label = QLabel(SYMPTOM_WORDS[name])
            label.setWordWrap(True)
            label.setMinimumWidth(380)
            label.setBuddy(cell)
            form.addRow(label, cell)
            self.navigator.add_row([cell])
        outer.addLayout(form)
        outer.addWidget(note_label("A symptom left unanswered is recorded as not asked, never "
                                   "as no."))
        outer.addStretch(1)
        self.load()
