"""`backup DEST`: a verified copy of the database (a file, or a dated file in a folder)."""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    from desktop_app.commands.sign_in import add_sign_in

    add_sign_in(parser)
    parser.add_argument("destination", metavar="DEST",
                        help="backup file to write, or an existing folder to put a dated one in")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from desktop_app.commands.records import with_signed_in
    from desktop_app.record import backup

    def body(_folder, db, who) -> int:
        written, report = backup(db, who.user, Path(args.destination))
        print(f"Backup written to {written}")
        print(f"Verified: integrity and audit chain intact ({report.summary()}).")
        return 0

    # No check before: the copy gets the full check, and a damaged record gives no backup.
    return with_signed_in(args, "backup", body, check=False)
