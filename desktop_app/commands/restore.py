"""`restore SRC --user NAME --password-stdin`: replace the database with a backup, after
checking the backup; the database it replaces is kept in the data folder's backups/
folder. An administrator of the record signs in (of the backup's record, when the folder
has none yet), and the restore is audited in the restored record.

A portable copy of a server's record restored here keeps its signing keys in the record.
With --database URL: load a backup (a server's portable copy, or this workstation's own
with the keys of its pki/) onto that new, empty database, signed in as an administrator
of the backup's record, proven there as `migrate-to-server` proves a move."""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    from desktop_app.commands.sign_in import add_sign_in

    add_sign_in(parser)
    parser.add_argument("source", metavar="SRC", help="the backup file to restore")


def _sign_in(args: argparse.Namespace, folder, source, *, backups_own: bool = False):
    """The administrator, signed in on the live record, or on a scratch copy of the backup
    when the folder has no record yet or its record cannot be read (the damage a restore
    is for), or always on the backup (`backups_own`: a restore onto a new server)."""
    import shutil
    import sqlite3
    import tempfile
    from pathlib import Path

    from desktop_app.commands.records import sign_in_for
    from desktop_app.record.reads import BackupError, DatabaseProblem, database_path, open_database

    if database_path(folder).exists() and not backups_own:
        try:
            db = open_database(folder, check=False, migrate=False, create=False)
            try:
                return sign_in_for(args, db, "restore")
            finally:
                db.close()
        except (sqlite3.DatabaseError, DatabaseProblem):
            pass  # unreadable: the backup's own accounts decide
    with tempfile.TemporaryDirectory(prefix="neurocheck-restore-") as scratch:
        try:
            shutil.copyfile(source, database_path(Path(scratch)))
        except OSError as error:
            raise BackupError(f"{Path(source).name}: cannot read the file "
                              f"({error.strerror})") from None
        db = open_database(Path(scratch), check=False, create=False)
        try:
            return sign_in_for(args, db, "restore")
        finally:
            db.close()


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from desktop_app.commands.records import data_folder, fail
    from desktop_app.paths import database_url
    from desktop_app.record import restore
    from desktop_app.record.reads import AuthenticationFailed, StoreError

    folder = data_folder(args)
    server = database_url(getattr(args, "database", None), folder)
    if server:
        return _restore_to_server(args, folder, Path(args.source), server)
    try:
        who = _sign_in(args, folder, Path(args.source))
    except AuthenticationFailed as error:
        return fail(f"Sign-in refused: {error}. Nothing was done.")
    except StoreError as error:
        return fail(f"Restore refused: {error}")
    try:
        result = restore(folder, who.user, Path(args.source))
    except StoreError as error:
        return fail(f"Restore refused: {error}")
    if result.kept:
        print(f"The database it replaced is kept as {result.kept}")
    print(f"Restored and verified ({result.report.summary()}).")
    return 0


def _restore_to_server(args: argparse.Namespace, folder, source, server: str) -> int:
    """A backup (a portable copy of a server's record, or a workstation's own with the keys
    of its pki/) onto a new, empty database on a server (a server's record in use is put
    back by the server's own backups, never overwritten)."""
    from desktop_app.commands.records import fail
    from desktop_app.record import restore_to_server
    from desktop_app.record.reads import AuthenticationFailed, StoreError

    try:
        who = _sign_in(args, folder, source, backups_own=True)
    except AuthenticationFailed as error:
        return fail(f"Sign-in refused: {error}. Nothing was done.")
    except StoreError as error:
        return fail(f"Restore refused: {error}")
    try:
        report = restore_to_server(who.user, source, server, folder)
    except StoreError as error:
        return fail(f"Restore refused: {error}. A record on a database server in use is "
                    "restored by the server (pg_restore, or its own backups); this loads a "
                    "backup into a new, empty database only")
    print(f"Restored onto the server and proven there: {sum(report.rows.values())} rows and "
          f"{report.keys} signing-key files, the full check passed "
          f"({report.check.summary()}).")
    print("Point every workstation at this database now (--database or NEUROCHECK_DATABASE).")
    return 0
