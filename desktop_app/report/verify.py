"""Verifying a signed note: who signed, when, whether the file is intact, whether this
installation's authority issued the signer's key. Used by `neurocheck verify` and the GUI.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from desktop_app.report.pki import AuthorityError, identity_of, load_authority_certificate
from desktop_app.report.signing import note_fields

log = logging.getLogger(__name__)

DisabledUsers = Collection[str] | Callable[[str], bool] | None


@dataclass
class VerificationResult:
    """What `verify_note` found. `ok` is True only when `problems` is empty."""

    ok: bool = False
    signer_name: str | None = None  # printed name, from the certificate
    signer_login: str | None = None
    credentials: str | None = None
    signed_at: datetime | None = None
    meaning: str | None = None
    note_id: str | None = None
    amends_note_id: str | None = None
    exam_sha256: str | None = None
    issuer: str | None = None
    signer_disabled: bool = False
    problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The result in words, one fact a line (what `verify` prints)."""
        out = ["Signature valid: the note is intact and signed by a user of this installation."
               if self.ok else "NOT VALID: " + "; ".join(self.problems) + "."]
        if self.signer_name:
            who = self.signer_name + (f", {self.credentials}" if self.credentials else "")
            if self.signer_login:
                who += f" (user {self.signer_login})"
            out.append(f"Signed by: {who}")
        if self.signer_disabled:
            out.append("Note: this user's account has since been disabled; the signature "
                       "was made while it was active and stays valid.")
        if self.signed_at:
            out.append(f"Signed at: {self.signed_at.isoformat(timespec='seconds')}")
        if self.meaning:
            out.append(f"Meaning: {self.meaning}")
        if self.note_id:
            out.append(f"Note ID: {self.note_id}")
        if self.amends_note_id:
            out.append(f"Amends note: {self.amends_note_id}")
        if self.exam_sha256:
            out.append(f"Exam record SHA-256: {self.exam_sha256}")
        if self.issuer:
            out.append(f"Key issued by: {self.issuer}")
        return out

    def to_json(self) -> dict[str, object]:
        """The result as JSON-ready values."""
        return {
            "ok": self.ok,
            "signer_name": self.signer_name,
            "signer_login": self.signer_login,
            "credentials": self.credentials,
            "signed_at": self.signed_at.isoformat() if self.signed_at else None,
            "meaning": self.meaning,
            "note_id": self.note_id,
            "amends_note_id": self.amends_note_id,
            "exam_sha256": self.exam_sha256,
            "issuer": self.issuer,
            "signer_disabled": self.signer_disabled,
            "problems": list(self.problems),
        }


def _is_disabled(login: str | None, disabled: DisabledUsers) -> bool:
    if not login or disabled is None:
        return False
    if callable(disabled):
        return bool(disabled(login))
    return login in disabled


_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")


def _covers_whole_file(pdf_bytes: bytes, byte_range: list[int]) -> bool:
    """The signed ranges start at byte 0, leave out only the signature value, and end at
    the last byte of the file: nothing can follow the signature unsigned."""
    start, first_length, second_start, second_length = (int(v) for v in byte_range)
    if start != 0 or second_start <= first_length:
        return False
    gap = pdf_bytes[first_length:second_start]
    is_hex_string = gap[:1] == b"<" and gap[-1:] == b">" and bool(
        re.fullmatch(rb"<[0-9A-Fa-f\s]*>", gap)
    )
    return is_hex_string and second_start + second_length == len(pdf_bytes)


def verify_note(
    pdf_bytes: bytes, data_dir: Path, *, disabled: DisabledUsers = None
) -> VerificationResult:
    """Check a signed note against this installation (the authority in `data_dir`).

    `disabled` names users whose accounts are disabled (a collection of login names or a
    predicate): such a note still verifies, and `signer_disabled` says so.
    """
    result = VerificationResult()
    problems = result.problems
    if pdf_bytes[:5] != b"%PDF-":
        problems.append("the file is not a PDF")
        return result

    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        signatures = list(reader.embedded_regular_signatures)
    except Exception as error:  # a damaged file fails in many ways inside the PDF parser
        log.info("verify: unreadable PDF (%s)", type(error).__name__)
        problems.append("the file is damaged: it cannot be read as a PDF")
        return result
    if not signatures:
        problems.append("the note carries no signature")
        return result
    if len(signatures) > 1:
        problems.append("the file carries more than one signature; a NeuroCheck note has one")
    signature = signatures[-1]

    note = note_fields(reader)
    if note is None:
        problems.append("the file is not a NeuroCheck note (its note ID is missing)")
        note = {}
    result.note_id = note.get("note-id")
    result.amends_note_id = note.get("amends")
    result.exam_sha256 = note.get("exam-sha256")
    sig_object = signature.sig_object
    result.meaning = str(sig_object["/Reason"]) if "/Reason" in sig_object else None
    subfilter = str(sig_object.get("/SubFilter", ""))
    if subfilter != "/ETSI.CAdES.detached":
        problems.append("the signature is not a PAdES signature (ETSI.CAdES.detached)")

    try:
        certificate = signature.signer_cert
        from cryptography import x509 as crypto_x509

        parsed = crypto_x509.load_der_x509_certificate(certificate.dump())
        identity = identity_of(parsed)
        result.signer_name = identity.full_name or None
        result.signer_login = identity.name or None
        result.credentials = identity.credentials
        result.issuer = _issuer_words(parsed)
    except Exception:  # reported as a damaged signature
        problems.append("the signature is damaged: its certificate cannot be read")
        return _finish(result)

    if note.get("signer") and result.signer_login and note["signer"] != result.signer_login:
        problems.append("the note was prepared for another user than the one who signed it")

    if not _covers_whole_file(pdf_bytes, list(signature.byte_range)):
        if int(signature.byte_range[2]) + int(signature.byte_range[3]) < len(pdf_bytes):
            problems.append("bytes were added to the file after it was signed")
        else:
            problems.append("the signature does not cover the whole file")

    try:
        authority = load_authority_certificate(data_dir)
    except AuthorityError:
        problems.append("this installation has no signing authority to check the signer "
                        "against")
        authority = None
    trust_roots = []
    if authority is not None:
        trust_roots = [asn1_x509.Certificate.load(authority.public_bytes(Encoding.DER))]
    reported = signature.self_reported_timestamp
    context = ValidationContext(
        trust_roots=trust_roots,
        allow_fetching=False,
        revocation_mode="soft-fail",
        # The key is judged at the time it signed: notes outlive certificates.
        moment=reported,
        best_signature_time=reported,
    )
    try:
        status = validate_pdf_signature(signature, context, skip_diff=True)
    except Exception as error:  # a damaged signature fails in many ways inside pyHanko
        log.info("verify: signature could not be validated (%s)", type(error).__name__)
        problems.append("the signature is damaged and cannot be checked")
        return _finish(result)
    result.signed_at = status.signer_reported_dt
    if not status.intact:
        problems.append("the content was changed after signing (its digest no longer matches)")
    elif not status.valid:
        problems.append("the signature value does not match the signer's key")
    if authority is not None and status.intact and status.valid and not status.trusted:
        problems.append("the signer's key was not issued by this installation's signing "
                        "authority (signed elsewhere, or by an unknown key)")
    result.signer_disabled = _is_disabled(result.signer_login, disabled)
    return _finish(result)


def _issuer_words(certificate) -> str:
    """`NeuroCheck signing authority 1a2b... (St Elsewhere)` from a certificate's issuer."""
    from cryptography.x509.oid import NameOID

    def first(oid) -> str:
        values = certificate.issuer.get_attributes_for_oid(oid)
        return str(values[0].value) if values else ""

    name, organisation = first(NameOID.COMMON_NAME), first(NameOID.ORGANIZATION_NAME)
    return f"{name} ({organisation})" if organisation else name or "unknown issuer"


def _finish(result: VerificationResult) -> VerificationResult:
    result.ok = not result.problems
    return result


def verify_file(path: Path, data_dir: Path, *, disabled: DisabledUsers = None) -> VerificationResult:
    """`verify_note` on a file; an unreadable file is a problem, not an exception."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        return VerificationResult(problems=[f"the file cannot be read ({error.strerror})"])
    return verify_note(data, data_dir, disabled=disabled)
