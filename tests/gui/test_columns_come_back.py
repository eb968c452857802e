"""Widths forced by a small window do not squeeze a larger one, now or after a restart.

A tester shrank the window to 760×520, went back to 1280×860 and found the thread list
at 110 px ("Anna+…", "Rehearsal…", a sideways scroll bar), still so after a restart:
the widths saved were the squeezed ones. A drag in the small window was what still did
it: it took every column's width as the musician's, not only those of the columns the
drag moved. The app is built as ``python -m desktop_app`` builds it (AppGraph on its
embedded server), quit, and started again on the same home.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PySide6.QtGui import QFontMetrics

from desktop_app.app import AppGraph
from desktop_app.paths import AppPaths
from desktop_app.settings import Settings
from tests.gui.layout_checks import problems
from tests.gui.started_app import drag_handle, pump, wait_until

NAMES = ("Rehearsal jams", "Anna+Ben secret")


@contextmanager
def _app(home: Path, size: tuple[int, int] | None) -> Iterator[AppGraph]:
    """The app as "ada" in ``home``; at ``size``, or where its saved layout puts it."""
    paths = AppPaths.under(home).ensure()
    settings = Settings.open(paths.settings_file)
    settings.user_name = "ada"
    graph = AppGraph(paths, settings)
    try:
        if size is not None:
            graph.window.resize(*size)
        graph.window.show()
        graph.start()
        yield graph
    finally:
        graph.window.close()  # saves the layout, as quitting does
        graph.shutdown()


def _at(qapp, window, size: tuple[int, int]) -> None:
    window.resize(*size)
    pump(qapp, 0.3)
    assert window.size().toTuple() == size


def _names_whole(window) -> list[str]:
    """The thread names that do not fit their row (the list's padding, the item's own and
    a pill's room taken off): what the list paints with "…"."""
    view = window.thread_list.list
    cut = []
    for row in range(view.count()):
        item = view.item(row)
        rect = view.visualItemRect(item)
        room = min(rect.right(), view.viewport().width()) - rect.left() - 2 * 12 - 40
        if not item.icon().isNull():
            room -= view.iconSize().width() + 4
        if QFontMetrics(view.font()).horizontalAdvance(item.text()) > room:
            cut.append(item.text())
    return cut


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "home"
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_a_small_window_and_a_drag_in_it_leave_a_larger_window_its_columns(qapp, home):
    with _app(home, (1280, 860)) as graph:
        window = graph.window
        wait_until(qapp, lambda: bool(graph.settings.welcome_thread_id))
        api = graph.connection.api
        api.create_thread(NAMES[0], users=("ada", "anna", "ben"))
        api.create_private_thread(NAMES[1], users=("anna",))
        graph.threads_state.refresh_threads()
        wait_until(qapp, lambda: window.thread_list.list.count() == 3)
        pump(qapp, 0.3)
        threads_before = window.thread_list.width()
        conversation_before = window.conversation.width()
        assert threads_before >= 150 and _names_whole(window) == []

        _at(qapp, window, (760, 520))
        _at(qapp, window, (1024, 640))
        squeezed = window.thread_list.width()
        assert squeezed < threads_before - 40  # the window took room from every column
        # the musician widens the conversation a little, in the small window
        drag_handle(window.splitter.handle(2), -30)
        pump(qapp, 0.2)
        assert window.thread_list.width() == squeezed  # (a drag of the other handle)
        _at(qapp, window, (760, 520))

        _at(qapp, window, (1280, 860))
        assert abs(window.thread_list.width() - threads_before) <= 2
        assert window.conversation.width() >= conversation_before  # and what was dragged
        assert _names_whole(window) == []
        assert not window.thread_list.list.horizontalScrollBar().isVisible()
        assert problems(window) == []

    with _app(home, None) as graph:  # started again with the saved layout
        window = graph.window
        wait_until(qapp, lambda: window.thread_list.list.count() == 3)
        _at(qapp, window, (1280, 860))  # (offscreen, the saved geometry is fitted to its
        # small virtual screen)
        assert abs(window.thread_list.width() - threads_before) <= 2
        assert _names_whole(window) == []
        assert not window.thread_list.list.horizontalScrollBar().isVisible()


def test_the_thread_list_never_scrolls_sideways(qapp, home):
    """Long names end in "…" in a narrow list; no sideways scroll bar under them."""
    with _app(home, (1024, 640)) as graph:
        window = graph.window
        wait_until(qapp, lambda: bool(graph.settings.welcome_thread_id))
        graph.connection.api.create_thread("A very long thread name for the weekly rehearsal")
        graph.threads_state.refresh_threads()
        wait_until(qapp, lambda: window.thread_list.list.count() == 2)
        pump(qapp, 0.3)
        assert not window.thread_list.folded
        assert window.thread_list.width() < 200
        assert not window.thread_list.list.horizontalScrollBar().isVisible()
