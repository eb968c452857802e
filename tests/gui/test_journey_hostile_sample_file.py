"""A hostile pattern names a file on the receiver's disk: mallory posts a pattern whose
tracks' ``"sample_file"`` point at bo's private recording (absolute, and relative).
bo presses Load, undoes and redoes, saves the pattern, opens it again, opens mallory's
file from his downloads too, and sends the pattern to the thread: the private file is
never opened, never put into his sample store, and nothing of it reaches the server
(every request to the real server is heard); the status bar says which track lost its
sound and why."""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from desktop_app.services.api import ApiClient
from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN, make_backend
from tests.gui.journeys import TIMEOUT, click_in_list, load_label, park_mouse, running
from tests.gui.journeys import status_bar_text as status
from tests.requests_heard import RequestsHeard
from tests.server.sample_files import audio_bytes

_WATCHED: list[tuple[str, list[str]]] = []  # (a path's text, where its opens are noted)


def _audit(event: str, args: tuple) -> None:
    if _WATCHED and event in {"open", "os.link", "shutil.copyfile"}:
        named = " ".join(str(a) for a in args if isinstance(a, str | bytes | Path))
        for text, opened in _WATCHED:
            if text in named:
                opened.append(f"{event} {named}")


sys.addaudithook(_audit)


@contextmanager
def opens_of(path: Path) -> Iterator[list[str]]:
    """Every open, copy or link of ``path`` by Python while the block runs."""
    opened: list[str] = []
    _WATCHED.append((path.name, opened))
    try:
        yield opened
    finally:
        _WATCHED.remove((path.name, opened))


def hostile(private: Path) -> dict:
    return {"format": "sequencer.pattern", "version": "0.1.0", "bpm": 97.0, "length": 8,
            "tracks": [
                {"name": "Vocal", "sample": "kick", "steps": [100, 0, 0, 0] * 2,
                 "sample_file": str(private), "sample_name": "free sounds.wav"},
                {"name": "Echo", "sample": "clap", "steps": [0, 0, 90, 0] * 2,
                 "sample_file": f"../private/{private.name}"},
                {"name": "Hat", "sample": "closed_hat", "steps": [80] * 8},
            ]}  # fmt: skip


def test_a_pattern_naming_a_private_file_never_reads_or_uploads_it(qtbot, tmp_path):
    private = tmp_path / "bo-home" / "private" / "vocal take.wav"
    private.parent.mkdir(parents=True)
    secret = audio_bytes(seconds=0.5, tone=523)
    private.write_bytes(secret)
    secret_sha = hashlib.sha256(secret).hexdigest()
    downloaded = tmp_path / "bo-home" / "Downloads" / "groove.json"
    downloaded.parent.mkdir(parents=True)
    downloaded.write_text(json.dumps(hostile(private)))

    backend = make_backend("sqlite-local", tmp_path)
    heard = RequestsHeard(backend.app())
    server = ThreadedServer(heard).start()
    try:
        api = ApiClient(server.url, TOKEN)
        thread = api.create_thread("Sounds", users=("mallory", "bo"))
        mid = api.create_message(thread.id, "mallory", hostile(private)).id
        with opens_of(private) as opened, running(qtbot, tmp_path / "bo", server.url, "bo") as bo:
            seq = bo.sequencer_state
            model = bo.threads_state.messages
            qtbot.waitUntil(lambda: model.ids() == [mid], timeout=TIMEOUT)
            park_mouse(qtbot, bo)
            click_in_list(qtbot, bo, load_label(bo, mid).centre)
            qtbot.waitUntil(lambda: status(bo).startswith("Pattern loaded"), timeout=TIMEOUT)
            vocal, echo = status(bo).removeprefix("Pattern loaded — ").split("; ")
            assert vocal.startswith("track “Vocal” names the file “…")
            assert vocal.endswith(
                "/private/vocal take.wav”, which was not read: a pattern only plays sounds "
                "from Sequencer's sample store, so the track plays its built-in sound (drop "
                "the file on the track to use it)"
            )
            assert echo == (
                "track “Echo” names the file “../private/vocal take.wav”, which was not read: "
                "a pattern only plays sounds from Sequencer's sample store, so the track "
                "plays its built-in sound (drop the file on the track to use it)"
            )

            def clean() -> None:
                snap = seq.snapshot()
                assert snap["bpm"] == 97.0
                assert not any("sample_file" in t or "sample_sha256" in t for t in snap["tracks"])

            clean()
            seq.undo_stack.undo()
            seq.undo_stack.redo()
            clean()

            saved = tmp_path / "bo-home" / "mine.json"
            assert bo.window.pattern_files.save_file(saved)
            assert "sample_file" not in saved.read_text() and str(private) not in saved.read_text()
            assert bo.window.pattern_files.open_file(saved)
            assert status(bo) == "Opened mine.json"
            clean()

            assert bo.window.pattern_files.open_file(downloaded)  # mallory's file, from disk
            assert status(bo).startswith("Opened groove.json — track “Vocal” names the file")
            clean()

            sent = bo.threads_state.send_message_from_sequencer(seq.snapshot())
            qtbot.waitUntil(lambda: backend.store.get_message(sent) is not None, timeout=TIMEOUT)
            assert bo.samples.lookup(secret_sha) is None
            assert [p.name for p in bo.samples.folder.iterdir()] == []
        assert opened == []
    finally:
        server.stop()
    assert heard.paths("POST", "/api/v1/samples") == []
    assert secret[200:1200] not in heard.body
    assert list(backend.storage.list_objects("test/samples/")) == []
    stored = backend.store.get_message(sent)
    assert stored is not None and "sample_file" not in json.dumps(stored["snapshot"])
