"""Signing keys kept in the record itself: the `key_files` table, by the names the data
folder's pki/ uses ("authority/key.pem", "users/NAME/certificate.pem"...). It has the
`KeyFiles` surface of `report.pki` (read, write, rename), so the authority and every
user's key work the same wherever they are kept; the store does not need to know what
the bytes are. Writes join the caller's transaction: an account and its key change in
one step, or neither."""

from __future__ import annotations

from sqlite_utils import Database

from desktop_app.store.database import utc_now, utc_text


class RecordKeyFiles:
    """The key material of the record `db`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def read(self, name: str) -> bytes | None:
        row = self.db.execute("SELECT content FROM key_files WHERE name = ?", [name]).fetchone()
        return bytes(row[0]) if row is not None else None  # PostgreSQL hands a memoryview

    def write(self, name: str, content: bytes) -> None:
        self.db.execute(
            "INSERT INTO key_files (name, content, written_at) VALUES (?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET content = excluded.content, "
            "written_at = excluded.written_at",
            [name, bytes(content), utc_text(utc_now())])

    def rename(self, old: str, new: str) -> None:
        self.db.execute("UPDATE key_files SET name = ?, written_at = ? WHERE name = ?",
                        [new, utc_text(utc_now()), old])

    def names(self) -> list[str]:
        """Every name kept, in order (for a backup's or a migration's count)."""
        return [row[0] for row in self.db.execute("SELECT name FROM key_files ORDER BY name")]
