"""`import FILE...`: record exam documents, all or nothing.

Prints the ID of each stored exam, one a line, in the order of the files. One unreadable,
invalid or conflicting document stops the import with a message naming the file and the
field (exit 2), and the database is left as it was.
"""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="exam documents (JSON); - reads one from standard input")
    parser.add_argument("--correction", action="store_true",
                        help="the documents correct the name or birth date recorded for "
                             "their MRN (audited with the old and new values); without it a "
                             "different name or birth date for a known MRN is refused")


def run(args: argparse.Namespace) -> int:
    from desktop_app.commands.assess import read_source
    from desktop_app.commands.records import EXIT_INVALID, cli_actor, fail, with_database
    from desktop_app.store import ImportRefused, import_documents

    sources = []
    for name in args.files:
        try:
            sources.append((name, read_source(name)))
        except OSError as error:
            return fail(f"{name}: cannot read the file ({error.strerror})", EXIT_INVALID)

    def body(_folder, db) -> int:
        try:
            saved = import_documents(db, sources, actor=cli_actor(),
                                     correction=getattr(args, "correction", False))
        except ImportRefused as error:
            return fail(f"{error}\nNothing was imported.", EXIT_INVALID)
        print("\n".join(str(s.exam_id) for s in saved))
        return 0

    return with_database(args, body)
