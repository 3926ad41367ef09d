"""Audit entries for what is read or done without changing a row: a board or a patient
shown, a note printed, a session locked, unlocked or ended, emergency access.

The screens write these through here, never through the store, so every entry names an
action of the one vocabulary (`actions.ACTIONS`) and the actor who did it.
"""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from desktop_app.record.actions import ACTIONS
from desktop_app.store import ward
from desktop_app.store.errors import InvalidValue


def record_event(db: Database, *, actor: str, action: str, table: str | None = None,
                 record_id: int | None = None, detail: dict[str, Any] | None = None) -> int:
    """Append one audit entry of `action` (of the vocabulary) in its own transaction;
    returns its ID. `detail` holds no patient identifier."""
    if action not in ACTIONS:
        raise InvalidValue(f"{action!r} is not an action of the audit vocabulary")
    return ward.record_access(db, actor=actor, action=action, table=table,
                              record_id=record_id, detail=detail)


def record_patient_view(db: Database, episode_id: int, *, actor: str, via: str) -> int:
    """Audit that `actor` opened the patient of an episode (`via`: which screen)."""
    return ward.record_patient_view(db, episode_id, actor=actor, via=via)
