"""Load on another machine: bo presses Load on a message whose pattern plays
ada's own sounds. They are fetched on a worker while the window goes on (the status bar
says so), then the pattern loads with them; a sound deleted on the server, or one that
cannot be fetched because the server is away, leaves its track silent and marked
missing — nothing crashes, and the rest of the pattern loads."""

from __future__ import annotations

import hashlib
from pathlib import Path

from PySide6.QtCore import QTimer

from desktop_app.services.api import ApiClient
from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN, make_backend
from tests.e2e.proxy import CuttingProxy
from tests.gui.journeys import (
    TIMEOUT,
    band_practice,
    click_in_list,
    load_label,
    park_mouse,
    running,
    status_bar_text,
)
from tests.server.sample_files import audio_bytes


def pattern_playing(*sounds: tuple[str, str]) -> dict:
    tracks = [
        {"name": f"Own {i}", "sample": "kick", "steps": [100, 0, 0, 0, 100, 0, 0, 0],
         "sample_sha256": sha, "sample_name": name, "pitch": 1.0}
        for i, (sha, name) in enumerate(sounds)
    ] + [{"name": "Hat", "sample": "closed_hat", "steps": [80] * 8}]  # fmt: skip
    return {"format": "sequencer.pattern", "version": "0.1.0", "bpm": 118.0, "length": 8,
            "tracks": tracks}  # fmt: skip


def upload(api: ApiClient, folder: Path, name: str, tone: float) -> tuple[str, str]:
    path = folder / name
    path.write_bytes(audio_bytes(tone=tone, seconds=0.3))
    return api.upload_sample(path).sha256, name


def test_load_fetches_the_sounds_then_loads_and_marks_what_is_missing(qtbot, tmp_path):
    backend = make_backend("sqlite-local", tmp_path)
    server = ThreadedServer(backend.app()).start()
    proxy = CuttingProxy("127.0.0.1", server.port).start()
    try:
        api = ApiClient(server.url, TOKEN)
        thread = api.create_thread("Sounds", users=("ada", "bo"))
        kick = upload(api, tmp_path, "kick.wav", 90)
        clap = upload(api, tmp_path, "clap.wav", 700)
        gone = upload(api, tmp_path, "gone.wav", 300)
        later = upload(api, tmp_path, "later.wav", 500)
        first = pattern_playing(kick, clap, gone)
        mid = api.create_message(thread.id, "ada", first).id
        backend.store.delete_sample(gone[0])  # deleted on the server since
        mid2 = api.create_message(thread.id, "ada", pattern_playing(kick, later)).id

        proxy.upstream_delay = 0.4  # every request waits: the fetch takes a while
        with running(qtbot, tmp_path / "bo", proxy.url, "bo") as bo:
            model = bo.threads_state.messages
            qtbot.waitUntil(lambda: set(model.ids()) == {mid, mid2}, timeout=TIMEOUT)
            before = bo.sequencer_state.snapshot()
            ticks: list[int] = []
            timer = QTimer()
            timer.timeout.connect(lambda: ticks.append(1))
            timer.start(20)

            park_mouse(qtbot, bo)
            click_in_list(qtbot, bo, load_label(bo, mid).centre)
            assert status_bar_text(bo).startswith("Fetching")
            assert bo.sequencer_state.snapshot() == before  # not loaded before its sounds
            qtbot.waitUntil(
                lambda: status_bar_text(bo).startswith("Pattern loaded"), timeout=TIMEOUT
            )
            assert len(ticks) >= 5  # the window went on while the sounds came
            timer.stop()
            assert status_bar_text(bo) == (
                "Pattern loaded — the sound “gone.wav” is not on the server any more, "
                "so its track is silent"
            )
            loaded = bo.sequencer_state.snapshot()
            assert [t.get("sample_sha256") for t in loaded["tracks"]] == [
                kick[0],
                clap[0],
                gone[0],
                None,
            ]
            seq = bo.sequencer_state
            assert [seq.sound_missing(i) for i in range(4)] == [False, False, True, False]
            cache = bo.samples
            for sha, _name in (kick, clap):
                path = cache.lookup(sha)
                assert path is not None and hashlib.sha256(path.read_bytes()).hexdigest() == sha
            # the open pattern's sounds survive a cache squeezed to nothing
            cache.set_cap(0)
            assert cache.lookup(kick[0]) is not None and cache.lookup(clap[0]) is not None

            # The server goes away: the second message still loads, its new sound missing.
            proxy.stop()
            park_mouse(qtbot, bo)
            click_in_list(qtbot, bo, load_label(bo, mid2).centre)
            qtbot.waitUntil(
                lambda: status_bar_text(bo).startswith("Pattern loaded"), timeout=TIMEOUT
            )
            assert "the sound “later.wav” could not be fetched" in status_bar_text(bo)
            assert [seq.sound_missing(i) for i in range(3)] == [False, True, False]
            assert bo.sequencer_state.snapshot()["tracks"][1]["sample_sha256"] == later[0]
    finally:
        proxy.stop()
        server.stop()


def test_a_pattern_sent_from_the_window_with_own_sounds_plays_the_same_on_the_other(
    qtbot, tmp_path
):
    """ada drops her own sound on a track and sends the pattern from the window; the
    sample goes up from the outbox (found in her sample cache), bo presses Load, and his
    engine renders exactly the samples hers does."""
    import numpy as np
    import soundfile

    sound = tmp_path / "my snare.flac"
    t = np.arange(9000) / 44100
    tone = (np.sin(2 * np.pi * 180 * t) * np.exp(-t * 30) * 0.5).astype(np.float32)
    soundfile.write(sound, np.stack([tone, tone * 0.5], axis=1), 44100, format="FLAC")
    sha = hashlib.sha256(sound.read_bytes()).hexdigest()
    with band_practice(qtbot, tmp_path, "Sounds") as (_api, _thread, ada, bo, backend):
        seq = ada.sequencer_state
        seq.set_track_sample(1, sound)
        seq.set_pitch(1, 3.0)
        seq.set_decay(1, 0.15)
        sent = seq.snapshot()
        assert sent["tracks"][1]["sample_sha256"] == sha
        mid = ada.threads_state.send_message_from_sequencer(sent)
        # the send is queued on a worker: wait for the server to hold the message
        qtbot.waitUntil(lambda: backend.store.get_message(mid) is not None, timeout=TIMEOUT)
        assert [o.key for o in backend.storage.list_objects("test/samples/")] == [
            f"test/samples/{sha}.flac"
        ]

        model = bo.threads_state.messages
        qtbot.waitUntil(lambda: model.ids() == [mid], timeout=TIMEOUT)
        assert bo.samples.lookup(sha) is None
        park_mouse(qtbot, bo)
        click_in_list(qtbot, bo, load_label(bo, mid).centre)
        qtbot.waitUntil(
            lambda: status_bar_text(bo) == "Pattern loaded — Undo brings yours back",
            timeout=TIMEOUT,
        )
        assert bo.sequencer_state.snapshot() == sent
        assert not bo.sequencer_state.sound_missing(1)
        mine = ada.engine.bounce(ada.sequencer_state.pattern, 2)
        theirs = bo.engine.bounce(bo.sequencer_state.pattern, 2)
        assert np.abs(mine).max() > 0.01
        assert mine.tobytes() == theirs.tobytes()


def test_opening_a_pattern_file_uses_only_sounds_of_the_sample_store(qtbot, tmp_path):
    """File → Open of a pattern whose tracks name a ``sample_file``: one naming a file of
    the sample store plays it (by its hash); one naming a file anywhere else loads with
    its built-in sound, the file unread and not put into the store, and the status bar
    says which track and why."""
    import json

    backend = make_backend("sqlite-local", tmp_path)
    server = ThreadedServer(backend.app()).start()
    try:
        folder = tmp_path / "songs"
        (folder / "kit").mkdir(parents=True)
        data = audio_bytes("AIFF", tone=240, seconds=0.2)
        (folder / "kit" / "tom.aiff").write_bytes(data)
        with running(qtbot, tmp_path / "bo", server.url, "bo") as bo:
            stored = bo.samples.add_local(folder / "kit" / "tom.aiff")
            sha = hashlib.sha256(data).hexdigest()
            pattern = pattern_playing()
            pattern["tracks"][:0] = [
                {"name": "Tom", "sample": "low_tom", "steps": [100] * 8,
                 "sample_file": str(stored), "sample_name": "tom.aiff"},
                {"name": "Other", "sample": "rim", "steps": [100] * 8,
                 "sample_file": "kit/other.wav"},
            ]  # fmt: skip
            other = audio_bytes(tone=480, seconds=0.2)
            (folder / "kit" / "other.wav").write_bytes(other)
            good = folder / "groove.json"
            good.write_text(json.dumps(pattern))
            assert bo.window.pattern_files.open_file(good)
            tracks = bo.sequencer_state.snapshot()["tracks"]
            assert (tracks[0]["sample_sha256"], tracks[0]["sample_name"]) == (sha, "tom.aiff")
            assert "sample_file" not in tracks[0] and not bo.sequencer_state.sound_missing(0)
            assert "sample_sha256" not in tracks[1] and tracks[1]["sample"] == "rim"
            assert bo.samples.lookup(hashlib.sha256(other).hexdigest()) is None
            assert status_bar_text(bo) == (
                "Opened groove.json — track “Other” names the file “kit/other.wav”, which "
                "was not read: a pattern only plays sounds from Sequencer's sample store, "
                "so the track plays its built-in sound (drop the file on the track to use it)"
            )
    finally:
        server.stop()
