"""The exam in its context: patient, procedure, symptoms, grid grades, earlier exams.

Values are kept as the document gave them; a symptom or grade left out is `None`
("not asked" / "not tested"), never a default.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime
from enum import Enum
from typing import Any

from desktop_app.domain.scales import GRID, GRID_BY_PATH, NT, Scale

FORMAT = "neuro-exam/1"
IM_INJECTION = "im_injection"
MEDIAL_BRANCH_BLOCK = "medial_branch_block"
PROCEDURE_KINDS = (IM_INJECTION, MEDIAL_BRANCH_BLOCK)
PROCEDURE_SIDES = ("left", "right", "bilateral")
IM_SITES = ("dorsogluteal", "ventrogluteal", "deltoid", "vastus_lateralis", "other")
GLUTEAL_SITES = ("dorsogluteal", "ventrogluteal")
ANTICOAGULATION = ("yes", "no", "unknown")
ONSETS = ("immediate", "delayed", "unknown")
TRENDS = ("improving", "stable", "worsening", "unknown")

PROCEDURE_KIND_WORDS = {IM_INJECTION: "IM injection", MEDIAL_BRANCH_BLOCK: "lumbar medial branch block"}
IM_SITE_WORDS = {
    "dorsogluteal": "dorsogluteal",
    "ventrogluteal": "ventrogluteal",
    "deltoid": "deltoid",
    "vastus_lateralis": "vastus lateralis (anterolateral thigh)",
    "other": "other site",
}
IM_ONLY_KEYS = ("site", "drug")
BLOCK_ONLY_KEYS = (
    "levels",
    "volume_ml_per_level",
    "anaesthetic",
    "concentration_percent",
    "fluoroscopy_contrast",
    "sedation",
)


class Level(Enum):
    """Recommendation levels, lowest to highest."""

    OBSERVE = "observe"
    NOTIFY = "notify"
    URGENT = "urgent"
    EMERGENCY = "emergency"

    @property
    def rank(self) -> int:
        return _LEVEL_ORDER.index(self)

    def __lt__(self, other: Level) -> bool:
        return self.rank < other.rank

    def __le__(self, other: Level) -> bool:
        return self.rank <= other.rank

    @property
    def action(self) -> str:
        return LEVEL_ACTIONS[self]


_LEVEL_ORDER = [Level.OBSERVE, Level.NOTIFY, Level.URGENT, Level.EMERGENCY]
LEVEL_ACTIONS = {
    Level.OBSERVE: "Reassure and keep observing; re-check on schedule.",
    Level.NOTIFY: "Notify the proceduralist / anaesthesiologist (or the prescriber of an IM "
    "injection) for a formal neurological assessment now.",
    Level.URGENT: "Immediate neurological evaluation by a physician.",
    Level.EMERGENCY: "Possible cauda equina syndrome or spinal compression: urgent MRI; "
    "escalate under the institution's neurological emergency protocol.",
}
NOTIFY_ACTIONS = {
    IM_INJECTION: "Notify the prescriber for a formal neurological assessment now.",
    MEDIAL_BRANCH_BLOCK: "Notify the proceduralist / anaesthesiologist for a formal "
    "neurological assessment now.",
}


def level_action(level: Level, procedure_kind: str | None = None) -> str:
    """What the level asks the nurse to do, for this kind of procedure: a notify level
    names the prescriber after an IM injection, the proceduralist after a block."""
    if level == Level.NOTIFY and procedure_kind in NOTIFY_ACTIONS:
        return NOTIFY_ACTIONS[procedure_kind]
    return LEVEL_ACTIONS[level]


@dataclass
class Patient:
    mrn: str
    name: str | None = None
    birth_date: date | None = None


@dataclass
class Procedure:
    kind: str
    performed_at: datetime
    side: str | None = None
    site: str | None = None
    drug: str | None = None
    levels: list[str] | None = None
    volume_ml_per_level: float | None = None
    anaesthetic: str | None = None
    concentration_percent: float | None = None
    fluoroscopy_contrast: bool | None = None
    sedation: str | None = None
    anticoagulated: str | None = None

    @property
    def is_block(self) -> bool:
        return self.kind == MEDIAL_BRANCH_BLOCK

    @property
    def is_im(self) -> bool:
        return self.kind == IM_INJECTION

    @property
    def one_sided(self) -> bool:
        """A procedure whose side is not recorded counts as one-sided."""
        return self.side != "bilateral"


@dataclass
class Symptoms:
    numbness: bool | None = None
    onset: str | None = None
    trend: str | None = None
    radicular_pain: bool | None = None
    paresthesia: bool | None = None
    saddle_anaesthesia: bool | None = None
    bowel_bladder_dysfunction: bool | None = None
    bilateral_symptoms: bool | None = None
    worsening_weakness: bool | None = None


SYMPTOM_KEYS = tuple(f.name for f in fields(Symptoms))
RED_FLAG_SYMPTOMS = (
    "saddle_anaesthesia",
    "bowel_bladder_dysfunction",
    "bilateral_symptoms",
    "worsening_weakness",
)
SYMPTOM_WORDS = {
    "numbness": "Numbness",
    "onset": "Onset",
    "trend": "Trend since the last check",
    "radicular_pain": "Shooting / radicular pain",
    "paresthesia": "Paresthesia (tingling, pins and needles)",
    "saddle_anaesthesia": "Saddle anaesthesia (numb buttocks, perineum or inner thighs)",
    "bowel_bladder_dysfunction": "New bowel or bladder dysfunction (retention or incontinence)",
    "bilateral_symptoms": "Symptoms in both legs",
    "worsening_weakness": "Weakness getting worse",
}


@dataclass
class Exam:
    """One exam: when, symptoms, grid grades by path, and reasons for items not tested."""

    performed_at: datetime
    symptoms: Symptoms = field(default_factory=Symptoms)
    grades: dict[str, Any] = field(default_factory=dict)
    not_tested_reasons: dict[str, str] = field(default_factory=dict)

    def grade(self, path: str) -> Any:
        """The grade at `path`, or None when it was left out or marked NT."""
        value = self.grades.get(path)
        return None if value == NT else value

    def is_tested(self, path: str) -> bool:
        return self.grade(path) is not None

    def reason_for(self, path: str) -> str | None:
        """The not-tested reason for `path`: its own or the nearest dotted prefix's."""
        parts = path.split(".")
        for end in range(len(parts), 0, -1):
            reason = self.not_tested_reasons.get(".".join(parts[:end]))
            if reason:
                return reason
        return None


@dataclass
class ExamDocument:
    patient: Patient
    procedure: Procedure
    exam: Exam
    previous_exams: list[Exam] = field(default_factory=list)

    def to_document(self) -> dict[str, Any]:
        """The exam document (EXAM_FORMAT.md) for this exam, ready for `json.dumps`."""
        return {
            "format": FORMAT,
            "patient": _drop_none(
                {
                    "mrn": self.patient.mrn,
                    "name": self.patient.name,
                    "birth_date": self.patient.birth_date.isoformat()
                    if self.patient.birth_date
                    else None,
                }
            ),
            "procedure": procedure_to_document(self.procedure),
            "exam": exam_to_document(self.exam),
            "previous_exams": [exam_to_document(e) for e in self.previous_exams],
        }


def format_time(moment: datetime) -> str:
    """ISO 8601 with its offset; seconds always, fractions only when present."""
    return moment.isoformat(timespec="microseconds" if moment.microsecond else "seconds")


def procedure_to_document(procedure: Procedure) -> dict[str, Any]:
    values = {f.name: getattr(procedure, f.name) for f in fields(Procedure)}
    values["performed_at"] = format_time(procedure.performed_at)
    return _drop_none(values)


def exam_to_document(exam: Exam) -> dict[str, Any]:
    """The nested `exam` object of a document, from the flat grade map."""
    doc: dict[str, Any] = {"performed_at": format_time(exam.performed_at)}
    symptoms = _drop_none({name: getattr(exam.symptoms, name) for name in SYMPTOM_KEYS})
    if symptoms:
        doc["symptoms"] = symptoms
    for item in GRID:
        if item.path not in exam.grades:
            continue
        node = doc
        *parents, leaf = item.path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = exam.grades[item.path]
    if exam.not_tested_reasons:
        doc["not_tested_reasons"] = dict(exam.not_tested_reasons)
    return doc


def scale_of(path: str) -> Scale:
    return GRID_BY_PATH[path].scale


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}
