"""Verifying a signed note: who signed, when, whether the file is intact, whether this
installation's authority issued the signer's key and has not revoked it, and whether the
note is one of the record's signed notes. Used by `neurocheck verify` and the GUI.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from desktop_app.report.note import printed_signer_digest
from desktop_app.report.pki import (
    AuthorityError,
    AuthorityUnreadable,
    identity_of,
    load_authority_certificate,
    revoked_at,
)
from desktop_app.report.signing import note_fields

log = logging.getLogger(__name__)

DisabledUsers = Collection[str] | Callable[[str], bool] | None
# Given a note's SHA-256: is it one of the record's signed notes (or addenda)?
InRecord = Callable[[str], bool] | None


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
    key_revoked_at: datetime | None = None
    in_record: bool | None = None  # None: no record was asked
    sha256: str | None = None
    problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The result in words, one fact a line (what `verify` prints). When the note is
        not valid, who signed and when are what the file claims, and said to be claims."""
        if self.ok:
            out = ["Signature valid: the note is intact, signed by a user of this installation"
                   + (" and issued here (it is in the record's signed notes)."
                      if self.in_record else ".")]
        else:
            out = ["NOT VALID: " + "; ".join(self.problems) + "."]
        if self.signer_name:
            who = self.signer_name + (f", {self.credentials}" if self.credentials else "")
            if self.signer_login:
                who += f" (user {self.signer_login})"
            out.append(f"Signed by: {who}" if self.ok else
                       f"Claimed signer (not confirmed): {who}")
        if self.key_revoked_at:
            out.append("Key revoked: this signing key was revoked on "
                       f"{self.key_revoked_at.isoformat(timespec='seconds')} (account "
                       "disabled or key re-issued)"
                       + ("; the note was stored in the record before."
                          if self.ok and self.in_record else "."))
        if self.signer_disabled:
            out.append("Note: this user's account has since been disabled"
                       + ("; the note was stored in the record while it was active."
                          if self.ok and self.in_record else "."))
        if self.signed_at:
            when = self.signed_at.isoformat(timespec='seconds')
            out.append(f"Signed at: {when}" if self.ok else
                       f"Claimed signing time (not confirmed): {when}")
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
            "key_revoked_at": self.key_revoked_at.isoformat() if self.key_revoked_at else None,
            "in_record": self.in_record,
            "sha256": self.sha256,
            "problems": list(self.problems),
        }


def _is_disabled(login: str | None, disabled: DisabledUsers) -> bool:
    if not login or disabled is None:
        return False
    if callable(disabled):
        return bool(disabled(login))
    return login in disabled


_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")


def _byte_range_problem(pdf_bytes: bytes, byte_range: list[int]) -> str | None:
    """What is wrong with the signed ranges, or None when they start at byte 0, leave out
    only the signature value (a DER object padded with zeros) and end at the last byte of
    the file, so that nothing in the file is unsigned."""
    start, first_length, second_start, second_length = (int(v) for v in byte_range)
    end = second_start + second_length
    if end < len(pdf_bytes):
        return "bytes were added to the file after it was signed"
    if end > len(pdf_bytes):
        return "the file was cut short after it was signed"
    if start != 0 or second_start <= first_length:
        return "the signature does not cover the whole file"
    gap = pdf_bytes[first_length:second_start]
    if not re.fullmatch(rb"<[0-9A-Fa-f]*>", gap) or len(gap) % 2:
        return "the signature value is damaged"
    value = bytes.fromhex(gap[1:-1].decode("ascii"))
    # The reserved space holds the DER signature, then zeros: any other byte was changed.
    if len(value) < 2 or value[0] != 0x30:
        return "the signature value is damaged"
    if value[1] < 0x80:
        size = 2 + value[1]
    else:
        count = value[1] & 0x7F
        size = 2 + count + int.from_bytes(value[2:2 + count], "big")
    if size > len(value) or any(value[size:]):
        return "bytes in the signature's reserved space were changed after signing"
    return _cms_problem(value[:size])


def _cms_problem(der: bytes) -> str | None:
    """What is wrong with the CMS signature beyond its signed parts, or None.

    A CMS object has fields its signature does not cover (version numbers, the list of
    digest algorithms); a reader would ignore a change there. This one holds them to the
    profile NeuroCheck signs with: strict DER, one signer, versions as RFC 5652 computes
    them, the digest list equal to the signer's digest, detached data, no unsigned extras.
    """
    from asn1crypto import cms

    damaged = "the signature value is damaged or was altered"
    try:
        info = cms.ContentInfo.load(der, strict=True)
        info.native  # noqa: B018 - parses every field; raises on damage
    except Exception:  # asn1crypto raises several kinds for malformed DER
        return damaged
    if info["content_type"].native != "signed_data":
        return damaged
    signed_data = info["content"]
    signer_infos = signed_data["signer_infos"]
    if len(signer_infos) != 1:
        return damaged
    signer = signer_infos[0]
    by_key_id = signer["sid"].name == "subject_key_identifier"
    expected = "v3" if by_key_id else "v1"
    digests = [a["algorithm"].native for a in signed_data["digest_algorithms"]]
    if (
        signed_data["version"].native != expected
        or signer["version"].native != expected
        or digests != [signer["digest_algorithm"]["algorithm"].native]
        or signed_data["encap_content_info"]["content_type"].native != "data"
        or signed_data["encap_content_info"]["content"].native is not None
        or signed_data["crls"].native is not None
        or signer["unsigned_attrs"].native is not None
    ):
        return damaged
    return None


def verify_note(
    pdf_bytes: bytes, data_dir: Path, *, disabled: DisabledUsers = None,
    in_record: InRecord = None,
) -> VerificationResult:
    """Check a signed note against this installation (the authority in `data_dir` and its
    revocation list) and, with `in_record`, against the record's signed notes.

    `disabled` names users whose accounts are disabled (a collection of login names or a
    predicate); `signer_disabled` says so. `in_record(sha256)` says whether the record
    holds the note: a note it does not hold was not issued here and is not valid, and so
    is one signed with a revoked key that the record does not hold. Never raises for a
    bad file: what is wrong is in `problems`.
    """
    result = VerificationResult()
    result.sha256 = hashlib.sha256(pdf_bytes).hexdigest()
    problems = result.problems
    if pdf_bytes[:5] != b"%PDF-":
        problems.append("the file is not a PDF")
        return result

    from pyhanko.pdf_utils.reader import PdfFileReader

    # Read the signed ranges from the raw bytes first: a file with bytes appended may not
    # even parse, and the reader should still be told why.
    raw_ranges = [[int(v) for v in found] for found in _BYTE_RANGE.findall(pdf_bytes)]
    if raw_ranges:
        problem = _byte_range_problem(pdf_bytes, raw_ranges[-1])
        if problem:
            problems.append(problem)
    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        signatures = list(reader.embedded_regular_signatures)
    except Exception as error:  # a damaged file fails in many ways inside the PDF parser
        log.info("verify: unreadable PDF (%s)", type(error).__name__)
        if not problems:
            problems.append("the file is damaged: it cannot be read as a PDF")
        return result
    if not signatures:
        problems.append("the note carries no signature")
        return result
    if len(signatures) > 1:
        problems.append("the file carries more than one signature; a NeuroCheck note has one")
    try:
        authority = load_authority_certificate(data_dir)
    except AuthorityUnreadable as error:
        problems.append(str(error))
        authority = None
    except AuthorityError:
        problems.append("this installation has no signing authority to check the signer "
                        "against")
        authority = None
    try:
        _check_signature(result, pdf_bytes, reader, signatures[-1], authority,
                         raw_ranges[-1] if raw_ranges else None, data_dir)
    except Exception as error:  # a damaged signature fails in many ways inside pyHanko
        log.info("verify: signature could not be checked (%s)", type(error).__name__)
        problems.append("the signature is damaged and cannot be checked")
    result.signer_disabled = _is_disabled(result.signer_login, disabled)
    if in_record is not None:
        result.in_record = bool(in_record(result.sha256))
        if not result.in_record:
            problems.append("this note is not in this installation's record of signed notes "
                            "(it was not issued here)")
    if result.key_revoked_at is not None and not result.in_record:
        problems.append("it was signed with a revoked key")
    return _finish(result)


def _check_signature(result: VerificationResult, pdf_bytes: bytes, reader, signature,
                     authority, checked_range: list[int] | None, data_dir: Path) -> None:
    """Fill `result` from one embedded signature; raises when the signature is damaged."""
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509 as crypto_x509
    from cryptography.hazmat.primitives.serialization import Encoding
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    problems = result.problems
    note = note_fields(reader)
    if note is None:
        problems.append("the file is not a NeuroCheck note (its note ID is missing)")
        note = {}
    result.note_id = note.get("note-id")
    result.amends_note_id = note.get("amends")
    result.exam_sha256 = note.get("exam-sha256")
    sig_object = signature.sig_object
    result.meaning = str(sig_object["/Reason"]) if "/Reason" in sig_object else None
    if str(sig_object.get("/SubFilter", "")) != "/ETSI.CAdES.detached":
        problems.append("the signature is not a PAdES signature (ETSI.CAdES.detached)")

    certificate = signature.signer_cert
    parsed = crypto_x509.load_der_x509_certificate(certificate.dump())
    if authority is not None:
        try:
            result.key_revoked_at = revoked_at(data_dir, parsed)
        except AuthorityError as error:
            problems.append(str(error))
    identity = identity_of(parsed)
    result.signer_name = identity.full_name or None
    result.signer_login = identity.name or None
    result.credentials = identity.credentials
    result.issuer = _issuer_words(parsed)
    if note.get("signer") and result.signer_login and note["signer"] != result.signer_login:
        problems.append("the note was prepared for another user than the one who signed it")

    # The certificates in a CMS signature are not themselves signed: only the signer's own
    # (bound by its signed hash) or this installation's authority, byte for byte, belong.
    allowed = {certificate.dump()}
    trust_roots = []
    if authority is not None:
        allowed.add(authority.public_bytes(Encoding.DER))
        trust_roots = [asn1_x509.Certificate.load(authority.public_bytes(Encoding.DER))]
    carried = signature.signed_data["certificates"]
    if carried.native is not None and any(c.chosen.dump() not in allowed for c in carried):
        problems.append("the signature carries a certificate that was altered or does not "
                        "belong to this installation")

    byte_range = [int(v) for v in signature.byte_range]
    if byte_range != checked_range:  # the raw scan found another range: check this one
        problem = _byte_range_problem(pdf_bytes, byte_range)
        if problem and problem not in problems:
            problems.append(problem)

    reported = signature.self_reported_timestamp
    context = ValidationContext(
        trust_roots=trust_roots,
        allow_fetching=False,
        revocation_mode="soft-fail",
        # The key is judged at the time it signed: notes outlive certificates.
        moment=reported,
        best_signature_time=reported,
    )
    status = validate_pdf_signature(signature, context, skip_diff=True)
    result.signed_at = status.signer_reported_dt
    # What the page prints as signer and time must be the certificate's and the signature's.
    printed = note.get("printed-signer")
    if printed and printed != printed_signer_digest(identity.full_name, identity.credentials):
        problems.append("the page prints a signer other than the one the certificate names")
    if note.get("signed-at") and result.signed_at and \
            _claimed_time(note["signed-at"]) != result.signed_at:
        problems.append("the page prints a signing time other than the signature's")
    if not status.intact:
        problems.append("the content was changed after signing (its digest no longer matches)")
    elif not status.valid:
        problems.append("the signature value does not match the signer's key")
    if authority is not None and status.intact and status.valid and not status.trusted:
        problems.append("the signer's key was not issued by this installation's signing "
                        "authority (signed elsewhere, or by an unknown key)")


def _claimed_time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


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


def verify_file(path: Path, data_dir: Path, *, disabled: DisabledUsers = None,
                in_record: InRecord = None) -> VerificationResult:
    """`verify_note` on a file; an unreadable file is a problem, not an exception."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        return VerificationResult(problems=[f"the file cannot be read ({error.strerror})"])
    return verify_note(data, data_dir, disabled=disabled, in_record=in_record)
