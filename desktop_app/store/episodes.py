"""Episodes (one procedure of one patient, open until a clinician closes it), the ward
board built from them, and the escalation record of each."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from desktop_app.domain import Level, SchedulePolicy, load_document, next_check_due
from desktop_app.domain.escalation import EscalationError, check_escalation
from desktop_app.store.audit import append_audit
from desktop_app.store.database import (
    fetch_all,
    fetch_one,
    parse_utc,
    require_transaction,
    utc_now,
    utc_text,
    write_transaction,
)
from desktop_app.store.errors import (
    Conflict,
    InvalidValue,
    NotFound,
    PermissionDenied,
    checked_text,
)
from desktop_app.store.rows import guard_row
from desktop_app.store.users import get_user

CLOSING_ROLES = ("clinician",)


@dataclass(frozen=True)
class EpisodeRecord:
    id: int
    patient_id: int
    procedure_kind: str
    procedure_at: datetime
    procedure: dict[str, Any]
    location: str | None
    opened_at: datetime
    closed_at: datetime | None
    closed_by: str | None
    current_level: str | None
    next_check_due: datetime | None
    last_exam_id: int | None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True)
class Escalation:
    id: int
    episode_id: int
    exam_id: int | None
    called_role: str
    called_name: str
    called_at: datetime
    response: str | None
    response_at: datetime | None
    recorded_by: str


_EPISODE_COLUMNS = ("id, patient_id, procedure_kind, procedure_at_utc, procedure, location, "
                    "opened_at, closed_at, closed_by, current_level, next_check_due, last_exam_id")


def _maybe_time(text: str | None) -> datetime | None:
    return parse_utc(text) if text else None


def _episode(row: dict[str, Any]) -> EpisodeRecord:
    return EpisodeRecord(
        row["id"], row["patient_id"], row["procedure_kind"], parse_utc(row["procedure_at_utc"]),
        json.loads(row["procedure"]), row["location"], parse_utc(row["opened_at"]),
        _maybe_time(row["closed_at"]), row["closed_by"], row["current_level"],
        _maybe_time(row["next_check_due"]), row["last_exam_id"])


def get_episode(db: Database, episode_id: int) -> EpisodeRecord:
    """The episode with this ID; `NotFound` otherwise."""
    row = fetch_one(db, f"SELECT {_EPISODE_COLUMNS} FROM episodes WHERE id = ?", [episode_id])
    if row is None:
        raise NotFound(f"no episode with ID {episode_id}")
    return _episode(row)


def patient_episodes(db: Database, patient_id: int) -> list[EpisodeRecord]:
    """A patient's episodes, latest procedure first."""
    rows = fetch_all(db, f"SELECT {_EPISODE_COLUMNS} FROM episodes WHERE patient_id = ? "
                     "ORDER BY procedure_at_utc DESC, id DESC", [patient_id])
    return [_episode(r) for r in rows]


def set_location(db: Database, episode_id: int, location: str | None, *, actor: str) -> None:
    """Record the bed or place of an episode for the ward board (None clears it)."""
    location = checked_text(location, "the location")
    with write_transaction(db):
        get_episode(db, episode_id)
        guard_row(db, "episodes", episode_id)
        db.execute("UPDATE episodes SET location = ? WHERE id = ?", [location, episode_id])
        append_audit(db, actor=actor, action="episode.location", table="episodes",
                     record_id=episode_id)


def close_episode(db: Database, episode_id: int, *, actor: str, note: str | None = None,
                  now: datetime | None = None) -> None:
    """Close an episode: it leaves the ward board. Only an enabled clinician may."""
    note = checked_text(note, "the closing note")
    with write_transaction(db):
        user = get_user(db, actor)
        if user.disabled or user.role not in CLOSING_ROLES:
            raise PermissionDenied("only a clinician can close an episode")
        episode = get_episode(db, episode_id)
        if not episode.is_open:
            raise Conflict(f"episode {episode_id} is already closed")
        guard_row(db, "episodes", episode_id)
        db.execute("UPDATE episodes SET closed_at = ?, closed_by = ?, close_note = ? "
                   "WHERE id = ?", [utc_text(now or utc_now()), user.name, note, episode_id])
        append_audit(db, actor=user.name, action="episode.close", table="episodes",
                     record_id=episode_id)


def record_escalation(db: Database, episode_id: int, *, role: str, name: str,
                      called_at: datetime, actor: str, response: str | None = None,
                      exam_id: int | None = None) -> int:
    """Record that the nurse called someone (role and name, when, and their response if
    known yet) about an episode. Returns the escalation's ID."""
    role = checked_text(role, "the role of the person called", required=True)
    name = checked_text(name, "the name of the person called", required=True)
    response = checked_text(response, "the response")
    with write_transaction(db):
        episode = get_episode(db, episode_id)
        try:  # the protocol's rule of a call (PROTOCOL.md section 6), whichever door it came by
            check_escalation({"role": role, "name": name, "called_at": called_at,
                              "response": response}, procedure_at=episode.procedure_at)
        except EscalationError as error:
            raise InvalidValue(f"the call cannot be recorded: {error}") from None
        if exam_id is not None:
            exam = fetch_one(db, "SELECT episode_id FROM exams WHERE id = ?", [exam_id])
            if exam is None or exam["episode_id"] != episode_id:
                raise InvalidValue(f"exam {exam_id} is not an exam of episode {episode_id}")
        now = utc_text(utc_now())
        escalation_id = db.execute(
            "INSERT INTO escalations (episode_id, exam_id, called_role, called_name, called_at,"
            " response, response_at, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [episode_id, exam_id, role, name, utc_text(called_at), response,
             now if response else None, now, actor]).lastrowid
        append_audit(db, actor=actor, action="escalation.record", table="escalations",
                     record_id=escalation_id, detail={"episode_id": episode_id})
    return escalation_id


def record_escalation_response(db: Database, escalation_id: int, response: str, *,
                               actor: str, at: datetime | None = None) -> None:
    """Add the response to an escalation recorded without one. A response is written once."""
    response = checked_text(response, "the response", required=True)
    with write_transaction(db):
        row = fetch_one(db, "SELECT response FROM escalations WHERE id = ?", [escalation_id])
        if row is None:
            raise NotFound(f"no escalation with ID {escalation_id}")
        if row["response"]:
            raise Conflict(f"escalation {escalation_id} already has its response")
        guard_row(db, "escalations", escalation_id)
        db.execute("UPDATE escalations SET response = ?, response_at = ? WHERE id = ?",
                   [response, utc_text(at or utc_now()), escalation_id])
        append_audit(db, actor=actor, action="escalation.response", table="escalations",
                     record_id=escalation_id)


def episode_escalations(db: Database, episode_id: int) -> list[Escalation]:
    """An episode's escalations, oldest call first."""
    rows = fetch_all(db, "SELECT id, episode_id, exam_id, called_role, called_name, called_at,"
                     " response, response_at, recorded_by FROM escalations WHERE episode_id = ?"
                     " ORDER BY called_at, id", [episode_id])
    return [Escalation(r["id"], r["episode_id"], r["exam_id"], r["called_role"],
                       r["called_name"], parse_utc(r["called_at"]), r["response"],
                       _maybe_time(r["response_at"]), r["recorded_by"]) for r in rows]


def reschedule_open_episodes(db: Database, policy: SchedulePolicy) -> int:
    """Recompute the next check due of every open episode under `policy` (inside the
    caller's transaction). Returns how many episodes were updated."""
    require_transaction(db, "rescheduling")
    rows = fetch_all(db, "SELECT e.id, e.current_level, x.document FROM episodes e "
                     "JOIN exams x ON x.id = e.last_exam_id WHERE e.closed_at IS NULL")
    for row in rows:
        document = load_document(json.loads(row["document"]))
        due = next_check_due(document.procedure, document.exam.performed_at,
                             Level(row["current_level"]), policy)
        db.execute("UPDATE episodes SET next_check_due = ? WHERE id = ?",
                   [utc_text(due), row["id"]])
    return len(rows)
