"""`note EXAM.json --user NAME --password-stdin --out NOTE.pdf`: render the chart note of an
exam document and sign it with the user's key (headless, for batch use).

Exit 0 when the signed note is written; 1 when signing is refused (items neither tested
nor excused, wrong password, disabled account); 2 for an invalid document or arguments.
Nothing here prints a patient identifier.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from pathlib import Path

from desktop_app.commands.assess import EXIT_INVALID, read_source

EXIT_REFUSED = 1


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="EXAM.json", help="exam document")
    parser.add_argument("--user", required=True, metavar="NAME", help="the signer's user name")
    parser.add_argument("--password-stdin", action="store_true",
                        help="read the signer's password from the first line of standard input")
    parser.add_argument("--out", required=True, metavar="NOTE.pdf",
                        help="where to write the signed note (- for standard output)")
    parser.add_argument("--paper", choices=("a4", "letter"), default="a4", help="paper size")
    parser.add_argument("--note-id", metavar="ID", help="note ID (default: a fresh one)")
    parser.add_argument("--ward", help="ward name for the header")
    parser.add_argument("--institution", help="institution name for the header")
    parser.add_argument("--episode", help="episode reference for the patient label")
    parser.add_argument("--escalations", metavar="FILE.json",
                        help="escalation record: a JSON list of {role, name, called_at, response}")
    parser.add_argument("--amends", metavar="NOTE_ID",
                        help="make an addendum to this (signed) note; needs --addendum-text")
    parser.add_argument("--addendum-text", metavar="TEXT", help="the addendum's text")


def _password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    if sys.stdin.isatty():
        return getpass.getpass(f"Password for {args.user}: ")
    return None


def _authenticate(data_dir: Path, name: str, password: str):
    """The user's unlocked signing key, after the account check when a database exists.

    Without the store (or its database) the key's own password check is the only one.
    """
    from desktop_app.report import pki

    try:
        from desktop_app.store.database import database_path, open_database
        from desktop_app.store.errors import AuthenticationFailed, StoreError
        from desktop_app.store.users import authenticate
    except ImportError:
        database_path = None
    if database_path is not None and database_path(data_dir).exists():
        try:
            db = open_database(data_dir, create=False, migrate=False)
        except StoreError as error:
            raise pki.SigningError(f"the record cannot be opened: {error}") from None
        try:
            authenticate(db, name, password)
        except AuthenticationFailed as error:
            message = str(error) or "wrong user name or password"
            raise pki.SigningError(f"sign-in refused: {message}") from None
        finally:
            db.close()
    return pki.load_signer(data_dir, name, password)


def _write(out: str, pdf: bytes) -> None:
    if out == "-":
        sys.stdout.buffer.write(pdf)
        sys.stdout.buffer.flush()
        return
    path = Path(out)
    temp = path.with_name(f".{path.name}.part")
    # The note carries patient data: readable by its owner only.
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pdf)
    os.replace(temp, path)


def run(args: argparse.Namespace) -> int:
    from desktop_app.domain import (
        DocumentError,
        EscalationError,
        check_escalations,
        load_document,
        signing_gap_words,
        signing_gaps,
    )
    from desktop_app.paths import data_dir
    from desktop_app.report.note import NoteError, new_note_id
    from desktop_app.report.pki import PkiError
    from desktop_app.report.signing import create_signed_note

    logging.getLogger("pyhanko").setLevel(logging.ERROR)
    try:
        document = load_document(read_source(args.file))
    except OSError as error:
        print(f"{args.file}: cannot read the file ({error.strerror})", file=sys.stderr)
        return EXIT_INVALID
    except DocumentError as error:
        print(f"invalid exam document: {error}", file=sys.stderr)
        return EXIT_INVALID
    escalations = []
    if args.escalations:
        try:
            escalations = json.loads(Path(args.escalations).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            print(f"{args.escalations}: not a readable JSON list ({error.__class__.__name__})",
                  file=sys.stderr)
            return EXIT_INVALID
        try:
            escalations = check_escalations(
                escalations, procedure_at=document.procedure.performed_at)
        except EscalationError as error:
            print(f"{args.escalations}: invalid escalation record: {error}", file=sys.stderr)
            return EXIT_INVALID
    if args.amends and not args.addendum_text:
        print("an addendum (--amends) needs --addendum-text", file=sys.stderr)
        return EXIT_INVALID

    gaps = signing_gaps(document)
    if gaps:
        print(f"cannot sign: {len(gaps)} item(s) must be answered, tested or given a reason "
              "first:", file=sys.stderr)
        for path in gaps:
            print(f"  {path} ({signing_gap_words(path)})", file=sys.stderr)
        return EXIT_REFUSED

    password = _password(args)
    if password is None:
        print("no password: use --password-stdin (the password is asked at each signing)",
              file=sys.stderr)
        return EXIT_INVALID
    folder = data_dir(args.data_dir)
    try:
        signer = _authenticate(folder, args.user, password)
        note_id = args.note_id or new_note_id()
        pdf = create_signed_note(
            document, signer, note_id=note_id, escalations=escalations, ward=args.ward,
            institution=args.institution, paper=args.paper, amends_note_id=args.amends,
            addendum_text=args.addendum_text, episode=args.episode,
        )
    except (PkiError, NoteError) as error:
        print(f"cannot sign: {error}", file=sys.stderr)
        return EXIT_REFUSED
    try:
        _write(args.out, pdf)
    except OSError as error:
        print(f"{args.out}: cannot write the note ({error.strerror})", file=sys.stderr)
        return EXIT_REFUSED
    if args.out != "-":
        print(f"signed note {note_id} written to {args.out}")
    return 0
