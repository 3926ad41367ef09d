"""A ward record on a server that goes down mid-exam (a relay in front of the test server,
stopped and started again): the draft is kept on this workstation, owner-only, and says
since when; nothing typed is lost; once the server is back the draft goes into the record
under its own ID, once, and finishing the exam saves it once and leaves no copy behind.
No Qt."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from desktop_app.record import WardRecord
from desktop_app.record.drafts import KEPT_FOLDER, DraftKeptHere, kept_drafts
from desktop_app.report.samples import sample_raw
from desktop_app.store import postgres
from tests.record.conftest import NURSE, Ward
from tests.tcp_proxy import StoppableServer

pytestmark = pytest.mark.parametrize("engine", ["postgresql"])


@pytest.fixture
def server(ward: Ward, tmp_path: Path, request: pytest.FixtureRequest,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[StoppableServer]:
    # A reconnection is tried at once here (the pause between tries: its own test below).
    monkeypatch.setattr(postgres, "RECONNECT_PAUSE_SECONDS", 0.0)
    relay = StoppableServer(request.getfixturevalue("postgres_url"), tmp_path)
    if relay.passfile is not None:
        monkeypatch.setenv("PGPASSFILE", str(relay.passfile))
    yield relay
    relay.stop()


@pytest.fixture
def record(ward: Ward, server: StoppableServer) -> Iterator[WardRecord]:
    """The workstation's record, through the relay, with the nurse signed in."""
    with WardRecord.open(ward.folder, database=server.url_through, signed_in=NURSE) as opened:
        yield opened


def _draft(step: int) -> dict:
    raw = sample_raw("normal")
    raw["patient"]["mrn"] = "OUTAGE-1"
    return {"document": raw, "page": step}


def test_a_draft_saved_while_the_server_is_down_is_kept_here_and_goes_over_once(
        ward: Ward, server: StoppableServer, record: WardRecord) -> None:
    record.save_draft("abc123", _draft(1))
    server.stop()
    with pytest.raises(DraftKeptHere) as first:
        record.save_draft("abc123", _draft(2))
    with pytest.raises(DraftKeptHere) as second:
        record.save_draft("abc123", _draft(3))
    assert second.value.since == first.value.since  # since the first refusal
    [kept] = kept_drafts(ward.folder)
    assert kept["content"]["page"] == 3  # the last thing typed
    folder = ward.folder / KEPT_FOLDER
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(folder / "abc123.json").st_mode) == 0o600

    server.start()
    [draft] = record.pending_drafts()  # the record is back: the kept draft goes over
    assert (draft.id, draft.content["page"]) == ("abc123", 3)
    assert kept_drafts(ward.folder) == []
    assert record.unreachable_since is not None  # until a save reaches the record again
    record.save_draft("abc123", _draft(4))
    assert record.unreachable_since is None
    assert [d.content["page"] for d in record.pending_drafts()] == [4]


def test_an_exam_finished_after_the_outage_is_saved_once_and_leaves_no_copy(
        ward: Ward, server: StoppableServer, record: WardRecord) -> None:
    document = _draft(5)["document"]
    server.stop()
    with pytest.raises(DraftKeptHere):
        record.save_draft("def456", {"document": document})
    with pytest.raises(psycopg.OperationalError):  # Finish while the server is down
        record.finish_exam(record.signed_in_user(), document, draft_id="def456")
    assert len(kept_drafts(ward.folder)) == 1  # still kept here

    server.start()
    saved = record.finish_exam(record.signed_in_user(), document, draft_id="def456")
    assert kept_drafts(ward.folder) == []
    assert record.pending_drafts() == []
    rows = ward.db.execute("SELECT count(*) FROM exams e JOIN episodes p ON p.id = "
                           "e.episode_id JOIN patients t ON t.id = p.patient_id "
                           "WHERE t.mrn = 'OUTAGE-1'").fetchone()[0]
    assert rows == 1 and saved.exam_id > 0


def test_after_a_failed_reconnection_the_next_waits_and_fails_at_once(
        server: StoppableServer, record: WardRecord, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgres, "RECONNECT_PAUSE_SECONDS", 60.0)
    tries: list[str] = []
    real_open = postgres._open

    def counted(url: str):
        tries.append(url)
        return real_open(url)

    monkeypatch.setattr(postgres, "_open", counted)
    server.stop()
    for _ in range(3):
        with pytest.raises(psycopg.OperationalError):
            record.db.execute("SELECT 1").fetchone()
    # the first statement finds the connection gone; the second tries once to reconnect
    # and fails; the third does not try again within the pause
    assert len(tries) == 1
    server.start()
    with pytest.raises(psycopg.OperationalError, match="a moment ago"):
        record.db.execute("SELECT 1").fetchone()
    record.db._next_try = 0.0  # the pause over
    assert record.db.execute("SELECT 1").fetchone()[0] == 1


def test_a_reconnection_to_a_network_that_does_not_answer_never_holds_the_caller(
        server: StoppableServer, record: WardRecord, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cut network (the relay takes the connection and never answers): the statement
    that needs a new connection fails after its short wait while the try goes on on a
    thread of its own; the connect timeout is never spent on the caller's thread."""
    import threading

    threads: list[str] = []
    real_open = postgres._open

    def watched(url: str):
        threads.append(threading.current_thread().name)
        return real_open(url)

    monkeypatch.setattr(postgres, "_open", watched)
    server.stop()
    with pytest.raises(psycopg.OperationalError):  # the connection is gone
        record.db.execute("SELECT 1").fetchone()
    server.start(silent=True)
    with pytest.raises(psycopg.OperationalError, match="not answered yet"):
        record.db.execute("SELECT 1").fetchone()
    attempt = record.db._attempt
    assert attempt is not None and attempt.running  # still waiting for the connect timeout
    assert threads == ["neurocheck-reconnect"]
    with pytest.raises(DraftKeptHere):  # the wizard's autosave meanwhile: kept here at once
        record.save_draft("ghi789", _draft(1))
    assert len(threads) == 1  # the try under way is not started again
    server.stop()
    server.start()  # the network is back: once the silent try has failed, the next gets in
    while attempt.running:
        attempt._done.wait(1)
    with pytest.raises(psycopg.OperationalError):  # the silent try's own failure
        record.db.execute("SELECT 1").fetchone()
    assert record.db.execute("SELECT 1").fetchone()[0] == 1
    assert threads == ["neurocheck-reconnect"] * 2
