"""Exams and episodes: finishing an exam (or correcting an unsigned one) with its
escalation calls and its draft in one transaction, discarding an exam in progress
(audited, with why; kept on the ward board when it asked for a call), closing an episode.

These call the store's functions inside one `write_transaction`, so a crash between the
exam and a call it records leaves neither: the record never holds half a finish.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from desktop_app.domain.model import Level
from desktop_app.record.auth import authorize
from desktop_app.store.database import write_transaction
from desktop_app.store.errors import InvalidValue
from desktop_app.store.users import UserRecord

# Why an exam in progress was thrown away: codes, so the log holds no free text. At notify
# or above the nurse picks one of the first five (the discard dialog's); an exam below
# notify goes with `below_notify`.
DISCARD_REASONS = ("wrong_patient", "duplicate", "entered_in_error", "patient_unavailable",
                   "other", "below_notify")


def finish_exam(db: Database, user: UserRecord, document: Any, *,
                escalations: Iterable[Mapping[str, Any]] = (), location: str | None = None,
                draft_id: str | None = None):
    """Record a finished exam, the calls made about it (`role`, `name`, `called_at`,
    `response`) and drop its draft: all in one transaction, or nothing. Returns the
    store's `SavedExam`."""
    from desktop_app.store.episodes import record_escalation
    from desktop_app.store.exams import save_exam

    authorize(user, "finish_exam")
    calls = _calls(escalations)
    with write_transaction(db):
        saved = save_exam(db, document, actor=user.name, location=location, draft_id=draft_id)
        for call in calls:
            record_escalation(db, saved.episode_id, role=call.get("role", ""),
                              name=call.get("name", ""), called_at=call["called_at"],
                              response=call.get("response"), exam_id=saved.exam_id,
                              actor=user.name)
    return saved


def correct_exam(db: Database, user: UserRecord, exam_id: int, document: Any, *,
                 escalations: Iterable[Mapping[str, Any]] = (),
                 draft_id: str | None = None):
    """Replace an unsigned exam by its corrected document (`store.update_exam`, audited
    `exam.edit`), record the calls made while correcting it and drop its draft: all in one
    transaction, or nothing. Returns the store's `SavedExam`."""
    from desktop_app.store.episodes import record_escalation
    from desktop_app.store.exams import update_exam

    authorize(user, "finish_exam")
    calls = _calls(escalations)
    with write_transaction(db):
        saved = update_exam(db, exam_id, document, actor=user.name, draft_id=draft_id)
        for call in calls:
            record_escalation(db, saved.episode_id, role=call.get("role", ""),
                              name=call.get("name", ""), called_at=call["called_at"],
                              response=call.get("response"), exam_id=saved.exam_id,
                              actor=user.name)
    return saved


def _calls(escalations: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    calls = [dict(call) for call in escalations]
    for call in calls:
        if not isinstance(call.get("called_at"), datetime):
            raise InvalidValue("each escalation needs the time it was called (called_at)")
    return calls


def discard_exam(db: Database, user: UserRecord, draft_id: str | None, reason: str, *,
                 level: str | None = None, details: str = "",
                 patient: Mapping[str, Any] | None = None,
                 episode_id: int | None = None) -> str | None:
    """Throw away an exam in progress (its draft, if one was kept), saying why (one of
    `DISCARD_REASONS`), in one transaction audited `exam.discard` with its provisional
    `level` and the reason code. An exam at notify or above stays on the ward board as
    discarded (whose, why, by whom; `details` is the free text shown there, never logged)
    until a nurse dismisses it: the trace's ID is returned; below notify, None."""
    from desktop_app.store.drafts import record_discarded_exam

    authorize(user, "finish_exam")
    if reason not in DISCARD_REASONS:
        raise InvalidValue(f"the reason is one of {', '.join(DISCARD_REASONS)}")
    try:
        provisional = Level(level) if level is not None else None
    except ValueError:
        raise InvalidValue(f"no level {level!r}") from None
    on_board = provisional is not None and provisional >= Level.NOTIFY
    if on_board and reason == "below_notify":
        raise InvalidValue(f"an exam at {provisional.value} is discarded with a reason "
                           "(it asked for a call)")
    return record_discarded_exam(db, draft_id, actor=user.name, level=level, reason=reason,
                                 details=details, patient=dict(patient or {}),
                                 episode_id=episode_id, keep_on_board=on_board)


def close_episode(db: Database, user: UserRecord, episode_id: int, note: str | None = None) -> None:
    """Close an episode (it leaves the ward board); clinicians only; `episode.close`."""
    from desktop_app.store.episodes import close_episode as store_close

    authorize(user, "close_episode")
    store_close(db, episode_id, actor=user.name, note=note)


def dismiss_discarded(db: Database, user: UserRecord, trace_id: int) -> None:
    """Take a discarded exam off the ward board (the patient was examined again, or the
    discard was checked): `exam.discard_dismissed`, naming who."""
    from desktop_app.store.drafts import dismiss_discarded_exam

    authorize(user, "finish_exam")
    dismiss_discarded_exam(db, trace_id, actor=user.name)
