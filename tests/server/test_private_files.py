"""The data folder is the server's user's alone: private messages in SQLite, recordings in
``media/``. New files are made owner-only, and an older folder is tightened on start."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from sequencer_server.store.sqlite import SQLiteStore
from tests.server.helpers import Client, server_process


def _open_to_others(folder: Path) -> list[str]:
    found = []
    for path in [folder, *folder.rglob("*")]:
        if path.lstat().st_mode & 0o077:
            found.append(f"{path.relative_to(folder)} {stat.filemode(path.lstat().st_mode)}")
    return found


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """What a desktop session usually has: new files readable by everyone."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_a_new_data_folder_is_for_its_owner_only(tmp_path):
    data = tmp_path / "data"
    with server_process(data) as server:
        c = Client(server.url)
        thread = c.create_thread()
        c.message_with_render(thread["id"])
        media = list((data / "media").rglob("*.mp3"))
        assert media and (data / "sequencer.sqlite3").exists()
        assert _open_to_others(data) == []


def test_an_existing_folder_is_tightened_on_start(tmp_path):
    data = tmp_path / "data"
    (data / "media" / "test" / "renders").mkdir(parents=True)
    take = data / "media" / "test" / "renders" / "old.mp3"
    take.write_bytes(b"ID3")
    SQLiteStore(data / "sequencer.sqlite3").close()
    os.chmod(take, 0o644)
    assert _open_to_others(data)
    log = tmp_path / "server.log"
    with log.open("w") as out, server_process(data, "--log-level", "info", stderr=out):
        pass
    assert _open_to_others(data) == []
    assert stat.S_IMODE(take.stat().st_mode) == 0o600
    assert "readable by other local users" in log.read_text()
