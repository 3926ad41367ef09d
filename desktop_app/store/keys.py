"""Signing keys kept in the record itself: the `key_files` table, by the names the data
folder's pki/ uses ("authority/key.pem", "users/NAME/certificate.pem"...). It has the
`KeyFiles` surface of `report.pki` (read, write, rename), so the authority and every
user's key work the same wherever they are kept; the store does not need to know what
the bytes are. Writes join the caller's transaction: an account and its key change in
one step, or neither.

Each write is an audit entry with the row's hash (`key.write`; a rename retires the old
name, `key.retire`), like every other row of the record, so the full check finds a key
row swapped, added or removed outside NeuroCheck; a row that differs from what its entry
recorded is never written over (`rows.guard_row`)."""

from __future__ import annotations

from sqlite_utils import Database

from desktop_app.store.audit import append_audit
from desktop_app.store.database import require_transaction, utc_now, utc_text
from desktop_app.store.dialect import schema_version
from desktop_app.store.errors import StoreError
from desktop_app.store.rows import guard_row

KEY_WRITE = "key.write"  # record.actions lists both
KEY_RETIRE = "key.retire"
KEYS_SINCE = 6  # the schema version that made the table


def record_keeps_keys(db: Database) -> bool:
    """Whether the record `db` holds signing keys of its own (a record on a server, or a
    portable copy of one restored into a data folder); an older record, not migrated
    (`verify` reads without migrating), has none."""
    if schema_version(db) < KEYS_SINCE:
        return False
    return db.execute("SELECT 1 FROM key_files LIMIT 1").fetchone() is not None


class RecordKeyFiles:
    """The key material of the record `db`; `actor` names who writes it (reading needs
    no one)."""

    def __init__(self, db: Database, actor: str | None = None) -> None:
        self.db = db
        self.actor = actor

    def read(self, name: str) -> bytes | None:
        row = self.db.execute("SELECT content FROM key_files WHERE name = ?", [name]).fetchone()
        return bytes(row[0]) if row is not None else None  # PostgreSQL hands a memoryview

    def write(self, name: str, content: bytes) -> None:
        actor = self._writer("write")
        guard_row(self.db, "key_files", name)
        self.db.execute(
            "INSERT INTO key_files (name, content, written_at) VALUES (?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET content = excluded.content, "
            "written_at = excluded.written_at",
            [name, bytes(content), utc_text(utc_now())])
        append_audit(self.db, actor=actor, action=KEY_WRITE, table="key_files",
                     detail={"key": name})

    def rename(self, old: str, new: str) -> None:
        content = self.read(old)
        if content is None:
            raise StoreError(f"there is no signing-key file {old!r} to move")
        actor = self._writer("rename")
        guard_row(self.db, "key_files", old)
        self.write(new, content)
        self.db.execute("DELETE FROM key_files WHERE name = ?", [old])
        append_audit(self.db, actor=actor, action=KEY_RETIRE, table="key_files",
                     detail={"key": old, "moved_to": new})

    def names(self) -> list[str]:
        """Every name kept, in order (for a backup's or a migration's count)."""
        return [row[0] for row in self.db.execute("SELECT name FROM key_files ORDER BY name")]

    def _writer(self, what: str) -> str:
        require_transaction(self.db, f"a signing key's {what}")
        if not self.actor:
            raise StoreError("a signing key is written only in the name of a user")
        return self.actor
