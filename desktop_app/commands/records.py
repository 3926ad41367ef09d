"""What the record commands (import, export, backup, restore, check, demo, user, note,
fhir) share: the data folder and its log, signing in (`--user NAME --password-stdin`,
with the record's lock-out), opening the database, and turning a refusal into one plain
message and an exit status.

Imported only inside the commands' `run`, so `assess` never loads SQLite code.
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from desktop_app.commands.sign_in import add_sign_in, read_password, stdin_line
from desktop_app.logging_setup import setup_logging
from desktop_app.paths import data_dir, database_url
from desktop_app.record.reads import (
    AuthenticationFailed,
    DatabaseProblem,
    InvalidValue,
    StoreError,
    UserRecord,
    network_share_warning,
    open_record,
)

__all__ = ["SignedIn", "add_sign_in", "data_folder", "fail", "print_utf8", "read_password",
           "sign_in_for", "stdin_line", "with_database", "with_signed_in"]

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


@dataclass(frozen=True)
class SignedIn:
    """Who runs the command: the account that signed in, and the password it typed (the
    signing key and the authority are unlocked with it)."""

    user: UserRecord
    password: str


def sign_in_for(args: argparse.Namespace, db: Database, operation: str) -> SignedIn:
    """Sign `--user` in (the record's lock-out applies) and check they may do `operation`."""
    from desktop_app.record.auth import authorize, sign_in

    password = read_password(args)
    if password is None:
        raise InvalidValue("no password: use --password-stdin and give it on standard input")
    return SignedIn(authorize(sign_in(db, args.user, password), operation), password)


def with_signed_in(args: argparse.Namespace, operation: str,
                   body: Callable[[Path, Database, SignedIn], int], *, check: bool = True,
                   on_server: bool = True) -> int:
    """`with_database`, with `--user` signed in first: `body(folder, db, signed_in)`."""
    return with_database(args, lambda folder, db: body(folder, db,
                                                       sign_in_for(args, db, operation)),
                         check=check, on_server=on_server)


def fail(message: str, status: int = EXIT_PROBLEM) -> int:
    print(message, file=sys.stderr)
    return status


def with_database(args: argparse.Namespace, body: Callable[[Path, Database], int], *,
                  check: bool = True, on_server: bool = True) -> int:
    """Open the record (the data folder's database, or the server's that --database or
    $NEUROCHECK_DATABASE names; checked unless `check` is False, migrated), run
    `body(folder, db)`, close.

    A database that fails its start-up check is reported and left untouched; a refusal
    from the store becomes its message on standard error.
    """
    folder = data_folder(args)
    # on_server=False: the data folder's own file, whatever --database names (the record
    # `migrate-to-server` moves from).
    server = (database_url(getattr(args, "database", None), folder) if on_server
              else None)
    try:
        db = open_record(folder, database=server, check=check)
    except DatabaseProblem as error:
        if isinstance(error.__cause__, sqlite3.OperationalError):
            # The disk, not the record: a full disk or an I/O error is no reason to restore.
            raise error.__cause__ from None
        if server:
            return fail(f"{error}\nNothing was changed. The record is on the database server: "
                        "ask its administrator for help.")
        return fail(f"{error}\nNothing was changed. Restore a backup with `restore SRC`, "
                    "or keep the data folder as it is and ask for help.")
    except StoreError as error:
        return fail(str(error))
    warning = None if server else network_share_warning(folder)
    if warning is not None:
        print(f"Warning: {warning}", file=sys.stderr)
    try:
        return body(folder, db)
    except AuthenticationFailed as error:
        log.warning("%s refused: sign-in failed (%s)", args.command, type(error).__name__)
        return fail(f"Sign-in refused: {error}. Nothing was done.")
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
