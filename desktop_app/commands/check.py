"""`check`: integrity, references and the audit chain of the database; reads only.
Exit 0 when sound, 1 with one line per problem otherwise."""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    """No options: the data folder is the global --data-dir."""


def run(args: argparse.Namespace) -> int:
    from desktop_app.commands.records import data_folder, fail
    from desktop_app.store import DatabaseMissing, check_database, database_path, open_readonly

    folder = data_folder(args)
    try:
        db = open_readonly(database_path(folder))
    except DatabaseMissing:
        return fail(f"There is no NeuroCheck database in {folder}.")
    try:
        report = check_database(db)
    finally:
        db.close()
    if not report.ok:
        lines = "\n".join(f"  - {p}" for p in report.problems)
        return fail(f"PROBLEM: the database failed its check:\n{lines}\n"
                    "Nothing was changed. Restore a good backup with `restore SRC`.")
    print(f"OK: integrity, references and audit chain ({report.summary()}).")
    return 0
