"""Sample notes with made-up patients: for the benchmark, the README picture and a look at
the layout after a change.

The notes are drawn as pages (PNG) by `python -m desktop_app.ui.sample_notes` (Qt draws
them; this module stays Qt-free).
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from typing import Any

from desktop_app.domain import ExamDocument, load_document

_OFFSET = timezone(timedelta(hours=1))


def _grid(sensory: int = 2, motor: int = 5) -> dict[str, Any]:
    side = {"light_touch": sensory, "pinprick": sensory}
    return {
        "sensory": {d: {"left": dict(side), "right": dict(side)}
                    for d in ("L2", "L3", "L4", "L5", "S1")},
        "motor": {m: {"left": motor, "right": motor}
                  for m in ("hip_flexion", "knee_extension", "ankle_dorsiflexion",
                            "great_toe_extension", "ankle_plantarflexion")},
        "straight_leg_raise": {"left": True, "right": True},
        "reflexes": {"patellar": {"left": "2+", "right": "2+"},
                     "achilles": {"left": "2+", "right": "2+"}},
        "bromage": {"left": 0, "right": 0},
        "not_tested_reasons": {"motor.wrist_extension": "not indicated after a lumbar block",
                               "motor.finger_extension": "not indicated after a lumbar block"},
    }


def _symptoms(**yes: bool) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "numbness": False, "onset": "delayed", "trend": "unknown", "radicular_pain": False,
        "paresthesia": False, "saddle_anaesthesia": False, "bowel_bladder_dysfunction": False,
        "bilateral_symptoms": False, "worsening_weakness": False,
    }
    answers.update(yes)
    return answers


def sample_raw(kind: str = "emergency") -> dict[str, Any]:
    """A made-up exam document: "normal" (one exam, 1 h after a block) or "emergency"
    (the third exam of the episode, weakening 6 h after a block, numb L5/S1)."""
    procedure_at = datetime(2026, 5, 4, 8, 0, tzinfo=_OFFSET)
    document: dict[str, Any] = {
        "format": "neuro-exam/1",
        "patient": {"mrn": "A1234567", "name": "Zoë Ngô-Ærøe", "birth_date": "1958-02-28"},
        "procedure": {
            "kind": "medial_branch_block",
            "performed_at": procedure_at.isoformat(),
            "side": "left",
            "levels": ["L4-L5", "L5-S1"],
            "volume_ml_per_level": 0.5,
            "anaesthetic": "bupivacaine",
            "concentration_percent": 0.5,
            "fluoroscopy_contrast": True,
            "sedation": "none",
            "anticoagulated": "no",
        },
    }
    if kind == "normal":
        exam = {"performed_at": (procedure_at + timedelta(hours=1)).isoformat(),
                "symptoms": _symptoms(), **_grid()}
        document.update(exam=exam, previous_exams=[])
        return document
    first = {"performed_at": (procedure_at + timedelta(hours=1)).isoformat(),
             "symptoms": _symptoms(numbness=True, trend="unknown"), **_grid()}
    first["motor"]["knee_extension"]["left"] = 4
    second = copy.deepcopy(first)
    second["performed_at"] = (procedure_at + timedelta(hours=3)).isoformat()
    second["symptoms"]["trend"] = "stable"
    current = copy.deepcopy(first)
    current["performed_at"] = (procedure_at + timedelta(hours=6)).isoformat()
    current["symptoms"] = _symptoms(numbness=True, trend="worsening", worsening_weakness=True)
    current["sensory"]["L5"]["left"] = {"light_touch": 1, "pinprick": 1}
    current["sensory"]["S1"]["left"] = {"light_touch": 1, "pinprick": 0}
    current["motor"]["knee_extension"]["left"] = 3
    current["motor"]["ankle_dorsiflexion"]["left"] = 4
    current["reflexes"]["patellar"]["left"] = "1+"
    current["bromage"]["left"] = 1
    document.update(exam=current, previous_exams=[first, second])
    return document


def sample_document(kind: str = "emergency") -> ExamDocument:
    """`sample_raw(kind)` validated, as an `ExamDocument`."""
    return load_document(sample_raw(kind))


SAMPLE_ESCALATIONS = (
    {"role": "Anaesthetist on call", "name": "Dr Αλέξανδρος Дмитрий O'Brien",
     "called_at": datetime(2026, 5, 4, 14, 5, tzinfo=_OFFSET),
     "response": "Coming to review now; MRI booked; keep flat, neuro checks every 15 min"},
)


# Made-up names in the scripts a ward meets, to look at how the note sets them.
SCRIPT_NAMES = {
    "arabic": "محمد عبد الله",
    "hebrew": "שרה לוי",
    "devanagari": "अनन्या शर्मा",
    "thai": "สมชาย ใจดี",
    "cjk": "王小明 (山田 太郎 / 김민준)",
}


def sample_with_name(name: str, kind: str = "emergency") -> ExamDocument:
    """`sample_document(kind)` for a patient called `name`."""
    raw = sample_raw(kind)
    raw["patient"]["name"] = name
    return load_document(raw)
