"""`export EXAM_ID [--out FILE]`: an exam as the exam document it was saved as."""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    from desktop_app.cli import record_id

    parser.add_argument("exam_id", type=record_id, metavar="EXAM_ID", help="the exam's ID")
    parser.add_argument("--out", metavar="FILE",
                        help="write the document to FILE (readable by you only) instead of "
                        "standard output")


def run(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from desktop_app.commands.records import cli_actor, print_utf8, with_database
    from desktop_app.paths import check_output_path, write_private
    from desktop_app.store import append_audit, export_document, write_transaction

    if args.out:
        check_output_path(Path(args.out))  # a missing folder is refused before anything

    def body(_folder, db) -> int:
        document = export_document(db, args.exam_id)
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        # Patient data is about to leave the record: the audit entry is committed first, so
        # no document is ever out without one (a failed write leaves an entry too many).
        with write_transaction(db):
            append_audit(db, actor=cli_actor(), action="exam.export", table="exams",
                         record_id=args.exam_id)
        if args.out:
            write_private(Path(args.out), text.encode("utf-8"))
        else:
            print_utf8(text)
        return 0

    return with_database(args, body)
