"""The ward's settings: key -> JSON value, each checked before it is stored.

A key never set reads as its default, so a new installation works before anyone opens the
settings screen.
"""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from desktop_app.domain import DEFAULT_POLICY, SchedulePolicy
from desktop_app.store.audit import append_audit
from desktop_app.store.database import fetch_all, utc_now, utc_text, write_transaction
from desktop_app.store.episodes import reschedule_open_episodes
from desktop_app.store.errors import InvalidValue, PermissionDenied
from desktop_app.store.rows import guard_row

SCHEDULE_POLICY = "schedule_policy"
WARD_NAME = "ward_name"
INSTITUTION = "institution"
IDLE_TIMEOUT_MINUTES = "idle_timeout_minutes"
PAPER_SIZE = "paper_size"
PAPER_SIZES = ("A4", "Letter")
MAX_NAME = 200

DEFAULTS: dict[str, Any] = {
    SCHEDULE_POLICY: DEFAULT_POLICY.to_json(),
    WARD_NAME: "",
    INSTITUTION: "",
    IDLE_TIMEOUT_MINUTES: 5,
    PAPER_SIZE: "A4",
}


def _checked(key: str, value: Any) -> Any:
    """`value` as it will be stored, or `InvalidValue` naming the problem."""
    if key == SCHEDULE_POLICY:
        if not isinstance(value, dict):
            raise InvalidValue("the schedule policy is a JSON object")
        try:
            return SchedulePolicy.from_json(value).to_json()
        except (TypeError, ValueError) as error:
            raise InvalidValue(f"schedule policy: {error}") from error
    if key in (WARD_NAME, INSTITUTION):
        if not isinstance(value, str) or len(value) > MAX_NAME:
            raise InvalidValue(f"{key} is text of at most {MAX_NAME} characters")
        return value.strip()
    if key == IDLE_TIMEOUT_MINUTES:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 240:
            raise InvalidValue("the idle timeout is a whole number of minutes from 1 to 240")
        return value
    if key == PAPER_SIZE:
        if value not in PAPER_SIZES:
            raise InvalidValue(f"the paper size is one of {', '.join(PAPER_SIZES)}")
        return value
    raise InvalidValue(f"there is no setting called {key!r}")


def all_settings(db: Database) -> dict[str, Any]:
    """Every setting, defaults filled in."""
    values = dict(DEFAULTS)
    for row in fetch_all(db, "SELECT key, value FROM settings"):
        values[row["key"]] = json.loads(row["value"])
    return values


def get_setting(db: Database, key: str) -> Any:
    """One setting (its default when never set); `InvalidValue` for an unknown key."""
    if key not in DEFAULTS:
        raise InvalidValue(f"there is no setting called {key!r}")
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return json.loads(row[0]) if row else DEFAULTS[key]


def require_administrator(db: Database, actor: str) -> None:
    """`PermissionDenied` unless `actor` names an enabled administrator account."""
    row = db.execute("SELECT role, disabled_at FROM users WHERE lower(name) = lower(?)", [actor]).fetchone()
    if row is None or row[0] != "admin" or row[1] is not None:
        raise PermissionDenied("only an administrator changes the ward's settings")


def set_setting(db: Database, key: str, value: Any, *, actor: str) -> None:
    """Store one setting after checking it; `actor` must be an enabled administrator,
    whichever screen or command asks. A new schedule policy also moves the next check due
    of every open episode (the exams keep the due time they were assessed with)."""
    value = _checked(key, value)
    with write_transaction(db):
        require_administrator(db, actor)
        guard_row(db, "settings", key)
        db.execute(
            "INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
            "updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            [key, json.dumps(value, ensure_ascii=False), utc_text(utc_now()), actor])
        append_audit(db, actor=actor, action="setting.change", table="settings",
                     detail={"key": key})
        if key == SCHEDULE_POLICY:
            reschedule_open_episodes(db, SchedulePolicy.from_json(value))


def schedule_policy(db: Database) -> SchedulePolicy:
    """The ward's re-check schedule."""
    return SchedulePolicy.from_json(get_setting(db, SCHEDULE_POLICY))
