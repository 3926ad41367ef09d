"""Noticing that someone else wrote to the record: another window, another workstation, or a
command such as `import`.

`RecordWatcher` asks the record's change feed (`watch_changes`: SQLite's data_version on an
embedded record, LISTEN/NOTIFY on a server) on a timer, and on a server also the moment the
feed's socket has a notification to read, so another workstation's save reaches the board
at once rather than at the next tick. A feed that cannot reach the record is logged (its
kind only) and asked again at the next tick; `reachable` says whether the last ask worked.
"""

from __future__ import annotations

import logging
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal

from desktop_app.record.reads import ChangesUnavailable, watch_changes

log = logging.getLogger(__name__)

POLL_MS = 500


class RecordWatcher(QObject):
    """Emits `changed` after any commit to the record at `address` (a file or a URL)."""

    changed = Signal()
    lost = Signal()  # the record could not be asked (once, until it answers again)

    def __init__(self, address: Path | str, *, interval_ms: int = POLL_MS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.address = address
        self.feed = watch_changes(address)
        self.reachable = True
        self.notifier: QSocketNotifier | None = None
        self._listen_on_socket()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.poll)
        self.timer.start()

    def _listen_on_socket(self) -> None:
        """A server's feed has a socket: hear a notification the moment it arrives."""
        if self.notifier is not None:
            self.notifier.setEnabled(False)
            self.notifier.deleteLater()
            self.notifier = None
        fileno = self.feed.fileno()
        if fileno is not None:
            self.notifier = QSocketNotifier(fileno, QSocketNotifier.Type.Read, self)
            self.notifier.activated.connect(self.poll)

    def poll(self) -> bool:
        """Ask once; True (and `changed`) when something was committed since last time."""
        before = self.feed.fileno()
        try:
            changed = self.feed.changed()
        except ChangesUnavailable as error:
            if self.reachable:
                log.warning("could not ask the record for changes (%s)", error)
                self.reachable = False
                self.lost.emit()
            self._listen_on_socket()  # the lost connection's socket is gone
            return False
        self.reachable = True
        if self.feed.fileno() != before:
            self._listen_on_socket()  # connected afresh
        if changed:
            self.changed.emit()
        return changed

    def close(self) -> None:
        """Stop watching and close the feed's connection (twice is harmless)."""
        if shiboken6.isValid(self.timer):
            self.timer.stop()
        if self.notifier is not None and shiboken6.isValid(self.notifier):
            self.notifier.setEnabled(False)
        self.feed.close()
