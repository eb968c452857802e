"""Where the client keeps its files, and the SEQUENCER_HOME override tests rely on."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from desktop_app.paths import HOME_ENV, AppPaths


def test_sequencer_home_puts_every_folder_under_it(tmp_path: Path) -> None:
    paths = AppPaths.from_env({HOME_ENV: str(tmp_path)})
    assert paths.config_dir == tmp_path / "config"
    assert paths.data_dir == tmp_path / "data"
    assert paths.cache_dir == tmp_path / "cache"
    assert paths.log_dir == tmp_path / "logs"
    for derived in (
        paths.settings_file,
        paths.log_file,
        paths.recordings_dir,
        paths.server_data_dir,
        *paths.outbox_for(""),
        *paths.outbox_for("https://jam.example.com"),
        paths.local_store_file,
        paths.audio_cache_dir,
    ):
        assert tmp_path in derived.parents
    assert paths.audio_cache_dir == tmp_path / "cache" / "audio_cache"
    assert paths.outbox_for("") != paths.outbox_for("https://jam.example.com")


def test_relative_home_is_made_absolute(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    paths = AppPaths.from_env({HOME_ENV: "portable"})
    assert paths.config_dir == tmp_path / "portable" / "config"


def test_without_override_uses_platform_folders(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xc"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xd"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xk"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xs"))
    for env in ({}, {HOME_ENV: "   "}):
        paths = AppPaths.from_env(env)
        assert paths == AppPaths.platform_default()
        assert paths.config_dir.name == "sequencer"
        assert paths.data_dir != paths.cache_dir != paths.config_dir


def test_ensure_creates_folders(tmp_path: Path) -> None:
    paths = AppPaths.under(tmp_path / "home").ensure()
    for folder in (
        paths.config_dir,
        paths.data_dir,
        paths.cache_dir,
        paths.log_dir,
        paths.recordings_dir,
        paths.audio_cache_dir,
        paths.server_data_dir,
    ):
        assert folder.is_dir()
    paths.ensure()  # idempotent


def test_local_store_per_server(tmp_path: Path) -> None:
    paths = AppPaths.under(tmp_path)
    assert paths.local_store_for("") == paths.local_store_file
    a = paths.local_store_for("https://a.example.com")
    assert a == paths.local_store_for("https://a.example.com/")
    assert a != paths.local_store_for("https://b.example.com")
    assert tmp_path / "data" in a.parents


def test_each_derived_location_is_under_its_root(tmp_path: Path) -> None:
    """The table of derived locations (``_Under``): each name under the right root, and
    a moved root moves it."""
    paths = AppPaths.under(tmp_path)
    data, cache = tmp_path / "data", tmp_path / "cache"
    assert paths.settings_file == tmp_path / "config" / "settings.ini"
    assert paths.log_file == tmp_path / "logs" / "sequencer.log"
    assert paths.recordings_dir == data / "recordings"
    assert paths.server_data_dir == data / "server"
    assert paths.local_store_file == data / "local_store.sqlite3"
    assert paths.audio_cache_dir == cache / "audio_cache"
    assert paths.sample_cache_dir == cache / "samples"
    assert paths.kits_dir == data / "kits"
    assert paths.session_pattern_file == data / "session_pattern.json"
    moved = dataclasses.replace(paths, cache_dir=tmp_path / "elsewhere")
    assert moved.sample_cache_dir == tmp_path / "elsewhere" / "samples"
