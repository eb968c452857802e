"""What the user-journey tests share: a real server, people each with their own app (the
AppGraph built as the app builds it, their own SEQUENCER_HOME, the engine on its clock
instead of a sound card), and finding what they see in the rendered window.

Controls are found by their pixels in ``widget.grab()`` and clicked there with QTest on
whichever widget is painted at that point, as a person's click would reach it. Row
rectangles come from the list view (``visualRect``), never from the delegate's own
geometry functions, so a painted control and its hit test must agree for a click to work.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import numpy as np
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from desktop_app.app import AppGraph
from desktop_app.audio.engine import Engine
from desktop_app.audio.kit import load_default_kit
from desktop_app.domain.message import Thread
from desktop_app.paths import AppPaths
from desktop_app.services.api import ApiClient
from desktop_app.settings import Settings
from desktop_app.ui import theme
from desktop_app.ui.message_list import MessageListView
from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN, Backend, make_backend
from tests.gui.pixels import Blob, blobs, grab, mask_of

TIMEOUT = 15_000
WINDOW_SIZE = (1520, 880)


def build_app(home: Path, url: str, user: str) -> AppGraph:
    """One person's app against the server at ``url`` (not a first start: no Welcome)."""
    paths = AppPaths.under(home).ensure()
    settings = Settings.open(paths.settings_file)
    settings.welcome_thread_id = "done-before"
    settings.server_url, settings.api_token, settings.user_name = url, TOKEN, user
    engine = Engine(load_default_kit(), use_device=False, clock_speed=8.0)
    return AppGraph(paths, settings, engine=engine)


@contextmanager
def running(qtbot, home: Path, url: str, user: str) -> Iterator[AppGraph]:
    """The app shown and started; closed and shut down however the test ends."""
    graph = build_app(home, url, user)
    qtbot.addWidget(graph.window)
    try:
        graph.window.resize(*WINDOW_SIZE)
        graph.window.show()
        qtbot.waitExposed(graph.window)
        graph.start()
        yield graph
    finally:
        graph.window.close()
        graph.shutdown()


class Band(NamedTuple):
    api: ApiClient
    thread: Thread
    ada: AppGraph
    bo: AppGraph
    backend: Backend  # the server's store and storage, to check what it holds


@contextmanager
def band_practice(qtbot, tmp_path: Path, name: str = "Band practice") -> Iterator[Band]:
    """A server with one thread, ``name``, for ada and bo, each in their own app and both
    already showing it."""
    backend = make_backend("sqlite-local", tmp_path)
    server = ThreadedServer(backend.app()).start()
    try:
        api = ApiClient(server.url, TOKEN)
        thread = api.create_thread(name, users=("ada", "bo"))
        with (
            running(qtbot, tmp_path / "ada", server.url, "ada") as ada,
            running(qtbot, tmp_path / "bo", server.url, "bo") as bo,
        ):
            for graph in (ada, bo):
                panel = graph.window.conversation
                qtbot.waitUntil(lambda p=panel: p.title.text() == name, timeout=TIMEOUT)
            yield Band(api, thread, ada, bo, backend)
    finally:
        server.stop()


def click_painted(qtbot, root: QWidget, pos: QPoint, button=Qt.MouseButton.LeftButton) -> None:
    """Click at ``pos`` (in ``root``'s pixels) on the widget painted there."""
    target = root.childAt(pos) or root
    QTest.mouseClick(target, button, Qt.KeyboardModifier.NoModifier, target.mapFrom(root, pos))
    QApplication.processEvents()


def colour_near(pixels: np.ndarray, pos: QPoint, colour: str, tolerance: int = 40) -> bool:
    return bool(mask_of(pixels[pos.y() : pos.y() + 1, pos.x() : pos.x() + 1], colour, tolerance))


# ---- the sequencer grid ----------------------------------------------------------------
def grid_cells(graph: AppGraph) -> list[list[Blob]]:
    """The empty pads visible in the grid, as rows of cells left to right (in the
    coordinates of the grid's scroll viewport, i.e. what is on screen)."""
    viewport = graph.window.sequencer_panel.grid_scroll.viewport()
    pixels = grab(viewport)
    pads = [
        b
        for colour in (theme.STEP_OFF, theme.STEP_OFF_BEAT)
        for b in blobs(pixels, colour, tolerance=3)
        if 20 <= b.width <= 40 and 20 <= b.height <= 40
    ]
    rows: dict[int, list[Blob]] = {}
    for pad in pads:
        rows.setdefault(pad.top, []).append(pad)
    return [sorted(rows[top], key=lambda b: b.left) for top in sorted(rows)]


def lit(graph: AppGraph, pad: Blob) -> bool:
    """Whether the pad at ``pad`` is painted lit (a warm colour, not an empty step)."""
    viewport = graph.window.sequencer_panel.grid_scroll.viewport()
    r, g, b = (int(v) for v in grab(viewport)[pad.centre.y(), pad.centre.x()])
    return r > 150 and b < 120 and r > g


# ---- the transport ---------------------------------------------------------------------
def record_button(graph: AppGraph) -> QPoint:
    """The red record disc (or, while recording, the red stop square) in the toolbar: a
    filled shape, not the red digits of the take clock beside it (a glyph covers well
    under half of its box; a disc covers about 3/4 of it)."""
    toolbar = graph.window.sequencer_panel.toolbar
    found = [b for b in blobs(grab(toolbar), theme.RECORD, tolerance=30)
             if 8 <= b.width <= 20 and 8 <= b.height <= 20
             and b.pixels >= 0.6 * b.width * b.height]  # fmt: skip
    assert len(found) == 1, found
    return found[0].centre


# ---- the message list ------------------------------------------------------------------
def message_view(graph: AppGraph) -> MessageListView:
    panel = graph.window.conversation
    assert panel is not None
    return panel.messages


def row_rect(graph: AppGraph, message_id: str) -> QRect:
    state = graph.threads_state
    view = message_view(graph)
    index = state.messages.index(state.messages.row_of(message_id))
    view.scrollTo(index)
    return view.visualRect(index)


def park_mouse(qtbot, graph: AppGraph) -> None:
    """Outside the list: nothing hovered, every control in its resting colours."""
    view = message_view(graph)
    qtbot.mouseMove(view.viewport(), QPoint(2, view.viewport().height() - 2))
    QApplication.processEvents()


def play_disc(graph: AppGraph, message_id: str) -> Blob:
    """The accent play disc in the lower part of the message's card."""
    view = message_view(graph)
    rect = row_rect(graph, message_id)
    lower = QRect(rect.left(), rect.bottom() - 52, rect.width(), 52)
    found = [b for b in blobs(grab(view.viewport()), theme.ACCENT, lower)
             if 24 <= b.width <= 32 and 24 <= b.height <= 32]  # fmt: skip
    assert len(found) == 1, found
    return found[0]


def load_label(graph: AppGraph, message_id: str) -> Blob:
    """ "Load", written in the bright accent in the card's top line."""
    view = message_view(graph)
    rect = row_rect(graph, message_id)
    top = QRect(rect.left(), rect.top(), rect.width(), 46)
    mask = mask_of(grab(view.viewport()), theme.ACCENT_BRIGHT)
    sub = mask[top.top() : top.bottom() + 1, top.left() : top.right() + 1]
    ys, xs = np.nonzero(sub)
    assert len(xs) > 10, "no Load label painted"
    return Blob(int(xs.min()) + top.left(), int(ys.min()) + top.top(),
                int(xs.max()) + top.left(), int(ys.max()) + top.top(), len(xs))  # fmt: skip


def click_in_list(qtbot, graph: AppGraph, pos: QPoint, button=Qt.MouseButton.LeftButton) -> None:
    qtbot.mouseClick(message_view(graph).viewport(), button, pos=pos)
    QApplication.processEvents()


def status_bar_text(graph: AppGraph) -> str:
    return graph.window.statusBar().currentMessage()


def transport_status(graph: AppGraph) -> str:
    return graph.window.sequencer_panel.transport.status.text()


def send_button(graph: AppGraph) -> QPoint:
    """The composer's Send: the one wide accent-filled button in the conversation panel,
    in the panel's coordinates."""
    panel = graph.window.conversation
    assert panel is not None
    found = [b for b in blobs(grab(panel), theme.ACCENT, tolerance=8)
             if b.width >= 80 and 20 <= b.height <= 48]  # fmt: skip
    assert len(found) == 1, found
    return found[0].centre
