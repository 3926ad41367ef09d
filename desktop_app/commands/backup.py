"""`backup DEST`: a verified copy of the database (a file, or a dated file in a folder)."""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    from desktop_app.commands.sign_in import add_sign_in

    add_sign_in(parser)
    parser.add_argument("destination", metavar="DEST",
                        help="backup file to write, or an existing folder to put a dated one in")


def run(args: argparse.Namespace) -> int:
    import errno
    import os
    from pathlib import Path

    from desktop_app.commands.records import with_signed_in
    from desktop_app.record import backup

    destination = Path(args.destination)
    folder = destination if destination.is_dir() else destination.parent
    if not folder.is_dir():
        raise FileNotFoundError(errno.ENOENT, "the folder does not exist", str(folder))
    if not os.access(folder, os.W_OK | os.X_OK):  # /proc/self, a read-only medium
        raise PermissionError(errno.EACCES, "a backup cannot be written in this folder",
                              str(folder))

    def body(_folder, db, who) -> int:
        written, report = backup(db, who.user, destination)
        print(f"Backup written to {written}")
        print(f"Verified: integrity, audit chain and every row against it "
              f"({report.summary()}).")
        return 0

    # No check before: the copy gets the full check, and a damaged record gives no backup.
    return with_signed_in(args, "backup", body, check=False)
