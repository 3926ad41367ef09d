"""A ward record on a PostgreSQL server (psycopg 3), for several workstations at once.

`PostgresDatabase` has the part of sqlite-utils' `Database` the store uses: `execute(sql,
params)` returning a cursor (fetchone, fetchall, description, rowcount, lastrowid,
iteration), `conn.in_transaction`, `conn.executemany`, `close()`. So the store's SQL, written
with SQLite's `?` placeholders, runs unchanged: each statement is translated once (`?` to
psycopg's `%s`, a literal `%` doubled) and the translation kept. Values are passed to
psycopg as parameters, never spliced into the text.

Transactions (`database.write_transaction`, `database.read_snapshot` hand over to these):
- a write holds a transaction-scoped advisory lock from its first statement, so writers
  follow one another and every audit entry extends the one chain, whichever workstation
  writes it; a writer waits up to `LOCK_TIMEOUT_SECONDS` for another, as SQLite's busy wait;
- every write also sends `CHANGE_CHANNEL` a notification, delivered when it commits (never
  for a write rolled back), so the board of every workstation hears of it at once
  (`store.changes`);
- a read snapshot is a REPEATABLE READ, READ ONLY transaction: every SELECT inside sees one
  committed state, whatever other workstations commit meanwhile.
Outside those, each statement commits by itself (autocommit), as on SQLite.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus

LOCK_TIMEOUT_SECONDS = 15.0
# The key of the advisory lock every write takes (advisory locks are per database).
WRITE_LOCK_KEY = int.from_bytes(hashlib.sha256(b"neurocheck.record.write").digest()[:8],
                                "big", signed=True)
RECONNECT_PAUSE_SECONDS = 10.0
# How long a statement waits for a reconnection it started (on a thread of its own) before
# it fails at once: a server that is back answers in milliseconds, and a network that is
# cut never holds the screen for the connect timeout.
RECONNECT_WAIT_SECONDS = 0.5
# What every workstation LISTENs on: a committed write to the record.
CHANGE_CHANNEL = "neurocheck_record"


@functools.lru_cache(maxsize=1024)
def translate(sql: str) -> str:
    """`sql` with SQLite's `?` placeholders as psycopg's `%s`, and every other `%` doubled
    (psycopg reads `%` as the start of a placeholder). A `?` inside a quoted string, a
    quoted name or a comment is text, not a placeholder."""
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        char = sql[i]
        if char in ("'", '"'):
            end = sql.find(char, i + 1)
            while end != -1 and sql.startswith(char, end + 1):  # '' inside a string
                end = sql.find(char, end + 2)
            end = n if end == -1 else end + 1
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end == -1 else end
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif char == "?":
            out.append("%s")
            i += 1
        elif char == "%":
            out.append("%%")
            i += 1
        else:
            out.append(char)
            i += 1
    return "".join(out)


class RecordCursor(psycopg.Cursor):
    """A psycopg cursor that also answers `lastrowid`, as sqlite3's does: the ID the last
    INSERT into a table with an identity column gave out (in this session)."""

    @property
    def lastrowid(self) -> int:
        return self.connection.execute("SELECT lastval()").fetchone()[0]


class _Connection:
    """What the store reads of `db.conn`: whether a transaction is open, and executemany."""

    def __init__(self, database: PostgresDatabase) -> None:
        self._database = database

    @property
    def in_transaction(self) -> bool:
        status = self._database.pg.info.transaction_status
        return status in (TransactionStatus.INTRANS, TransactionStatus.INERROR)

    def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> psycopg.Cursor:
        return self._database.execute(sql, parameters)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> psycopg.Cursor:
        cursor = self._database.pg.cursor()
        cursor.executemany(translate(sql), [list(r) for r in rows])
        return cursor


class Reconnection:
    """One try to connect, on a thread of its own (it only makes the connection; the caller
    takes it over): whoever waits for it waits as long as they choose, not as long as a
    network that does not answer holds the connect."""

    def __init__(self, connect: Callable[[], Any]) -> None:
        self._connect = connect
        self._done = threading.Event()
        self._result: Any = None
        self._error: BaseException | None = None
        self._lock = threading.Lock()
        self._abandoned = False
        threading.Thread(target=self._run, name="neurocheck-reconnect", daemon=True).start()

    def _run(self) -> None:
        try:
            result = self._connect()
        except BaseException as error:  # handed to whoever takes the result
            self._error = error
        else:
            with self._lock:
                if self._abandoned:
                    result.close()
                else:
                    self._result = result
        finally:
            self._done.set()

    def abandon(self) -> None:
        """Nobody will take the connection: it is closed as soon as it is made."""
        with self._lock:
            self._abandoned = True
            if self._result is not None:
                self._result.close()
                self._result = None

    @property
    def running(self) -> bool:
        return not self._done.is_set()

    def take(self, wait: float | None) -> Any:
        """The new connection; None while the try is still running after `wait` seconds
        (None: as long as it takes); its error when it failed."""
        if not self._done.wait(wait):
            return None
        if self._error is not None:
            raise self._error
        return self._result


class RedialPaused(psycopg.OperationalError):
    """A try to connect failed a moment ago: the next waits `RECONNECT_PAUSE_SECONDS`."""


def redial(owner: Any, connect: Callable[[], Any], wait: float | None) -> Any:
    """Make `owner`'s lost connection again with `connect`, on a thread of its own
    (`Reconnection`; `owner` keeps the try under way in `_attempt` and the time of the next
    in `_next_try`): the call that starts a try waits `wait` seconds for it (None: as long
    as it takes), the calls while it runs do not wait. Returns the new connection, or None
    while the try is still under way; raises the error of a try that failed, and then,
    until `RECONNECT_PAUSE_SECONDS` have passed, `RedialPaused` at once."""
    if owner._attempt is None:
        if time.monotonic() < owner._next_try:
            raise RedialPaused("the database server did not answer a moment ago")
        owner._attempt = Reconnection(connect)
    else:
        wait = 0.0
    try:
        fresh = owner._attempt.take(wait)
    except Exception:
        owner._attempt = None
        owner._next_try = time.monotonic() + RECONNECT_PAUSE_SECONDS
        raise
    if fresh is not None:
        owner._attempt = None
    return fresh


def abandon_redial(owner: Any) -> None:
    """`owner` closes: a try under way closes the connection it makes."""
    if owner._attempt is not None:
        owner._attempt.abandon()
        owner._attempt = None


class PostgresDatabase:
    """One connection to a ward record on a PostgreSQL server (see the module's text)."""

    is_postgres = True

    def __init__(self, pg: psycopg.Connection, url: str = "") -> None:
        self.pg = pg
        self.url = url  # where a worker thread connects too (never with a password in it)
        self._next_try = 0.0  # monotonic time of the next reconnection try
        self._attempt: Reconnection | None = None  # a reconnection under way
        self.conn = _Connection(self)

    def _reconnect_if_lost(self) -> None:
        """A connection the server dropped (a restart, a network cut) is replaced by a new
        one before the next statement, outside a transaction only: a transaction that lost
        its connection has failed, and its caller was told so. The new connection is made
        as `redial` makes it, so a screen that writes often is never held by the connect
        timeout."""
        if not (self.pg.broken and self.url):
            return
        fresh = redial(self, functools.partial(_open, self.url), RECONNECT_WAIT_SECONDS)
        if fresh is None:
            raise psycopg.OperationalError("the database server has not answered yet; trying "
                                           "again")
        self.pg = fresh

    def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> psycopg.Cursor:
        """Run one statement (SQLite's `?` placeholders) and return its cursor."""
        if not self.conn.in_transaction:
            self._reconnect_if_lost()
        cursor = self.pg.cursor()
        cursor.execute(translate(sql), list(parameters) if parameters is not None else [])
        return cursor

    def close(self) -> None:
        abandon_redial(self)
        self.pg.close()

    @contextlib.contextmanager
    def write_transaction(self) -> Iterator[PostgresDatabase]:
        """One atomic write behind the record's write lock; nested: a savepoint."""
        outermost = not self.conn.in_transaction
        if outermost:
            self._reconnect_if_lost()
        with self.pg.transaction():
            if outermost:
                self.pg.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK_KEY])
                self.pg.execute(f"NOTIFY {CHANGE_CHANNEL}")  # sent at the commit
            yield self

    @contextlib.contextmanager
    def read_snapshot(self) -> Iterator[PostgresDatabase]:
        """One consistent read (REPEATABLE READ, READ ONLY); inside a transaction already,
        that transaction."""
        if self.conn.in_transaction:
            yield self
            return
        self._reconnect_if_lost()
        with self.pg.transaction(force_rollback=True):
            self.pg.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            self.pg.execute("SELECT 1")  # the snapshot is taken at the first query: now
            yield self


def connect_postgres(url: str) -> PostgresDatabase:
    """A connection to the PostgreSQL database at `url` (a libpq URL or key=value string).

    No check and no migration: `opening.open_postgres` is what the application uses.
    """
    return PostgresDatabase(_open(url), url)


# A server that went away without a word (a network cut) is noticed within seconds, not
# when the operating system gives up on the connection: a workstation waits that long at most
# before it says the record cannot be reached (and keeps the exam's draft itself).
NETWORK_OPTIONS = {"connect_timeout": 3, "keepalives": 1, "keepalives_idle": 5,
                   "keepalives_interval": 2, "keepalives_count": 2, "tcp_user_timeout": 5_000}


def _open(url: str) -> psycopg.Connection:
    return open_connection(url, cursor_factory=RecordCursor,
                           options=f"-c lock_timeout={int(LOCK_TIMEOUT_SECONDS * 1000)}")


def open_connection(url: str, *, application_name: str = "neurocheck",
                    **options: Any) -> psycopg.Connection:
    """A psycopg connection to `url` in autocommit mode, with the network options (a
    silent network noticed within seconds) and the name the server's activity shows."""
    return psycopg.connect(url, autocommit=True, application_name=application_name,
                           **NETWORK_OPTIONS, **options)
