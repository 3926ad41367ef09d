"""The append-only audit log: who did what to which record, and when.

Each entry carries the hash of the one before it (SHA-256 over the previous hash and the
entry's own fields), and `audit_head` keeps the last entry written. So an entry edited or
deleted afterwards, even with the sqlite3 shell and the append-only triggers dropped, breaks
the chain, and `verify_audit_chain` names the entry. Entries name records by table and ID
and never carry a patient identifier.

An entry that wrote a row of the record also carries the SHA-256 of that row as written
(`row_sha256`, store/rows.py), inside its chained hash, so the full check compares every
row with its latest entry. `audit_anchor` is the head a signed note carries inside its
signature: a rewrite of the chain up to it is found even when every hash was recomputed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from desktop_app.store.database import (
    fetch_all,
    read_snapshot,
    require_transaction,
    utc_now,
    utc_text,
)
from desktop_app.store.dialect import trigger_names
from desktop_app.store.rows import (
    COVERED,
    CREATING_ACTIONS,
    KEYED,
    REMOVING_ACTIONS,
    has_row_hashes,
    row_hash,
    row_key,
)

GENESIS_HASH = "0" * 64
APPEND_ONLY_TRIGGERS = ("audit_log_no_update", "audit_log_no_delete")
SYSTEM = "system"
RESTORE_ACTION = "record.restore"


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    actor: str
    action: str
    record_table: str | None
    record_id: int | None
    detail: dict[str, Any] | None


# One encoder for every entry: `json.dumps` with options builds a new one each call, and the
# start-up check hashes every entry of the log.
_FIELDS = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def entry_hash(prev_hash: str, entry_id: int, at: str, actor: str, action: str,
               record_table: str | None, record_id: int | None, detail: str | None,
               row_sha256: str | None = None) -> str:
    """The chained hash of one entry (`detail` as the JSON text stored): SHA-256 of the
    previous hash followed by the entry's fields as a compact JSON array (the row hash
    last, when the entry has one: entries written before row hashes keep their hash)."""
    values: list[Any] = [entry_id, at, actor, action, record_table, record_id, detail]
    if row_sha256 is not None:
        values.append(row_sha256)
    fields = _FIELDS.encode(values)
    return hashlib.sha256((prev_hash + fields).encode("utf-8")).hexdigest()


def detail_text(detail: dict[str, Any] | None) -> str | None:
    """The stored form of an entry's detail: compact JSON with sorted keys."""
    if detail is None:
        return None
    return json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def append_audit(db: Database, *, actor: str, action: str, table: str | None = None,
                 record_id: int | None = None, detail: dict[str, Any] | None = None,
                 at: datetime | None = None, row: bool = True) -> int:
    """Append one entry to the chain, inside the caller's write transaction (so the entry
    commits, or rolls back, with the change it records). Returns the entry's ID.

    An entry about a row of the record (`rows.COVERED`; a setting or a key file named by
    `detail["key"]`) carries the SHA-256 of that row as it is now, after the change it
    records, unless `row` is False (an entry of something read: a view, a print).
    `detail` must hold no patient identifier: IDs, levels, field names, counts.
    """
    require_transaction(db, "append_audit")
    head = db.execute("SELECT last_id, last_hash FROM audit_head WHERE id = 1").fetchone()
    last_id, last_hash = head if head else (0, GENESIS_HASH)
    entry_id = last_id + 1
    when = utc_text(at or utc_now())
    text = detail_text(detail)
    row_sha = None
    if row and table in COVERED and has_row_hashes(db):
        row_sha = row_hash(db, table, row_key(table, record_id, detail))
    digest = entry_hash(last_hash, entry_id, when, actor, action, table, record_id, text,
                        row_sha)
    if row_sha is None:
        db.execute(
            "INSERT INTO audit_log (id, at, actor, action, record_table, record_id, detail,"
            " prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (entry_id, when, actor, action, table, record_id, text, last_hash, digest),
        )
    else:
        db.execute(
            "INSERT INTO audit_log (id, at, actor, action, record_table, record_id, detail,"
            " prev_hash, hash, row_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (entry_id, when, actor, action, table, record_id, text, last_hash, digest, row_sha),
        )
    db.execute(
        "INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET last_id = excluded.last_id, last_hash = excluded.last_hash",
        (entry_id, digest),
    )
    return entry_id


def audit_anchor(db: Database) -> str:
    """The chain's head as 'ID:HASH', for a signed note to carry inside its signature:
    a rewrite of the chain up to that entry changes the hash and is found by `check`."""
    head = db.execute("SELECT last_id, last_hash FROM audit_head WHERE id = 1").fetchone()
    last_id, last_hash = head if head else (0, GENESIS_HASH)
    return f"{last_id}:{last_hash}"


@dataclass
class ChainWalk:
    """What one walk of the chain found: entries read, problems, and what the row check
    needs (the latest row hash of each row, the entries that created each row, the ID
    floors restores kept, the hashes of the entries asked for)."""

    count: int = 0
    problems: list[str] = field(default_factory=list)
    latest: dict[tuple[str, Any], tuple[int, str]] = field(default_factory=dict)
    created: dict[tuple[str, Any], list[int]] = field(default_factory=dict)
    id_floor: dict[str, int] = field(default_factory=dict)
    hashes: dict[int, str] = field(default_factory=dict)


def walk_chain(db: Database, *, max_problems: int = 20, rows: bool = False,
               wanted: frozenset[int] = frozenset()) -> ChainWalk:
    """Walk the whole chain (inside the caller's read transaction, so chain and head are
    one snapshot). With `rows`, also collect what the row check needs; the hashes of the
    entries in `wanted` are kept in `hashes`."""
    walk = ChainWalk()
    problems = walk.problems
    present = trigger_names(db, "audit_log")
    for trigger in APPEND_ONLY_TRIGGERS:
        if trigger not in present:
            problems.append(f"the audit log's append-only guard ({trigger}) was removed")
    with_rows = has_row_hashes(db)
    row_column = "row_sha256" if with_rows else "NULL"
    prev_id, prev_hash, count = 0, GENESIS_HASH, 0
    cursor = db.execute(
        "SELECT id, at, actor, action, record_table, record_id, detail, prev_hash, hash, "
        f"{row_column} FROM audit_log ORDER BY id")
    latest, created, floor = walk.latest, walk.created, walk.id_floor
    for (entry_id, at, actor, action, table, record_id, detail, stored_prev, stored,
         row_sha) in cursor:
        count += 1
        if entry_id in wanted:
            walk.hashes[entry_id] = stored
        if rows and table is not None:
            key = (table, record_id)
            if table in KEYED:
                key = (table, _detail_key(detail))
            if row_sha is not None:
                latest[key] = (entry_id, row_sha)
            elif action in REMOVING_ACTIONS:
                latest.pop(key, None)
            if action in CREATING_ACTIONS:
                created.setdefault(key, []).append(entry_id)
        if rows and action == RESTORE_ACTION and detail:
            for name, value in _id_floor(detail).items():
                if isinstance(value, int):
                    floor[name] = max(floor.get(name, 0), value)
        if len(problems) >= max_problems:
            continue  # keep counting; the list is long enough to act on
        if stored_prev != prev_hash:
            if entry_id != prev_id + 1:
                problems.append(
                    f"audit entries {_span(prev_id + 1, entry_id - 1)} are missing "
                    f"(entry {entry_id} does not follow entry {prev_id})")
            else:
                problems.append(f"audit entry {entry_id} does not follow entry {prev_id}: "
                                "an entry before it was changed or replaced")
        try:
            expected = entry_hash(stored_prev, entry_id, at, actor, action, table, record_id,
                                  detail, row_sha)
        except (TypeError, ValueError):  # a field of a kind NeuroCheck never writes
            expected = None
        if stored != expected:
            problems.append(f"audit entry {entry_id} was changed after it was written")
        prev_id, prev_hash = entry_id, stored
    walk.count = count
    head = db.execute("SELECT last_id, last_hash FROM audit_head WHERE id = 1").fetchone()
    if head is None:
        if count:
            problems.append("the audit log's head record is missing")
    elif (head[0], head[1]) != (prev_id, prev_hash):
        if head[0] > prev_id:
            problems.append(f"the audit log ends at entry {prev_id}, but entries up to "
                            f"{head[0]} were written: the last entries were removed")
        else:
            problems.append(f"the audit log's head ({head[0]}) does not match its last "
                            f"entry ({prev_id})")
    return walk


def _detail_key(detail: Any) -> Any:
    try:
        return json.loads(detail).get("key") if detail else None
    except (ValueError, TypeError, AttributeError):
        return None


def _id_floor(detail: Any) -> dict[str, Any]:
    try:
        floor = json.loads(detail).get("id_floor")
    except (ValueError, TypeError, AttributeError):
        return {}
    return floor if isinstance(floor, dict) else {}


def verify_audit_chain(db: Database, *, max_problems: int = 20) -> tuple[int, list[str]]:
    """Walk the whole chain in one read snapshot. Returns (entries read, problems in plain
    words)."""
    with read_snapshot(db):
        walk = walk_chain(db, max_problems=max_problems)
    return walk.count, walk.problems


def _span(first: int, last: int) -> str:
    return str(first) if first == last else f"{first} to {last}"


def audit_entries(db: Database, *, table: str | None = None, record_id: int | None = None,
                  limit: int = 200) -> list[AuditEntry]:
    """The latest entries, newest first; for one record when `table` and `record_id` are given."""
    where, params = "", []
    if table is not None:
        where, params = "WHERE record_table = ? AND record_id = ?", [table, record_id]
    rows = fetch_all(
        db, f"SELECT id, at, actor, action, record_table, record_id, detail FROM audit_log "
        f"{where} ORDER BY id DESC LIMIT ?", [*params, limit])
    return [
        AuditEntry(r["id"], r["at"], r["actor"], r["action"], r["record_table"], r["record_id"],
                   json.loads(r["detail"]) if r["detail"] else None)
        for r in rows
    ]
