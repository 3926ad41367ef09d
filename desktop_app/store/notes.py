"""Signed notes and their addenda: the signed PDF bytes and their SHA-256, never edited
(triggers refuse UPDATE and DELETE); a correction is an addendum, signed in turn."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime

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


@dataclass(frozen=True)
class SignedNote:
    id: int
    exam_id: int
    pdf: bytes
    sha256: str
    signed_at: datetime
    signed_by: str


@dataclass(frozen=True)
class Addendum:
    id: int
    note_id: int
    text: str
    pdf: bytes
    sha256: str
    signed_at: datetime
    signed_by: str


def _pdf_digest(pdf: bytes) -> str:
    if not isinstance(pdf, bytes) or not pdf.startswith(b"%PDF-"):
        raise InvalidValue("a signed note is stored as the bytes of a PDF file")
    return hashlib.sha256(pdf).hexdigest()


def store_signed_note(db: Database, exam_id: int, pdf: bytes, *, signed_by: str,
                      signed_at: datetime | None = None) -> int:
    """Keep the signed PDF of an exam's note. Returns the note's ID."""
    digest = _pdf_digest(pdf)
    with write_transaction(db):
        if db.execute("SELECT 1 FROM exams WHERE id = ?", [exam_id]).fetchone() is None:
            raise NotFound(f"no exam with ID {exam_id}")
        note_id = db.execute(
            "INSERT INTO signed_notes (exam_id, pdf, sha256, signed_at, signed_by) "
            "VALUES (?, ?, ?, ?, ?)",
            [exam_id, pdf, digest, utc_text(signed_at or utc_now()), signed_by]).lastrowid
        append_audit(db, actor=signed_by, action="note.sign", table="signed_notes",
                     record_id=note_id, detail={"exam_id": exam_id, "sha256": digest})
    log.info("signed note %d stored for exam %d", note_id, exam_id)
    return note_id


def store_addendum(db: Database, note_id: int, text: str, pdf: bytes, *, signed_by: str,
                   signed_at: datetime | None = None) -> int:
    """Keep a signed addendum to a note. Returns the addendum's ID."""
    digest = _pdf_digest(pdf)
    if not isinstance(text, str) or not text.strip():
        raise InvalidValue("an addendum needs its text")
    with write_transaction(db):
        if db.execute("SELECT 1 FROM signed_notes WHERE id = ?", [note_id]).fetchone() is None:
            raise NotFound(f"no signed note with ID {note_id}")
        addendum_id = db.execute(
            "INSERT INTO addenda (note_id, text, pdf, sha256, signed_at, signed_by) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [note_id, text.strip(), pdf, digest, utc_text(signed_at or utc_now()), signed_by],
        ).lastrowid
        append_audit(db, actor=signed_by, action="addendum.sign", table="addenda",
                     record_id=addendum_id, detail={"note_id": note_id, "sha256": digest})
    log.info("addendum %d stored for note %d", addendum_id, note_id)
    return addendum_id


def get_signed_note(db: Database, note_id: int) -> SignedNote:
    """One signed note; `NotFound` otherwise."""
    row = fetch_one(db, "SELECT id, exam_id, pdf, sha256, signed_at, signed_by "
                    "FROM signed_notes WHERE id = ?", [note_id])
    if row is None:
        raise NotFound(f"no signed note with ID {note_id}")
    return SignedNote(row["id"], row["exam_id"], row["pdf"], row["sha256"],
                      parse_utc(row["signed_at"]), row["signed_by"])


def exam_notes(db: Database, exam_id: int) -> list[SignedNote]:
    """The signed notes of an exam, oldest first."""
    rows = fetch_all(db, "SELECT id FROM signed_notes WHERE exam_id = ? ORDER BY id", [exam_id])
    return [get_signed_note(db, r["id"]) for r in rows]


def note_addenda(db: Database, note_id: int) -> list[Addendum]:
    """The addenda of a note, oldest first."""
    rows = fetch_all(db, "SELECT id, note_id, text, pdf, sha256, signed_at, signed_by "
                     "FROM addenda WHERE note_id = ? ORDER BY id", [note_id])
    return [Addendum(r["id"], r["note_id"], r["text"], r["pdf"], r["sha256"],
                     parse_utc(r["signed_at"]), r["signed_by"]) for r in rows]
