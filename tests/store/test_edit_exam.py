"""Editing a saved exam before it is signed: the document and its assessment replaced in
place, the board kept in step, the edit audited; a signed exam, another patient's document
or a time already taken refused with nothing changed."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlite_utils import Database

from desktop_app.domain import assess, load_document
from desktop_app.store import (
    Conflict,
    InvalidValue,
    audit_entries,
    episode_exams,
    export_document,
    get_exam,
    save_exam,
    store_signed_note,
    update_exam,
    verify_audit_chain,
    ward_entries,
)
from tests.store.documents import case, document


def weaker(doc: dict) -> dict:
    """The same exam with the left ankle dorsiflexion graded 3/5 instead of 5/5."""
    changed = json.loads(json.dumps(doc))
    changed["exam"]["motor"]["ankle_dorsiflexion"]["left"] = 3
    return changed


def stored_text(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def board_level(db: Database) -> str:
    [row] = ward_entries(db)
    return row.level


def test_an_edit_replaces_the_document_and_its_assessment(db: Database) -> None:
    original = case("mbb-normal-1h")
    saved = save_exam(db, original, actor="nurse1")
    assert board_level(db) == "observe"
    corrected = weaker(original)

    edited = update_exam(db, saved.exam_id, corrected, actor="nurse2")

    assert (edited.exam_id, edited.episode_id, edited.created) == (
        saved.exam_id, saved.episode_id, False)
    assert export_document(db, saved.exam_id) == corrected
    record = get_exam(db, saved.exam_id)
    assert record.assessment == assess(load_document(corrected)).to_json()
    assert record.level == edited.level == "notify"
    assert record.saved_by == "nurse1"  # who saved it first; the audit says who corrected it
    assert board_level(db) == "notify"  # the episode's latest exam: the board follows
    assert len(episode_exams(db, saved.episode_id)) == 1  # corrected in place, not added


def test_an_edit_is_audited_with_both_digests_and_no_patient_identifier(db: Database) -> None:
    original = case("mbb-normal-1h")
    saved = save_exam(db, original, actor="nurse1")
    corrected = weaker(original)
    update_exam(db, saved.exam_id, corrected, actor="nurse2")

    entry = audit_entries(db, table="exams", record_id=saved.exam_id)[0]
    assert (entry.action, entry.actor) == ("exam.edit", "nurse2")
    assert entry.detail["old_sha256"] == hashlib.sha256(
        stored_text(original).encode()).hexdigest()
    assert entry.detail["new_sha256"] == hashlib.sha256(
        stored_text(corrected).encode()).hexdigest()
    text = json.dumps(entry.detail)
    patient = original["patient"]
    assert patient["mrn"] not in text and patient["name"] not in text
    count, problems = verify_audit_chain(db)
    assert problems == [] and count >= 4


def test_a_signed_exam_is_refused_and_left_as_it_was(db: Database) -> None:
    original = case("mbb-normal-1h")
    saved = save_exam(db, original, actor="nurse1")
    store_signed_note(db, saved.exam_id, b"%PDF-1.7 signed note", signed_by="nurse1")
    entries = len(audit_entries(db))

    with pytest.raises(Conflict, match="this exam is signed: corrections are addenda"):
        update_exam(db, saved.exam_id, weaker(original), actor="nurse2")

    assert export_document(db, saved.exam_id) == original
    assert board_level(db) == "observe"
    assert len(audit_entries(db)) == entries


@pytest.mark.parametrize(("changed", "named"), [
    (lambda doc: dict(doc, patient={"mrn": "T-9999", "name": "Other Patient"}),
     "another patient"),
    (lambda doc: dict(doc, procedure=dict(doc["procedure"],
                                          performed_at="2026-05-04T07:30:00+01:00")),
     "another procedure"),
], ids=["other patient", "other procedure"])
def test_a_document_of_another_patient_or_procedure_is_refused(db: Database, changed,
                                                               named: str) -> None:
    original = document("T-0001")
    saved = save_exam(db, original, actor="nurse1")
    other = changed(original)

    with pytest.raises(InvalidValue, match=named) as refused:
        update_exam(db, saved.exam_id, other, actor="nurse2")

    assert "T-9999" not in str(refused.value)  # an identifier never reaches a message
    assert export_document(db, saved.exam_id) == original


def test_a_new_exam_time_keeps_one_exam_per_moment_and_moves_the_board(db: Database) -> None:
    first = save_exam(db, weaker(document(exam_hours=2.0)), actor="nurse1")
    second = save_exam(db, document(exam_hours=4.0), actor="nurse1")
    assert board_level(db) == second.level == "observe"
    taken = weaker(document(exam_hours=4.0))

    with pytest.raises(Conflict, match=f"exam {second.exam_id}"):
        update_exam(db, first.exam_id, taken, actor="nurse2")
    assert board_level(db) == "observe"

    # Moved after the other exam, the corrected one becomes the episode's latest.
    update_exam(db, first.exam_id, weaker(document(exam_hours=5.0)), actor="nurse2")
    [row] = ward_entries(db)
    moved = get_exam(db, first.exam_id)
    assert (row.last_exam_id, row.last_exam_at, row.level) == (
        first.exam_id, moved.performed_at, moved.level)
    assert moved.level != "observe"
    assert [e.id for e in episode_exams(db, first.episode_id)] == [second.exam_id,
                                                                   first.exam_id]
