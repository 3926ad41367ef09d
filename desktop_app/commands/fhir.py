"""`fhir EXAM_ID --out FILE.json`: export a signed exam as a FHIR R4 Bundle (JSON).

`fhir --document EXAM.json --note NOTE.pdf --out FILE.json` does the same for an exam
document and its signed PDF, without the record. Exit 0 on success; 2 for input that is
not valid (bad document, bad option); 1 when the export cannot be made (no such exam, no
signed note, the note belongs to another exam). Nothing is written unless it all worked.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
from datetime import datetime
from pathlib import Path

EXIT_FAILED = 1
EXIT_INVALID = 2


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("exam_id", metavar="EXAM_ID", nargs="?",
                        help="ID of a stored exam with a signed note (with --document: the "
                        "ID to export under; default: the exam's record hash)")
    parser.add_argument("--out", metavar="FILE.json", required=True,
                        help="where to write the Bundle (- for standard output)")
    loose = parser.add_argument_group("a document and its signed PDF, without the record")
    loose.add_argument("--document", metavar="EXAM.json", help="exam document")
    loose.add_argument("--note", metavar="NOTE.pdf", help="the exam's signed note")
    loose.add_argument("--note-id", help="note ID (default: read from the PDF)")
    loose.add_argument("--signed-at", metavar="TIME",
                       help="signing time, ISO 8601 with offset (default: from the signature)")
    loose.add_argument("--signer", metavar="NAME",
                       help="signer's printed name (default: from the signature)")
    loose.add_argument("--escalations", metavar="FILE.json",
                       help="JSON list of {role, name, called_at, response}")


def run(args: argparse.Namespace) -> int:
    from desktop_app.interop.fhir import build_bundle
    from desktop_app.interop.source import InvalidSource, SourceError

    try:
        signed = _source(args)
    except (_Invalid, InvalidSource) as error:
        print(f"fhir: {error}", file=sys.stderr)
        return EXIT_INVALID
    except SourceError as error:
        print(f"fhir: {error}", file=sys.stderr)
        return EXIT_FAILED
    try:
        assessment = signed.assessment()
    except SourceError as error:
        print(f"fhir: {error}", file=sys.stderr)
        return EXIT_FAILED
    bundle = build_bundle(
        signed.document, assessment,
        exam_id=signed.exam_id, note_pdf=signed.note_pdf, note_id=signed.note_id,
        signed_at=signed.signed_at, signer_name=signed.signer_name,
        escalations=list(signed.escalations),
    )
    text = json.dumps(bundle, ensure_ascii=False, indent=2) + "\n"
    try:
        _write(args.out, text)
    except OSError as error:
        print(f"{args.out}: cannot write the file ({error.strerror})", file=sys.stderr)
        return EXIT_FAILED
    return 0


class _Invalid(Exception):
    """A bad option or an unreadable input file."""


def _source(args: argparse.Namespace):
    from desktop_app.interop.source import load_document_and_note, load_signed_exam

    if args.document or args.note:
        if not (args.document and args.note):
            raise _Invalid("--document and --note go together")
        return load_document_and_note(
            _read(args.document), _read(args.note),
            exam_id=args.exam_id, note_id=args.note_id,
            signed_at=_time(args.signed_at) if args.signed_at else None,
            signer_name=args.signer, escalations=_escalations(args.escalations),
        )
    if not args.exam_id:
        raise _Invalid("give an EXAM_ID, or --document and --note")
    if args.note_id or args.signed_at or args.signer or args.escalations:
        raise _Invalid("--note-id, --signed-at, --signer and --escalations go with --document")
    from desktop_app.paths import data_dir

    return load_signed_exam(data_dir(args.data_dir), args.exam_id)


def _read(name: str) -> bytes:
    try:
        with open(name, "rb") as handle:
            return handle.read()
    except OSError as error:
        raise _Invalid(f"{name}: cannot read the file ({error.strerror})") from error


def _time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _Invalid(f"--signed-at: not an ISO 8601 time: {text!r}") from None
    if moment.tzinfo is None:
        raise _Invalid("--signed-at: the time needs a UTC offset (+01:00 or Z)")
    return moment


def _escalations(name: str | None) -> list[dict]:
    if not name:
        return []
    try:
        calls = json.loads(_read(name))
    except ValueError as error:
        raise _Invalid(f"{name}: not JSON ({error})") from error
    if not isinstance(calls, list) or not all(isinstance(c, dict) for c in calls):
        raise _Invalid(f"{name}: expected a list of objects")
    return calls


def _write(name: str, text: str) -> None:
    """Write all or nothing, readable by the owner only: the Bundle holds patient data."""
    if name == "-":
        sys.stdout.write(text)
        return
    target = Path(name)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".fhir-",
                                         suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
