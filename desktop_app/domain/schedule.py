"""Re-check schedule (PROTOCOL.md section 5). The defaults are local policy; a ward changes
them in its settings, so they are a value passed in, not constants read by the rules."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from desktop_app.domain.model import Level, Procedure


@dataclass(frozen=True)
class SchedulePolicy:
    """When the next check is due, by procedure and level."""

    block_observe_every_minutes: int = 30
    block_mark_hours: float = 4.0  # always scheduled after a block, whatever the level
    im_observe_marks_hours: tuple[float, ...] = (24.0, 48.0)
    im_observe_then_every_hours: float = 24.0
    escalated_every_minutes: int = 15

    def to_json(self) -> dict[str, object]:
        values = asdict(self)
        values["im_observe_marks_hours"] = list(self.im_observe_marks_hours)
        return values

    @classmethod
    def from_json(cls, values: dict[str, object]) -> SchedulePolicy:
        known = {k: v for k, v in values.items() if k in cls.__dataclass_fields__}
        if "im_observe_marks_hours" in known:
            known["im_observe_marks_hours"] = tuple(known["im_observe_marks_hours"])  # type: ignore[arg-type]
        policy = cls(**known)  # type: ignore[arg-type]
        policy.validate()
        return policy

    def validate(self) -> None:
        """Refuse a policy that would never bring the nurse back."""
        if self.block_observe_every_minutes <= 0 or self.escalated_every_minutes <= 0:
            raise ValueError("re-check intervals must be positive")
        if self.im_observe_then_every_hours <= 0 or self.block_mark_hours <= 0:
            raise ValueError("re-check intervals must be positive")
        if any(mark <= 0 for mark in self.im_observe_marks_hours):
            raise ValueError("re-check marks must be after the procedure")


DEFAULT_POLICY = SchedulePolicy()


def next_check_due(
    procedure: Procedure, exam_time: datetime, level: Level, policy: SchedulePolicy = DEFAULT_POLICY
) -> datetime:
    """The earliest scheduled check strictly after `exam_time`, in the exam's time zone."""
    start = procedure.performed_at
    candidates: list[datetime] = []
    if level > Level.OBSERVE:
        candidates.append(exam_time + timedelta(minutes=policy.escalated_every_minutes))
    elif procedure.is_block:
        candidates.append(exam_time + timedelta(minutes=policy.block_observe_every_minutes))
    else:
        marks = sorted(policy.im_observe_marks_hours)
        elapsed = (exam_time - start).total_seconds() / 3600
        future = [m for m in marks if m > elapsed]
        if future:
            candidates.append(start + timedelta(hours=future[0]))
        else:
            step = policy.im_observe_then_every_hours
            last = marks[-1] if marks else 0.0
            periods = int((elapsed - last) // step) + 1
            candidates.append(start + timedelta(hours=last + periods * step))
    if procedure.is_block:
        mark = start + timedelta(hours=policy.block_mark_hours)
        if mark > exam_time:
            candidates.append(mark)
    return min(candidates).astimezone(exam_time.tzinfo)
