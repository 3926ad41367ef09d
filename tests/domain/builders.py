"""Exam documents built in a few words, for focused rule tests."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from typing import Any

from desktop_app.domain.scales import DERMATOMES, LOWER_LIMB_MUSCLES, SIDES

PROCEDURE_AT = datetime(2026, 5, 4, 8, 0, tzinfo=timezone(timedelta(hours=1)))


def normal_grid(*, wrist: bool = False) -> dict[str, Any]:
    """A complete normal lower-limb exam (optionally with the wrist)."""
    motor: dict[str, Any] = {m: {"left": 5, "right": 5} for m in LOWER_LIMB_MUSCLES}
    if wrist:
        motor["wrist_extension"] = {"left": 5, "right": 5}
        motor["finger_extension"] = {"left": 5, "right": 5}
    return {
        "sensory": {
            d: {s: {"light_touch": 2, "pinprick": 2} for s in SIDES} for d in DERMATOMES
        },
        "motor": motor,
        "straight_leg_raise": {"left": True, "right": True},
        "reflexes": {r: {"left": "2+", "right": "2+"} for r in ("patellar", "achilles")},
    }


def exam_at(hours: float, *, symptoms: dict[str, Any] | None = None, **grid: Any) -> dict[str, Any]:
    exam = {"performed_at": (PROCEDURE_AT + timedelta(hours=hours)).isoformat()}
    exam.update(normal_grid())
    for key, value in grid.items():
        exam[key] = value
    if symptoms:
        exam["symptoms"] = symptoms
    return exam


def block(hours: float = 1, *, side: str = "left", symptoms: dict[str, Any] | None = None,
          changes: dict[str, Any] | None = None, previous: list[dict[str, Any]] | None = None,
          **procedure: Any) -> dict[str, Any]:
    """A medial branch block document `hours` after the procedure, with grid `changes`."""
    return _document("medial_branch_block", hours, side, symptoms, changes, previous, procedure)


def im(hours: float = 1, *, site: str = "ventrogluteal", side: str = "left",
       symptoms: dict[str, Any] | None = None, changes: dict[str, Any] | None = None,
       previous: list[dict[str, Any]] | None = None, **procedure: Any) -> dict[str, Any]:
    """An IM injection document `hours` after the injection, with grid `changes`."""
    return _document("im_injection", hours, side, symptoms, changes, previous,
                     {"site": site, **procedure})


def set_path(target: dict[str, Any], path: str, value: Any) -> None:
    """Set a dotted path (`motor.hip_flexion.left`) in a nested dict."""
    *parents, leaf = path.split(".")
    for part in parents:
        target = target.setdefault(part, {})
    target[leaf] = value


def _document(kind, hours, side, symptoms, changes, previous, procedure) -> dict[str, Any]:
    exam = exam_at(hours, symptoms=symptoms)
    for path, value in (changes or {}).items():
        set_path(exam, path, value)
    proc = {"kind": kind, "performed_at": PROCEDURE_AT.isoformat(), **procedure}
    if side is not None:
        proc["side"] = side
    return {
        "format": "neuro-exam/1",
        "patient": {"mrn": "T-0001", "name": "Test Patient", "birth_date": "1960-01-01"},
        "procedure": proc,
        "exam": exam,
        "previous_exams": copy.deepcopy(previous or []),
    }
