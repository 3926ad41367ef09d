"""Next check due (PROTOCOL.md section 5)."""

from __future__ import annotations

from datetime import datetime

import pytest

from desktop_app.domain import SchedulePolicy, assess, load_document
from tests.domain.builders import block, im


def due(document, policy=None) -> datetime:
    policy = policy or SchedulePolicy()
    return assess(load_document(document), policy).next_check_due


@pytest.mark.rule("MBB-4")
def test_block_observe_every_thirty_minutes_in_the_exam_time_zone():
    document = block(1, symptoms={"numbness": True})
    assert due(document).isoformat() == "2026-05-04T09:30:00+01:00"


@pytest.mark.rule("NONE")
def test_block_four_hour_mark_is_always_scheduled():
    assert due(block(3.75)).isoformat() == "2026-05-04T12:00:00+01:00"


@pytest.mark.rule("MBB-5")
def test_escalated_level_every_fifteen_minutes():
    assert due(block(6, symptoms={"numbness": True})).isoformat() == "2026-05-04T14:15:00+01:00"


@pytest.mark.rule("IM-4")
@pytest.mark.parametrize(("hours", "expected"), [
    (1, "2026-05-05T08:00:00+01:00"),   # 24 h mark
    (24, "2026-05-06T08:00:00+01:00"),  # exactly at 24 h: the next is 48 h
    (30, "2026-05-06T08:00:00+01:00"),
    (48, "2026-05-07T08:00:00+01:00"),  # then every 24 h
    (80, "2026-05-08T08:00:00+01:00"),
])
def test_im_observe_at_24_and_48_hours_then_daily(hours, expected):
    document = im(hours, symptoms={"numbness": True, "trend": "improving"})
    assert due(document).isoformat() == expected


def test_a_ward_policy_changes_the_schedule():
    policy = SchedulePolicy(block_observe_every_minutes=60)
    assert due(block(1), policy).isoformat() == "2026-05-04T10:00:00+01:00"


def test_a_policy_that_never_brings_the_nurse_back_is_refused():
    with pytest.raises(ValueError):
        SchedulePolicy.from_json({"escalated_every_minutes": 0})
    assert SchedulePolicy.from_json(SchedulePolicy().to_json()) == SchedulePolicy()
