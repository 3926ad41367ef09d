"""`fhir EXAM_ID --out FILE.json`: export a signed exam as a FHIR R4 Bundle (JSON).

`fhir --document EXAM.json --note NOTE.pdf --out FILE.json` does the same for an exam
document and its signed PDF, without the record. Exit 0 on success; 2 for input that is
not valid (bad document, bad option); 1 when the export cannot be made (no such exam, no
signed note, the note belongs to another exam). Nothing is written unless it all worked.
An export from the record takes `--user NAME --password-stdin` and is audited
(`note.export_fhir`, the name the GUI writes too): patient data left the record.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path

EXIT_FAILED = 1
EXIT_INVALID = 2


def configure(parser: argparse.ArgumentParser) -> None:
    from desktop_app.commands.sign_in import add_sign_in

    add_sign_in(parser, required=False)
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
    from desktop_app.interop.source import InvalidSource, SourceError

    try:
        if args.document or args.note:
            return _export(args, _from_files(args))
        return _from_record(args)
    except (_Invalid, InvalidSource) as error:
        print(f"fhir: {error}", file=sys.stderr)
        return EXIT_INVALID
    except SourceError as error:
        print(f"fhir: {error}", file=sys.stderr)
        return EXIT_FAILED


class _Invalid(Exception):
    """A bad option or an unreadable input file."""


def _export(args: argparse.Namespace, signed) -> int:
    """Build the Bundle of `signed` and write it to --out; raises `SourceError`, `OSError`."""
    _write(args.out, _bundle_text(signed))
    return 0


def _bundle_text(signed) -> str:
    """The Bundle of `signed` as JSON text; raises `SourceError`."""
    from desktop_app.interop.fhir import build_bundle

    bundle = build_bundle(
        signed.document, signed.assessment(),
        exam_id=signed.exam_id, note_pdf=signed.note_pdf, note_id=signed.note_id,
        signed_at=signed.signed_at, signer_name=signed.signer_name,
        escalations=list(signed.escalations),
    )
    return json.dumps(bundle, ensure_ascii=False, indent=2) + "\n"


def _write(out: str, text: str) -> None:
    from desktop_app.commands.records import print_utf8
    from desktop_app.paths import write_private

    if out == "-":
        print_utf8(text)
    else:  # owner-only and all or nothing: the Bundle holds patient data
        write_private(Path(out), text.encode("utf-8"))


def _from_record(args: argparse.Namespace) -> int:
    from desktop_app.cli import record_id
    from desktop_app.commands.records import with_signed_in
    from desktop_app.paths import check_output_path
    from desktop_app.record import export_fhir

    if not args.exam_id:
        raise _Invalid("give an EXAM_ID, or --document and --note")
    if args.note_id or args.signed_at or args.signer or args.escalations:
        raise _Invalid("--note-id, --signed-at, --signer and --escalations go with --document")
    if not args.user:
        raise _Invalid("an export from the record takes --user NAME --password-stdin")
    try:
        exam_id = record_id(args.exam_id)
    except argparse.ArgumentTypeError as error:
        raise _Invalid(str(error)) from None
    if args.out != "-":
        check_output_path(Path(args.out))  # a missing folder is refused before anything

    def body(_folder, db, who) -> int:
        export_fhir(db, who.user, exam_id, lambda signed: _export(args, signed))
        return 0

    return with_signed_in(args, "export_fhir", body)


def _from_files(args: argparse.Namespace):
    from desktop_app.interop.source import load_document_and_note

    if not (args.document and args.note):
        raise _Invalid("--document and --note go together")
    if args.user:
        raise _Invalid("--user goes with an EXAM_ID of the record; a document and its note "
                       "are exported without the record")
    return load_document_and_note(
        _read(args.document), _read(args.note),
        exam_id=args.exam_id, note_id=args.note_id,
        signed_at=_time(args.signed_at) if args.signed_at else None,
        signer_name=args.signer, escalations=_escalations(args.escalations),
    )


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
