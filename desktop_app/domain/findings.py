"""Derived findings (PROTOCOL.md section 2): computed from the grid, never typed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from desktop_app.domain.model import ExamDocument
from desktop_app.domain.scales import (
    DERMATOMES,
    GRID,
    GRID_BY_PATH,
    LOWER_LIMB_MOTOR_PATHS,
    SENSORY_MODALITIES,
    SIDES,
    WRIST_MOTOR_PATHS,
)


@dataclass(frozen=True)
class Findings:
    """What the exam shows, as every rule reads it."""

    hours_since_procedure: float
    sensory_deficit: tuple[str, ...]
    motor_deficit: tuple[str, ...]  # lower limb; with the wrist items for an IM injection
    lower_limb_motor_deficit: tuple[str, ...]
    significant_weakness: bool
    slr_failed: bool
    foot_drop: tuple[str, ...]
    wrist_drop: tuple[str, ...]
    bilateral: bool
    progressive_weakness: bool
    weaker_than_before: tuple[str, ...]  # muscle paths graded lower than their last grade
    atypical_recovery: bool
    not_tested: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "sensory_deficit": list(self.sensory_deficit),
            "motor_deficit": list(self.motor_deficit),
            "bilateral": self.bilateral,
            "significant_weakness": self.significant_weakness,
            "slr_failed": self.slr_failed,
            "foot_drop": list(self.foot_drop),
            "wrist_drop": list(self.wrist_drop),
            "progressive_weakness": self.progressive_weakness,
            "weaker_than_before": list(self.weaker_than_before),
            "atypical_recovery": self.atypical_recovery,
        }


def _sides_where(exam_grade, paths_for_side, below: int) -> tuple[str, ...]:
    return tuple(
        side
        for side in SIDES
        if any(
            isinstance(grade := exam_grade(path), int) and grade < below
            for path in paths_for_side(side)
        )
    )


def sensory_paths(side: str) -> list[str]:
    return [f"sensory.{d}.{side}.{m}" for d in DERMATOMES for m in SENSORY_MODALITIES]


def derive(document: ExamDocument) -> Findings:
    """Compute every derived finding of the current exam (serial comparison included)."""
    exam, procedure = document.exam, document.procedure
    grade = exam.grade
    hours = (exam.performed_at - procedure.performed_at).total_seconds() / 3600

    def lower_limb(side: str) -> list[str]:
        return [p for p in LOWER_LIMB_MOTOR_PATHS if p.endswith("." + side)]

    def all_motor(side: str) -> list[str]:
        wrist = [p for p in WRIST_MOTOR_PATHS if p.endswith("." + side)]
        return lower_limb(side) + (wrist if procedure.is_im else [])

    sensory_deficit = _sides_where(grade, sensory_paths, below=2)
    lower_limb_deficit = _sides_where(grade, lower_limb, below=5)
    motor_deficit = _sides_where(grade, all_motor, below=5)
    significant_weakness = bool(_sides_where(grade, lower_limb, below=4))
    slr_failed = any(grade(f"straight_leg_raise.{side}") is False for side in SIDES)
    foot_drop = _sides_where(grade, lambda s: [f"motor.ankle_dorsiflexion.{s}"], below=3)
    wrist_drop = _sides_where(grade, lambda s: [f"motor.wrist_extension.{s}"], below=3)

    deficit_sides = set(sensory_deficit) | set(lower_limb_deficit)
    bilateral = deficit_sides == set(SIDES) or exam.symptoms.bilateral_symptoms is True

    weaker = []
    for path in LOWER_LIMB_MOTOR_PATHS:
        now = grade(path)
        if not isinstance(now, int):
            continue
        for earlier in reversed(document.previous_exams):
            before = earlier.grade(path)
            if isinstance(before, int):  # an NT in between is skipped over
                if now < before:
                    weaker.append(path)
                break
    progressive = exam.symptoms.worsening_weakness is True or bool(weaker)

    touch = [grade(p) for p in (f"sensory.{d}.{s}.light_touch" for d in DERMATOMES for s in SIDES)]
    touch_tested = [g for g in touch if isinstance(g, int)]
    atypical = (
        procedure.is_block
        and bool(touch_tested)
        and all(g == 2 for g in touch_tested)
        and bool(lower_limb_deficit)
    )

    not_tested = tuple(
        item.path
        for item in GRID
        if not exam.is_tested(item.path) and (item.group != "bromage" or procedure.is_block)
    )
    return Findings(
        hours_since_procedure=hours,
        sensory_deficit=sensory_deficit,
        motor_deficit=motor_deficit,
        lower_limb_motor_deficit=lower_limb_deficit,
        significant_weakness=significant_weakness,
        slr_failed=slr_failed,
        foot_drop=foot_drop,
        wrist_drop=wrist_drop,
        bilateral=bilateral,
        progressive_weakness=progressive,
        weaker_than_before=tuple(weaker),
        atypical_recovery=atypical,
        not_tested=not_tested,
    )


@dataclass(frozen=True)
class GradeChange:
    """One grid item graded differently from the most recent earlier exam that graded it."""

    path: str
    before: Any
    now: Any
    compared_with: datetime  # when that earlier exam was
    direction: str  # "worse", "better", or "changed" (reflexes: no direction is implied)


def _direction(group: str, before: Any, now: Any) -> str:
    if group == "reflexes":
        return "changed"
    if isinstance(now, bool) or isinstance(before, bool):  # straight-leg raise
        return "better" if now is True else "worse"
    if group == "bromage":  # 0 is free movement
        return "better" if now < before else "worse"
    return "better" if now > before else "worse"


def grade_changes(document: ExamDocument) -> tuple[GradeChange, ...]:
    """Each item of the current exam compared with the most recent earlier exam of the
    episode in which it was graded (an NT or a gap in between is skipped over, as the
    progression finding does), in grid order; unchanged items are left out."""
    exam = document.exam
    changes = []
    for path, item in GRID_BY_PATH.items():
        now = exam.grade(path)
        if now is None:
            continue
        for earlier in reversed(document.previous_exams):
            before = earlier.grade(path)
            if before is None:
                continue
            if before != now or type(before) is not type(now):
                changes.append(GradeChange(path, before, now, earlier.performed_at,
                                           _direction(item.group, before, now)))
            break
    return tuple(changes)
