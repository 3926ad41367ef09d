"""The one exam object every wizard page loads from and writes to.

`ExamSession` wraps the domain's `ExamDocument` (patient, procedure, exam, earlier exams of
the episode) plus what the wizard adds around it: the episode it belongs to, the calls the
nurse recorded, the draft key. Pages call its setters; it emits `changed` with the path
that changed, and the live panel re-assesses with the domain's own `assess`.

`problems()` lists what the GUI can point at (field path -> reason), so a page shows the
reason next to the field; `validated_document()` runs the full document validation of the
`assess` command before anything is saved.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop_app.domain import (
    DEFAULT_POLICY,
    Assessment,
    Exam,
    ExamDocument,
    Level,
    Patient,
    Procedure,
    SchedulePolicy,
    Symptoms,
    assess,
    load_document,
    required_items,
)
from desktop_app.domain.document import FUTURE_TOLERANCE, MRN_CHARACTERS, MRN_MAX_LENGTH
from desktop_app.domain.model import (
    BLOCK_ONLY_KEYS,
    IM_ONLY_KEYS,
    PROCEDURE_KINDS,
    RED_FLAG_SYMPTOMS,
)
from desktop_app.domain.scales import GRID, GRID_BY_PATH, NT
from desktop_app.ui.services import EscalationRecord, ExamRecord

DRAFT_FORMAT = "neurocheck-draft/1"
AUTOSAVE_MS = 800  # how long typing rests before the draft is saved
_GRID_ORDER = {item.path: index for index, item in enumerate(GRID)}
_LEVEL_VALUES = {level.value for level in Level}


def local_now() -> datetime:
    """Now, in the workstation's time zone, to the minute (what a nurse would write)."""
    return datetime.now().astimezone().replace(second=0, microsecond=0)


def mrn_problem(mrn: str) -> str | None:
    """Why `mrn` cannot be a wristband MRN, or None when it can."""
    if not mrn:
        return "required: scan the wristband or type the MRN"
    if len(mrn) > MRN_MAX_LENGTH:
        return f"is {len(mrn)} characters long; an MRN has at most {MRN_MAX_LENGTH}"
    bad = sorted({c for c in mrn if c not in MRN_CHARACTERS})
    if bad:
        shown = " ".join(repr(c) for c in bad[:3])
        return f"may hold only ASCII letters, digits and hyphens (not {shown})"
    return None


@dataclass
class Problem:
    """Something a field must change before the exam can be finished."""

    path: str
    message: str
    blocks_next: bool = False  # the page cannot be left forward until it is fixed
    missing_item: bool = False  # a required grid item not graded yet


class ExamSession(QObject):
    """One exam being entered, in its episode's context."""

    changed = Signal(str)  # the path that changed; "" after a bulk load

    def __init__(
        self,
        document: ExamDocument,
        *,
        episode_id: str | None = None,
        escalations: list[EscalationRecord] | None = None,
        draft_key: str | None = None,
        context_locked: bool = False,
        exam_id: str | None = None,
        procedure_time_known: bool = True,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.episode_id = episode_id
        self.escalations: list[EscalationRecord] = list(escalations or [])  # the episode's
        self.new_escalations: list[EscalationRecord] = []  # recorded during this exam
        self.draft_key = draft_key or uuid.uuid4().hex
        self.context_locked = context_locked  # an existing episode's patient and procedure
        self.exam_id = exam_id  # the saved exam being corrected; None for a new exam
        self.page_index = 0
        # False until the nurse enters the procedure time of a new episode: the document's
        # time is then a placeholder no rule may read (no assessment, finishing blocked).
        self.procedure_time_known = procedure_time_known
        self.location: str | None = None  # the bed or place, kept with the episode
        self.policy: SchedulePolicy = DEFAULT_POLICY  # the ward's, set by the wizard
        self._assessment: Assessment | None = None
        self._assessment_problem: str | None = None
        self._stale = True

    # construction ----------------------------------------------------------------------
    @classmethod
    def new_episode(cls, now: datetime | None = None) -> ExamSession:
        """A blank exam of a new episode: the exam time defaults to now; the procedure
        time is not known until it is entered."""
        moment = now or local_now()
        return cls(ExamDocument(Patient(mrn=""), Procedure(kind="", performed_at=moment),
                                Exam(performed_at=moment)), procedure_time_known=False)

    @classmethod
    def next_exam(
        cls,
        episode_id: str,
        history: list[ExamRecord],
        escalations: list[EscalationRecord] | None = None,
        now: datetime | None = None,
    ) -> ExamSession:
        """The next exam of an episode: its context copied forward from the last exam, the
        earlier exams attached for the serial comparison (the saved ones, and those an
        imported document carried; one per moment, a saved exam first)."""
        if not history:
            raise ValueError("an episode without an exam has no context to copy")
        earlier = [load_document(record.document) for record in history]
        by_moment: dict[datetime, Exam] = {}
        for saved in earlier:
            by_moment[saved.exam.performed_at] = saved.exam
        for saved in earlier:
            for carried in saved.previous_exams:
                by_moment.setdefault(carried.performed_at, carried)
        last = earlier[-1]
        onset = last.exam.symptoms.onset  # when the symptoms began does not change
        document = ExamDocument(
            last.patient,
            last.procedure,
            Exam(performed_at=now or local_now(), symptoms=Symptoms(onset=onset)),
            [by_moment[moment] for moment in sorted(by_moment)],
        )
        return cls(document, episode_id=episode_id, escalations=escalations,
                   context_locked=True)

    @classmethod
    def edit(cls, record: ExamRecord,
             escalations: list[EscalationRecord] | None = None) -> ExamSession:
        """A saved, unsigned exam opened for correction: its document as stored, the
        patient and procedure locked (they name the episode)."""
        return cls(load_document(record.document), episode_id=record.episode_id,
                   escalations=escalations, context_locked=True, exam_id=record.exam_id)

    @property
    def is_edit(self) -> bool:
        return self.exam_id is not None

    # reading ---------------------------------------------------------------------------
    @property
    def patient(self) -> Patient:
        return self.document.patient

    @property
    def procedure(self) -> Procedure:
        return self.document.procedure

    @property
    def exam(self) -> Exam:
        return self.document.exam

    def grade(self, path: str) -> Any:
        """The grade as entered: a value on its scale, "NT", or None (not entered)."""
        return self.exam.grades.get(path)

    def value(self, path: str) -> Any:
        """Any field by its document path (context, symptom, grade, not-tested reason)."""
        if path in GRID_BY_PATH:
            return self.grade(path)
        group, _, name = path.partition(".")
        if group == "patient":
            return getattr(self.patient, name)
        if path == "procedure.performed_at" and not self.procedure_time_known:
            return None
        if group == "procedure":
            return getattr(self.procedure, name)
        if group == "symptoms":
            return getattr(self.exam.symptoms, name)
        if path == "exam.performed_at":
            return self.exam.performed_at
        if group == "not_tested_reasons":
            return self.exam.not_tested_reasons.get(name)
        raise KeyError(path)

    # writing ---------------------------------------------------------------------------
    def set_value(self, path: str, value: Any) -> None:
        """Write one field. None removes a grade, a symptom or an optional context field."""
        if self.value(path) == value and type(self.value(path)) is type(value):
            return
        group, _, name = path.partition(".")
        if path in GRID_BY_PATH:
            if value is None:
                self.exam.grades.pop(path, None)
            else:
                self.exam.grades[path] = value
        elif group == "patient":
            setattr(self.patient, name, value)
        elif path == "procedure.performed_at":
            self.procedure_time_known = value is not None
            if value is not None:
                self.procedure.performed_at = value
        elif group == "procedure":
            setattr(self.procedure, name, value)
            if name == "kind":
                self._drop_other_kind_fields()
        elif group == "symptoms":
            setattr(self.exam.symptoms, name, value)
        elif path == "exam.performed_at":
            self.exam.performed_at = value
        elif group == "not_tested_reasons":
            if value:
                self.exam.not_tested_reasons[name] = value
            else:
                self.exam.not_tested_reasons.pop(name, None)
        else:
            raise KeyError(path)
        self._stale = True
        self.changed.emit(path)

    def _drop_other_kind_fields(self) -> None:
        foreign = {"im_injection": BLOCK_ONLY_KEYS, "medial_branch_block": IM_ONLY_KEYS}.get(
            self.procedure.kind, ()
        )
        for key in foreign:
            setattr(self.procedure, key, None)
        if self.procedure.kind == "im_injection":
            for side in ("left", "right"):
                self.exam.grades.pop(f"bromage.{side}", None)

    def add_escalation(self, call: EscalationRecord) -> None:
        self.new_escalations.append(call)
        self.changed.emit("escalation")

    # the assessment --------------------------------------------------------------------
    def assessable_problem(self) -> str | None:
        """Why the exam cannot be assessed yet, or None."""
        if self.procedure.kind not in PROCEDURE_KINDS:
            return "choose the procedure first"
        if not self.procedure_time_known:
            return "enter the procedure time first"
        if self.exam.performed_at < self.procedure.performed_at:
            return "the exam time is before the procedure"
        if self.exam.performed_at > datetime.now().astimezone() + FUTURE_TOLERANCE:
            return "the exam time is in the future"
        return None

    def assessment(self) -> Assessment | None:
        """The domain's assessment of the exam as it stands (None while it cannot be made).

        Computed once per change: every page and the live panel share it.
        """
        if self._stale:
            self._assessment_problem = self.assessable_problem()
            self._assessment = None if self._assessment_problem else assess(self.document,
                                                                              self.policy)
            self._stale = False
        return self._assessment

    @property
    def assessment_problem(self) -> str | None:
        self.assessment()
        return self._assessment_problem

    def needs_escalation(self) -> bool:
        """Notify or higher: the nurse must call someone and record it."""
        result = self.assessment()
        return result is not None and result.level >= Level.NOTIFY

    def escalation_missing(self) -> bool:
        """True when the level asks for a call that no recorded call covers yet.

        A call made at this level or a higher one (this exam or earlier in the episode)
        covers it; a level that rises needs a new call.
        """
        if not self.needs_escalation():
            return False
        level = self.assessment().level  # type: ignore[union-attr]
        return not any(
            call.level in _LEVEL_VALUES and Level(call.level) >= level
            for call in (*self.escalations, *self.new_escalations)
        )

    # what stands in the way ------------------------------------------------------------
    def required_paths(self) -> tuple[str, ...]:
        if self.procedure.kind not in PROCEDURE_KINDS:
            return ()
        return required_items(self.document)

    def not_tested_paths(self) -> list[str]:
        """Every grid item that is NT, and every required item not entered, in grid order."""
        marked = [p for p, v in self.exam.grades.items() if v == NT and not isinstance(v, bool)]
        missing = [p for p in self.required_paths() if p not in self.exam.grades]
        return sorted(set(marked + missing), key=_GRID_ORDER.__getitem__)

    def problems(self) -> list[Problem]:
        """Everything that blocks finishing, each with the field it belongs to."""
        found: list[Problem] = []
        mrn = mrn_problem(self.patient.mrn)
        if mrn:
            found.append(Problem("patient.mrn", mrn, blocks_next=True))
        birth = self.patient.birth_date
        if birth is not None and birth > date.today():
            found.append(Problem("patient.birth_date", "is in the future", blocks_next=True))
        if self.procedure.kind not in PROCEDURE_KINDS:
            found.append(Problem("procedure.kind", "choose the procedure", blocks_next=True))
        now = datetime.now().astimezone()
        if not self.procedure_time_known:
            found.append(Problem("procedure.performed_at", "required: type or pick the time of "
                                 "the procedure", blocks_next=True))
        if self.procedure_time_known and self.exam.performed_at < self.procedure.performed_at:
            when = self.procedure.performed_at.astimezone().strftime("%d %b %H:%M")
            found.append(Problem("exam.performed_at",
                                 f"is before the procedure ({when}); check both times",
                                 blocks_next=True))
        elif self.exam.performed_at > now + FUTURE_TOLERANCE:
            found.append(Problem("exam.performed_at", "is more than 5 minutes in the future",
                                 blocks_next=True))
        for name in RED_FLAG_SYMPTOMS:
            if getattr(self.exam.symptoms, name) is None:
                found.append(Problem(f"symptoms.{name}", "red-flag question: answer yes or no",
                                     blocks_next=True))
        for path in self.not_tested_paths():
            if self.exam.reason_for(path):
                continue
            if self.exam.grades.get(path) == NT:
                found.append(Problem(path, "marked NT: give the reason on the Review page"))
                found.append(Problem(f"not_tested_reasons.{path}", "give the reason it was not "
                                     "tested"))
            else:
                found.append(Problem(path, "required for this procedure: grade it, or mark it "
                                     "NT with a reason", missing_item=True))
        if self.escalation_missing():
            level = self.assessment().level.value.upper()  # type: ignore[union-attr]
            found.append(Problem("escalation", f"level {level}: record whom you called, when, "
                                 "and the response"))
        return found

    def validated_document(self) -> ExamDocument:
        """The exam as the `assess` command would read it: its document, fully validated.

        Raises `DocumentError` naming the field when the document would be refused.
        """
        return load_document(self.document.to_document())

    # drafts ----------------------------------------------------------------------------
    def to_draft_json(self) -> str:
        """Everything entered so far, as text for the draft store (valid or not)."""
        doc = self.document
        return json.dumps(
            {
                "format": DRAFT_FORMAT,
                "episode_id": self.episode_id,
                "exam_id": self.exam_id,
                "context_locked": self.context_locked,
                "page_index": self.page_index,
                "procedure_time_known": self.procedure_time_known,
                "location": self.location,
                "patient": {
                    "mrn": doc.patient.mrn,
                    "name": doc.patient.name,
                    "birth_date": doc.patient.birth_date.isoformat()
                    if doc.patient.birth_date else None,
                },
                "procedure": _procedure_values(doc.procedure),
                "exam": _exam_values(doc.exam),
                "previous_exams": [_exam_values(e) for e in doc.previous_exams],
                "escalations": [asdict(c) for c in self.escalations],
                "new_escalations": [asdict(c) for c in self.new_escalations],
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_draft_json(cls, key: str, text: str) -> ExamSession:
        """Restore a session saved by `to_draft_json` (ValueError if it is not one)."""
        raw = json.loads(text)
        if raw.get("format") != DRAFT_FORMAT:
            raise ValueError("not a NeuroCheck draft")
        patient = raw["patient"]
        birth = patient.get("birth_date")
        document = ExamDocument(
            Patient(patient["mrn"], patient.get("name"),
                    date.fromisoformat(birth) if birth else None),
            _procedure_from(raw["procedure"]),
            _exam_from(raw["exam"]),
            [_exam_from(e) for e in raw.get("previous_exams", [])],
        )
        session = cls(
            document,
            episode_id=raw.get("episode_id"),
            escalations=[EscalationRecord(**c) for c in raw.get("escalations", [])],
            draft_key=key,
            context_locked=bool(raw.get("context_locked")),
            exam_id=raw.get("exam_id"),
            procedure_time_known=bool(raw.get("procedure_time_known", True)),
        )
        session.location = raw.get("location")
        session.new_escalations = [EscalationRecord(**c) for c in raw.get("new_escalations", [])]
        session.page_index = int(raw.get("page_index", 0))
        return session

    def describe(self) -> str:
        """One line naming the exam for a list or a prompt (shown, never logged)."""
        who = self.patient.name or "patient"
        mrn = self.patient.mrn or "no MRN yet"
        return f"{who} ({mrn})"


def _procedure_values(procedure: Procedure) -> dict[str, Any]:
    values = {f.name: getattr(procedure, f.name) for f in fields(Procedure)}
    values["performed_at"] = procedure.performed_at.isoformat()
    return values


def _procedure_from(raw: dict[str, Any]) -> Procedure:
    values = dict(raw)
    values["performed_at"] = datetime.fromisoformat(raw["performed_at"])
    return Procedure(**values)


def _exam_values(exam: Exam) -> dict[str, Any]:
    return {
        "performed_at": exam.performed_at.isoformat(),
        "symptoms": asdict(exam.symptoms),
        "grades": dict(exam.grades),
        "not_tested_reasons": dict(exam.not_tested_reasons),
    }


def _exam_from(raw: dict[str, Any]) -> Exam:
    grades = {p: v for p, v in raw.get("grades", {}).items() if p in GRID_BY_PATH}
    return Exam(
        datetime.fromisoformat(raw["performed_at"]),
        Symptoms(**raw.get("symptoms", {})),
        grades,
        dict(raw.get("not_tested_reasons", {})),
    )


