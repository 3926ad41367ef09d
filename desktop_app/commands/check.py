"""`check`: integrity, references, the audit chain, and every row of the record against
the chain (signed notes: their bytes, their signatures and the chain head they carry);
reads only, in one read transaction. Exit 0 when sound, 1 with one line per problem
otherwise. `--signatures` also verifies every note's signature (slower)."""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    """The data folder is the global --data-dir."""
    parser.add_argument("--signatures", action="store_true",
                        help="also verify the signature of every signed note and addendum "
                             "against this installation's authority (about 40 ms a note)")


def run(args: argparse.Namespace) -> int:
    import sqlite3

    from desktop_app.commands.records import data_folder, fail
    from desktop_app.paths import database_url
    from desktop_app.record.keys import note_verifier, signing_keys
    from desktop_app.record.reads import (
        CheckReport,
        DatabaseMissing,
        DatabaseProblem,
        check_database,
        connect,
        database_path,
        open_record,
    )

    folder = data_folder(args)
    server = database_url(getattr(args, "database", None), folder)
    try:
        if server:  # connected only: the check reads, nothing is migrated
            db = open_record(folder, database=server, check=False, migrate=False)
        else:
            # Opened for writing so SQLite can finish its own recovery after a crash (a hot
            # journal); the check itself only reads and nothing is migrated.
            db = connect(database_path(folder), create=False)
    except DatabaseProblem as error:
        report = CheckReport(problems=error.problems)
    except DatabaseMissing:
        return fail(f"There is no NeuroCheck database in {folder}.")
    except (sqlite3.DatabaseError, UnicodeError) as error:
        report = CheckReport(problems=[f"the database cannot be read: {error}"])
    else:
        try:
            verifier = (note_verifier(signing_keys(db, folder))
                        if getattr(args, "signatures", False) else None)
            report = check_database(db, full=True, verify_pdf=verifier)
        finally:
            db.close()
    if not report.ok:
        lines = "\n".join(f"  - {p}" for p in report.problems)
        return fail(f"PROBLEM: the database failed its check:\n{lines}\n"
                    + ("Nothing was changed. Ask the database server's administrator for help."
                       if server else
                       "Nothing was changed. Restore a good backup with `restore SRC`."))
    print(f"OK: integrity, references, audit chain and every row against it "
          f"({report.summary()}).")
    return 0
