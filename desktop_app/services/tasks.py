"""Background work with results delivered on the GUI thread.

Every network and disk call of the GUI goes through ``TaskRunner.submit``: the function runs
on a ``QThreadPool`` worker, and its result (or exception) comes back through a small
``QObject`` whose signals are connected to its own slots. The carrier is created by
``submit`` on the calling (GUI) thread, so Qt queues those signals across threads and the
callbacks run on the GUI thread, where touching widgets and models is safe. Workers never
see a widget. (Same shape as MusicBrainz Picard's ``picard/util/thread.py``.)

Separate runners with separate pools keep uploads from queueing behind downloads.

A task submitted with ``context=`` (the QObject its callbacks belong to) is delivered only
while that object is alive: a state torn down while its request was in flight simply never
hears back, so nobody has to wait for ``in_flight`` to reach zero before deleting it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

DoneCallback = Callable[[Any], None]
ErrorCallback = Callable[[BaseException], None]
# ``TaskRunner.submit`` with its owner bound as ``context`` (what a state is handed).
Submit = Callable[..., None]


class _Carrier(QObject):
    """Lives on the GUI thread; the worker only emits its signals."""

    finished = Signal(object)
    failed = Signal(object)

    def __init__(
        self,
        on_done: DoneCallback | None,
        on_error: ErrorCallback | None,
        release: Callable[[_Carrier], None],
        context: QObject | None = None,
    ) -> None:
        super().__init__()
        self._on_done = on_done
        self._on_error = on_error
        self._release = release
        self._context = context
        self.finished.connect(self._deliver_result)
        self.failed.connect(self._deliver_error)

    def _receiver_gone(self) -> bool:
        return self._context is not None and not shiboken6.isValid(self._context)

    @Slot(object)
    def _deliver_result(self, result: object) -> None:
        try:
            if self._on_done is not None and not self._receiver_gone():
                self._on_done(result)
        finally:
            self._release(self)

    @Slot(object)
    def _deliver_error(self, error: BaseException) -> None:
        try:
            if self._receiver_gone():
                log.debug("dropped the error of a task whose receiver is gone: %r", error)
            elif self._on_error is not None:
                self._on_error(error)
            else:
                log.error("background task failed", exc_info=error)
        finally:
            self._release(self)


class _Job(QRunnable):
    def __init__(self, carrier: _Carrier, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._carrier = carrier
        self._fn = fn
        self._args = args

    def run(self) -> None:  # worker thread: no widgets, no models, only the function
        try:
            result = self._fn(*self._args)
        except BaseException as exc:  # delivered to on_error; nothing may escape a worker
            log.debug("task %s raised %r", getattr(self._fn, "__name__", self._fn), exc)
            self._carrier.failed.emit(exc)
        else:
            self._carrier.finished.emit(result)


class TaskRunner:
    """Runs blocking functions on ``pool`` and calls back on the GUI thread.

    ``submit`` must be called from the GUI thread (the thread whose event loop delivers the
    callbacks). Carriers are kept alive here until their callback has run.
    """

    def __init__(self, pool: QThreadPool) -> None:
        self._pool = pool
        self._in_flight: set[_Carrier] = set()

    @property
    def pool(self) -> QThreadPool:
        return self._pool

    @property
    def in_flight(self) -> int:
        """Tasks submitted whose callback has not run yet."""
        return len(self._in_flight)

    def submit(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_done: DoneCallback | None = None,
        on_error: ErrorCallback | None = None,
        context: QObject | None = None,
    ) -> None:
        """Run ``fn(*args)`` on the pool; ``on_done(result)`` or ``on_error(exc)`` follow on
        this thread, unless ``context`` has been deleted by then."""
        carrier = _Carrier(on_done, on_error, self._in_flight.discard, context)
        self._in_flight.add(carrier)
        self._pool.start(_Job(carrier, fn, args))

    def wait(self, msecs: int = -1) -> bool:
        """Block until the pool's workers are idle (for shutdown and tests); callbacks still
        need the event loop to run afterwards."""
        return self._pool.waitForDone(msecs)
