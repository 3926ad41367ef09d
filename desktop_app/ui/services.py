"""What the GUI needs from the record, as a small interface.

The windows are given a `Repository` and nothing else of the storage layer: the application,
the tests and the benchmarks all pass `StoreRepository`, the SQLite record read through
`desktop_app.record.reads` and written through the record layer's operations. Documents
passed in or out are exam documents of EXAM_FORMAT.md (dicts); assessments are
`Assessment.to_json()`; IDs are strings.
"""

from __future__ import annotations

import errno
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlite_utils import Database

from desktop_app.domain import SchedulePolicy
from desktop_app.record import correct_exam, drafts, finish_exam, reads
from desktop_app.record.reads import UserRecord


@dataclass(frozen=True)
class PatientRecord:
    """A patient already on record, found by the MRN on the wristband."""

    mrn: str
    name: str | None = None
    birth_date: str | None = None  # YYYY-MM-DD


@dataclass(frozen=True)
class EpisodeSummary:
    """One line of the ward's open-episode list."""

    episode_id: str
    mrn: str
    patient_name: str | None
    procedure_kind: str
    procedure_at: str  # ISO 8601 with offset
    last_exam_at: str | None
    last_level: str | None
    next_check_due: str | None


@dataclass(frozen=True)
class ExamRecord:
    """One saved exam of an episode: the whole document as it was saved, and its result."""

    exam_id: str
    episode_id: str
    document: dict[str, Any]
    assessment: dict[str, Any]
    saved_at: str = ""  # ISO 8601, when it was recorded


@dataclass(frozen=True)
class EscalationRecord:
    """Whom the nurse called, when, and what they answered."""

    role: str
    name: str
    called_at: str  # ISO 8601 with offset
    response: str
    level: str | None = None  # the level of the exam that prompted the call


@dataclass(frozen=True)
class DraftRecord:
    """An exam being entered, autosaved so a crash or a power cut loses nothing."""

    key: str
    saved_at: str
    document_json: str
    started_by: str | None = None  # who started the exam
    started_at: str | None = None


@dataclass(frozen=True)
class SavedExam:
    episode_id: str
    exam_id: str
    level: str


class SaveRefused(Exception):
    """The record refused a change (a signed exam, another patient's document, a time
    already taken); the message says why in words a nurse can act on."""


class Repository(Protocol):
    """The record as the GUI uses it: its reads, and its writes through the record layer.

    `db` is the SQLite record itself, which the ward and the signing desk share with the
    wizard (the application opens it once, in `ui.app`); `actor` is who is signed in."""

    db: Database
    actor: str

    def signed_in_user(self) -> UserRecord:
        """The account of `actor`, read afresh (a disabled account is refused)."""
        ...

    def open_episodes(self) -> list[EpisodeSummary]:
        """The ward's open episodes, the next check due first."""
        ...

    def find_patient(self, mrn: str) -> PatientRecord | None: ...

    def episode_history(self, episode_id: str) -> list[ExamRecord]:
        """The saved exams of an episode, oldest first."""
        ...

    def schedule_policy(self) -> SchedulePolicy:
        """The ward's re-check policy (the live panel's next check due follows it)."""
        ...

    def save_exam(self, document: dict[str, Any], *, episode_id: str | None = None,
                  draft_key: str | None = None, location: str | None = None,
                  escalations: Sequence[EscalationRecord] = ()) -> SavedExam:
        """Validate, assess and record a finished exam (registering a new patient and
        opening the episode when needed) with the calls made about it; its draft, if
        named, goes in the same step: all of it or nothing. `location` (the bed) is kept
        with the episode; None keeps the one on record. Raises `SaveRefused` when the
        record refuses it (nothing is then saved and the draft stays)."""
        ...

    def update_exam(self, exam_id: str, document: dict[str, Any], *,
                    draft_key: str | None = None,
                    escalations: Sequence[EscalationRecord] = ()) -> SavedExam:
        """Replace a saved, unsigned exam by its corrected document (same patient and
        procedure), re-assessed, with the calls made while correcting it; its draft, if
        named, goes in the same step: all of it or nothing. Raises `SaveRefused` for a
        signed exam or a document the exam cannot take."""
        ...

    def escalations(self, episode_id: str) -> list[EscalationRecord]:
        """An episode's calls, oldest first."""
        ...

    def save_draft(self, key: str, document_json: str, episode_id: str | None = None) -> None:
        """Durably keep an exam in progress (any JSON text) under `key`."""
        ...

    def pending_drafts(self) -> list[DraftRecord]:
        """Drafts left unsaved, newest first."""
        ...

    def discard_draft(self, key: str) -> None: ...


def _calls(escalations: Sequence[EscalationRecord]) -> list[dict[str, Any]]:
    """The calls as the record layer takes them."""
    return [{"role": call.role, "name": call.name,
             "called_at": datetime.fromisoformat(call.called_at),
             "response": call.response or None} for call in escalations]


class StoreRepository:
    """The GUI's interface over the SQLite record (`desktop_app.store`).

    `actor` is the signed-in user the store writes into its audit log.
    """

    def __init__(self, db: Database, actor: str) -> None:
        self.db = db
        self.actor = actor
        self._board = reads.WardReader(db)  # the board's own read, remembering what it read

    def open_episodes(self) -> list[EpisodeSummary]:
        return [
            EpisodeSummary(
                episode_id=str(row.episode_id),
                mrn=row.mrn,
                patient_name=row.name,
                procedure_kind=row.procedure_kind,
                procedure_at=row.procedure_at.isoformat(),
                last_exam_at=row.last_exam_at.isoformat() if row.last_exam_at else None,
                last_level=row.level,
                next_check_due=row.next_check_due.isoformat() if row.next_check_due else None,
            )
            for row in self._board.entries()
        ]

    def find_patient(self, mrn: str) -> PatientRecord | None:
        found = reads.patient_by_mrn(self.db, mrn)
        if found is None:
            return None
        return PatientRecord(found.mrn, found.name,
                             found.birth_date.isoformat() if found.birth_date else None)

    def episode_history(self, episode_id: str) -> list[ExamRecord]:
        return [ExamRecord(str(r.id), str(r.episode_id), r.document, r.assessment,
                           r.saved_at.isoformat())
                for r in reads.episode_exams(self.db, int(episode_id))]

    def schedule_policy(self) -> SchedulePolicy:
        return reads.schedule_policy(self.db)

    def signed_in_user(self) -> UserRecord:
        """The account of `actor`, read afresh (a disabled account is refused by the record)."""
        return reads.get_user(self.db, self.actor)

    def save_exam(self, document: dict[str, Any], *, episode_id: str | None = None,
                  draft_key: str | None = None, location: str | None = None,
                  escalations: Sequence[EscalationRecord] = ()) -> SavedExam:
        # The record finds the episode from the patient and the procedure in the document;
        # the exam, its calls and its draft go in one transaction.
        try:
            saved = finish_exam(self.db, self.signed_in_user(), document,
                                escalations=_calls(escalations),
                                location=location, draft_id=draft_key)
        except reads.StoreError as error:
            raise SaveRefused(str(error)) from error
        except (OSError, sqlite3.Error) as error:
            raise SaveRefused(write_failure_words(error)) from None
        return SavedExam(str(saved.episode_id), str(saved.exam_id), saved.level)

    def update_exam(self, exam_id: str, document: dict[str, Any], *,
                    draft_key: str | None = None,
                    escalations: Sequence[EscalationRecord] = ()) -> SavedExam:
        try:
            saved = correct_exam(self.db, self.signed_in_user(), int(exam_id), document,
                                 escalations=_calls(escalations), draft_id=draft_key)
        except reads.StoreError as error:
            raise SaveRefused(str(error)) from error
        except (OSError, sqlite3.Error) as error:
            raise SaveRefused(write_failure_words(error)) from None
        return SavedExam(str(saved.episode_id), str(saved.exam_id), saved.level)

    def escalations(self, episode_id: str) -> list[EscalationRecord]:
        levels = {r.id: r.level for r in reads.episode_exams(self.db, int(episode_id))}
        return [
            EscalationRecord(call.called_role, call.called_name, call.called_at.isoformat(),
                             call.response or "", levels.get(call.exam_id))
            for call in reads.episode_escalations(self.db, int(episode_id))
        ]

    def save_draft(self, key: str, document_json: str, episode_id: str | None = None) -> None:
        drafts.save_draft(self.db, json.loads(document_json), draft_id=key, user=self.actor,
                         episode_id=int(episode_id) if episode_id is not None else None)

    def pending_drafts(self) -> list[DraftRecord]:
        return [DraftRecord(d.id, d.saved_at.isoformat(), json.dumps(d.content),
                            d.user_name, d.started_at.isoformat())
                for d in reads.pending_drafts(self.db)]  # the ward's: any nurse resumes

    def discard_draft(self, key: str) -> None:
        drafts.discard_draft(self.db, key)


def storage_failure_words(error: BaseException, again: str) -> str:
    """A full disk or an I/O error in a few words, naming no patient (SQLite's and the
    system's own words carry no data), and what to do: free space or ask IT, then `again`."""
    if isinstance(error, OSError):
        what = error.strerror or type(error).__name__
    else:
        what = str(error) or type(error).__name__
    full = "full" in what.lower() or getattr(error, "errno", None) == errno.ENOSPC
    return what + (f" (the disk is full: free some space, then {again})" if full else
                   f" (ask IT to check the disk, then {again})")


def write_failure_words(error: BaseException) -> str:
    """Finish could not write the exam: one line; the exam stays open and its draft kept."""
    return ("the record could not be written: " + storage_failure_words(error, "Finish again")
            + "; nothing was saved half-way and the exam is still open")
