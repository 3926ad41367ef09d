"""Exams in progress. The exam screen calls `save_draft` a few seconds after each change
(debounced), so a crash or a power cut loses at most those seconds; at the next start
`pending_drafts` offers them back.

A draft is not part of the record: it may be incomplete or invalid, it is not assessed and
not audited (an entry every few seconds would bury the log). It becomes record when the
exam is saved (`save_exam(..., draft_id=...)` removes it in the same transaction).
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from desktop_app.store.audit import append_audit
from desktop_app.store.database import (
    fetch_all,
    fetch_one,
    parse_utc,
    utc_now,
    utc_text,
    write_transaction,
)
from desktop_app.store.errors import InvalidValue, NotFound

log = logging.getLogger(__name__)
MAX_DRAFT_BYTES = 1_000_000


@dataclass(frozen=True)
class Draft:
    id: str
    episode_id: int | None
    user_name: str | None
    content: dict[str, Any]
    started_at: datetime
    saved_at: datetime


def _draft(row: dict[str, Any]) -> Draft:
    return Draft(row["id"], row["episode_id"], row["user_name"], json.loads(row["content"]),
                 parse_utc(row["started_at"]), parse_utc(row["saved_at"]))


def save_draft(db: Database, content: dict[str, Any], *, draft_id: str | None = None,
               user: str | None = None, episode_id: int | None = None,
               now: datetime | None = None) -> str:
    """Save (or overwrite) an exam in progress; durable when this returns.

    `content` is whatever the exam screen holds, as JSON (usually a partial exam document).
    Pass the returned ID back as `draft_id` on the next autosave of the same exam. `user`
    is kept from the first save: a draft names who started it (and when), whoever resumes
    it afterwards.
    """
    try:
        text = json.dumps(content, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as error:
        raise InvalidValue("a draft must be plain JSON data") from error
    if len(text.encode("utf-8")) > MAX_DRAFT_BYTES:
        raise InvalidValue("the draft is too large to save")
    draft_id = draft_id or uuid.uuid4().hex
    when = utc_text(now or utc_now())
    # One statement, so one transaction of its own (the connection is in autocommit mode).
    db.execute(
        "INSERT INTO drafts (id, episode_id, user_name, content, started_at, saved_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET content = excluded.content,"
        " saved_at = excluded.saved_at, episode_id = excluded.episode_id,"
        " user_name = COALESCE(drafts.user_name, excluded.user_name)",
        [draft_id, episode_id, user, text, when, when])
    return draft_id


def pending_drafts(db: Database, *, user: str | None = None) -> list[Draft]:
    """Drafts left unsaved, newest first: the whole ward's (only those `user` started, when
    given)."""
    where, params = ("WHERE (json_extract(content, '$.format') IS NULL "
                     "OR json_extract(content, '$.format') != ?)"), [DISCARDED_FORMAT]
    if user is not None:
        where, params = where + " AND user_name = ?", [*params, user]
    rows = fetch_all(db, "SELECT id, episode_id, user_name, content, started_at, saved_at "
                     f"FROM drafts {where} ORDER BY saved_at DESC", params)
    return [_draft(r) for r in rows]


def get_draft(db: Database, draft_id: str) -> Draft:
    """One draft; `NotFound` when it was saved as an exam or discarded."""
    row = fetch_one(db, "SELECT id, episode_id, user_name, content, started_at, saved_at "
                    "FROM drafts WHERE id = ?", [draft_id])
    if row is None:
        raise NotFound("that draft is no longer there (saved or discarded)")
    return _draft(row)


def discard_draft(db: Database, draft_id: str) -> bool:
    """Throw a draft away. Returns False when there was none with that ID."""
    gone = db.execute("DELETE FROM drafts WHERE id = ?", [draft_id]).rowcount > 0
    if gone:
        log.info("draft discarded")
    return gone


# -- exams discarded at notify or above: the trace the board keeps ---------------------------

DISCARDED_FORMAT = "neurocheck-discarded/1"
EXAM_DISCARD = "exam.discard"
EXAM_DISCARD_DISMISSED = "exam.discard_dismissed"


@dataclass(frozen=True)
class DiscardedExam:
    """An exam thrown away although its provisional level asked for a call: kept on the
    board (whose, why, by whom, when) until a nurse has dealt with it."""

    id: str
    episode_id: int | None
    discarded_by: str
    discarded_at: datetime
    level: str | None
    reason: str
    details: str
    patient: dict[str, Any]


def record_discarded_exam(db: Database, draft_id: str | None, *, actor: str,
                          level: str | None, reason: str, details: str = "",
                          patient: dict[str, Any] | None = None,
                          episode_id: int | None = None, keep_on_board: bool = True,
                          now: datetime | None = None) -> str | None:
    """Discard an exam in progress: its draft goes, the audit log gets who, when, the
    level and the reason code (never the free text, which may name the patient), and, with
    `keep_on_board`, a trace the board shows until dismissed. One transaction. Returns the
    trace's ID (None without one)."""
    if not actor or not reason:
        raise InvalidValue("a discarded exam names who discarded it and why")
    when = now or utc_now()
    trace_id = uuid.uuid4().hex if keep_on_board else None
    with write_transaction(db):
        if draft_id is not None:
            db.execute("DELETE FROM drafts WHERE id = ?", [draft_id])
        if trace_id is not None:
            content = {"format": DISCARDED_FORMAT, "level": level, "reason": reason,
                       "details": details, "by": actor, "at": utc_text(when),
                       "patient": patient or {}}
            db.execute(
                "INSERT INTO drafts (id, episode_id, user_name, content, started_at, saved_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [trace_id, episode_id, actor, json.dumps(content, ensure_ascii=False),
                 utc_text(when), utc_text(when)])
        append_audit(db, actor=actor, action=EXAM_DISCARD, at=when,
                     table="episodes" if episode_id is not None else None,
                     record_id=episode_id,
                     detail={"level": level or "not assessed", "reason": reason,
                             "on_board": trace_id is not None})
    log.info("exam discarded (level %s)", level or "not assessed")
    return trace_id


def discarded_exams(db: Database) -> list[DiscardedExam]:
    """The board's discarded exams, newest first."""
    rows = fetch_all(db, "SELECT id, episode_id, content FROM drafts "
                     "WHERE json_extract(content, '$.format') = ? ORDER BY saved_at DESC",
                     [DISCARDED_FORMAT])
    found = []
    for row in rows:
        content = json.loads(row["content"])
        found.append(DiscardedExam(row["id"], row["episode_id"], content.get("by", ""),
                                   parse_utc(content["at"]), content.get("level"),
                                   content.get("reason", ""), content.get("details", ""),
                                   content.get("patient") or {}))
    return found


def dismiss_discarded_exam(db: Database, trace_id: str, *, actor: str) -> bool:
    """A nurse has dealt with a discarded exam: it leaves the board (audited)."""
    with write_transaction(db):
        row = fetch_one(db, "SELECT episode_id FROM drafts WHERE id = ? AND "
                        "json_extract(content, '$.format') = ?", [trace_id, DISCARDED_FORMAT])
        if row is None:
            return False
        db.execute("DELETE FROM drafts WHERE id = ?", [trace_id])
        append_audit(db, actor=actor, action=EXAM_DISCARD_DISMISSED,
                     table="episodes" if row["episode_id"] is not None else None,
                     record_id=row["episode_id"])
    return True
