"""The escalation record rule (PROTOCOL.md section 6), the same for every door."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from desktop_app.domain import EscalationEntry, EscalationError, check_escalation, check_escalations

PROCEDURE_AT = datetime(2026, 11, 30, 8, 0, tzinfo=timezone(timedelta(hours=1)))
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def call(**changes):
    entry = {"role": "anaesthetist", "name": "Dr Ana Lima",
             "called_at": "2026-11-30T10:15:00+01:00", "response": "to review within 30 min"}
    entry.update(changes)
    return {k: v for k, v in entry.items() if v is not ...}


def check(entry):
    return check_escalation(entry, procedure_at=PROCEDURE_AT, now=NOW)


def test_a_complete_call_is_kept_with_the_offset_it_was_recorded_with():
    entry = check(call())
    assert entry == EscalationEntry("anaesthetist", "Dr Ana Lima",
                                    datetime(2026, 11, 30, 10, 15,
                                             tzinfo=timezone(timedelta(hours=1))),
                                    "to review within 30 min")
    assert entry.called_at.utcoffset() == timedelta(hours=1)


@pytest.mark.parametrize(("changes", "field", "problem"), [
    ({"called_at": "2026-11-30T10:15:00"}, "called_at", "no UTC offset"),
    ({"called_at": "2020-01-01T10:15:00+01:00"}, "called_at", "before the procedure"),
    ({"called_at": "2026-11-30T13:06:00+00:00"}, "called_at", "more than 5 minutes ahead"),
    ({"called_at": "half past ten"}, "called_at", "not a real date and time"),
    ({"called_at": ...}, "called_at", "is missing"),
    ({"role": ""}, "role", "is empty"),
    ({"role": "   "}, "role", "is empty"),
    ({"name": ...}, "name", "is missing"),
    ({"name": ["Dr", "Lima"]}, "name", "must be text, not a list"),
    ({"response": {"text": "ok"}}, "response", "must be text, not an object"),
    ({"role": 7}, "role", "must be text, not a number"),
    ({"called_at": 1764497700}, "called_at", "not a number"),
    ({"phone": "1234"}, "phone", "not a field of an escalation"),
])
def test_a_call_that_breaks_the_rule_is_refused_with_one_line_naming_the_field(
        changes, field, problem):
    with pytest.raises(EscalationError) as caught:
        check(call(**changes))
    message = str(caught.value)
    assert message.startswith(f"escalation.{field}: ") and problem in message
    assert "\n" not in message


def test_an_empty_row_is_refused():
    with pytest.raises(EscalationError, match="role: is missing"):
        check({})


def test_a_time_without_offset_is_refused_as_a_datetime_too():
    with pytest.raises(EscalationError, match="no UTC offset"):
        check(call(called_at=datetime(2026, 11, 30, 10, 15)))


def test_the_response_may_come_later_but_never_before_the_call():
    assert check(call(response=...)).response is None
    answered = check(call(response_at="2026-11-30T10:40:00+01:00"))
    assert answered.response_at == datetime(2026, 11, 30, 9, 40, tzinfo=UTC)
    with pytest.raises(EscalationError, match="response_at: the response is before the call"):
        check(call(response_at="2026-11-30T10:00:00+01:00"))


def test_the_stores_field_names_are_read_too():
    entry = check({"called_role": "prescriber", "called_name": "Dr B",
                   "called_at": datetime(2026, 11, 30, 9, 30, tzinfo=UTC)})
    assert (entry.role, entry.name) == ("prescriber", "Dr B")


def test_a_record_names_the_entry_at_fault():
    with pytest.raises(EscalationError, match=r"^escalations\[1\]\.called_at: "):
        check_escalations([call(), call(called_at="2026-11-30T10:15:00")],
                          procedure_at=PROCEDURE_AT, now=NOW)
    with pytest.raises(EscalationError, match="must be a list"):
        check_escalations({"role": "x"}, procedure_at=PROCEDURE_AT, now=NOW)
