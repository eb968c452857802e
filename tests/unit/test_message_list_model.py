"""MessageListModel without a view: rows, roles, and the dataChanged it announces."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desktop_app.domain.message import Message, Render
from desktop_app.domain.pattern import demo_pattern
from desktop_app.state.message_list_model import MessageListModel
from desktop_app.state.message_roles import Roles
from desktop_app.state.message_row import (
    RENDER_FAILED,
    RENDER_NONE,
    RENDER_READY,
    RENDER_UPLOADING,
    summary_text,
)
from desktop_app.state.row_playback import NO_PLAYBACK, RowPlayback


@pytest.fixture(scope="module")
def core_app(qapp):
    # pytest-qt's one QApplication for the session: a QCoreApplication made here
    # would abort the first widget test run after it.
    yield qapp


def msg(mid: str, ts: str, user: str = "ana", renders=(), **kw) -> Message:
    snap = demo_pattern().to_snapshot()
    return Message(
        id=mid,
        parent_thread="t1",
        user_id=user,
        snapshot=snap,
        timestamp=ts,
        created_at=ts,
        renders=tuple(renders),
        **kw,
    )


def render(rid: str = "r1", peaks=(0.1, 0.9, 0.4)) -> Render:
    return Render(id=rid, url=f"http://x/{rid}.mp3", duration=7.87, size_bytes=1000, peaks=peaks)


class Recorder:
    """Collects the model's signals as plain tuples."""

    def __init__(self, model: MessageListModel) -> None:
        self.changed: list[tuple[int, int, list[int]]] = []
        self.inserted: list[tuple[int, int]] = []
        self.removed: list[tuple[int, int]] = []
        model.dataChanged.connect(
            lambda a, b, roles: self.changed.append((a.row(), b.row(), list(roles)))
        )
        model.rowsInserted.connect(lambda _p, a, b: self.inserted.append((a, b)))
        model.rowsRemoved.connect(lambda _p, a, b: self.removed.append((a, b)))


def data(model: MessageListModel, row: int, role: int):
    return model.data(model.index(row), role)


def test_insert_keeps_timestamp_order(core_app):
    model = MessageListModel("ana")
    rec = Recorder(model)
    model.upsert_message(msg("b", "2024-05-01T10:00:02Z"))
    model.upsert_message(msg("c", "2024-05-01T10:00:03Z"))
    assert model.upsert_message(msg("a", "2024-05-01T10:00:01Z")) == 0
    assert model.ids() == ["a", "b", "c"]
    assert rec.inserted == [(0, 0), (1, 1), (0, 0)]
    assert model.row_of("c") == 2
    assert model.rowCount() == 3
    assert model.rowCount(model.index(0)) == 0  # a list: rows have no children


def test_roles(core_app):
    model = MessageListModel("ana")
    model.upsert_message(msg("a", "2024-05-01T10:00:01Z", renders=[render()]))
    model.upsert_message(msg("b", "2024-05-01T10:00:02Z", user="ben"))
    assert data(model, 0, Roles.ID) == "a"
    assert data(model, 0, Roles.USER) == "ana"
    assert data(model, 0, Roles.IS_OWN) is True
    assert data(model, 1, Roles.IS_OWN) is False
    assert data(model, 0, Roles.SNAPSHOT)["bpm"] == 122.0
    meta = data(model, 0, Roles.METADATA)
    assert (meta["bpm"], meta["length"], meta["tracks"]) == (122.0, 16, 8)
    # the loops its render holds (8 s at 122 BPM, 16 steps), though the sender said none
    assert (
        data(model, 0, Roles.SUMMARY_TEXT) == "122 BPM · 16 steps · 8 tracks · swing 10% · 4 loops"
    )
    assert data(model, 0, Roles.RENDER_STATE) == RENDER_READY
    assert data(model, 0, Roles.PEAKS) == (0.1, 0.9, 0.4)
    assert data(model, 0, Roles.DURATION) == pytest.approx(7.87)
    assert data(model, 1, Roles.RENDER_STATE) == RENDER_NONE
    assert data(model, 1, Roles.PEAKS) is None
    assert ":" in data(model, 0, Roles.TIME_TEXT)
    assert isinstance(data(model, 0, Roles.MESSAGE), Message)
    assert data(model, 5, Roles.ID) is None  # out of range
    assert data(model, 0, Qt.ItemDataRole.DisplayRole).startswith("ana, ")
    names = {bytes(v.data()).decode() for v in model.roleNames().values()}
    assert {"message", "user", "timeText", "snapshot", "renderState", "peaks"} <= names


def test_render_states_and_targeted_updates(core_app):
    model = MessageListModel("ana")
    rec = Recorder(model)
    m = msg("a", "2024-05-01T10:00:01Z")
    model.upsert_message(msg("z", "2024-05-01T09:00:00Z"))
    model.upsert_message(m, pending=True)
    # Queued without a take: "Pattern only" in its strip, "waiting to send" by its time.
    assert data(model, 1, Roles.RENDER_STATE) == RENDER_NONE

    model.upsert_message(m, upload_progress=0.0)
    assert data(model, 1, Roles.RENDER_STATE) == RENDER_UPLOADING
    row, last, roles = rec.changed[-1]
    assert (row, last) == (1, 1)
    assert Roles.RENDER_STATE in roles and Roles.UPLOAD_PROGRESS in roles
    assert Roles.SNAPSHOT not in roles and Roles.MESSAGE not in roles

    rec.changed.clear()
    model.upsert_message(m, upload_progress=0.42)
    assert data(model, 1, Roles.UPLOAD_PROGRESS) == pytest.approx(0.42)
    assert rec.changed == [(1, 1, [Roles.UPLOAD_PROGRESS, Qt.ItemDataRole.DisplayRole])]

    model.upsert_message(m, upload_error="Server said 413: file too large")
    assert data(model, 1, Roles.RENDER_STATE) == RENDER_FAILED
    assert data(model, 1, Roles.ERROR_TEXT) == "Server said 413: file too large"
    assert data(model, 1, Qt.ItemDataRole.ToolTipRole) == "Server said 413: file too large"
    assert Roles.ERROR_TEXT in rec.changed[-1][2]

    rec.changed.clear()
    model.upsert_message(m.with_render(render()))
    assert data(model, 1, Roles.RENDER_STATE) == RENDER_READY
    roles = rec.changed[-1][2]
    assert {Roles.RENDERS, Roles.PEAKS, Roles.RENDER_STATE, Roles.ERROR_TEXT} <= set(roles)
    assert rec.inserted == [(0, 0), (1, 1)]  # updates never insert

    rec.changed.clear()
    model.upsert_message(m.with_render(render()))  # identical: nothing announced
    assert rec.changed == []


def test_remove_and_reindex(core_app):
    model = MessageListModel()
    rec = Recorder(model)
    for i in range(5):
        model.upsert_message(msg(f"m{i}", f"2024-05-01T10:00:0{i}Z"))
    assert model.remove_message("m1") is True
    assert model.remove_message("nope") is False
    assert rec.removed == [(1, 1)]
    assert model.ids() == ["m0", "m2", "m3", "m4"]
    assert model.row_of("m4") == 3
    model.upsert_message(msg("m4", "2024-05-01T10:00:04Z"), upload_progress=0.5)
    assert rec.changed[-1][0] == 3


def test_set_messages_keeps_local_state(core_app):
    model = MessageListModel()
    resets = []
    model.modelReset.connect(lambda: resets.append(1))
    a = msg("a", "2024-05-01T10:00:01Z")
    model.upsert_message(a, upload_progress=0.3)
    model.set_messages([msg("b", "2024-05-01T10:00:00Z"), a])
    assert resets == [1]
    assert model.ids() == ["b", "a"]
    assert model.row_state("a").upload_progress == pytest.approx(0.3)
    assert model.local_ids() == {"a"}
    model.clear()
    assert model.rowCount() == 0


def test_timestamp_change_moves_row(core_app):
    model = MessageListModel()
    model.upsert_message(msg("a", "2024-05-01T10:00:01Z"))
    model.upsert_message(msg("b", "2024-05-01T10:00:02Z"))
    playing = RowPlayback(loaded=True, playing=True, position_ms=250, duration_ms=1000)
    model.set_row_playback("a", playing)
    model.upsert_message(msg("a", "2024-05-01T10:00:03Z"))
    assert model.ids() == ["b", "a"]
    assert data(model, 1, Roles.PLAYING) is True
    assert data(model, 1, Roles.POSITION) == pytest.approx(0.25)


def test_playback_roles_announce_only_what_changed(core_app):
    model = MessageListModel()
    rec = Recorder(model)
    model.upsert_message(msg("a", "2024-05-01T10:00:01Z", renders=[render(peaks=())]))
    model.upsert_message(msg("b", "2024-05-01T10:00:02Z", renders=[render("r2")]))
    # loaded and playing, the player's duration equal to the render's: DURATION unchanged
    state = RowPlayback(loaded=True, playing=True, position_ms=3935, duration_ms=7870)
    assert model.set_row_playback("a", state)
    assert rec.changed == [(0, 0, [Roles.PLAYING, Roles.POSITION, Roles.LOADED,
                                   Roles.POSITION_MS])]  # fmt: skip
    assert data(model, 0, Roles.POSITION) == pytest.approx(0.5)
    assert not model.set_row_playback("a", state)  # the same again: nothing announced
    assert len(rec.changed) == 1
    rec.changed.clear()
    model.set_row_playback("a", RowPlayback(loaded=True, playing=True, position_ms=3968,
                                            duration_ms=7870))  # fmt: skip
    assert rec.changed == [(0, 0, [Roles.POSITION, Roles.POSITION_MS])]  # a tick
    rec.changed.clear()
    model.set_row_playback("a", RowPlayback(download=0.4, loop=True, peaks=(0.3, 0.6)))
    assert data(model, 0, Roles.DOWNLOAD) == pytest.approx(0.4)
    assert data(model, 0, Roles.LOOP) is True
    assert data(model, 0, Roles.PEAKS) == (0.3, 0.6)  # locally computed, the render had none
    assert rec.changed[0][:2] == (0, 0) and Roles.DOWNLOAD in rec.changed[0][2]
    assert not model.set_row_playback("missing", state)


def test_refresh_playback_announces_the_changed_rows_once(core_app):
    model = MessageListModel()
    for i in range(5):
        model.upsert_message(msg(f"m{i}", f"2024-05-01T10:00:0{i}Z", renders=[render(f"r{i}")]))
    rec = Recorder(model)
    offline = RowPlayback(not_downloaded=True)
    model.refresh_playback(lambda m, cur: offline if m.id in ("m1", "m3") else cur)
    assert [c[:2] for c in rec.changed] == [(1, 3)]
    assert data(model, 1, Roles.NOT_DOWNLOADED) is True
    assert data(model, 2, Roles.NOT_DOWNLOADED) is False
    model.refresh_playback(lambda m, cur: cur)
    assert len(rec.changed) == 1
    assert model.playback("m0") is NO_PLAYBACK


def test_summary_text_handles_sparse_metadata():
    assert summary_text({}) == "Pattern"
    # a dropped audio file: its name (and length) instead of "Pattern"
    assert summary_text({"filename": "idea.wav", "duration": 1.0}) == "idea.wav · 0:01"
    assert summary_text({"filename": "long.mp3", "duration": 83.4}) == "long.mp3 · 1:23"
    assert summary_text({"bpm": 90, "length": 1, "tracks": 1, "loops": 4}) == (
        "90 BPM · 1 step · 1 track · 4 loops"
    )


def test_only_the_latest_own_message_shows_the_upload(core_app):
    from desktop_app.domain.message import Message
    from desktop_app.state.message_list_model import MessageListModel
    from desktop_app.state.message_roles import Roles
    from desktop_app.state.message_row import RENDER_NONE, RENDER_UPLOADING

    def msg(mid: str, user: str, ts: str) -> Message:
        return Message(mid, "t", user, {}, ts)

    model = MessageListModel("alice")
    model.upsert_message(msg("a1", "alice", "2026-01-01T10:00:00Z"), upload_progress=0.4)
    state = lambda mid: model.index(model.row_of(mid)).data(Roles.RENDER_STATE)  # noqa: E731
    assert state("a1") == RENDER_UPLOADING
    changed = []
    model.dataChanged.connect(lambda a, b, roles: changed.append((a.row(), roles)))
    model.upsert_message(msg("b1", "bob", "2026-01-01T10:01:00Z"))
    assert state("a1") == RENDER_UPLOADING  # someone else's message changes nothing
    model.upsert_message(msg("a2", "alice", "2026-01-01T10:02:00Z"), pending=True)
    assert state("a1") == RENDER_NONE  # hidden, the upload carries on
    assert (model.row_of("a1"), [int(Roles.RENDER_STATE)]) in changed
    model.remove_message("a2")
    assert state("a1") == RENDER_UPLOADING
