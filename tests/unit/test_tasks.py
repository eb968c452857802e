"""TaskRunner: work on a pool thread, callbacks on the thread that submitted it."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QThreadPool

from desktop_app.services.tasks import TaskRunner


@pytest.fixture(scope="module")
def core_app(qapp):
    # pytest-qt's one QApplication for the session: a QCoreApplication made here
    # would abort the first widget test run after it.
    yield qapp


def run_until(app, predicate, timeout=5.0):
    import time

    end = time.monotonic() + timeout
    while not predicate() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.002)
    assert predicate()


def test_result_and_error_arrive_on_submitting_thread(core_app):
    runner = TaskRunner(QThreadPool())
    main = threading.get_ident()
    seen: dict[str, object] = {}

    def work(a, b):
        seen["worker"] = threading.get_ident()
        return a + b

    def boom():
        raise ValueError("disk full")

    runner.submit(
        work, 2, 3, on_done=lambda r: seen.update(result=r, done_on=threading.get_ident())
    )
    runner.submit(boom, on_error=lambda e: seen.update(error=e, err_on=threading.get_ident()))
    run_until(core_app, lambda: "result" in seen and "error" in seen)
    assert seen["result"] == 5
    assert seen["worker"] != main
    assert seen["done_on"] == main and seen["err_on"] == main
    assert isinstance(seen["error"], ValueError)
    run_until(core_app, lambda: runner.in_flight == 0)


def test_error_without_handler_is_logged_not_raised(core_app, caplog):
    runner = TaskRunner(QThreadPool())
    runner.submit(lambda: 1 / 0)
    run_until(core_app, lambda: runner.in_flight == 0)
    assert "background task failed" in caplog.text


def test_callbacks_of_a_deleted_context_are_dropped(core_app):
    import shiboken6
    from PySide6.QtCore import QObject

    runner = TaskRunner(QThreadPool())
    release = threading.Event()
    seen: list[object] = []
    receiver, survivor = QObject(), QObject()

    def work(value):
        release.wait(5)
        return value

    def boom():
        release.wait(5)
        raise ValueError("late")

    runner.submit(work, "gone", on_done=seen.append, context=receiver)
    runner.submit(boom, on_error=seen.append, context=receiver)
    runner.submit(work, "alive", on_done=seen.append, context=survivor)
    shiboken6.delete(receiver)  # the state is torn down while its requests are in flight
    release.set()
    run_until(core_app, lambda: runner.in_flight == 0)
    assert seen == ["alive"]
