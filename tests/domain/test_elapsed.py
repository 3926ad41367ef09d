"""Time since the procedure is shown exactly, never rounded onto or across a boundary."""

from __future__ import annotations

from datetime import timedelta

import pytest

from desktop_app.domain.elapsed import format_elapsed


@pytest.mark.parametrize(("elapsed", "shown"), [
    (timedelta(minutes=5), "5 min"),
    (timedelta(hours=2, minutes=30), "2 h 30 min"),
    (timedelta(hours=4), "4 h"),
    (timedelta(hours=47, minutes=59), "47 h 59 min"),
    (timedelta(hours=48), "48 h"),
    (timedelta(hours=48, minutes=20), "48 h 20 min"),
    (timedelta(days=60), "60 days"),
    (timedelta(days=60, hours=3), "60 days 3 h"),
    (timedelta(days=60, minutes=20), "60 days 0 h 20 min"),
    (timedelta(days=70, hours=5, minutes=7), "70 days 5 h 7 min"),
    (2.5, "2 h 30 min"),
])
def test_elapsed_time_is_shown_exactly(elapsed, shown):
    assert format_elapsed(elapsed) == shown


@pytest.mark.parametrize(("elapsed", "shown"), [
    (timedelta(hours=4, seconds=30), "4 h 0 min 30 s"),
    (timedelta(hours=24, seconds=1), "24 h 0 min 1 s"),
    (timedelta(hours=48, seconds=59), "48 h 0 min 59 s"),
    (timedelta(days=60, seconds=1), "60 days 0 h 0 min 1 s"),
])
def test_seconds_that_carry_a_time_past_a_boundary_are_shown(elapsed, shown):
    assert format_elapsed(elapsed) == shown


def test_between_boundaries_the_seconds_are_left_out():
    assert format_elapsed(timedelta(hours=3, minutes=2, seconds=40)) == "3 h 2 min"


def test_a_negative_time_is_refused():
    with pytest.raises(ValueError):
        format_elapsed(timedelta(minutes=-1))
