"""What the shared ward workstation asks of the record beyond the other store modules.

- `ward_entries`: the ward board with what the board shows besides `ward_board`'s columns
  (each episode's flags from its latest exam, the injection site and side), read in one
  query and parsed with the C `fromisoformat`, so 5,000 open episodes read in a few ms.
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
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from desktop_app.store.audit import AuditEntry, append_audit
from desktop_app.store.database import fetch_all, utc_now, utc_text, write_transaction
from desktop_app.store.errors import InvalidValue, NotFound, PermissionDenied
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


@dataclass(frozen=True, slots=True)
class WardEntry:
    """One open episode as the ward board shows it."""

    episode_id: int
    patient_id: int
    mrn: str
    name: str | None
    location: str | None
    procedure_kind: str
    procedure_at: datetime
    site: str | None
    side: str | None
    level: str | None
    flags: tuple[str, ...]
    next_check_due: datetime | None
    last_exam_id: int | None
    last_exam_at: datetime | None

    def overdue(self, now: datetime) -> bool:
        """True when the next check was due before `now` (an episode never checked is)."""
        return self.next_check_due is None or self.next_check_due < now


# The partial index episodes_board (next_check_due WHERE closed_at IS NULL) drives the scan,
# so closed episodes cost nothing however many years of them the record holds.
WARD_SQL = """
SELECT e.id, e.patient_id, p.mrn, p.name, e.location, e.procedure_kind, e.procedure_at_utc,
       e.procedure ->> '$.site', e.procedure ->> '$.side', e.current_level,
       x.assessment -> '$.flags', e.next_check_due, e.last_exam_id, e.last_exam_at
FROM episodes e INDEXED BY episodes_board
JOIN patients p ON p.id = e.patient_id
LEFT JOIN exams x ON x.id = e.last_exam_id
WHERE e.closed_at IS NULL
ORDER BY e.next_check_due, e.id
"""

_NO_FLAGS: tuple[str, ...] = ()


def _time(text: str | None) -> datetime | None:
    # The record's UTC text ('...Z'); fromisoformat is C and ~20 times faster than strptime.
    return datetime.fromisoformat(text) if text else None


def ward_entries(db: Database) -> list[WardEntry]:
    """Every open episode, the next check due first (never checked first of all)."""
    entries = []
    for row in db.execute(WARD_SQL):
        flags = row[10]
        entries.append(WardEntry(
            row[0], row[1], row[2], row[3], row[4], row[5], datetime.fromisoformat(row[6]),
            row[7], row[8], row[9],
            tuple(json.loads(flags)) if flags and flags != "[]" else _NO_FLAGS,
            _time(row[11]), row[12], _time(row[13])))
    return entries


def data_version(db: Database) -> int:
    """SQLite's data version of this connection: it changes when another connection (another
    window, another workstation, a command) commits to the file. Costs microseconds."""
    return int(db.execute("PRAGMA data_version").fetchone()[0])


# -- audit entries for reading and sessions ----------------------------------------------

def record_access(db: Database, *, actor: str, action: str, table: str | None = None,
                  record_id: int | None = None, detail: dict[str, Any] | None = None) -> int:
    """Append one audit entry in its own transaction: a view, a print, an export, a
    session event. Returns the entry's ID. `detail` holds no patient identifier."""
    if not actor or not action:
        raise InvalidValue("an audit entry names its actor and its action")
    with write_transaction(db):
        return append_audit(db, actor=actor, action=action, table=table, record_id=record_id,
                            detail=detail)


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
        where.append("actor = ? COLLATE NOCASE")
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
        "SELECT DISTINCT actor FROM audit_log ORDER BY actor COLLATE NOCASE")]


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
    path = Path(path)
    partial = path.with_name(f".{path.name}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
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
        db.execute(
            "INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
            "updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            [BREAK_GLASS_KEY, json.dumps(name or None), utc_text(utc_now()), admin.name])
        append_audit(db, actor=admin.name, action="setting.change", table="settings",
                     detail={"key": BREAK_GLASS_KEY})
