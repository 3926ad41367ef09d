"""`note EXAM_ID --user NAME --password-stdin [--out NOTE.pdf]`: sign a stored exam's chart
note exactly as the application does: the signer signs in (the record's lock-out), the
note is rendered from the record (ward, paper, escalations), signed with the signer's key,
stored as the exam's signed note (the exam is final from then on) and audited `note.sign`.
`note --amends NOTE_ID --addendum-text TEXT ...` signs an addendum to a stored note.

An exam document file is not signed: a note outside the record would be issued by no
record; import the document first (`import FILE`), then sign the exam it became.

Exit 0 when the note is signed and stored; 1 when signing is refused (sign-in, items
neither tested nor excused, a signed exam, no such note); 2 for invalid arguments.
Nothing here prints a patient identifier.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

EXIT_REFUSED = 1
EXIT_INVALID = 2


def configure(parser: argparse.ArgumentParser) -> None:
    from desktop_app.commands.sign_in import add_sign_in

    parser.add_argument("exam_id", metavar="EXAM_ID", nargs="?",
                        help="the stored exam to sign")
    add_sign_in(parser)
    parser.add_argument("--out", metavar="NOTE.pdf",
                        help="also write the signed note to this file (- for standard output)")
    parser.add_argument("--amends", metavar="NOTE_ID",
                        help="sign an addendum to this stored note (its printed ID or row "
                        "number); needs --addendum-text")
    parser.add_argument("--addendum-text", metavar="TEXT", help="the addendum's text")


def _write(out: str, pdf: bytes) -> None:
    from desktop_app.paths import write_private

    if out == "-":
        sys.stdout.buffer.write(pdf)
        sys.stdout.buffer.flush()
        return
    write_private(Path(out), pdf)  # the note carries patient data: owner only


def run(args: argparse.Namespace) -> int:
    from desktop_app.commands.records import fail, read_password, with_database
    from desktop_app.paths import check_output_path
    from desktop_app.record import add_addendum, sign_exam
    from desktop_app.report.note import NoteError
    from desktop_app.report.pki import PkiError

    logging.getLogger("pyhanko").setLevel(logging.ERROR)
    if args.out and args.out != "-":
        check_output_path(Path(args.out))  # refused before the password is asked
    if args.amends:
        if not args.addendum_text:
            return fail("an addendum (--amends) needs --addendum-text", EXIT_INVALID)
        if args.exam_id:
            return fail("give either EXAM_ID or --amends NOTE_ID", EXIT_INVALID)
    elif not args.exam_id:
        return fail("give the EXAM_ID of a stored exam (or --amends NOTE_ID)", EXIT_INVALID)
    elif not args.exam_id.isdigit():
        return fail(f"{args.exam_id}: not an exam ID. A document file is not signed outside "
                    "the record (it would be part of no record): import it first "
                    "(`import FILE`), then `note EXAM_ID`.", EXIT_INVALID)
    elif args.addendum_text:
        return fail("--addendum-text goes with --amends", EXIT_INVALID)
    if args.exam_id:
        from desktop_app.cli import record_id

        try:
            record_id(args.exam_id)
        except argparse.ArgumentTypeError as error:
            return fail(str(error), EXIT_INVALID)

    password = read_password(args)
    if password is None:
        return fail("no password: use --password-stdin (the password is asked at each "
                    "signing)", EXIT_INVALID)

    def body(folder, db) -> int:
        # The record signs the user in (with the lock-out), once, as the GUI's signing does.
        try:
            if args.amends:
                signed = add_addendum(db, folder, args.amends, args.addendum_text, args.user,
                                      password)
            else:
                signed = sign_exam(db, folder, int(args.exam_id), args.user, password)
        except (PkiError, NoteError) as error:
            return fail(f"cannot sign: {error}", EXIT_REFUSED)
        if args.out:
            try:
                _write(args.out, signed.pdf)
            except OSError as error:
                print(f"{args.out}: cannot write the copy ({error.strerror}); the note is "
                      "stored in the record", file=sys.stderr)
                return EXIT_REFUSED
        what = "addendum" if signed.addendum_id else "note"
        if args.out != "-":
            print(f"signed {what} {signed.note_id} stored for exam {signed.exam_id}"
                  + (f", copy written to {args.out}" if args.out else ""))
        return 0

    return with_database(args, body)
