"""Noticing that someone else wrote to the record: another window, another workstation on the
same database file, or a command such as `import`.

`DataVersionWatcher` polls SQLite's `PRAGMA data_version` on a connection of its own (it
only reads). The number moves whenever any other connection commits, so the poll costs a few
microseconds and sees every writer, this process's included. (A file-system watch on the
-wal file would miss a database in rollback-journal mode on a network share.)
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal

from desktop_app.record.reads import connect

log = logging.getLogger(__name__)

POLL_MS = 500


class DataVersionWatcher(QObject):
    """Emits `changed` after any commit to the database file."""

    changed = Signal()

    def __init__(self, path: Path, *, interval_ms: int = POLL_MS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = Path(path)
        self.db = connect(self.path, create=False)
        self.version = self._read()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.poll)
        self.timer.start()

    def _read(self) -> int:
        return int(self.db.execute("PRAGMA data_version").fetchone()[0])

    def poll(self) -> bool:
        """Look once; True (and `changed`) when something was committed since last time."""
        try:
            version = self._read()
        except sqlite3.Error as error:  # e.g. the file is being restored; try again later
            log.warning("could not poll the database for changes (%s)", type(error).__name__)
            return False
        if version == self.version:
            return False
        self.version = version
        self.changed.emit()
        return True

    def close(self) -> None:
        """Stop polling and close the connection (twice is harmless)."""
        if shiboken6.isValid(self.timer):
            self.timer.stop()
        self.db.close()
