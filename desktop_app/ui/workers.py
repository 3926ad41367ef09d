"""Work off the GUI thread: a function runs on a thread pool and its result (or exception)
comes back on the GUI thread, so the window never freezes (key unlocking, signing,
password checks).

Qt objects belong to the GUI thread. Two rules keep them there:

* A job is a plain Python callable given plain data (paths, names, bytes) that returns
  plain data, run on a plain Python thread. It never holds a Qt object: the only Qt
  object a worker touches is one relay that lives as long as the application, through
  which it posts a numbered result; the callback waiting for that number is kept on the
  GUI side, and so is everything the callback refers to.
* Automatic cyclic garbage collection is off (`install_gui_thread_gc`); the collector runs
  from a timer on the GUI thread instead. Left automatic, a collection started by whatever
  thread happens to allocate (reportlab laying out a note in a worker, say) would finalize
  Qt wrappers of closed dialogs there, off the GUI thread, and crash the process.
"""

from __future__ import annotations

import gc
import itertools
import logging
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer, Signal, Slot

log = logging.getLogger(__name__)

Done = Callable[[Any, BaseException | None], None]


class _Relay(QObject):
    """Lives in the GUI thread for the application's lifetime; a worker's numbered result
    arrives here through a queued signal and is handed to the callback waiting for it."""

    done = Signal(int, object, object)

    def __init__(self) -> None:
        super().__init__()
        from PySide6.QtCore import Qt  # not at import: the sign-in screen paints without it

        self.waiting: dict[int, Done] = {}
        self.done.connect(self.deliver, Qt.ConnectionType.QueuedConnection)

    @Slot(int, object, object)
    def deliver(self, ticket: int, result: Any, error: BaseException | None) -> None:
        callback = self.waiting.pop(ticket, None)
        if callback is not None:
            callback(result, error)


_relay: _Relay | None = None
_tickets = itertools.count(1)


def _the_relay() -> _Relay:
    global _relay
    if _relay is None or not shiboken6.isValid(_relay):
        app = QCoreApplication.instance()
        if app is not None and QThread.currentThread() is not app.thread():
            raise RuntimeError("background work is started from the GUI thread")
        _relay = _Relay()
    return _relay


def _run_job(work: Callable[[], Any], ticket: int, relay: _Relay) -> None:
    """In the worker: run `work`, post its result (or exception) to the GUI thread."""
    try:
        result, error = work(), None
    except Exception as exc:  # handed to the GUI thread, which says what went wrong
        result, error = None, exc
    del work
    if shiboken6.isValid(relay):
        relay.done.emit(ticket, result, error)


class WorkerPool:
    """Python threads (no Qt object is created or deleted by them) that run jobs in the
    order given, at most `max_threads` at a time."""

    def __init__(self, max_threads: int = 2, name: str = "worker") -> None:
        self._executor = ThreadPoolExecutor(max_workers=max_threads, thread_name_prefix=name)
        self._futures: set[Future] = set()
        self._lock = threading.Lock()
        _POOLS.add(self)

    def start(self, work: Callable[[], Any], ticket: int, relay: _Relay) -> None:
        future = self._executor.submit(_run_job, work, ticket, relay)
        with self._lock:
            self._futures.add(future)
        future.add_done_callback(self._forget)

    def _forget(self, future: Future) -> None:
        with self._lock:
            self._futures.discard(future)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every job given so far has run; False if `timeout` passed first."""
        with self._lock:
            futures = list(self._futures)
        _done, not_done = wait_futures(futures, timeout=timeout)
        return not not_done

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True)
        _POOLS.discard(self)


_POOLS: weakref.WeakSet[WorkerPool] = weakref.WeakSet()
_default_pool: WorkerPool | None = None


def default_pool() -> WorkerPool:
    global _default_pool
    if _default_pool is None:
        _default_pool = WorkerPool(max(2, QThread.idealThreadCount()), "neurocheck-worker")
    return _default_pool


def run_in_background(work: Callable[[], Any], on_done: Done,
                      pool: WorkerPool | None = None) -> None:
    """Run `work` on `pool` (the shared pool by default); `on_done(result, error)` is then
    called on the GUI thread. `work` must hold no Qt object: give it paths and values."""
    relay = _the_relay()
    ticket = next(_tickets)
    relay.waiting[ticket] = on_done
    (pool or default_pool()).start(work, ticket, relay)


def wait_for_jobs(timeout: float | None = 30.0) -> bool:
    """Block until every pool's jobs have run (their results are then posted, delivered
    when the GUI thread next handles events); False if `timeout` passed first."""
    return all(pool.wait(timeout) for pool in list(_POOLS))


def pending_jobs() -> int:
    """Callbacks still waiting for their result on the GUI thread."""
    return len(_relay.waiting) if _relay is not None and shiboken6.isValid(_relay) else 0


# -- garbage collection on the GUI thread only ----------------------------------------------

class GuiThreadCollector(QObject):
    """Automatic garbage collection off; a timer on the GUI thread collects instead, the
    youngest generation when its threshold is passed, the older ones as Python would."""

    def __init__(self, interval_ms: int = 1000, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()

    @Slot()
    def check(self) -> None:
        """Collect what Python would have collected by now (on this, the GUI, thread)."""
        first, second, third = gc.get_count()
        if third > self.threshold[2]:
            gc.collect(2)
        elif second > self.threshold[1]:
            gc.collect(1)
        elif first > self.threshold[0]:
            gc.collect(0)


_collector: GuiThreadCollector | None = None


def install_gui_thread_gc(app: QCoreApplication | None = None,
                          interval_ms: int = 1000) -> GuiThreadCollector:
    """Turn automatic garbage collection off and collect from a GUI-thread timer (once per
    application; called again, returns the same collector)."""
    global _collector
    app = app or QCoreApplication.instance()
    if app is None:
        raise RuntimeError("the application must exist before the collector")
    if QThread.currentThread() is not app.thread():
        raise RuntimeError("the collector is installed from the GUI thread")
    if _collector is None or not shiboken6.isValid(_collector):
        _collector = GuiThreadCollector(interval_ms, app)
    gc.disable()
    return _collector
