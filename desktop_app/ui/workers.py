"""Work off the GUI thread: a function runs on a thread pool and its result (or exception)
comes back on the GUI thread, so the window never freezes (key unlocking, signing,
password checks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

Done = Callable[[Any, BaseException | None], None]


class _Relay(QObject):
    """Lives in the GUI thread; a worker's result arrives here through a queued signal."""

    done = Signal(object, object)

    def __init__(self, callback: Done) -> None:
        super().__init__()
        self.callback = callback
        self.done.connect(self.deliver)

    @Slot(object, object)
    def deliver(self, result: Any, error: BaseException | None) -> None:
        _RELAYS.discard(self)
        self.deleteLater()
        self.callback(result, error)


class _Job(QRunnable):
    def __init__(self, work: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.work = work
        self.relay = relay

    def run(self) -> None:
        try:
            result, error = self.work(), None
        except Exception as exc:  # handed to the GUI thread, which says what went wrong
            result, error = None, exc
        self.relay.done.emit(result, error)


_RELAYS: set[_Relay] = set()  # a relay must outlive its job


def run_in_background(work: Callable[[], Any], on_done: Done,
                      pool: QThreadPool | None = None) -> None:
    """Run `work` on `pool` (the global pool by default); `on_done(result, error)` is then
    called on the GUI thread."""
    relay = _Relay(on_done)
    _RELAYS.add(relay)
    (pool or QThreadPool.globalInstance()).start(_Job(work, relay))
