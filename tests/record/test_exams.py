"""Finishing an exam with its calls and its draft in one transaction; discarding an exam
in progress; closing an episode. No Qt."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from desktop_app import record
from desktop_app.record.auth import sign_in
from desktop_app.report.samples import sample_raw
from desktop_app.store import NotFound, PermissionDenied, get_draft, save_draft
from desktop_app.store import episodes as store_episodes
from tests.record.conftest import CLINICIAN, CLINICIAN_PASSWORD, NURSE, NURSE_PASSWORD, Ward

CALLS = [
    {"role": "anaesthetist", "name": "Dr Okafor", "response": "to review within 30 min"},
    {"role": "neurologist", "name": "Dr Lindqvist", "response": None},
]


def _document() -> dict:
    raw = sample_raw("emergency")
    raw["patient"]["mrn"] = "FIN-0001"
    return raw


def _calls() -> list[dict]:
    moment = datetime.fromisoformat(_document()["exam"]["performed_at"])
    return [{**call, "called_at": moment.astimezone(UTC)} for call in CALLS]


def _counts(ward: Ward) -> tuple[int, int, int]:
    one = ward.db.execute
    return (one("SELECT count(*) FROM exams").fetchone()[0],
            one("SELECT count(*) FROM escalations").fetchone()[0],
            one("SELECT count(*) FROM drafts").fetchone()[0])


def test_finish_records_the_exam_its_calls_and_drops_its_draft_together(ward: Ward) -> None:
    nurse = sign_in(ward.db, NURSE, NURSE_PASSWORD)
    draft = save_draft(ward.db, {"patient": {"mrn": "FIN-0001"}}, user=NURSE)
    before = _counts(ward)
    saved = record.finish_exam(ward.db, nurse, json.dumps(_document()), escalations=_calls(),
                               draft_id=draft)
    assert _counts(ward) == (before[0] + 1, before[1] + 2, before[2] - 1)
    calls = store_episodes.episode_escalations(ward.db, saved.episode_id)
    assert [c.called_name for c in calls] == ["Dr Okafor", "Dr Lindqvist"]


def test_a_crash_between_the_exam_and_a_call_leaves_nothing_half_written(
        ward: Ward, monkeypatch) -> None:
    nurse = sign_in(ward.db, NURSE, NURSE_PASSWORD)
    draft = save_draft(ward.db, {"patient": {"mrn": "FIN-0001"}}, user=NURSE)
    real = store_episodes.record_escalation
    calls_made = []

    def dies_on_the_second_call(*args, **kwargs):
        if calls_made:
            raise RuntimeError("power cut")
        calls_made.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(store_episodes, "record_escalation", dies_on_the_second_call)
    before = _counts(ward)
    audit_before = len(ward.actions())
    with pytest.raises(RuntimeError):
        record.finish_exam(ward.db, nurse, json.dumps(_document()), escalations=_calls(),
                           draft_id=draft)
    assert _counts(ward) == before  # no exam, no call, the draft kept for the nurse
    assert get_draft(ward.db, draft).id == draft
    assert len(ward.actions()) == audit_before


def test_discarding_an_exam_in_progress_says_why_and_is_audited(ward: Ward) -> None:
    nurse = sign_in(ward.db, NURSE, NURSE_PASSWORD)
    draft = save_draft(ward.db, {"patient": {"mrn": "FIN-0001"}}, user=NURSE)
    with pytest.raises(ValueError):
        record.discard_exam(ward.db, nurse, draft, "felt like it")
    mark = len(ward.actions())
    record.discard_exam(ward.db, nurse, draft, "wrong_patient")
    assert ward.actions_since(mark) == ["exam.discard"]
    with pytest.raises(NotFound):
        get_draft(ward.db, draft)


def test_only_a_clinician_closes_an_episode(ward: Ward) -> None:
    episode_id = ward.db.execute("SELECT episode_id FROM exams WHERE id = ?",
                                 [ward.exam_id]).fetchone()[0]
    nurse = sign_in(ward.db, NURSE, NURSE_PASSWORD)
    with pytest.raises(PermissionDenied):
        record.close_episode(ward.db, nurse, episode_id, "recovered")
    clinician = sign_in(ward.db, CLINICIAN, CLINICIAN_PASSWORD)
    mark = len(ward.actions())
    record.close_episode(ward.db, clinician, episode_id, "recovered")
    assert ward.actions_since(mark) == ["episode.close"]


def test_a_discarded_exam_that_asked_for_a_call_stays_on_the_board(ward: Ward) -> None:
    from desktop_app.store.drafts import discarded_exams

    nurse = sign_in(ward.db, NURSE, NURSE_PASSWORD)
    draft = save_draft(ward.db, {"patient": {"mrn": "FIN-0001"}}, user=NURSE)
    with pytest.raises(ValueError):  # it asked for a call: a reason, not "below notify"
        record.discard_exam(ward.db, nurse, draft, "below_notify", level="urgent")
    mark = len(ward.actions())
    trace = record.discard_exam(ward.db, nurse, draft, "duplicate", level="urgent",
                                details="recorded at 10:05", patient={"mrn": "FIN-0001"})
    assert ward.actions_since(mark) == ["exam.discard"]
    [kept] = discarded_exams(ward.db)
    assert (kept.id, kept.level, kept.reason, kept.discarded_by) == (
        trace, "urgent", "duplicate", NURSE)
    with pytest.raises(NotFound):
        get_draft(ward.db, draft)


def test_a_discarded_exam_leaves_the_board_by_a_signed_in_user_audited_once(ward: Ward) -> None:
    from dataclasses import replace

    from desktop_app.store.drafts import discarded_exams

    nurse = sign_in(ward.db, NURSE, NURSE_PASSWORD)
    trace = record.discard_exam(ward.db, nurse, None, "duplicate", level="notify",
                                patient={"mrn": "FIN-0001"})
    with pytest.raises(PermissionDenied):  # an account disabled since it signed in
        record.dismiss_discarded(ward.db, replace(nurse, disabled=True), trace)
    assert [d.id for d in discarded_exams(ward.db)] == [trace]
    mark = len(ward.actions())
    record.dismiss_discarded(ward.db, nurse, trace)
    assert ward.actions_since(mark) == ["exam.discard_dismissed"]
    assert discarded_exams(ward.db) == []


def test_a_discarded_exam_below_notify_leaves_only_its_audit_entry(ward: Ward) -> None:
    from desktop_app.store.drafts import discarded_exams

    nurse = sign_in(ward.db, NURSE, NURSE_PASSWORD)
    draft = save_draft(ward.db, {"patient": {"mrn": "FIN-0001"}}, user=NURSE)
    mark = len(ward.actions())
    assert record.discard_exam(ward.db, nurse, draft, "below_notify", level="observe") is None
    assert ward.actions_since(mark) == ["exam.discard"]
    assert discarded_exams(ward.db) == []
    with pytest.raises(NotFound):
        get_draft(ward.db, draft)


def test_a_correction_whose_call_cannot_be_written_leaves_the_exam_as_it_was(
        ward: Ward, monkeypatch) -> None:
    from desktop_app.store import get_exam

    nurse = sign_in(ward.db, NURSE, NURSE_PASSWORD)
    saved = record.finish_exam(ward.db, nurse, json.dumps(_document()))
    corrected = _document()
    moment = datetime.fromisoformat(corrected["exam"]["performed_at"])
    corrected["exam"]["performed_at"] = moment.replace(minute=(moment.minute + 1) % 60).isoformat()
    draft = save_draft(ward.db, corrected, user=NURSE)
    before = (get_exam(ward.db, saved.exam_id).document, _counts(ward), len(ward.actions()))

    def power_cut(*args, **kwargs):
        raise RuntimeError("power cut")

    with monkeypatch.context() as patch, pytest.raises(RuntimeError):
        patch.setattr(store_episodes, "record_escalation", power_cut)
        record.correct_exam(ward.db, nurse, saved.exam_id, json.dumps(corrected),
                            escalations=_calls(), draft_id=draft)
    assert (get_exam(ward.db, saved.exam_id).document, _counts(ward),
            len(ward.actions())) == before  # nothing of the correction, the draft kept
    mark = len(ward.actions())
    record.correct_exam(ward.db, nurse, saved.exam_id, json.dumps(corrected),
                        escalations=_calls(), draft_id=draft)
    assert _counts(ward) == (before[1][0], before[1][1] + 2, before[1][2] - 1)
    assert ward.actions_since(mark)[0] == "exam.edit"
