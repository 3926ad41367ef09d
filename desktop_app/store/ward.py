"""What the shared ward workstation asks of the record beyond the other store modules.

- `WardReader` / `ward_entries`: the ward board, the one read of it (every open episode
  with each one's flags from its latest exam, the injection site and side), fast enough
  for 5,000 open episodes on a timer.
- `data_version`: a counter SQLite moves whenever another connection commits, polled by
  the board to see another workstation's writes.
- `record_access`: the audit entry of something read or sent out (a patient viewed, a
  note printed, the audit log exported) and of the sign-in session's events (lock, unlock,
  sign-out, emergency access).
- `search_audit`, `audit_csv`, `export_audit_csv`: the administrator's audit screen.
- `break_glass_account`, `set_break_glass_account`: the account an administrator sets
  aside for emergency access, kept in the ward's settings table.

Like the rest of the store: every audit entry names records by ID, never a patient.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from desktop_app.paths import write_private
from desktop_app.store import dialect
from desktop_app.store.audit import AuditEntry, append_audit
from desktop_app.store.database import fetch_all, utc_now, utc_text, write_transaction
from desktop_app.store.errors import InvalidValue, NotFound, PermissionDenied
from desktop_app.store.rows import guard_row
from desktop_app.store.users import ADMIN, get_user

# Audit actions of things read or sent out, and of the sign-in session.
PATIENT_VIEW = "patient.view"
NOTE_PRINT = "note.print"
AUDIT_VIEW = "audit.view"
AUDIT_EXPORT = "audit.export"
SESSION_LOCK = "session.lock"
SESSION_UNLOCK = "session.unlock"
SESSION_SIGN_OUT = "session.sign_out"
SESSION_REFUSED = "session.sign_in_refused"
BREAK_GLASS = "session.break_glass"
BREAK_GLASS_END = "session.break_glass_end"

BREAK_GLASS_KEY = "break_glass_account"
BREAK_GLASS_ROLES = ("nurse", "clinician")
CSV_COLUMNS = ("id", "at", "actor", "action", "record_table", "record_id", "detail")


@dataclass(slots=True)  # not frozen: a frozen dataclass is 6 times slower to make
class WardEntry:
    """One open episode as the ward board shows it (read it, do not change it)."""

    episode_id: int
    mrn: str
    name: str | None
    location: str | None
    procedure_kind: str
    procedure_at: datetime
    site: str | None
    side: str | None
    block_levels: tuple[str, ...]
    level: str | None
    flags: tuple[str, ...]
    next_check_due: datetime | None
    last_exam_id: int | None
    last_exam_at: datetime | None  # when the latest exam was performed (UTC)

    def overdue(self, now: datetime) -> bool:
        """True when the next check was due before `now` (an episode never checked is)."""
        return self.next_check_due is None or self.next_check_due < now


# The partial index episodes_board (next_check_due WHERE closed_at IS NULL) drives the scan,
# so closed episodes cost nothing however many years of them the record holds. Checks due
# at the same time: the highest level first. (NULLS FIRST is SQLite's order, spelt out for
# PostgreSQL, which puts them last.)
WARD_SQL = """
SELECT e.id, p.mrn, p.name, e.location, e.procedure_kind, e.procedure_at_utc,
       e.current_level, e.next_check_due, e.last_exam_id, e.last_exam_at
FROM episodes e JOIN patients p ON p.id = e.patient_id
WHERE e.closed_at IS NULL
ORDER BY e.next_check_due NULLS FIRST, CASE e.current_level WHEN 'emergency' THEN 0 WHEN 'urgent' THEN 1
         WHEN 'notify' THEN 2 WHEN 'observe' THEN 3 ELSE 4 END, e.id
"""
# What the board shows from an episode's latest exam; an exam is never changed once saved,
# so this is read once per exam, not once per refresh.
DETAILS_SQL = """
SELECT x.id, x.assessment -> '$.flags', e.procedure ->> '$.site', e.procedure ->> '$.side',
       e.procedure -> '$.levels'
FROM exams x JOIN episodes e ON e.id = x.episode_id
WHERE x.id IN (SELECT CAST(value AS INTEGER) FROM json_each(?))
"""

_NONE: tuple[str, ...] = ()
_Details = tuple[tuple[str, ...], str | None, str | None, tuple[str, ...]]
_NO_DETAILS: _Details = (_NONE, None, None, _NONE)


def _strings(text: str | None) -> tuple[str, ...]:
    return tuple(json.loads(text)) if text and text != "[]" else _NONE


class WardReader:
    """Reads the ward board, remembering what it read.

    An exam never changes once saved, so each latest exam's flags and site are read once;
    and an episode whose row did not change since the last refresh keeps its `WardEntry`
    (entries are shared between refreshes: read them, never change them). A refresh with
    5,000 open episodes then costs little more than its SELECT.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._details: dict[int, _Details] = {}
        self._entries: dict[int, tuple[tuple[Any, ...], WardEntry]] = {}

    def entries(self) -> list[WardEntry]:
        """Every open episode, the next check due first (never checked first of all; the
        highest level first among checks due at the same time)."""
        rows = self.db.execute(WARD_SQL).fetchall()
        previous = self._entries
        current: dict[int, tuple[tuple[Any, ...], WardEntry]] = {}
        entries = []
        changed = []
        for row in rows:
            kept = previous.get(row[0])
            if kept is not None and kept[0] == row:
                entries.append(kept[1])
                current[row[0]] = kept
            else:
                entries.append(None)
                changed.append((len(entries) - 1, row))
        if changed:
            self._read_details([row[8] for _i, row in changed])
            for index, row in changed:
                entry = self._entry(row)
                entries[index] = entry
                current[row[0]] = (row, entry)
        self._entries = current
        return entries  # type: ignore[return-value]

    def _read_details(self, exam_ids: list[int | None]) -> None:
        known = self._details
        missing = [i for i in exam_ids if i is not None and i not in known]
        if missing:
            for exam_id, flags, site, side, levels in self.db.execute(
                    DETAILS_SQL, [json.dumps(missing)]):
                known[exam_id] = (_strings(flags), site, side, _strings(levels))
        if len(known) > 2 * len(self._entries) + len(exam_ids) + 64:
            current = {row[8] for row, _entry in self._entries.values()} | set(exam_ids)
            self._details = {k: v for k, v in known.items() if k in current}

    def _entry(self, row: tuple[Any, ...]) -> WardEntry:
        episode_id, mrn, name, location, kind, procedure_at, level, due, exam_id, exam_at = row
        flags, site, side, levels = self._details.get(exam_id, _NO_DETAILS)
        # fromisoformat is C: ~20 times faster than strptime on the record's UTC text
        return WardEntry(episode_id, mrn, name, location, kind,
                         datetime.fromisoformat(procedure_at), site, side, levels, level, flags,
                         datetime.fromisoformat(due) if due else None, exam_id,
                         datetime.fromisoformat(exam_at) if exam_at else None)


def ward_entries(db: Database) -> list[WardEntry]:
    """Every open episode, the next check due first (a one-off read; the board keeps a
    `WardReader`)."""
    return WardReader(db).entries()


def data_version(db: Database) -> int:
    """The data version of this connection: it changes when another connection (another
    window, another workstation, a command) commits to the record. Costs microseconds."""
    return dialect.data_version(db)


# -- audit entries for reading and sessions ----------------------------------------------

def record_access(db: Database, *, actor: str, action: str, table: str | None = None,
                  record_id: int | None = None, detail: dict[str, Any] | None = None) -> int:
    """Append one audit entry in its own transaction: a view, a print, an export, a
    session event. Returns the entry's ID. `detail` holds no patient identifier."""
    if not actor or not action:
        raise InvalidValue("an audit entry names its actor and its action")
    with write_transaction(db):
        return append_audit(db, actor=actor, action=action, table=table, record_id=record_id,
                            detail=detail, row=False)


def record_patient_view(db: Database, episode_id: int, *, actor: str, via: str) -> int:
    """Audit that `actor` opened the patient of an episode (`via`: which screen)."""
    row = db.execute("SELECT patient_id FROM episodes WHERE id = ?", [episode_id]).fetchone()
    if row is None:
        raise NotFound(f"no episode with ID {episode_id}")
    return record_access(db, actor=actor, action=PATIENT_VIEW, table="patients",
                         record_id=row[0], detail={"episode_id": episode_id, "via": via})


# -- the administrator's audit screen ----------------------------------------------------

def search_audit(db: Database, *, actor: str | None = None, action: str | None = None,
                 since: datetime | None = None, until: datetime | None = None,
                 table: str | None = None, record_id: int | None = None,
                 limit: int = 1000) -> list[AuditEntry]:
    """Audit entries, newest first, filtered: `actor` (exact, any case), `action` (exact,
    or every action under a prefix ending in '.', e.g. 'session.'), `since` <= at <
    `until`, the record (`table`, and `record_id` when given). At most `limit`."""
    where: list[str] = []
    params: list[Any] = []
    if actor:
        where.append("lower(actor) = lower(?)")
        params.append(actor.strip())
    if action:
        action = action.strip()
        if action.endswith("."):
            where.append("substr(action, 1, ?) = ?")
            params += [len(action), action]
        else:
            where.append("action = ?")
            params.append(action)
    if since is not None:
        where.append("at >= ?")
        params.append(utc_text(since))
    if until is not None:
        where.append("at < ?")
        params.append(utc_text(until))
    if table:
        where.append("record_table = ?")
        params.append(table)
        if record_id is not None:
            where.append("record_id = ?")
            params.append(record_id)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    rows = fetch_all(db, "SELECT id, at, actor, action, record_table, record_id, detail "
                     f"FROM audit_log {clause} ORDER BY id DESC LIMIT ?", [*params, limit])
    return [AuditEntry(r["id"], r["at"], r["actor"], r["action"], r["record_table"],
                       r["record_id"], json.loads(r["detail"]) if r["detail"] else None)
            for r in rows]


def audit_actors(db: Database) -> list[str]:
    """Every actor the audit log names, sorted."""
    return [r[0] for r in db.execute(
        "SELECT DISTINCT actor, lower(actor) FROM audit_log ORDER BY lower(actor), actor")]


def audit_actions(db: Database) -> list[str]:
    """Every action the audit log holds, sorted."""
    return [r[0] for r in db.execute("SELECT DISTINCT action FROM audit_log ORDER BY action")]


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet runs a cell starting with one of these as a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def audit_csv(entries: Iterable[AuditEntry]) -> str:
    """Entries as CSV text (a header line, then one entry a line), safe to open in a
    spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for e in entries:
        detail = json.dumps(e.detail, ensure_ascii=False, sort_keys=True) if e.detail else ""
        writer.writerow([_cell(v) for v in (e.id, e.at, e.actor, e.action, e.record_table,
                                              e.record_id, detail)])
    return out.getvalue()


def export_audit_csv(db: Database, entries: Sequence[AuditEntry], path: Path, *, actor: str,
                     filters: dict[str, Any] | None = None) -> int:
    """Write `entries` as CSV to `path` (owner-only, complete or not at all) and audit the
    export. Returns how many entries were written."""
    data = audit_csv(entries).encode("utf-8-sig")  # the BOM makes spreadsheets read UTF-8
    write_private(Path(path), data)
    record_access(db, actor=actor, action=AUDIT_EXPORT,
                  detail={"entries": len(entries), "filters": filters or {}})
    return len(entries)


# -- the emergency account ---------------------------------------------------------------

def break_glass_account(db: Database) -> str | None:
    """The name of the account set aside for emergency access, or None."""
    row = db.execute("SELECT value FROM settings WHERE key = ?", [BREAK_GLASS_KEY]).fetchone()
    return json.loads(row[0]) if row else None


def set_break_glass_account(db: Database, name: str | None, *, actor: str) -> None:
    """Set (or clear, with None) the emergency account. Only an administrator may; the
    account must be an enabled nurse or clinician account (never an administrator's)."""
    with write_transaction(db):
        admin = get_user(db, actor)
        if admin.disabled or admin.role != ADMIN:
            raise PermissionDenied("only an administrator sets the emergency account")
        if name:
            user = get_user(db, name)
            if user.disabled:
                raise InvalidValue(f"the account {user.name!r} is disabled")
            if user.role not in BREAK_GLASS_ROLES:
                raise InvalidValue("the emergency account is a nurse or clinician account, "
                                   "never an administrator's")
            name = user.name
        guard_row(db, "settings", BREAK_GLASS_KEY)
        db.execute(
            "INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
            "updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            [BREAK_GLASS_KEY, json.dumps(name or None), utc_text(utc_now()), admin.name])
        append_audit(db, actor=admin.name, action="setting.change", table="settings",
                     detail={"key": BREAK_GLASS_KEY})
