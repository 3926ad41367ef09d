"""The record's change feed (what the ward board listens to), on both engines: another
connection's commit is heard, a write rolled back is not, a feed asked again after an
answer says nothing new; on a server the feed's socket wakes the listener itself, and a
feed whose connection was cut says so, then listens again."""

from __future__ import annotations

import select
import time

import pytest
from sqlite_utils import Database

from desktop_app.store import save_exam
from desktop_app.store.changes import ChangesUnavailable, watch_changes
from desktop_app.store.database import write_transaction
from desktop_app.store.opening import connect_address, record_address
from tests.store.documents import document


def _heard(feed) -> bool:
    """Ask the feed, giving a server's notification a moment to arrive."""
    if feed.fileno() is not None:
        select.select([feed.fileno()], [], [], 2.0)
    return feed.changed()


def _ask_until_lost(feed) -> None:
    """Ask the feed as its socket wakes until it says the record is out of reach."""
    deadline = time.monotonic() + 10
    with pytest.raises(ChangesUnavailable):
        while time.monotonic() < deadline:
            select.select([feed.fileno()], [], [], 0.5)
            feed.changed()


def test_a_commit_by_another_connection_is_heard_once(db: Database) -> None:
    feed = watch_changes(record_address(db))
    other = connect_address(record_address(db))
    try:
        assert feed.changed() is False
        save_exam(other, document("FEED-1"), actor="workstation-2")
        assert _heard(feed) is True
        assert feed.changed() is False  # heard once: nothing new since
    finally:
        other.close()
        feed.close()


def test_a_write_rolled_back_is_not_heard(db: Database, engine: str) -> None:
    feed = watch_changes(record_address(db))
    other = connect_address(record_address(db))
    try:
        with pytest.raises(RuntimeError), write_transaction(other):
            save_exam(other, document("FEED-0"), actor="workstation-2")
            raise RuntimeError("the write fails before it commits")
        if engine == "postgresql":  # nothing arrives on the socket
            assert select.select([feed.fileno()], [], [], 0.5)[0] == []
        assert feed.changed() is False
    finally:
        other.close()
        feed.close()


@pytest.mark.parametrize("engine", ["postgresql"])
def test_on_a_server_the_feed_wakes_its_listener_at_the_commit(db: Database, engine: str) -> None:
    feed = watch_changes(record_address(db))
    other = connect_address(record_address(db))
    try:
        assert select.select([feed.fileno()], [], [], 0.2)[0] == []  # quiet until a write
        save_exam(other, document("FEED-2"), actor="workstation-2")
        readable, _, _ = select.select([feed.fileno()], [], [], 5.0)
        assert readable == [feed.fileno()]  # the socket, not a timer, says something changed
        assert feed.changed() is True
    finally:
        other.close()
        feed.close()


@pytest.mark.parametrize("engine", ["postgresql"])
def test_a_feed_whose_connection_is_cut_says_so_then_listens_again(
        db: Database, engine: str) -> None:
    feed = watch_changes(record_address(db))
    try:
        db.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                   "WHERE application_name = 'neurocheck board' AND datname = current_database()")
        _ask_until_lost(feed)  # once the server's goodbye has arrived
        assert feed.fileno() is None
        assert feed.changed() is True  # listening again; what came meanwhile was not heard
        save_exam(db, document("FEED-3"), actor="workstation-1")
        assert _heard(feed) is True
    finally:
        feed.close()


@pytest.mark.parametrize("engine", ["postgresql"])
def test_a_connection_the_server_dropped_is_replaced_before_the_next_read(
        db: Database, engine: str) -> None:
    import psycopg

    other = connect_address(record_address(db))
    try:
        pid = other.execute("SELECT pg_backend_pid()").fetchone()[0]
        db.execute("SELECT pg_terminate_backend(?)", [pid])
        with pytest.raises(psycopg.OperationalError):  # the statement that finds it gone
            other.execute("SELECT count(*) FROM exams").fetchone()
        assert other.execute("SELECT count(*) FROM exams").fetchone()[0] == 0
        assert other.execute("SELECT pg_backend_pid()").fetchone()[0] != pid
    finally:
        other.close()


@pytest.mark.parametrize("engine", ["postgresql"])
def test_a_feed_listening_again_over_a_network_that_does_not_answer_never_holds_the_board(
        db: Database, engine: str, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through a relay that takes the connection and never answers: asking the feed says it
    is unavailable after its short wait while the try goes on on a thread of its own; once
    the network is back, it listens again and hears the next commit."""
    from desktop_app.store import postgres
    from tests.tcp_proxy import StoppableServer

    monkeypatch.setattr(postgres, "RECONNECT_PAUSE_SECONDS", 0.0)
    relay = StoppableServer(record_address(db), tmp_path)
    if relay.passfile is not None:
        monkeypatch.setenv("PGPASSFILE", str(relay.passfile))
    feed = watch_changes(relay.url_through)
    try:
        relay.stop()
        _ask_until_lost(feed)  # the relay's goodbye
        relay.start(silent=True)
        with pytest.raises(ChangesUnavailable, match="still trying"):
            feed.changed()
        assert feed._attempt is not None and feed._attempt.running
        relay.stop()
        relay.start()
        deadline, listening = time.monotonic() + 15, False
        while not listening and time.monotonic() < deadline:
            try:
                listening = feed.changed()  # True: listening again (what came was missed)
            except ChangesUnavailable:
                time.sleep(0.2)
        assert listening and feed.fileno() is not None
        assert feed.changed() is False
        save_exam(db, document("FEED-4"), actor="workstation-1")
        assert _heard(feed) is True
    finally:
        feed.close()
        relay.stop()
