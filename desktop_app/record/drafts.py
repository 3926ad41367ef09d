"""Drafts: the exam in progress, kept on every pause so a crash or a power cut loses
nothing typed. A draft is not part of the record (no row of it is covered by the audit
chain, and `check` leaves it out): the wizard writes it directly, for whoever is entering
the exam, with no role check and no audit entry. Finishing or discarding the exam removes
it in the record's own operation (`exams.finish_exam`, `exams.discard_exam`).

When the record cannot be written (its server is down, the network cut), the draft is kept
on this workstation instead: one owner-only file per exam in the data folder's
`drafts-kept-here/`, written whole or not at all. The next draft saved into the record,
and every look at the ward's unfinished exams, hands those files over to the record (a
draft is saved by its ID, so it is never there twice) and deletes them; finishing or
discarding the exam deletes its file too.
"""

from __future__ import annotations

import contextlib
import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from desktop_app.paths import write_private
from desktop_app.store.database import parse_utc, utc_now, utc_text
from desktop_app.store.dialect import storage_errors
from desktop_app.store.drafts import discard_draft, save_draft
from desktop_app.store.errors import StoreError

__all__ = ["DraftKeptHere", "discard_draft", "forget_kept", "hand_over_kept", "keep_here",
           "kept_drafts", "save_draft"]

log = logging.getLogger(__name__)
KEPT_FOLDER = "drafts-kept-here"


class DraftKeptHere(StoreError):
    """The record could not be written, so the draft was kept on this workstation (since
    `since`: the first save the record refused)."""

    def __init__(self, since: datetime) -> None:
        self.since = since
        super().__init__("the record cannot be reached; the draft is kept on this workstation")


def _folder(data_dir: Path) -> Path:
    return Path(data_dir) / KEPT_FOLDER


def _file(data_dir: Path, draft_id: str) -> Path:
    if not draft_id.isalnum():  # the wizard's IDs are hex; never a path
        raise StoreError("a draft ID is letters and digits")
    return _folder(data_dir) / f"{draft_id}.json"


def keep_here(data_dir: Path, draft_id: str, content: dict[str, Any], *, user: str,
              episode_id: int | None) -> None:
    """Write the draft to this workstation's data folder, owner-only, whole or not at all
    (a temporary file renamed over the last copy)."""
    _folder(data_dir).mkdir(mode=0o700, exist_ok=True)
    write_private(_file(data_dir, draft_id), json.dumps(
        {"id": draft_id, "episode_id": episode_id, "user": user, "content": content,
         "saved_at": utc_text(utc_now())}, ensure_ascii=False, allow_nan=False).encode("utf-8"))
    log.warning("draft kept on this workstation: the record cannot be written")


def kept_drafts(data_dir: Path) -> list[dict[str, Any]]:
    """The drafts kept on this workstation, oldest first (a file that cannot be read is
    left where it is, and logged)."""
    folder = _folder(data_dir)
    if not folder.is_dir():
        return []
    kept = []
    for path in folder.glob("*.json"):
        try:
            kept.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as error:
            log.error("a draft kept on this workstation cannot be read (%s)",
                      type(error).__name__)
    return sorted(kept, key=lambda k: str(k.get("saved_at", "")))


def forget_kept(data_dir: Path, draft_id: str | None) -> None:
    """Delete this workstation's copy of a draft (the record has it, or the exam is done)."""
    if draft_id:
        with contextlib.suppress(FileNotFoundError, StoreError):
            _file(data_dir, draft_id).unlink()


def hand_over_kept(db: Database, data_dir: Path) -> int:
    """Save every draft kept on this workstation into the record, by its own ID (so never
    twice), and delete its file. Stops at the first the record refuses (still
    unreachable): those left stay here. Returns how many went over."""
    moved = 0
    for kept in kept_drafts(data_dir):
        try:
            save_draft(db, kept["content"], draft_id=kept["id"], user=kept.get("user"),
                       episode_id=kept.get("episode_id"), now=parse_utc(kept["saved_at"]))
        except storage_errors():
            break
        except (StoreError, KeyError, TypeError) as error:  # not a draft this version reads
            log.error("a draft kept on this workstation was refused (%s)", type(error).__name__)
            continue
        forget_kept(data_dir, kept["id"])
        moved += 1
    if moved:
        log.info("%d draft(s) kept on this workstation went into the record", moved)
    return moved
