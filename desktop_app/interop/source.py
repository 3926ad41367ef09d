"""Where an export's inputs come from: a stored signed exam, or a document plus its PDF.

`read_signed_exam` is the one function that knows the record; it reads only through the
store's repository functions (`get_exam`, `exam_notes`, `episode_escalations`,
`get_user`). `load_signed_exam` is the same from a data folder, on a read-only connection.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from desktop_app.domain import DEFAULT_POLICY, Assessment, ExamDocument, SchedulePolicy, assess

log = logging.getLogger(__name__)

# Two workstations' clocks may differ a little (the exam-time rule allows 5 minutes too).
CLOCK_TOLERANCE = timedelta(minutes=5)
NOTE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_PDF_DATE = re.compile(
    r"D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:([Zz+-])(\d{2})?'?(\d{2})?'?)?"
)


class SourceError(Exception):
    """The export cannot be made from what was found (message safe to log: no PHI)."""


class InvalidSource(SourceError):
    """What was given is not valid input: a bad document, option value or file."""


@dataclass(frozen=True)
class SignedExam:
    """Everything `build_bundle` needs about one signed exam.

    `policy` is the schedule policy the exam was assessed under and `recorded` the
    assessment recorded with it (None when there is no record, e.g. a loose document).
    """

    exam_id: str
    document: ExamDocument
    note_pdf: bytes
    note_id: str
    signed_at: datetime
    signer_name: str
    escalations: tuple[dict[str, Any], ...] = ()
    policy: SchedulePolicy = DEFAULT_POLICY
    recorded: dict[str, Any] | None = field(default=None, repr=False)

    def assessment(self) -> Assessment:
        """The assessment the note printed: recomputed under the recorded schedule policy,
        and refused (`SourceError`) when its level or rules differ from the recorded one
        (a rule table changed since signing): the export must not contradict the note."""
        result = assess(self.document, self.policy)
        if self.recorded is not None:
            same_level = self.recorded.get("level") == result.level.value
            same_rules = sorted(self.recorded.get("rules", [])) == sorted(result.rule_ids)
            if not (same_level and same_rules):
                raise SourceError(
                    f"exam {self.exam_id}: the assessment computed now differs from the one "
                    "recorded when the exam was saved (the rule table changed?); exporting "
                    "it would contradict the signed note"
                )
        return result


# -- from the record -----------------------------------------------------------------------

def load_signed_exam(data_dir: Path, exam_id: str | int) -> SignedExam:
    """The stored exam `exam_id` with its signed note, from the data folder's database,
    opened read-only (nothing is written, not even an audit entry: see `read_signed_exam`
    for a caller that holds the database and audits the export itself).

    Raises `SourceError` when the database, the exam or its note is missing.
    """
    from desktop_app.store.database import database_path, open_readonly
    from desktop_app.store.errors import StoreError
    from desktop_app.store.schema import refuse_newer, schema_version

    record_id = exam_number(exam_id)
    try:
        db = open_readonly(database_path(Path(data_dir)))
    except StoreError as error:
        raise SourceError(f"cannot open the record: {error}") from error
    try:
        refuse_newer(schema_version(db))
        return read_signed_exam(db, record_id)
    except StoreError as error:
        raise SourceError(f"cannot read the record: {error}") from error
    finally:
        db.close()


def exam_number(exam_id: str | int) -> int:
    """A record's exam ID as the store keys it; `InvalidSource` for anything else."""
    try:
        return int(str(exam_id))
    except ValueError:
        raise InvalidSource(f"an exam ID is a number, not {exam_id!r}") from None


def read_signed_exam(db: Any, exam_id: int) -> SignedExam:
    """The exam `exam_id` of an open database, its signed note (the latest, when re-signed),
    the signer's printed name and the episode's escalations called up to the signature.

    Reads only through the store's repository functions. Raises `SourceError` when the
    exam or its note is missing, or the note names another exam record.
    """
    from desktop_app.domain import load_document
    from desktop_app.store.episodes import episode_escalations
    from desktop_app.store.errors import NotFound
    from desktop_app.store.exams import get_exam
    from desktop_app.store.notes import exam_notes
    from desktop_app.store.users import get_user

    try:
        exam = get_exam(db, exam_id)
    except NotFound:
        raise SourceError(f"there is no exam {exam_id}") from None
    notes = exam_notes(db, exam_id)
    if not notes:
        raise SourceError(f"exam {exam_id} has no signed note")
    note = notes[-1]  # the latest signature; addenda are kept apart
    try:
        signer_name = get_user(db, note.signed_by).full_name
    except NotFound:
        signer_name = note.signed_by
    calls = [
        {"role": e.called_role, "name": e.called_name, "called_at": e.called_at,
         "response": e.response, "response_at": e.response_at}
        for e in episode_escalations(db, exam.episode_id)
        if e.called_at <= note.signed_at  # what the note could have printed
    ]
    pdf = bytes(note.pdf)
    fields = note_fields(pdf)
    document = load_document(exam.document)
    if fields.get("exam-sha256") and fields["exam-sha256"] != exam_record_hash(document):
        raise SourceError(f"exam {exam_id}: its signed note names another exam record "
                          "(the exam hashes differ)")
    log.info("signed exam %d loaded for export (%d bytes of note)", exam_id, len(pdf))
    return SignedExam(
        exam_id=str(exam_id),
        document=document,
        note_pdf=pdf,
        note_id=fields.get("note-id") or f"note-{note.id}",
        signed_at=note.signed_at,
        signer_name=signer_name,
        escalations=tuple(calls),
        policy=SchedulePolicy.from_json(exam.schedule_policy),
        recorded=exam.assessment,
    )


# -- from files -------------------------------------------------------------------------------

def load_document_and_note(
    document_bytes: bytes,
    note_pdf: bytes,
    *,
    exam_id: str | None = None,
    note_id: str | None = None,
    signed_at: datetime | None = None,
    signer_name: str | None = None,
    escalations: list[dict[str, Any]] | None = None,
) -> SignedExam:
    """An exam document plus an existing signed PDF, without the record.

    What is not given is read from the PDF: the note ID (from NeuroCheck's Keywords line),
    the signing time and the signer's name (from its signature; for an unsigned PDF, its
    creation date and the Keywords' signer login). `exam_id` defaults to the exam record
    hash, so a re-export is stable. Refuses a note whose exam hash names another exam.
    """
    from desktop_app.domain import DocumentError, load_document

    try:
        document = load_document(document_bytes)
    except DocumentError as error:
        raise InvalidSource(f"invalid exam document: {error}") from error
    if not note_pdf.startswith(b"%PDF-"):
        raise InvalidSource("the note is not a PDF file")
    fields = note_fields(note_pdf)
    exam_hash = exam_record_hash(document)
    if fields.get("exam-sha256") and fields["exam-sha256"] != exam_hash:
        raise SourceError("the note was made for another exam (its exam hash differs)")
    signature = signature_fields(note_pdf)
    note_id = note_id or fields.get("note-id")
    if not note_id:
        raise InvalidSource("the PDF carries no NeuroCheck note ID: give one (--note-id)")
    if not NOTE_ID.fullmatch(note_id):
        raise InvalidSource("a note ID is 1-64 letters, digits, '.', '_' or '-'")
    signed_at = signed_at or signature.get("signed_at") or fields.get("created")
    if signed_at is None:
        raise InvalidSource("the PDF shows no signing time: give one (--signed-at)")
    if signed_at.tzinfo is None:
        raise InvalidSource("the signing time needs a UTC offset")
    if signed_at < document.exam.performed_at - CLOCK_TOLERANCE:
        raise InvalidSource("the note was signed before the exam was done: wrong note or "
                            "wrong signing time (--signed-at)")
    signer_name = signer_name or signature.get("signer") or fields.get("signer")
    if not signer_name:
        raise InvalidSource("the PDF names no signer: give one (--signer)")
    return SignedExam(
        exam_id=exam_id or f"sha256-{exam_hash}",
        document=document,
        note_pdf=note_pdf,
        note_id=note_id,
        signed_at=signed_at,
        signer_name=signer_name,
        escalations=tuple(escalations or ()),
    )


def exam_record_hash(document: ExamDocument) -> str:
    """The exam hash a NeuroCheck note carries (the report's definition, reused)."""
    from desktop_app.report.note import exam_record_hash as note_exam_hash

    return note_exam_hash(document)


def note_fields(pdf: bytes) -> dict[str, Any]:
    """NeuroCheck's Keywords fields of a PDF (`note-id`, `exam-sha256`, `signer`...) and its
    creation date as `created`; empty when the PDF has neither."""
    from desktop_app.report.note import parse_note_keywords

    info = _info(pdf)
    fields: dict[str, Any] = dict(parse_note_keywords(str(info.get("/Keywords", ""))) or {})
    created = parse_pdf_date(str(info.get("/CreationDate", "")))
    if created is not None:
        fields["created"] = created
    return fields


def _info(pdf: bytes) -> dict[str, Any]:
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        info = reader.trailer_view["/Info"]  # indexing resolves the indirect object
        return {str(key): info[key] for key in info}
    except KeyError:
        return {}
    except Exception:  # a damaged or foreign PDF fails in many ways inside the parser
        log.debug("PDF metadata unreadable", exc_info=True)
        return {}


def signature_fields(pdf: bytes) -> dict[str, Any]:
    """The last embedded signature's signing time (`signed_at`) and signer's printed name
    (`signer`, the certificate's common name); empty for an unsigned PDF."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception:
        log.debug("PDF signatures unreadable", exc_info=True)
        return {}
    if not signatures:
        return {}
    signature = signatures[-1]
    result: dict[str, Any] = {}
    when = signature.self_reported_timestamp or parse_pdf_date(
        str(signature.sig_object.get("/M", "")))
    if when is not None:
        result["signed_at"] = when
    try:
        name = signature.signer_cert.subject.native.get("common_name")
    except Exception:
        name = None
    name = name or str(signature.sig_object.get("/Name", "") or "")
    if name:
        result["signer"] = name
    return result


def parse_pdf_date(text: str) -> datetime | None:
    """A PDF date (`D:20261121103000+01'00'`) as an aware datetime; None when it is not one
    or has no offset (a time without an offset is never guessed)."""
    match = _PDF_DATE.match(text.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, sign, off_h, off_m = match.groups()
    if sign is None:
        return None
    if sign in "Zz":
        zone = UTC
    else:
        offset = timedelta(hours=int(off_h or 0), minutes=int(off_m or 0))
        zone = timezone(-offset if sign == "-" else offset)
    try:
        return datetime(int(year), int(month or 1), int(day or 1), int(hour or 0),
                        int(minute or 0), int(second or 0), tzinfo=zone)
    except ValueError:
        return None
