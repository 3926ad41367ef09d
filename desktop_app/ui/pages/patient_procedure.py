"""Page 1: the patient (scanned wristband MRN), the procedure and its details, the exam time."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.domain.model import (
    ANTICOAGULATION,
    IM_SITE_WORDS,
    IM_SITES,
    PROCEDURE_KIND_WORDS,
    PROCEDURE_KINDS,
    PROCEDURE_SIDES,
)
from desktop_app.record.reads import PatientRecord
from desktop_app.ui.exam_state import ExamSession, local_now, mrn_problem
from desktop_app.ui.page import WizardPage
from desktop_app.ui.widgets import (
    ChoiceRow,
    Option,
    TimeField,
    heading,
    note_label,
    problem_label,
    with_problem,
    word_options,
    yes_no_options,
)

DATE_TIME_FORMAT = "yyyy-MM-dd HH:mm"
ANAESTHETICS = ("bupivacaine", "levobupivacaine", "lidocaine", "mepivacaine", "ropivacaine")
SEDATIONS = ("none", "midazolam", "fentanyl", "midazolam + fentanyl")
LEVELS_PATTERN = re.compile(r"[A-Za-z0-9-]{1,20}")
# Right before left, as on every entry screen and the ISNCSCI worksheet.
SIDES_SHOWN = tuple(sorted(PROCEDURE_SIDES, key=("right", "left", "bilateral").index))


def to_qdatetime(moment: datetime) -> QDateTime:
    return QDateTime.fromSecsSinceEpoch(int(moment.timestamp()))


def from_qdatetime(value: QDateTime) -> datetime:
    """A QDateTimeEdit's value as an aware datetime in the workstation's zone."""
    return datetime.fromtimestamp(value.toSecsSinceEpoch()).astimezone()


class ScanField(QLineEdit):
    """The MRN field. A wristband scanner types the code and Enter: Enter looks the patient up
    here and is not passed on to the wizard (which would move to the next page)."""

    scanned = Signal(str)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt naming)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.scanned.emit(self.text().strip())
            event.accept()
            return
        super().keyPressEvent(event)


class PatientProcedurePage(WizardPage):
    page_id = "patient"
    title = "Patient"
    max_width = 860

    def __init__(
        self,
        session: ExamSession,
        find_patient: Callable[[str], PatientRecord | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(session, parent)
        self.find_patient = find_patient
        self.input_problems: dict[str, str] = {}  # text the session cannot hold yet
        outer = QVBoxLayout(self)

        outer.addWidget(heading("Patient"))
        patient_form = QFormLayout()
        self.mrn = ScanField()
        self.mrn.setObjectName("patient.mrn")
        self.mrn.setAccessibleName("Patient MRN (scan the wristband)")
        self.mrn.setPlaceholderText("Scan the wristband, or type the MRN and press Enter")
        self.mrn.textEdited.connect(self._mrn_edited)
        self.mrn.scanned.connect(self.look_up)
        self.lookup_note = note_label()
        self.lookup_note.setObjectName("patient.lookup")
        mrn_box = with_problem(self.mrn, self._problem("patient.mrn"))
        mrn_box.layout().addWidget(self.lookup_note)
        patient_form.addRow(self._label("MRN", self.mrn), mrn_box)

        self.name = QLineEdit()
        self.name.setObjectName("patient.name")
        self.name.setAccessibleName("Patient name")
        self.name.textEdited.connect(
            lambda text: self.session.set_value("patient.name", text.strip() or None)
        )
        patient_form.addRow(self._label("Name", self.name), self.name)

        self.birth_date = QLineEdit()
        self.birth_date.setObjectName("patient.birth_date")
        self.birth_date.setAccessibleName("Birth date, year-month-day")
        self.birth_date.setPlaceholderText("YYYY-MM-DD")
        self.birth_date.setMaxLength(10)
        self.birth_date.textEdited.connect(self._birth_date_edited)
        patient_form.addRow(self._label("Birth date", self.birth_date),
                            with_problem(self.birth_date, self._problem("patient.birth_date")))

        self.location = QLineEdit()
        self.location.setObjectName("episode.location")
        self.location.setAccessibleName("Bed or location on the ward")
        self.location.setPlaceholderText("e.g. Bed 12 (shown on the ward board)")
        self.location.setMaxLength(40)
        self.location.textEdited.connect(self._location_edited)
        patient_form.addRow(self._label("Bed / location", self.location), self.location)
        outer.addLayout(patient_form)

        outer.addWidget(heading("Procedure"))
        form = QFormLayout()
        kind = ChoiceRow("procedure.kind", "Procedure kind",
                         word_options(PROCEDURE_KINDS, _kind_words()))
        self.add_cell(kind)
        form.addRow(self._label("Procedure", kind),
                    with_problem(kind, self._problem("procedure.kind")))

        # No default: a forgotten procedure time would read as t = 0, the most benign time.
        self.procedure_time = TimeField("procedure.performed_at", "Procedure time")
        self.procedure_time.timeChanged.connect(self._procedure_time_edited)
        self.change_time = QPushButton("Change\u2026")
        self.change_time.setObjectName("procedure.performed_at.change")
        self.change_time.setAccessibleName("Change the procedure time of this episode")
        self.change_time.setToolTip("The time comes from the episode; change it only if it "
                                    "was recorded wrongly")
        self.change_time.clicked.connect(self._unlock_procedure_time)
        time_row = QHBoxLayout()
        time_row.setContentsMargins(0, 0, 0, 0)
        time_row.addWidget(self.procedure_time)
        time_row.addWidget(self.procedure_time.pick)
        time_row.addWidget(self.change_time)
        time_row.addStretch(1)
        time_box = QWidget()
        time_box.setLayout(time_row)
        form.addRow(self._label("Procedure time", self.procedure_time),
                    with_problem(time_box, self._problem("procedure.performed_at")))

        side = self.add_cell(ChoiceRow("procedure.side", "Procedure side",
                                       word_options(SIDES_SHOWN)))
        form.addRow(self._label("Side", side), side)

        anticoagulated = self.add_cell(ChoiceRow("procedure.anticoagulated", "Anticoagulated",
                                                 word_options(ANTICOAGULATION)))
        form.addRow(self._label("Anticoagulated", anticoagulated), anticoagulated)
        outer.addLayout(form)

        # IM injection details
        self.im_box = QGroupBox("IM injection")
        im_form = QFormLayout(self.im_box)
        site = self.add_cell(ChoiceRow(
            "procedure.site", "Injection site",
            tuple(Option(s, IM_SITE_WORDS[s].split(" (")[0].capitalize(), IM_SITE_WORDS[s],
                         (str(i),)) for i, s in enumerate(IM_SITES, start=1)),
        ))
        im_form.addRow(self._label("Site", site), site)
        self.drug = self._text_field("procedure.drug", "Drug injected")
        im_form.addRow(self._label("Drug", self.drug), self.drug)
        outer.addWidget(self.im_box)

        # Medial branch block details
        self.block_box = QGroupBox("Lumbar medial branch block")
        block_form = QFormLayout(self.block_box)
        self.levels = QLineEdit()
        self.levels.setObjectName("procedure.levels")
        self.levels.setAccessibleName("Levels blocked")
        self.levels.setPlaceholderText("e.g. L4-L5, L5-S1")
        self.levels.textEdited.connect(self._levels_edited)
        block_form.addRow(self._label("Levels", self.levels),
                          with_problem(self.levels, self._problem("procedure.levels")))
        self.volume = self._number_field("procedure.volume_ml_per_level", "Volume per level, mL",
                                         "mL per level")
        block_form.addRow(self._label("Volume per level (mL)", self.volume),
                          with_problem(self.volume, self._problem("procedure.volume_ml_per_level")))
        self.anaesthetic = self._combo("procedure.anaesthetic", "Local anaesthetic", ANAESTHETICS)
        block_form.addRow(self._label("Anaesthetic", self.anaesthetic), self.anaesthetic)
        self.concentration = self._number_field("procedure.concentration_percent",
                                                "Anaesthetic concentration, percent", "%",
                                                maximum=100)
        block_form.addRow(self._label("Concentration (%)", self.concentration),
                          with_problem(self.concentration,
                                       self._problem("procedure.concentration_percent")))
        fluoro = self.add_cell(ChoiceRow("procedure.fluoroscopy_contrast",
                                         "Fluoroscopy with contrast", yes_no_options()))
        block_form.addRow(self._label("Fluoroscopy with contrast", fluoro), fluoro)
        self.sedation = self._combo("procedure.sedation", "Sedation", SEDATIONS)
        block_form.addRow(self._label("Sedation", self.sedation), self.sedation)
        outer.addWidget(self.block_box)

        outer.addWidget(heading("This exam"))
        exam_form = QFormLayout()
        self.exam_time = self._time_edit("exam.performed_at", "Exam time")
        now = QPushButton("Now")
        now.setObjectName("exam.performed_at.now")
        now.setAccessibleName("Set the exam time to now")
        now.clicked.connect(lambda: self.exam_time.setDateTime(to_qdatetime(local_now())))
        # Beside the exam time, read before grading: every time rule counts from the procedure.
        self.elapsed = QLabel()
        self.elapsed.setObjectName("exam.elapsed")
        self.elapsed.setWordWrap(True)
        bold = self.elapsed.font()
        bold.setBold(True)
        self.elapsed.setFont(bold)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.exam_time)
        row.addWidget(now)
        row.addWidget(self.elapsed, 1)
        exam_box = QWidget()
        exam_box.setLayout(row)
        exam_form.addRow(self._label("Exam time", self.exam_time),
                         with_problem(exam_box, self._problem("exam.performed_at")))
        self.context_note = note_label()
        exam_form.addRow(self.context_note)
        outer.addLayout(exam_form)
        outer.addStretch(1)

        self.navigator.add_row([kind])
        self.navigator.add_row([side])
        self.navigator.add_row([anticoagulated])
        self.navigator.add_row([site])
        self.navigator.add_row([fluoro])
        self.load()

    # building helpers ------------------------------------------------------------------
    def _problem(self, path: str) -> QLabel:
        label = problem_label(path)
        self.problem_labels[path] = label
        return label

    @staticmethod
    def _label(text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(buddy)
        return label

    def _time_edit(self, path: str, words: str) -> QDateTimeEdit:
        edit = QDateTimeEdit()
        edit.setObjectName(path)
        edit.setAccessibleName(words)
        edit.setDisplayFormat(DATE_TIME_FORMAT)
        edit.setCalendarPopup(True)
        edit.dateTimeChanged.connect(
            lambda value, p=path: self.session.set_value(p, from_qdatetime(value))
        )
        return edit

    def _text_field(self, path: str, words: str) -> QLineEdit:
        field = QLineEdit()
        field.setObjectName(path)
        field.setAccessibleName(words)
        field.textEdited.connect(lambda text, p=path: self.session.set_value(p, text.strip() or None))
        return field

    def _combo(self, path: str, words: str, choices: tuple[str, ...]) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(path)
        combo.setAccessibleName(words)
        combo.setEditable(True)
        combo.addItems(choices)
        combo.setCurrentIndex(-1)
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        combo.setCompleter(None)  # typed text is taken as typed; presets in the list
        combo.currentTextChanged.connect(
            lambda text, p=path: self.session.set_value(p, text.strip() or None)
        )
        return combo

    def _number_field(self, path: str, words: str, unit: str, maximum: float | None = None
                      ) -> QLineEdit:
        field = QLineEdit()
        field.setObjectName(path)
        field.setAccessibleName(words)
        field.setPlaceholderText(unit)

        def edited(text: str) -> None:
            text = text.strip().replace(",", ".")
            number: float | None = None
            problem = None
            if text:
                try:
                    number = float(text)
                except ValueError:
                    problem = "is not a number"
                else:
                    if not number > 0:
                        problem, number = "must be more than 0", None
                    elif maximum is not None and number > maximum:
                        problem, number = f"must be at most {maximum:g}", None
            self._set_input_problem(path, problem)
            if number is not None and number.is_integer():
                number = int(number)
            self.session.set_value(path, number)

        field.textEdited.connect(edited)
        return field

    # reacting --------------------------------------------------------------------------
    def _set_input_problem(self, path: str, problem: str | None) -> None:
        if problem:
            self.input_problems[path] = problem
        else:
            self.input_problems.pop(path, None)

    def _procedure_time_edited(self, moment: datetime | None) -> None:
        self._set_input_problem("procedure.performed_at", self.procedure_time.problem)
        self.session.set_value("procedure.performed_at", moment)

    def _unlock_procedure_time(self) -> None:
        """A re-check's procedure time is the episode's; the nurse changes it on purpose."""
        self.procedure_time.setEnabled(True)
        self.procedure_time.pick.setEnabled(True)
        self.change_time.setVisible(False)
        self.procedure_time.setFocus(Qt.FocusReason.OtherFocusReason)
        self.procedure_time.selectAll()
        self.context_note.setText("Change the procedure time only if the episode's is wrong: "
                                  "this exam is then recorded under the time you type, as its "
                                  "own episode on the board.")

    def _location_edited(self, text: str) -> None:
        self.session.location = text.strip() or None
        self.session.changed.emit("episode.location")

    def _show_elapsed(self) -> None:
        """`t = 5 h 12 min after the procedure`, read before grading."""
        procedure = self.session.value("procedure.performed_at")
        exam = self.session.exam.performed_at
        if procedure is None:
            text = "t = ? (enter the procedure time)"
        else:
            text = "t = " + elapsed_words(exam - procedure)
        if self.elapsed.text() != text:
            self.elapsed.setText(text)
            self.elapsed.setAccessibleName(text)

    def _mrn_edited(self, text: str) -> None:
        self.lookup_note.clear()
        self.session.set_value("patient.mrn", text.strip())

    def look_up(self, mrn: str) -> None:
        """Find the patient of a scanned or typed MRN; a new one is registered on saving."""
        if self.mrn.text() != mrn:
            self.mrn.setText(mrn)
        self.session.set_value("patient.mrn", mrn)
        if mrn_problem(mrn):
            self.lookup_note.clear()
            self.mrn.selectAll()  # the next scan replaces the bad code
            return
        known = self.find_patient(mrn)
        if known is None:
            self.lookup_note.setText("New patient: enter the name. The patient is registered "
                                     "when the exam is saved.")
            self.name.setFocus()
            return
        birth_date = known.birth_date.isoformat() if known.birth_date else ""
        born = f", born {birth_date}" if birth_date else ""
        self.lookup_note.setText(f"Known patient: {known.name or 'no name on record'}{born}")
        self.name.setText(known.name or "")
        self.birth_date.setText(birth_date)
        self.session.set_value("patient.name", known.name)
        self._birth_date_edited(birth_date)
        self.cells["procedure.kind"].setFocus()

    def _birth_date_edited(self, text: str) -> None:
        text = text.strip()
        value: date | None = None
        problem = None
        if text:
            try:
                value = date.fromisoformat(text)
            except ValueError:
                problem = "is not a date: write YYYY-MM-DD"
        self._set_input_problem("patient.birth_date", problem)
        self.session.set_value("patient.birth_date", value)

    def _levels_edited(self, text: str) -> None:
        levels = [part.upper() for part in re.split(r"[\s,;]+", text.strip()) if part]
        bad = [level for level in levels if not LEVELS_PATTERN.fullmatch(level)]
        self._set_input_problem(
            "procedure.levels", f"{bad[0]} is not a level like L4-L5" if bad else None
        )
        if not bad:
            self.session.set_value("procedure.levels", levels or None)

    def load(self) -> None:
        super().load()
        patient, procedure, exam = self.session.patient, self.session.procedure, self.session.exam
        self.mrn.setText(patient.mrn)
        self.name.setText(patient.name or "")
        self.birth_date.setText(patient.birth_date.isoformat() if patient.birth_date else "")
        self.drug.setText(procedure.drug or "")
        self.levels.setText(", ".join(procedure.levels or []))
        self.volume.setText(_number_text(procedure.volume_ml_per_level))
        self.concentration.setText(_number_text(procedure.concentration_percent))
        self.anaesthetic.setEditText(procedure.anaesthetic or "")
        self.sedation.setEditText(procedure.sedation or "")
        self.procedure_time.setTime(self.session.value("procedure.performed_at"))
        self.exam_time.blockSignals(True)
        self.exam_time.setDateTime(to_qdatetime(exam.performed_at))
        self.exam_time.blockSignals(False)
        locked = self.session.context_locked
        self.location.setText(self.session.location or "")
        self.location.setPlaceholderText(
            "leave empty to keep the bed on record, or type the new one" if locked
            else "e.g. Bed 12 (shown on the ward board)")
        # A re-check's procedure time is shown, read-only; "Change" unlocks it on purpose.
        self.procedure_time.setEnabled(not locked)
        self.procedure_time.pick.setEnabled(not locked)
        self.change_time.setVisible(locked and not self.session.is_edit)
        for widget in (self.mrn, self.name, self.birth_date, self.drug,
                       self.levels, self.volume, self.anaesthetic, self.concentration,
                       self.sedation, self.im_box, self.block_box):
            widget.setEnabled(not locked)
        for path in ("procedure.kind", "procedure.side", "procedure.anticoagulated"):
            self.cells[path].setEnabled(not locked)
        self.context_note.setText(
            "Patient and procedure are those of the episode, copied from its last exam."
            if locked else ""
        )
        self._show_kind()
        self._show_elapsed()

    def refresh(self, changed_path: str) -> None:
        if changed_path in ("procedure.kind", ""):
            self._show_kind()
        if changed_path in ("procedure.performed_at", "exam.performed_at", ""):
            self._show_elapsed()

    def _show_kind(self) -> None:
        kind = self.session.procedure.kind
        self.im_box.setVisible(kind == "im_injection")
        self.block_box.setVisible(kind == "medial_branch_block")
        if kind == "im_injection":  # the other kind's fields were dropped from the exam
            for field in (self.levels, self.volume, self.concentration):
                field.clear()
            self.anaesthetic.setEditText("")
            self.sedation.setEditText("")
            self.cells["procedure.fluoroscopy_contrast"].setValue(None)
        elif kind == "medial_branch_block":
            self.drug.clear()
            self.cells["procedure.site"].setValue(None)

    def first_focus(self) -> QWidget | None:
        return self.exam_time if self.session.context_locked else self.mrn

    def owns(self, path: str) -> bool:
        return path.startswith(("patient.", "procedure.")) or path == "exam.performed_at"


def _kind_words() -> dict[str, str]:
    words = dict(PROCEDURE_KIND_WORDS)
    words["medial_branch_block"] = "Lumbar medial branch block"
    return words


def elapsed_words(delta: timedelta) -> str:
    """`5 h 12 min after the procedure` (`... before the procedure` when negative), in the
    domain's exact wording."""
    from desktop_app.domain.elapsed import format_elapsed

    where = "after" if delta >= timedelta(0) else "before"
    return f"{format_elapsed(abs(delta))} {where} the procedure"


def _number_text(value: float | None) -> str:
    return "" if value is None else f"{value:g}"
