"""Signing: an exam's note and the addenda that correct it, the same from every door.

`sign_exam` checks the account (with the lock-out), unlocks the user's key, renders and
signs the note, then in one transaction checks that the exam is still unsigned and stores
the note (audited `note.sign`): a signed exam is final, whichever screen or command signs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from desktop_app.record.auth import authorize, sign_in
from desktop_app.record.keys import signing_keys
from desktop_app.store.database import write_transaction
from desktop_app.store.errors import Conflict, NotFound
from desktop_app.store.notes import (
    SignedNote,
    exam_notes,
    get_signed_note,
    store_addendum,
    store_signed_note,
)


class AlreadySigned(Conflict):
    """A signed exam is locked: corrections are addenda."""

    def __init__(self) -> None:
        super().__init__("this exam is already signed; add an addendum to correct it")


@dataclass(frozen=True)
class SignedResult:
    """A note (or an addendum) just signed and stored."""

    exam_id: int
    note_row_id: int  # the signed note's row (the amended note's, for an addendum)
    note_id: str  # the ID printed on the note
    pdf: bytes
    signed_by: str
    addendum_id: int | None = None


def signed_note_hashes(db: Database) -> set[str]:
    """The SHA-256 of every note and addendum the record holds (the notes issued here), as
    `verify` checks a note against them."""
    return {row[0] for row in db.execute(
        "SELECT sha256 FROM signed_notes UNION SELECT sha256 FROM addenda")}


def printed_note_id(note: SignedNote) -> str:
    """The note ID printed on a stored note."""
    from desktop_app.interop.source import note_fields

    return note_fields(bytes(note.pdf)).get("note-id") or f"note-{note.id}"


def find_note(db: Database, reference: str | int) -> SignedNote:
    """A stored signed note by its row number or by the note ID printed on it;
    `NotFound` when the record holds no such note."""
    text = str(reference).strip()
    if text.isdigit():
        return get_signed_note(db, int(text))
    for row in db.execute("SELECT id FROM signed_notes ORDER BY id DESC").fetchall():
        note = get_signed_note(db, row[0])
        if printed_note_id(note) == text:
            return note
    raise NotFound(f"there is no signed note {text!r} in the record")


def _render(db: Database, data_dir: Path, exam_id: int, signer, *, amends_id: str | None,
            addendum_text: str | None, now: datetime) -> tuple[str, bytes]:
    from desktop_app.domain import SchedulePolicy, assess, load_document
    from desktop_app.report import create_signed_note, new_note_id
    from desktop_app.store.audit import audit_anchor
    from desktop_app.store.episodes import episode_escalations
    from desktop_app.store.exams import get_exam
    from desktop_app.store.settings import INSTITUTION, PAPER_SIZE, WARD_NAME, all_settings

    exam = get_exam(db, exam_id)
    document = load_document(exam.document)
    settings = all_settings(db)
    note_id = new_note_id()
    pdf = create_signed_note(
        document, signer, note_id=note_id,
        escalations=[e for e in episode_escalations(db, exam.episode_id) if e.called_at <= now],
        assessment=assess(document, SchedulePolicy.from_json(exam.schedule_policy)),
        ward=settings[WARD_NAME] or None, institution=settings[INSTITUTION] or None,
        paper=str(settings[PAPER_SIZE]).lower(), amends_note_id=amends_id,
        addendum_text=addendum_text, episode=str(exam.episode_id), signed_at=now,
        audit_anchor=audit_anchor(db),  # the chain head, carried inside the signature
    )
    return note_id, pdf


def sign_exam(db: Database, data_dir: Path, exam_id: int, name: str, password: str) -> SignedResult:
    """Sign stored exam `exam_id` as `name` (password typed again) and store the note;
    the exam is final from then on. Raises the sign-in refusals, `NotFound`,
    `AlreadySigned`, and the report's `SigningError` / `SigningGapsError`."""
    from desktop_app.report import load_signer
    from desktop_app.store.exams import get_exam

    user = authorize(sign_in(db, name, password), "sign_exam")
    get_exam(db, exam_id)  # NotFound before any key work
    if exam_notes(db, exam_id):
        raise AlreadySigned()
    signer = load_signer(signing_keys(db, data_dir), user.name, password)
    now = datetime.now().astimezone()
    note_id, pdf = _render(db, data_dir, exam_id, signer, amends_id=None, addendum_text=None,
                           now=now)
    with write_transaction(db):
        if exam_notes(db, exam_id):  # signed from another workstation meanwhile
            raise AlreadySigned()
        row_id = store_signed_note(db, exam_id, pdf, signed_by=user.name, signed_at=now)
    return SignedResult(exam_id, row_id, note_id, pdf, user.name)


def add_addendum(db: Database, data_dir: Path, note: str | int, text: str, name: str,
                 password: str) -> SignedResult:
    """Sign an addendum to stored note `note` (its row number or printed ID) and store it
    (audited `addendum.sign`). `NotFound` for a note the record does not hold."""
    from desktop_app.report import load_signer
    from desktop_app.store.errors import InvalidValue

    if not isinstance(text, str) or not text.strip():
        raise InvalidValue("an addendum needs its text")
    user = authorize(sign_in(db, name, password), "add_addendum")
    original = find_note(db, note)
    signer = load_signer(signing_keys(db, data_dir), user.name, password)
    now = datetime.now().astimezone()
    note_id, pdf = _render(db, data_dir, original.exam_id, signer,
                           amends_id=printed_note_id(original), addendum_text=text, now=now)
    with write_transaction(db):
        addendum = store_addendum(db, original.id, text, pdf, signed_by=user.name, signed_at=now)
    return SignedResult(original.exam_id, original.id, note_id, pdf, user.name, addendum)
