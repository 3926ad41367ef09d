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
from desktop_app.store.dialect import database_errors, is_postgres
from desktop_app.store.errors import DatabaseProblem, ServerUnreachable, StoreError

log = logging.getLogger(__name__)
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


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
    _check_and_migrate(db, check=check, migrate=migrate)
    log.info("database opened (journal %s, schema version %d)", journal_mode(db),
             schema.schema_version(db))
    return db


def open_record(folder: Path, *, database: str | None = None, check: bool = True,
                migrate: bool = True, create: bool = True) -> Database:
    """The ward record: on the database server `database` names (a postgresql:// URL),
    else the data folder's SQLite file (`open_database`)."""
    if database:
        return open_postgres(database, check=check, migrate=migrate)
    return open_database(folder, check=check, migrate=migrate, create=create)


def is_database_url(text: str) -> bool:
    """Whether `text` names a record on a PostgreSQL server (a postgresql:// URL)."""
    return text.startswith(POSTGRES_SCHEMES)


def open_postgres(url: str, *, check: bool = True, migrate: bool = True) -> Database:
    """The ward record on the PostgreSQL server at `url` (postgresql://user@host/db), ready
    for the application: the same steps as `open_database` (refuse a newer schema, the
    start-up check before anything is written, then the pending migrations).

    The URL is refused when it holds a password (that belongs in libpq's owner-only
    password file, ~/.pgpass) or names another computer without `sslmode=verify-full`
    (`store.server_address`); it never reaches a log line or an error message: a
    connection that fails says what the server answered.
    """
    from desktop_app.store.server_address import parse_server_address

    if not is_database_url(url):
        raise DatabaseProblem(["a database server is named by a postgresql:// URL"])
    parse_server_address(url)  # no password in it; TLS, verified, to another computer
    db = _connect_server(url)
    _check_and_migrate(db, check=check, migrate=migrate)
    log.info("database opened (PostgreSQL, schema version %d)", schema.schema_version(db))
    return db


def record_address(db: Database) -> Path | str:
    """Where the open record `db` is, for another connection to the same record (a worker
    thread's, the board's change feed): its file, or its server's postgresql:// URL (which
    never holds a password: `open_postgres` refuses one)."""
    if is_postgres(db):
        return db.url
    for _seq, name, file in db.execute("PRAGMA database_list"):
        if name == "main" and file:
            return Path(file)
    raise StoreError("the database has no file (in memory?)")


def connect_address(address: Path | str) -> Database:
    """Another connection to the record at `address` (`record_address`): no check, no
    migration (the record was opened and checked already), never creating a file."""
    if isinstance(address, str) and is_database_url(address):
        return _connect_server(address)
    return connect(Path(address), create=False)


def _connect_server(url: str) -> Database:
    """A connection to the server's record; one that fails is `ServerUnreachable`, saying
    what the server answered without the URL."""
    from desktop_app.store.postgres import connect_postgres

    try:
        return connect_postgres(url)
    except database_errors() as error:
        raise ServerUnreachable(_without(error, url)) from None


def _without(error: BaseException, url: str) -> str:
    """The error's text without the URL (which may carry a password)."""
    text = str(error).strip()
    return text.replace(url, "(the database URL)") if url else text


def _check_and_migrate(db: Database, *, check: bool, migrate: bool) -> None:
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


NETWORK_SHARE_WARNING = (
    "the record is on a network share, where SQLite cannot lock it reliably: two "
    "workstations writing to it at once can damage it. Keep it on this computer's own disk.")


def network_share_warning(folder: Path) -> str | None:
    """The warning to show when the data folder is on a network share (NFS, SMB/CIFS...):
    a SQLite record shared between workstations that way is not safe. None otherwise."""
    return NETWORK_SHARE_WARNING if is_network_filesystem(Path(folder)) else None
