"""Writing to the record as the exam screens do, for a test's setting up: the exam and its
calls in one step of the record layer, as the signed-in nurse."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from desktop_app.record import WardRecord
from desktop_app.ui.exam_state import EscalationRecord, recorded_calls


def save_exam(record: WardRecord, document: dict[str, Any], *,
              escalations: Sequence[EscalationRecord] = (), location: str | None = None):
    """Finish `document` as the wizard does (`WardRecord.finish_exam`); the store's
    `SavedExam`."""
    return record.finish_exam(record.signed_in_user(), document,
                              escalations=[call.for_record() for call in escalations],
                              location=location)


def update_exam(record: WardRecord, exam_id: int, document: dict[str, Any]):
    """Correct a saved exam as the wizard does (`WardRecord.correct_exam`)."""
    return record.correct_exam(record.signed_in_user(), int(exam_id), document)


def calls(record: WardRecord, episode_id: int) -> list[EscalationRecord]:
    """An episode's calls as the exam screens show them (with their exams' levels)."""
    return recorded_calls(record.episode_exams(episode_id),
                          record.episode_escalations(episode_id))
