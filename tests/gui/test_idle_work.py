"""An idle app does no work: the outbox is not scanned while nothing waits in it, and the
level meter does not tick at 30 Hz while nothing plays (issue 14's idle cost). A send that
fails still goes out after its backoff, without anyone asking."""

from __future__ import annotations

import time

from PySide6.QtTest import QTest

from desktop_app.domain.pattern import demo_pattern
from desktop_app.state.recording_state import RecordingState
from desktop_app.state.sequencer_state import SequencerState
from sequencer_server.threaded import ThreadedServer
from tests.gui.send_helpers import TIMEOUT, Client, server_messages, take


def _counting(obj: object, name: str) -> list[float]:
    calls: list[float] = []
    original = getattr(obj, name)

    def counted(*args, **kwargs):
        calls.append(time.monotonic())
        return original(*args, **kwargs)

    setattr(obj, name, counted)
    return calls


def test_an_idle_send_queue_reads_nothing_and_a_backoff_wakes_it(
    qtbot, server, tmp_path, thread_id
):
    srv, backend = server
    client = Client(qtbot, srv.url, tmp_path / "idle")
    try:
        client.open(thread_id)
        QTest.qWait(500)  # the start's own scan is done
        scans = _counting(client.outbox, "pending")
        QTest.qWait(2500)
        assert scans == []  # an empty outbox is not read again and again
        srv.stop()
        message_id = client.state.send_message_from_sequencer(
            demo_pattern().to_snapshot(), take(tmp_path)
        )
        qtbot.waitUntil(
            lambda: (
                (client.outbox.get(message_id) or None) is not None
                and client.outbox.get(message_id).attempts >= 1
            ),
            timeout=TIMEOUT,
        )
        restarted = ThreadedServer(backend.app(), port=srv.port).start()
        try:
            # Nobody says the server is back: the backoff's timer sends it.
            client.state.close()

            def on_server() -> bool:
                found = [m for m in server_messages(restarted.url, thread_id) if m.id == message_id]
                return bool(found and found[0].renders)

            qtbot.waitUntil(on_server, timeout=TIMEOUT)
        finally:
            restarted.stop()
    finally:
        client.close()


def test_the_meter_ticks_fast_only_while_the_engine_plays(qtbot, clock_engine, tmp_path):
    engine = clock_engine(1.0)
    calls = _counting(engine, "output_level")
    sequencer = SequencerState(engine, pattern=demo_pattern())
    recording = RecordingState(engine, tmp_path / "recordings")
    sequencer.playingChanged.connect(recording.transport_changed)  # as the app wires it
    QTest.qWait(2000)
    idle = len(calls)
    engine.start()  # not through the sequencer's play: its poll notices
    try:
        qtbot.waitUntil(lambda: sequencer.is_playing, timeout=2000)
        started = len(calls)
        QTest.qWait(1000)
        playing = len(calls) - started
    finally:
        engine.stop()
        sequencer.stop()
    assert idle <= 3, idle
    assert playing >= 20, playing
    del recording
