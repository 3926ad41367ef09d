"""The ward board, closing an episode, escalations, signed notes and settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlite_utils import Database

from desktop_app.domain import SchedulePolicy
from desktop_app.store import (
    Conflict,
    InvalidValue,
    NotFound,
    PermissionDenied,
    all_settings,
    close_episode,
    create_user,
    episode_escalations,
    exam_notes,
    get_setting,
    note_addenda,
    record_escalation,
    record_escalation_response,
    save_exam,
    schedule_policy,
    set_location,
    set_setting,
    store_addendum,
    store_signed_note,
    ward_entries,
)
from tests.postgres_server import INTEGRITY_ERROR
from tests.store.documents import document

PDF = b"%PDF-1.7\n% a signed note\n%%EOF\n"


@pytest.fixture
def staff(db: Database) -> Database:
    for name, role in (("admin", "admin"), ("nurse1", "nurse"), ("doc", "clinician")):
        create_user(db, name, full_name=name.title(), role=role, password="password1", actor="t")
    return db


def test_the_board_lists_open_episodes_next_check_first_with_overdue_ones(db: Database) -> None:
    urgent = save_exam(db, document("W-1", base="mbb-weak-5h", exam_hours=5), actor="n")
    calm = save_exam(db, document("W-2", exam_hours=1), actor="n", location="Bed 4")
    now = urgent.next_check_due + timedelta(minutes=1)
    board = ward_entries(db)
    assert [r.episode_id for r in board] == [calm.episode_id, urgent.episode_id]
    assert [r.overdue(now) for r in board] == [True, True]
    assert board[0].location == "Bed 4" and board[0].mrn == "W-2" and board[0].level == "observe"
    early = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
    assert not any(r.overdue(early) for r in board)


def test_only_a_clinician_closes_an_episode(staff: Database) -> None:
    saved = save_exam(staff, document(), actor="nurse1")
    with pytest.raises(PermissionDenied):
        close_episode(staff, saved.episode_id, actor="nurse1")
    close_episode(staff, saved.episode_id, actor="doc", note="recovered")
    assert ward_entries(staff) == []
    with pytest.raises(Conflict):
        close_episode(staff, saved.episode_id, actor="doc")


def test_the_location_is_set_and_cleared(db: Database) -> None:
    saved = save_exam(db, document(), actor="n")
    set_location(db, saved.episode_id, "  Bed 12 ", actor="n")
    assert ward_entries(db)[0].location == "Bed 12"
    set_location(db, saved.episode_id, None, actor="n")
    assert ward_entries(db)[0].location is None
    with pytest.raises(NotFound):
        set_location(db, 999, "Bed 1", actor="n")


def test_an_escalation_records_who_was_called_when_and_their_answer(db: Database) -> None:
    saved = save_exam(db, document(base="mbb-weak-5h", exam_hours=5), actor="nurse1")
    called = datetime(2026, 5, 4, 13, 5, tzinfo=UTC)
    escalation_id = record_escalation(db, saved.episode_id, role="anaesthetist",
                                      name="Dr. Okoye", called_at=called, actor="nurse1",
                                      exam_id=saved.exam_id)
    record_escalation_response(db, escalation_id, "will review within 30 min", actor="nurse1")
    [escalation] = episode_escalations(db, saved.episode_id)
    assert (escalation.called_role, escalation.called_name, escalation.called_at) == \
        ("anaesthetist", "Dr. Okoye", called)
    assert escalation.response == "will review within 30 min"
    with pytest.raises(Conflict):
        record_escalation_response(db, escalation_id, "changed my mind", actor="nurse1")
    with pytest.raises(InvalidValue):
        record_escalation(db, saved.episode_id, role="", name="x", called_at=called, actor="n")


def test_a_signed_note_keeps_its_bytes_and_hash_and_is_never_edited(db: Database, engine: str) -> None:
    saved = save_exam(db, document(), actor="nurse1")
    note_id = store_signed_note(db, saved.exam_id, PDF, signed_by="nurse1")
    [note] = exam_notes(db, saved.exam_id)
    assert note.pdf == PDF and len(note.sha256) == 64
    with pytest.raises(INTEGRITY_ERROR[engine], match="never edited"):
        db.execute("UPDATE signed_notes SET pdf = ? WHERE id = ?", [b"%PDF-forged", note_id])
    with pytest.raises(INTEGRITY_ERROR[engine], match="never deleted"):
        db.execute("DELETE FROM signed_notes WHERE id = ?", [note_id])
    store_addendum(db, note_id, "L5 re-tested: normal", PDF + b"addendum", signed_by="nurse1")
    assert [a.text for a in note_addenda(db, note_id)] == ["L5 re-tested: normal"]
    with pytest.raises(InvalidValue):
        store_signed_note(db, saved.exam_id, b"not a pdf", signed_by="nurse1")


def test_settings_have_defaults_and_refuse_bad_values(db: Database) -> None:
    assert schedule_policy(db) == SchedulePolicy()
    assert all_settings(db)["paper_size"] == "A4"
    create_user(db, "admin", full_name="Ada Admin", role="admin", password="admin-pass-1234",
                actor="t")  # only an administrator changes a setting
    set_setting(db, "ward_name", "Ward 7B", actor="admin")
    set_setting(db, "idle_timeout_minutes", 10, actor="admin")
    assert get_setting(db, "ward_name") == "Ward 7B" and get_setting(db, "idle_timeout_minutes") == 10
    for key, value in (("paper_size", "A3"), ("idle_timeout_minutes", 0),
                       ("schedule_policy", {"escalated_every_minutes": -5}), ("colour", "red")):
        with pytest.raises(InvalidValue):
            set_setting(db, key, value, actor="admin")
