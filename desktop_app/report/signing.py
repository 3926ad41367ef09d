"""Signing a note: a PAdES baseline B-B signature (ETSI.CAdES.detached) over every byte.

US 21 CFR Part 11 asks that a signature show the printed name, the date and time and the
meaning of signing (all in the signature block of the page and in the signature
dictionary), be bound to its record (the signature covers the whole file, which carries
the note ID and the exam record hash), and be made with the password entered again at the
moment of signing (`load_signer` takes it; the signature records the password as how the
signer was authenticated).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from desktop_app.domain import Assessment, ExamDocument, assess, signing_gaps
from desktop_app.report.note import (
    Escalation,
    SignerDisplay,
    parse_note_keywords,
    printed_signer_digest,
    render_note,
    signature_meaning,
)
from desktop_app.report.pki import NoteSigner, SigningError

SIGNATURE_FIELD = "NeuroCheckSignature"
# The page's signing time is the signature's: it must be the moment of signing.
SIGNING_CLOCK_TOLERANCE = timedelta(minutes=5)
# The record's audit chain head at signing ('ID:HASH'), in the document information the
# signature covers: a chain rewritten up to that entry no longer matches the signed note.
AUDIT_HEAD_KEY = "/NeuroCheckAuditHead"
_AUDIT_ANCHOR = re.compile(r"\d{1,12}:[0-9a-f]{64}")


class SigningGapsError(SigningError):
    """The exam lacks items that must be tested (or excused) before a note is signed."""

    def __init__(self, gaps: list[str]) -> None:
        from desktop_app.domain import signing_gap_words

        self.gaps = list(gaps)
        super().__init__(
            "the exam cannot be signed: these must be answered, tested or given a reason "
            "first: " + "; ".join(f"{signing_gap_words(path)} ({path})" for path in self.gaps)
        )


def signer_display(signer: NoteSigner) -> SignerDisplay:
    """What the signature block prints for `signer` (from their certificate)."""
    return SignerDisplay(full_name=signer.full_name, credentials=signer.credentials,
                         name=signer.name)


def note_fields(reader: Any) -> dict[str, str] | None:
    """The note ID, exam hash, signer and amended note that `render_note` put in the PDF's
    Keywords, read through a pyHanko reader; None when the PDF is not a NeuroCheck note."""
    try:
        keywords = str(reader.trailer_view["/Info"].get("/Keywords", ""))
    except Exception:  # a damaged file fails in many ways inside the PDF parser
        return None
    return parse_note_keywords(keywords)


def sign_note(
    pdf_bytes: bytes,
    signer: NoteSigner,
    *,
    location: str | None = None,
    audit_anchor: str | None = None,
) -> bytes:
    """Sign a note made by `render_note` for this signer; returns the signed PDF.

    What the page prints is bound to the signature: refused when the note is not a
    NeuroCheck note, was rendered for another login, prints a name or credentials other
    than the certificate's, or prints a signing time that is not now (the signature's
    signing time is the printed one). The meaning follows the kind: "Examined and
    documented by" for a note, "Amended by" for an addendum. `audit_anchor` ('ID:HASH', the record's
    audit chain head) is written into the document information inside the signed bytes.
    """
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
    except Exception as error:  # pyHanko raises several kinds for a damaged file
        raise SigningError("the note to sign is not a readable PDF") from error
    note = note_fields(writer.prev)
    if note is None or "note-id" not in note:
        raise SigningError("only a NeuroCheck note can be signed")
    if note.get("signer") != signer.name:
        raise SigningError("this note was prepared for another signer")
    if note.get("printed-signer") != printed_signer_digest(signer.full_name, signer.credentials):
        raise SigningError("the note prints a signer other than the key's certificate names")
    try:
        signed_at = datetime.fromisoformat(note.get("signed-at", ""))
    except ValueError:
        raise SigningError("the note prints no signing time") from None
    if signed_at.tzinfo is None or abs(signed_at - datetime.now(signed_at.tzinfo)) \
            > SIGNING_CLOCK_TOLERANCE:
        raise SigningError("the note's printed signing time is not the time of signing")
    meaning = signature_meaning(note.get("amends"))
    if audit_anchor is not None:
        if not _AUDIT_ANCHOR.fullmatch(audit_anchor):
            raise SigningError("the record's audit chain head is not in the form ID:HASH")
        info_ref = writer.trailer.raw_get("/Info")
        info = info_ref.get_object()
        info[generic.NameObject(AUDIT_HEAD_KEY)] = generic.pdf_string(audit_anchor)
        writer.mark_update(info_ref)
    who = signer.full_name + (f", {signer.credentials}" if signer.credentials else "")
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=meaning,
        name=who,
        location=location,
        prop_auth_type=fields.SigAuthType.PASSWORD,
    )
    pdf_signer = _AtTime(metadata, signer=signer.pyhanko_signer())
    pdf_signer.signing_time = signed_at
    output = pdf_signer.sign_pdf(writer, output=io.BytesIO())
    return output.getvalue()


def _pdf_signer_class():
    from pyhanko.sign import signers

    class AtTime(signers.PdfSigner):
        """A pyHanko signer whose signing time is the one printed on the page."""

        signing_time: datetime | None = None

        def init_signing_session(self, *args: Any, **kwargs: Any):
            session = super().init_signing_session(*args, **kwargs)
            if self.signing_time is not None:
                session.system_time = self.signing_time
            return session

    return AtTime


def _AtTime(*args: Any, **kwargs: Any):  # noqa: N802 - builds the class on first use
    return _pdf_signer_class()(*args, **kwargs)


def create_signed_note(
    document: ExamDocument,
    signer: NoteSigner,
    *,
    note_id: str,
    escalations: Iterable[Escalation | Mapping[str, Any]] = (),
    assessment: Assessment | None = None,
    ward: str | None = None,
    institution: str | None = None,
    paper: str = "a4",
    amends_note_id: str | None = None,
    addendum_text: str | None = None,
    episode: str | None = None,
    signed_at: datetime | None = None,
    audit_anchor: str | None = None,
) -> bytes:
    """Check the exam may be signed, render its note for `signer` and sign it.

    Raises `SigningGapsError` (with `.gaps`) when required items are untested without a
    reason. The signature block prints the certificate's name, credentials and login and
    the moment of signing (`signed_at`, the caller's reading of the clock, defaults to now
    and must be now: `sign_note` refuses another time).
    `audit_anchor`: the record's audit chain head (store.audit_anchor), carried inside the
    signature so `check` can tell the chain was not rewritten up to it.
    """
    gaps = signing_gaps(document)
    if gaps:
        raise SigningGapsError(gaps)
    when = (signed_at or datetime.now()).astimezone().replace(microsecond=0)
    pdf = render_note(
        document,
        assessment or assess(document),
        note_id=note_id,
        escalations=escalations,
        signer_display=signer_display(signer),
        signed_at=when,
        ward=ward,
        institution=institution,
        paper=paper,
        amends_note_id=amends_note_id,
        addendum_text=addendum_text,
        episode=episode,
    )
    location = " \u00b7 ".join(p for p in (institution, ward) if p) or None
    return sign_note(pdf, signer, location=location, audit_anchor=audit_anchor)
