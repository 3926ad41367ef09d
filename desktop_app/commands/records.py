"""What the record commands (import, export, backup, restore, check, demo, user) share:
the data folder and its log, opening the database, and turning a refusal into one plain
message and an exit status.

Imported only inside the commands' `run`, so `assess` never loads SQLite code.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

from sqlite_utils import Database

from desktop_app.logging_setup import setup_logging
from desktop_app.paths import data_dir
from desktop_app.store import DatabaseProblem, InvalidValue, StoreError, open_database

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_PROBLEM = 1  # the record refused or is damaged
EXIT_INVALID = 2  # the input given is not valid


def data_folder(args: argparse.Namespace) -> Path:
    """The data folder (--data-dir, else $NEUROCHECK_DATA_DIR, else the platform's), with
    logging set up in it."""
    folder = data_dir(args.data_dir)
    setup_logging(folder)
    return folder


def cli_actor() -> str:
    """Who the audit log names for a headless command: the operating-system account."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry (a container)
        return "cli"


def fail(message: str, status: int = EXIT_PROBLEM) -> int:
    print(message, file=sys.stderr)
    return status


def with_database(args: argparse.Namespace, body: Callable[[Path, Database], int], *,
                  check: bool = True) -> int:
    """Open the data folder's database (checked unless `check` is False, migrated), run
    `body(folder, db)`, close.

    A database that fails its start-up check is reported and left untouched; a refusal
    from the store becomes its message on standard error.
    """
    folder = data_folder(args)
    try:
        db = open_database(folder, check=check)
    except DatabaseProblem as error:
        if isinstance(error.__cause__, sqlite3.OperationalError):
            # The disk, not the record: a full disk or an I/O error is no reason to restore.
            raise error.__cause__ from None
        return fail(f"{error}\nNothing was changed. Restore a backup with `restore SRC`, "
                    "or keep the data folder as it is and ask for help.")
    except StoreError as error:
        return fail(str(error))
    try:
        return body(folder, db)
    except StoreError as error:
        log.warning("%s refused (%s)", args.command, type(error).__name__)
        return fail(str(error), EXIT_INVALID if isinstance(error, InvalidValue) else EXIT_PROBLEM)
    finally:
        db.close()


def print_utf8(text: str) -> None:
    """Print text as UTF-8 whatever the console's encoding (names in any script)."""
    sys.stdout.flush()
    sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.buffer.flush()
