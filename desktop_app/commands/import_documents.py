"""`import FILE...`: record exam documents, all or nothing.

Prints the ID of each stored exam, one a line, in the order of the files. One unreadable,
invalid or conflicting document stops the import with a message naming the file and the
field (exit 2), and the database is left as it was.
"""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    from desktop_app.commands.sign_in import add_sign_in

    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="exam documents (JSON); - reads one from standard input")
    parser.add_argument("--correction", action="store_true",
                        help="the documents correct the name or birth date recorded for "
                             "their MRN (audited with the old and new values); without it a "
                             "different name or birth date for a known MRN is refused")
    add_sign_in(parser)


def refusal_line(error) -> str:
    """The one line an `ImportRefused` is reported in (at most 300 characters)."""
    from desktop_app.domain.document import one_line

    # The reason is at most 240 characters; the file name is cut to fit the line.
    return one_line(f"{one_line(error.source, 40)}: {error.reason} (nothing was imported)")


def run(args: argparse.Namespace) -> int:
    from desktop_app.commands.assess import read_source
    from desktop_app.commands.records import EXIT_INVALID, fail, with_signed_in
    from desktop_app.domain.document import one_line
    from desktop_app.record import import_documents
    from desktop_app.record.reads import ImportRefused

    if "-" in args.files and args.password_stdin:
        return fail("standard input carries the password: give the documents as files",
                    EXIT_INVALID)

    sources = []
    for name in args.files:
        try:
            sources.append((name, read_source(name)))
        except OSError as error:
            return fail(one_line(f"{name}: cannot read the file ({error.strerror})"),
                        EXIT_INVALID)

    def body(_folder, db, who) -> int:
        try:
            saved = import_documents(db, who.user, sources,
                                     correction=getattr(args, "correction", False))
        except ImportRefused as error:
            return fail(refusal_line(error), EXIT_INVALID)
        print("\n".join(str(s.exam_id) for s in saved))
        return 0

    return with_signed_in(args, "import_documents", body)
