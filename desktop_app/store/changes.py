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
        self._attempt = None  # a try to listen again, under way on a thread of its own
        self._listen(wait=None)

    def _connect(self):
        from desktop_app.store.postgres import CHANGE_CHANNEL, open_connection

        pg = open_connection(self.url, application_name="neurocheck board")
        try:
            pg.execute(f"LISTEN {CHANGE_CHANNEL}")
        except BaseException:
            pg.close()
            raise
        return pg

    def _listen(self, wait: float | None) -> None:
        """Listen on a new connection, made as `postgres.redial` makes it, waiting `wait`
        seconds for it (None: as long as it takes); meanwhile the feed is unavailable, and
        the board's timers do not wait for a network that is cut."""
        from desktop_app.store.postgres import RedialPaused, redial

        try:
            fresh = redial(self, self._connect, wait)
        except RedialPaused:
            raise ChangesUnavailable("waiting before the next try") from None
        except Exception as error:
            raise ChangesUnavailable(type(error).__name__) from None
        if fresh is None:
            raise ChangesUnavailable("still trying to listen")
        self.pg = fresh

    def _drop(self) -> None:
        if self.pg is not None:
            self.pg.close()
        self.pg = None

    def fileno(self) -> int | None:
        return self.pg.fileno() if self.pg is not None and not self.pg.closed else None

    def changed(self) -> bool:
        import psycopg

        if self.pg is None:  # lost earlier: listen again; what came meanwhile was missed
            from desktop_app.store.postgres import RECONNECT_WAIT_SECONDS

            self._listen(wait=RECONNECT_WAIT_SECONDS)
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
        from desktop_app.store.postgres import abandon_redial

        abandon_redial(self)
        self._drop()


def watch_changes(address: Path | str) -> ChangeFeed:
    """The feed of the record at `address` (its file, or its server's postgresql:// URL)."""
    from desktop_app.store.opening import is_database_url

    if isinstance(address, str) and is_database_url(address):
        return NotificationFeed(address)
    return DataVersionFeed(Path(address))
