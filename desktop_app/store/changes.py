"""Hearing that someone else wrote to the record: another window, another workstation, or a
command such as `import`. Qt-free: the ward board's watcher (`ui.ward.watch`) asks a feed
whenever its socket has something to read, and on a timer.

- An embedded record: SQLite's `PRAGMA data_version`, on a connection of the feed's own.
  The number moves whenever any other connection commits, so asking costs microseconds and
  sees every writer, this process's included. (A watch on the -wal file would miss a record
  in rollback-journal mode.) There is nothing to wait on: the feed is asked on a timer.
- A record on a server: LISTEN on `CHANGE_CHANNEL`, which every write transaction notifies
  as it commits (`store.postgres`). The feed's socket becomes readable the moment a
  notification arrives, so the board hears of another workstation's save at once.

A feed that cannot reach its record raises `ChangesUnavailable`; asked again, it connects
afresh and then answers True (what changed meanwhile was not heard).
"""

from __future__ import annotations

import logging
from pathlib import Path

from desktop_app.store.dialect import data_version, database_errors
from desktop_app.store.errors import StoreError

log = logging.getLogger(__name__)


class ChangesUnavailable(StoreError):
    """The record cannot be asked whether it changed (being restored, the server down)."""


class ChangeFeed:
    """Whether another connection has committed to the record since it was last asked."""

    def fileno(self) -> int | None:
        """A socket that becomes readable when a change arrives (None: ask on a timer)."""
        return None

    def changed(self) -> bool:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class DataVersionFeed(ChangeFeed):
    """An embedded record's feed: SQLite's data_version, read on a connection of its own."""

    def __init__(self, path: Path) -> None:
        from desktop_app.store.database import connect

        self.db = connect(Path(path), create=False)
        self.version = self._read()

    def _read(self) -> int:
        return data_version(self.db)

    def changed(self) -> bool:
        try:
            version = self._read()
        except database_errors() as error:  # e.g. the file is being restored
            raise ChangesUnavailable(type(error).__name__) from None
        if version == self.version:
            return False
        self.version = version
        return True

    def close(self) -> None:
        self.db.close()


class NotificationFeed(ChangeFeed):
    """A server record's feed: a connection of its own that LISTENs on the change channel."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.pg = None
        self._next_try = 0.0  # after a failed try, the next waits (a board polls often)
        self._listen()

    def _listen(self) -> None:
        import time

        import psycopg

        from desktop_app.store.postgres import (
            CHANGE_CHANNEL,
            RECONNECT_PAUSE_SECONDS,
            open_connection,
        )

        if time.monotonic() < self._next_try:
            raise ChangesUnavailable("waiting before the next try")
        try:
            self.pg = open_connection(self.url, application_name="neurocheck board")
            self.pg.execute(f"LISTEN {CHANGE_CHANNEL}")
        except psycopg.Error as error:
            self._drop()
            self._next_try = time.monotonic() + RECONNECT_PAUSE_SECONDS
            raise ChangesUnavailable(type(error).__name__) from None

    def _drop(self) -> None:
        if self.pg is not None:
            self.pg.close()
        self.pg = None

    def fileno(self) -> int | None:
        return self.pg.fileno() if self.pg is not None and not self.pg.closed else None

    def changed(self) -> bool:
        import psycopg

        if self.pg is None:  # lost earlier: listen again; what came meanwhile was missed
            self._listen()
            return True
        # libpq's own calls, which never wait: read what arrived, then count the
        # notifications read. Reading twice: a server that hung up first sends its goodbye,
        # and only the read after that says the connection is gone.
        connection = self.pg.pgconn
        try:
            connection.consume_input()
            connection.consume_input()
            heard = 0
            while connection.notifies() is not None:
                heard += 1
            return heard > 0
        except psycopg.Error as error:
            self._drop()
            raise ChangesUnavailable(type(error).__name__) from None

    def close(self) -> None:
        self._drop()


def watch_changes(address: Path | str) -> ChangeFeed:
    """The feed of the record at `address` (its file, or its server's postgresql:// URL)."""
    from desktop_app.store.opening import is_database_url

    if isinstance(address, str) and is_database_url(address):
        return NotificationFeed(address)
    return DataVersionFeed(Path(address))
