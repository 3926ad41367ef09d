"""Time since the procedure as the ward reads it: exact, never rounded onto a boundary.

PROTOCOL.md section 3 reads "within 4 h" as `t <= 4` and "beyond" as `t > 4`, likewise 24 h,
48 h and 60 days; a time shown as "48 h" must therefore mean exactly 48 h. Whole minutes
are shown; the seconds too when dropping them would land exactly on one of those bounds.
"""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

BOUNDARY_HOURS = (4, 24, 48, 1440)
DAYS_FROM_HOURS = 72  # below this the ward counts in hours (IM-4/IM-5 read "48 h")


def format_elapsed(elapsed: timedelta | float) -> str:
    """`2 h 30 min`, `48 h 20 min`, `60 days 3 h`, `60 days 0 h 20 min`; `48 h 0 min 30 s`
    when the seconds are what puts the time past a boundary. `elapsed` is a timedelta or
    a number of hours; a negative time is refused (an exam is never before its procedure).
    """
    if not isinstance(elapsed, timedelta):
        # Hours as a float carry binary noise (4 h 1 min is 4.01666...): read to the
        # microsecond, as a time difference is, so the noise never shows as a second.
        elapsed = timedelta(hours=elapsed)
    if isinstance(elapsed, timedelta):
        seconds = Fraction(elapsed.days * 86400 + elapsed.seconds) + Fraction(
            elapsed.microseconds, 1_000_000)
    else:
        seconds = Fraction(elapsed) * 3600
    if seconds < 0:
        raise ValueError("time since the procedure is negative")
    whole_minutes = int(seconds // 60)
    rest = seconds - whole_minutes * 60
    hours, minutes = divmod(whole_minutes, 60)
    on_boundary = minutes == 0 and hours in BOUNDARY_HOURS
    if hours < DAYS_FROM_HOURS:
        parts = [f"{hours} h"] if hours else []
        if minutes or not hours or (on_boundary and rest):
            parts.append(f"{minutes} min")
    else:
        days, hours = divmod(hours, 24)
        parts = [f"{days} days"]
        if hours or minutes or (on_boundary and rest):
            parts.append(f"{hours} h")
        if minutes or (on_boundary and rest):
            parts.append(f"{minutes} min")
    if on_boundary and rest:
        parts.append(f"{float(rest):g} s")
    return " ".join(parts)
