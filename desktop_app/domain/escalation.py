"""The escalation record (PROTOCOL.md section 6): whom the nurse called, when, the response.

One rule for every door (the GUI's escalation page, the `note` command, an import, the
note itself): the role and the person called are named (neither empty), the time of the
call carries its UTC offset (a time without one would take the offset of whichever machine
reads it), is not before the procedure and not more than 5 minutes ahead; the response is
text and may be added later.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from desktop_app.domain.document import FUTURE_TOLERANCE, DocumentError, now_utc, parse_time

ESCALATION_KEYS = ("role", "name", "called_at", "response", "response_at")
# The store's records name the first two called_role / called_name.
_ALIASES = {"called_role": "role", "called_name": "name"}
MAX_TEXT = 500


class EscalationError(DocumentError):
    """An escalation entry that must be refused; `str()` is one line, `field: problem`,
    and names no patient (nor what was typed)."""


@dataclass(frozen=True)
class EscalationEntry:
    """One call, checked: role and name named, the time with its offset."""

    role: str
    name: str
    called_at: datetime
    response: str | None = None
    response_at: datetime | None = None

    def to_document(self) -> dict[str, Any]:
        from desktop_app.domain.model import format_time

        entry: dict[str, Any] = {"role": self.role, "name": self.name,
                                 "called_at": format_time(self.called_at)}
        if self.response:
            entry["response"] = self.response
        if self.response_at:
            entry["response_at"] = format_time(self.response_at)
        return entry


def _text(value: Any, field: str, *, required: bool) -> str | None:
    if value is None:
        if required:
            raise EscalationError(field, "is missing")
        return None
    if not isinstance(value, str):
        raise EscalationError(field, f"must be text, not {_kind(value)}")
    value = value.strip()
    if required and not value:
        raise EscalationError(field, "is empty")
    if len(value) > MAX_TEXT:
        raise EscalationError(field, f"is longer than {MAX_TEXT} characters")
    return value or None


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def _moment(value: Any, field: str) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise EscalationError(field, "the time has no UTC offset (add e.g. +01:00 or Z)")
        return value
    if not isinstance(value, str):
        if value is None:
            raise EscalationError(field, "is missing")
        raise EscalationError(field, f"must be a time with its UTC offset, not {_kind(value)}")
    try:
        return parse_time(value.strip(), field)
    except DocumentError as error:
        raise EscalationError(error.field, error.problem) from None


def check_escalation(
    entry: Mapping[str, Any] | EscalationEntry | Any,
    *,
    procedure_at: datetime,
    now: datetime | None = None,
    field: str = "escalation",
) -> EscalationEntry:
    """The entry, checked against the rule; `EscalationError` names the first problem.

    `entry` is a mapping (`role`, `name`, `called_at` as ISO text with its offset or an
    aware datetime, optional `response` and `response_at`; `called_role`/`called_name` are read as `role`/
    `name`), an `EscalationEntry`, or an object with those attributes. `now` is the clock
    of the machine that checks (default: this one's).
    """
    if isinstance(entry, EscalationEntry):
        values: dict[str, Any] = {k: getattr(entry, k) for k in ESCALATION_KEYS}
    elif isinstance(entry, Mapping):
        values = {}
        for key, value in entry.items():
            key = _ALIASES.get(key, key)
            if key not in ESCALATION_KEYS:
                raise EscalationError(f"{field}.{key}", "is not a field of an escalation")
            values[key] = value
    else:
        values = {}
        for key in ESCALATION_KEYS:
            alias = next((a for a, k in _ALIASES.items() if k == key), key)
            values[key] = getattr(entry, key, getattr(entry, alias, None))
    role = _text(values.get("role"), f"{field}.role", required=True)
    name = _text(values.get("name"), f"{field}.name", required=True)
    called_at = _moment(values.get("called_at"), f"{field}.called_at")
    response = _text(values.get("response"), f"{field}.response", required=False)
    response_at = None
    if values.get("response_at") is not None:
        response_at = _moment(values["response_at"], f"{field}.response_at")
        if response_at < called_at:
            raise EscalationError(f"{field}.response_at", "the response is before the call")
    if called_at < procedure_at:
        raise EscalationError(f"{field}.called_at", "the call is before the procedure")
    if called_at > (now or now_utc()) + FUTURE_TOLERANCE:
        raise EscalationError(f"{field}.called_at", "the call is more than 5 minutes ahead")
    assert role is not None and name is not None
    return EscalationEntry(role, name, called_at, response, response_at)


def check_escalations(
    entries: Iterable[Any], *, procedure_at: datetime, now: datetime | None = None,
) -> list[EscalationEntry]:
    """Every entry of an escalation record, checked (`escalations[2].called_at: ...`)."""
    if isinstance(entries, str | bytes | Mapping) or not isinstance(entries, Iterable):
        raise EscalationError("escalations", "must be a list of calls")
    return [check_escalation(entry, procedure_at=procedure_at, now=now,
                             field=f"escalations[{index}]")
            for index, entry in enumerate(entries)]
