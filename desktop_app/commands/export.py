"""`export EXAM_ID [--out FILE]`: an exam as the exam document it was saved as."""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    from desktop_app.cli import record_id
    from desktop_app.commands.sign_in import add_sign_in

    add_sign_in(parser)
    parser.add_argument("exam_id", type=record_id, metavar="EXAM_ID", help="the exam's ID")
    parser.add_argument("--out", metavar="FILE",
                        help="write the document to FILE (readable by you only) instead of "
                        "standard output")


def run(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from desktop_app.commands.records import print_utf8, with_signed_in
    from desktop_app.paths import check_output_path, write_private
    from desktop_app.record import export_exam

    if args.out:
        check_output_path(Path(args.out))  # a missing folder is refused before anything

    def deliver(document) -> None:
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        if args.out:
            write_private(Path(args.out), text.encode("utf-8"))
        else:
            print_utf8(text)

    def body(_folder, db, who) -> int:
        export_exam(db, who.user, args.exam_id, deliver)  # audited before it leaves
        return 0

    return with_signed_in(args, "export_exam", body)
