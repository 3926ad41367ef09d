"""`restore SRC`: replace the database with a backup, after checking the backup; the
database it replaces is kept in the data folder's backups/ folder."""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", metavar="SRC", help="the backup file to restore")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from desktop_app.commands.records import cli_actor, data_folder, fail
    from desktop_app.store import StoreError, restore_database

    folder = data_folder(args)
    try:
        result = restore_database(folder, Path(args.source), actor=cli_actor())
    except StoreError as error:
        return fail(f"Restore refused: {error}")
    if result.kept:
        print(f"The database it replaced is kept as {result.kept}")
    print(f"Restored and verified ({result.report.summary()}).")
    return 0
