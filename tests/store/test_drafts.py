"""An exam in progress survives a crash: autosaved drafts, offered back at the next start."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlite_utils import Database

from desktop_app.store import (
    InvalidValue,
    NotFound,
    discard_draft,
    get_draft,
    open_database,
    pending_drafts,
    save_draft,
    save_exam,
)
from tests.store.documents import document


def test_a_draft_is_offered_back_after_a_restart(folder: Path) -> None:
    db = open_database(folder)
    partial = {"patient": {"mrn": "D-1"}, "exam": {"symptoms": {"numbness": True}}}
    draft_id = save_draft(db, partial, user="nurse1")
    db.conn.close()  # no clean shutdown
    db = open_database(folder)
    [draft] = pending_drafts(db)
    assert (draft.id, draft.user_name, draft.content) == (draft_id, "nurse1", partial)


def test_autosaving_again_overwrites_the_same_draft(db: Database) -> None:
    draft_id = save_draft(db, {"step": 1}, user="nurse1")
    assert save_draft(db, {"step": 2}, draft_id=draft_id, user="nurse1") == draft_id
    [draft] = pending_drafts(db)
    assert draft.content == {"step": 2} and draft.saved_at >= draft.started_at


def test_drafts_are_listed_per_user(db: Database) -> None:
    save_draft(db, {"a": 1}, user="nurse1")
    save_draft(db, {"b": 2}, user="nurse2")
    assert [d.content for d in pending_drafts(db, user="nurse2")] == [{"b": 2}]
    assert len(pending_drafts(db)) == 2


def test_saving_the_exam_removes_its_draft_in_the_same_transaction(db: Database) -> None:
    draft_id = save_draft(db, {"almost": "done"}, user="nurse1")
    save_exam(db, document(), actor="nurse1", draft_id=draft_id)
    assert pending_drafts(db) == []
    with pytest.raises(NotFound):
        get_draft(db, draft_id)


def test_an_invalid_exam_keeps_its_draft(db: Database) -> None:
    draft_id = save_draft(db, {"almost": "done"}, user="nurse1")
    bad = document()
    bad["exam"]["motor"]["hip_flexion"]["left"] = 7
    with pytest.raises(ValueError):
        save_exam(db, bad, actor="nurse1", draft_id=draft_id)
    assert [d.id for d in pending_drafts(db)] == [draft_id]


def test_a_draft_can_be_discarded(db: Database) -> None:
    draft_id = save_draft(db, {"x": 1})
    assert discard_draft(db, draft_id) is True
    assert discard_draft(db, draft_id) is False
    assert pending_drafts(db) == []


def test_a_draft_must_be_json(db: Database) -> None:
    with pytest.raises(InvalidValue):
        save_draft(db, {"when": object()})
    with pytest.raises(InvalidValue):
        save_draft(db, {"grade": float("nan")})
