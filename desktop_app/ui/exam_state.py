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
from dataclasses import asdict, dataclass, fields, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

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
    signing_gaps,
)
from desktop_app.domain.document import FUTURE_TOLERANCE, MRN_CHARACTERS, MRN_MAX_LENGTH
from desktop_app.domain.model import (
    BLOCK_ONLY_KEYS,
    IM_ONLY_KEYS,
    PROCEDURE_KINDS,
    RED_FLAG_SYMPTOMS,
    SYMPTOM_WORDS,
)
from desktop_app.domain.scales import GRID, GRID_BY_PATH, LOWER_LIMB_MUSCLES, NT

if TYPE_CHECKING:
    from desktop_app.record.reads import Escalation, ExamRecord

DRAFT_FORMAT = "neurocheck-draft/1"
AUTOSAVE_MS = 800  # how long typing rests before the draft is saved
_GRID_ORDER = {item.path: index for index, item in enumerate(GRID)}
_LEVEL_VALUES = {level.value for level in Level}


@dataclass(frozen=True)
class EscalationRecord:
    """A call as the exam screens hold it: whom the nurse called, when (ISO 8601 with
    offset), what they answered, and the level of the exam that prompted it. Kept in the
    draft as it is, so a resumed exam has the calls it had."""

    role: str
    name: str
    called_at: str
    response: str
    level: str | None = None

    def for_record(self) -> dict[str, Any]:
        """The call as the record takes it (`record.finish_exam`'s `escalations`)."""
        return {"role": self.role, "name": self.name,
                "called_at": datetime.fromisoformat(self.called_at),
                "response": self.response or None}


def recorded_calls(exams: list[ExamRecord], calls: list[Escalation]) -> list[EscalationRecord]:
    """An episode's recorded calls (oldest first), each with the level of its exam."""
    levels = {exam.id: exam.level for exam in exams}
    return [EscalationRecord(call.called_role, call.called_name, call.called_at.isoformat(),
                             call.response or "", levels.get(call.exam_id))
            for call in calls]


def _record_id(value: Any) -> int | None:
    """An episode or exam ID as a draft holds it (drafts written before IDs were numbers
    hold them as text)."""
    return None if value is None or value == "" else int(value)


def _stem(path: str) -> str:
    """A grid item without its side (and a dermatome without its modality): `motor.hip_flexion`,
    `sensory.L2`."""
    parts = path.split(".")
    if parts[0] == "sensory":
        return ".".join(parts[:2])
    return ".".join(p for p in parts if p not in ("left", "right"))


_STEM_ORDER = {stem: index for index, stem in
               enumerate(dict.fromkeys(_stem(item.path) for item in GRID))}
# Without a procedure time the red flags are read where they weigh most: past the 4 h of
# RF-2 and RF-3 (RF-1 does not depend on the time).
RED_FLAG_WORST_DELAY = timedelta(hours=4, minutes=1)


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


GROUP_WORDS = {
    "sensory": "Sensory",
    "motor": "Motor",
    "straight_leg_raise": "Straight-leg raise",
    "reflexes": "Reflexes",
    "bromage": "Bromage",
}


def red_flag_words(name: str) -> str:
    """`saddle anaesthesia`: a red-flag question in a few words."""
    words = SYMPTOM_WORDS[name].split(" (")[0]
    return words[0].lower() + words[1:]


def required_item_groups(paths: tuple[str, ...] | list[str]) -> list[str]:
    """Required grid items in a few words a nurse reads at a glance, e.g.
    `L2-S1 light touch and pinprick, both sides` or `wrist and finger extension, both sides`."""
    names: dict[tuple[str, bool], list[str]] = {}
    roots: dict[tuple[str, bool], list[str]] = {}  # dermatomes or myotomes, in grid order
    sides: dict[tuple[str, bool], set[str]] = {}
    for path in paths:
        item = GRID_BY_PATH[path]
        key = (item.group, item.lower_limb)
        parts = path.split(".")
        if item.group == "sensory":
            name, root = parts[3].replace("_", " "), parts[1]
        elif item.group == "motor" and item.lower_limb:
            name, root = "key muscles", LOWER_LIMB_MUSCLES[parts[1]][0]
        else:
            name, root = item.words.split(" ", 1)[1], None
        for found, value in ((names, name), (roots, root)):
            values = found.setdefault(key, [])
            if value is not None and value not in values:
                values.append(value)
        sides.setdefault(key, set()).add(item.side)
    described = []
    for key, words in names.items():
        span = roots[key][0] if len(roots[key]) == 1 else \
            f"{roots[key][0]}-{roots[key][-1]}" if roots[key] else ""
        both = len(sides[key]) == 2
        described.append(f"{span} {_and(words)}".strip()
                         + (", both sides" if both else f", {next(iter(sides[key]))} side"))
    return described


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _shown_order(path: str) -> tuple[int, int, int]:
    """Screen order: item by item as the pages read, Right before Left."""
    side = GRID_BY_PATH[path].side
    return (_STEM_ORDER[_stem(path)], 0 if side == "right" else 1, _GRID_ORDER[path])


def items_words(paths: list[str]) -> str:
    """Every named grid item, in screen order (Right before Left)."""
    return _and([GRID_BY_PATH[p].words for p in sorted(paths, key=_shown_order)])


def _few(paths: list[str], shown: int = 3) -> str:
    """`Right L2 light touch, Right L2 pinprick, Left L2 light touch and 17 more`."""
    names = [GRID_BY_PATH[p].words for p in sorted(paths, key=_shown_order)]
    if len(names) <= shown + 1:
        return _and(names)
    return ", ".join(names[:shown]) + f" and {len(names) - shown} more"


@dataclass
class Problem:
    """Something a field must change before the exam can be finished."""

    path: str
    message: str
    blocks_next: bool = False  # the page cannot be left forward until it is fixed
    missing_item: bool = False  # a required grid item not graded yet


@dataclass(frozen=True)
class LastExam:
    """The episode's most recent earlier exam, as the protocol engine reads it."""

    performed_at: datetime
    assessment: Assessment

    @property
    def level(self) -> Level:
        return self.assessment.level


@dataclass(frozen=True)
class AssessmentView:
    """What may be said about the exam as it stands, so that nothing reassures before the
    facts: no level until the red flags are answered and the procedure time is known (an
    emergency at once, and a level of notify or higher, which missing answers can only
    raise); a level with required items missing is provisional."""

    assessment: Assessment | None  # None: not yet assessed
    waiting_for: tuple[str, ...]  # what the assessment still waits for, in words
    still_needed: tuple[str, ...]  # what must be recorded before the note can be signed
    required: str  # the procedure's required items, in words (from the domain)
    last: LastExam | None  # on a re-check: the exam before this one
    time_problem: str | None = None  # why t is unknown when red flags are read without it

    @property
    def time_known(self) -> bool:
        return self.time_problem is None

    @property
    def level(self) -> Level | None:
        return self.assessment.level if self.assessment else None

    @property
    def incomplete(self) -> bool:
        """Something the note needs is still missing (the level may still change)."""
        return bool(self.still_needed or self.waiting_for)

    @property
    def provisional(self) -> bool:
        """A level shown while the exam is incomplete. Not an emergency: nothing still to
        come can raise it, and the nurse must act on it now, not wait for the rest."""
        return (self.assessment is not None and self.incomplete
                and self.assessment.level != Level.EMERGENCY)

    @property
    def lower_than_last(self) -> bool:
        return (self.last is not None and self.level is not None
                and self.level < self.last.level)


class ExamSession(QObject):
    """One exam being entered, in its episode's context."""

    changed = Signal(str)  # the path that changed; "" after a bulk load

    def __init__(
        self,
        document: ExamDocument,
        *,
        episode_id: int | None = None,
        escalations: list[EscalationRecord] | None = None,
        draft_key: str | None = None,
        context_locked: bool = False,
        exam_id: int | None = None,
        procedure_time_known: bool | None = None,
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
        self.procedure_time_known = (document.procedure.performed_at is not None
                                     if procedure_time_known is None else procedure_time_known)
        self.location: str | None = None  # the bed or place, kept with the episode
        self.policy: SchedulePolicy = DEFAULT_POLICY  # the ward's, set by the wizard
        self._assessment: Assessment | None = None
        self._assessment_problem: str | None = None
        self._stale = True
        self._last_key: object = None
        self._last: LastExam | None = None

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
        episode_id: int,
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
                   escalations=escalations, context_locked=True, exam_id=record.id)

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

    def calls_for_record(self) -> list[dict[str, Any]]:
        """The calls recorded during this exam, as the record takes them."""
        return [call.for_record() for call in self.new_escalations]

    # the assessment --------------------------------------------------------------------
    def assessable_problem(self) -> str | None:
        """Why the exam cannot be assessed yet, or None."""
        if self.procedure.kind not in PROCEDURE_KINDS:
            return "choose the procedure first"
        if not self.procedure_time_known:
            return "enter the procedure time"
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

    def assessment_view(self) -> AssessmentView:
        """The assessment as the panel may show it (see `AssessmentView`)."""
        result = self.assessment()
        unanswered = self.unanswered_red_flags()
        waiting = []
        if self.assessment_problem:
            waiting.append(self.assessment_problem)
        if unanswered:
            waiting.append("answer the red-flag questions ("
                           + ", ".join(red_flag_words(n) for n in unanswered) + ")")
        shown, time_problem = None, None
        emergency = self._red_flag_emergency()
        if emergency is not None:
            shown, time_problem = emergency, self.assessment_problem
        elif result is not None and not unanswered:
            # Before the red flags are answered no level is shown (only a yes, above), so a
            # level read off the grades alone is never taken for the answer.
            shown = result
        return AssessmentView(shown, tuple(waiting), tuple(self.still_needed()),
                              self.required_words(), self.last_exam(), time_problem)

    def unanswered_red_flags(self) -> list[str]:
        return [n for n in RED_FLAG_SYMPTOMS if getattr(self.exam.symptoms, n) is None]

    def _red_flag_emergency(self) -> Assessment | None:
        """The emergency a red flag answered yes gives, whatever else is still missing."""
        symptoms = self.exam.symptoms
        if not any(getattr(symptoms, n) is True for n in RED_FLAG_SYMPTOMS):
            return None
        result = self.assessment()
        if result is None:
            procedure = replace(self.procedure,
                                performed_at=self.exam.performed_at - RED_FLAG_WORST_DELAY)
            worst = assess(replace(self.document, procedure=procedure), self.policy)
            fired = tuple(f for f in worst.fired if f.level == Level.EMERGENCY)
            if not fired:
                return None
            # Only the rules the time cannot change; no time, so no schedule.
            result = replace(worst, fired=fired)
        return result if result.level == Level.EMERGENCY else None

    def last_exam(self) -> LastExam | None:
        """The most recent earlier exam of the episode with the engine's reading of it."""
        earlier = sorted(self.document.previous_exams, key=lambda e: e.performed_at)
        if not earlier or not self.procedure_time_known \
                or self.procedure.kind not in PROCEDURE_KINDS:
            return None
        key = (earlier[-1].performed_at, len(earlier), self.procedure.kind,
               self.procedure.performed_at)
        if self._last_key != key:
            document = ExamDocument(self.patient, self.procedure, earlier[-1], earlier[:-1])
            self._last_key = key
            self._last = LastExam(earlier[-1].performed_at, assess(document, self.policy))
        return self._last

    def required_words(self) -> str:
        """What the protocol requires before signing, for this procedure, in words."""
        if self.procedure.kind not in PROCEDURE_KINDS:
            return "The required items depend on the procedure: choose it first."
        return "; ".join(
            (*required_item_groups(self.required_paths()),
             f"the {len(RED_FLAG_SYMPTOMS)} red-flag questions answered yes or no")
        ) + ". An item may be NT only with a reason."

    def still_needed(self) -> list[str]:
        """What stands between this exam and a signable note, in words, in page order."""
        needed = []
        if self.procedure.kind not in PROCEDURE_KINDS:
            needed.append("the procedure")
        if not self.procedure_time_known:
            needed.append("the procedure time")
        unanswered = self.unanswered_red_flags()
        if unanswered:
            needed.append("red-flag questions: "
                          + ", ".join(red_flag_words(n) for n in unanswered))
        if self.procedure.kind not in PROCEDURE_KINDS:
            return needed
        required = set(self.required_paths())
        untested: dict[str, list[str]] = {}
        reasons: list[str] = []
        for path in signing_gaps(self.document):
            if path not in GRID_BY_PATH:
                continue  # a gap the domain names that is not a grid item (red flags above)
            if path in required and self.exam.grades.get(path) != NT:
                untested.setdefault(GRID_BY_PATH[path].group, []).append(path)
            else:
                reasons.append(path)
        for group, paths in untested.items():
            needed.append(f"{GROUP_WORDS[group]}: {_few(paths)}")
        if reasons:
            needed.append(f"the reason for each NT: {_few(reasons)}")
        return needed

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
        """Everything entered so far, as text (valid or not)."""
        return json.dumps(self.to_draft(), ensure_ascii=False)

    def to_draft(self) -> dict[str, Any]:
        """Everything entered so far, as the draft store keeps it (valid or not)."""
        doc = self.document
        return (
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
            }
        )

    @classmethod
    def from_draft_json(cls, key: str, text: str) -> ExamSession:
        """Restore a session saved by `to_draft_json` (ValueError if it is not one)."""
        return cls.from_draft(key, json.loads(text))

    @classmethod
    def from_draft(cls, key: str, raw: Any) -> ExamSession:
        """Restore a session saved by `to_draft` (ValueError, KeyError or TypeError if it
        is not one)."""
        if not isinstance(raw, dict) or raw.get("format") != DRAFT_FORMAT:
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
            episode_id=_record_id(raw.get("episode_id")),
            escalations=[EscalationRecord(**c) for c in raw.get("escalations", [])],
            draft_key=key,
            context_locked=bool(raw.get("context_locked")),
            exam_id=_record_id(raw.get("exam_id")),
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
    moment = procedure.performed_at
    values["performed_at"] = moment.isoformat() if moment is not None else None
    return values


def _procedure_from(raw: dict[str, Any]) -> Procedure:
    values = dict(raw)
    moment = raw.get("performed_at")
    values["performed_at"] = datetime.fromisoformat(moment) if moment else None
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


