"""Opening the record for the application: connect, refuse a newer schema, check, migrate.

Apart from `database` (which only connects and holds the transaction helpers) so that the
arrows run one way: the check and the schema use the database, and opening uses all three.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from sqlite_utils import Database

from desktop_app.store import schema
from desktop_app.store.check import check_database
from desktop_app.store.database import (
    connect,
    database_path,
    is_network_filesystem,
    journal_mode,
)
from desktop_app.store.errors import DatabaseProblem

log = logging.getLogger(__name__)


def open_database(folder: Path, *, check: bool = True, migrate: bool = True,
                  create: bool = True) -> Database:
    """The data folder's database, ready for the application.

    In order: connect (creating a private, empty file when `create`), refuse a database
    written by a newer NeuroCheck, run the integrity and audit-chain check when `check`
    (raising `DatabaseProblem`, with nothing written, when it fails), then apply pending
    schema migrations when `migrate`.
    """
    path = database_path(folder)
    if create:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        db = connect(path, create=create)
    except (sqlite3.DatabaseError, UnicodeError) as error:  # e.g. "file is not a database"
        raise DatabaseProblem([f"the database cannot be read: {error}"]) from error
    try:
        version = schema.schema_version(db)
        schema.refuse_newer(version)
        if check and version > 0:
            report = check_database(db)
            if not report.ok:
                log.error("start-up check failed: %d problem(s)", len(report.problems))
                raise DatabaseProblem(report.problems)
        if migrate:
            schema.migrate(db)
    except BaseException:
        db.close()
        raise
    log.info("database opened (journal %s, schema version %d)", journal_mode(db),
             schema.schema_version(db))
    return db


NETWORK_SHARE_WARNING = (
    "the record is on a network share, where SQLite cannot lock it reliably: two "
    "workstations writing to it at once can damage it. Keep it on this computer's own disk.")


def network_share_warning(folder: Path) -> str | None:
    """The warning to show when the data folder is on a network share (NFS, SMB/CIFS...):
    a SQLite record shared between workstations that way is not safe. None otherwise."""
    return NETWORK_SHARE_WARNING if is_network_filesystem(Path(folder)) else None
