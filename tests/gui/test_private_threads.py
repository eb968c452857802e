"""Private threads through the real windows: "New private thread…" offers the server's
users as members; the thread shows a lock and its members; members see it, everyone
else never sees it nor its messages."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from desktop_app.services.api import NotFoundError
from desktop_app.ui.private_thread_dialog import NO_MEMBERS_HINT, PrivateThreadDialog
from desktop_app.ui.thread_list import ThreadListWidget
from sequencer_server.invite import Invite, format_invite
from sequencer_server.users import add_user
from tests.conftest import make_backend
from tests.gui.pixels import grab
from tests.gui.test_join_band import TIMEOUT, joined_app


@pytest.fixture
def trio(tmp_path):
    from sequencer_server.threaded import ThreadedServer

    backend = make_backend("sqlite-local", tmp_path)
    tokens = {n: add_user(backend.store, n) for n in ("ada", "bo", "cy")}  # type: ignore[arg-type]
    with ThreadedServer(backend.app()) as running:
        yield running.url, {n: format_invite(Invite(running.url, t)) for n, t in tokens.items()}


def test_private_thread_is_seen_by_its_members_only(qtbot, tmp_path, trio):
    url, invites = trio
    apps = {n: joined_app(qtbot, tmp_path / n, url, invites[n]) for n in ("ada", "bo", "cy")}
    ada = apps["ada"]
    try:
        thread_list = ada.window.thread_list
        assert isinstance(thread_list, ThreadListWidget)
        thread_list.ask_create_private()  # what the list's context menu item calls
        qtbot.waitUntil(lambda: thread_list.findChild(PrivateThreadDialog) is not None)
        dialog = thread_list.findChild(PrivateThreadDialog)
        qtbot.waitExposed(dialog)
        offered = [dialog.members.item(i).text() for i in range(dialog.members.count())]
        assert offered == ["bo", "cy"]  # the server's users, without oneself
        QTest.keyClicks(dialog.name, "Secret riffs")
        box = dialog.members.visualItemRect(dialog.members.item(0))
        indicator = QPoint(box.left() + box.height() // 2, box.center().y())
        QTest.mouseClick(dialog.members.viewport(), Qt.MouseButton.LeftButton, pos=indicator)
        assert dialog.chosen() == ("bo",)
        QTest.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)

        state = ada.threads_state
        qtbot.waitUntil(lambda: any(t.private for t in state.threads), timeout=TIMEOUT)
        (thread,) = [t for t in state.threads if t.private]
        assert thread.name == "Secret riffs" and set(thread.users) == {"ada", "bo"}
        item = thread_list.list.item(thread_list.thread_ids().index(thread.id))
        assert not item.icon().isNull()  # the lock
        qtbot.waitUntil(lambda: state.current_thread_id == thread.id, timeout=TIMEOUT)
        header = ada.window.conversation.subtitle.text()
        assert "Private · members: you, bo" in header  # the maker too, as "you"
        ada.window.conversation.send()
        qtbot.waitUntil(
            lambda: len(apps["bo"].connection.api.list_messages(thread.id).messages) == 1,
            timeout=TIMEOUT,
        )

        public = ada.connection.api.create_thread("Open jam")
        for name in ("bo", "cy"):
            apps[name].threads_state.refresh_threads()
        bo_state = apps["bo"].threads_state
        qtbot.waitUntil(lambda: bo_state.thread_by_id(thread.id) is not None, timeout=TIMEOUT)
        assert bo_state.thread_by_id(thread.id).private  # type: ignore[union-attr]
        cy = apps["cy"]
        qtbot.waitUntil(lambda: cy.threads_state.thread_by_id(public.id) is not None)
        assert cy.threads_state.thread_by_id(thread.id) is None
        with pytest.raises(NotFoundError):
            cy.connection.api.list_messages(thread.id)
    finally:
        for graph in apps.values():
            graph.window.close()
            graph.shutdown()


def test_with_no_one_else_on_the_server_the_members_box_says_so(qtbot):
    """On the built-in server the only account is the shared token's: the members box was
    an empty rectangle with nothing to tick and no word why."""
    dialog = PrivateThreadDialog(["root"], "root")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    painted = grab(dialog.members.viewport()).reshape(-1, 3)
    colours, counts = np.unique(painted, axis=0, return_counts=True)
    background = colours[counts.argmax()]
    assert (painted != background).any(axis=1).sum() > 100, "the members box is empty"
    assert dialog.members.item(0).text() == NO_MEMBERS_HINT
    dialog.name.setText("Just me")
    dialog.members.item(0).setCheckState(Qt.CheckState.Checked)  # not a member to tick
    assert dialog.chosen() == ()
