"""Typed settings over QSettings: persistence, defaults, conversion, migrations."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from desktop_app.settings import (
    CURRENT_VERSION,
    VERSION_KEY,
    Settings,
    default_user_name,
    migrate,
    validate_server_url,
)


def _ini(path: Path) -> QSettings:
    return QSettings(str(path), QSettings.Format.IniFormat)


def test_defaults(tmp_path: Path) -> None:
    s = Settings.open(tmp_path / "settings.ini")
    assert s.server_url == ""
    assert s.api_token == ""
    assert s.user_name == default_user_name() != ""
    assert s.output_device == "" and s.input_device == ""
    assert s.mix_input is False
    assert s.mp3_bitrate == 320
    assert s.cache_size_mb == 1024
    assert s.window_geometry == b"" and s.window_state == b""
    assert s.main_splitter_sizes == []
    assert s.settings_version == CURRENT_VERSION


def test_every_option_declared_once_with_a_distinct_key() -> None:
    keys = [o.key for o in Settings.options()]
    assert len(keys) == len(set(keys))
    assert {o.name for o in Settings.options()} >= {
        "server_url",
        "api_token",
        "user_name",
        "output_device",
        "input_device",
        "mix_input",
        "mp3_bitrate",
        "cache_size_mb",
        "window_geometry",
        "window_state",
        "main_splitter_sizes",
        "settings_version",
    }


def test_values_survive_a_new_settings_object(tmp_path: Path) -> None:
    path = tmp_path / "settings.ini"
    written = {
        "server_url": "https://seq.example.com",
        "api_token": "tok, with comma",
        "user_name": "ada",
        "output_device": "USB Audio: Interface (hw:1,0)",
        "mix_input": True,
        "mp3_bitrate": 192,
        "cache_size_mb": 256,
        "window_geometry": b"\x00\x01geometry\xff",
        "main_splitter_sizes": [240, 800, 360],
    }
    s = Settings.open(path)
    for name, value in written.items():
        setattr(s, name, value)
    s.sync()
    del s

    again = Settings.open(path)
    assert {name: getattr(again, name) for name in written} == written


def test_ini_strings_are_converted_to_declared_types(tmp_path: Path) -> None:
    path = tmp_path / "settings.ini"
    path.write_text(
        f"[meta]\nsettings_version={CURRENT_VERSION}\n"
        "[audio]\nmp3_bitrate=256\nmix_input=true\n"
        "[window]\nmain_splitter=100\n"
    )
    s = Settings.open(path)
    assert s.mp3_bitrate == 256
    assert s.mix_input is True
    assert s.main_splitter_sizes == [100]


def test_corrupt_value_falls_back_to_default(tmp_path: Path) -> None:
    path = tmp_path / "settings.ini"
    path.write_text(f"[meta]\nsettings_version={CURRENT_VERSION}\n[cache]\nsize_mb=lots\n")
    assert Settings.open(path).cache_size_mb == 1024


def test_changed_signal_only_on_real_change(tmp_path: Path) -> None:
    s = Settings.open(tmp_path / "settings.ini")
    seen: list[str] = []
    s.changed.connect(seen.append)
    s.server_url = "http://localhost:8000"
    s.server_url = "http://localhost:8000"
    s.mp3_bitrate = 320  # equals the default
    s.reset(Settings.server_url)
    assert seen == ["server_url", "server_url"]


def test_v1_migration_carries_prototype_keys_over(tmp_path: Path) -> None:
    path = tmp_path / "settings.ini"
    path.write_text(
        "[General]\nserver=http://studio.local:8000\ntoken=abc\nuser=ada\nbitrate=300k\n"
    )
    s = Settings.open(path)
    assert s.settings_version == CURRENT_VERSION
    assert s.server_url == "http://studio.local:8000"
    assert s.api_token == "abc"
    assert s.user_name == "ada"
    assert s.mp3_bitrate == 320  # snapped to an encoder bitrate
    s.sync()
    raw = _ini(path)
    assert not raw.contains("server") and not raw.contains("token") and not raw.contains("user")
    assert int(raw.value(VERSION_KEY)) == CURRENT_VERSION
    # Opening again applies nothing twice.
    assert migrate(_ini(path)) == []


def test_new_file_is_stamped_without_migrating(tmp_path: Path) -> None:
    calls: list[int] = []
    qs = _ini(tmp_path / "new.ini")
    assert migrate(qs, {1: lambda q: calls.append(1)}, target=1) == []
    assert calls == []
    assert int(qs.value(VERSION_KEY)) == 1


def test_migrations_run_in_order_from_the_stored_version(tmp_path: Path) -> None:
    qs = _ini(tmp_path / "old.ini")
    qs.setValue(VERSION_KEY, 1)
    qs.setValue("audio/mp3_bitrate", 128)
    order: list[int] = []
    steps = {
        1: lambda q: order.append(1),
        2: lambda q: order.append(2),
        3: lambda q: order.append(3),
    }
    assert migrate(qs, steps, target=3) == [2, 3]
    assert order == [2, 3]
    assert int(qs.value(VERSION_KEY)) == 3


def test_newer_file_is_left_alone(tmp_path: Path) -> None:
    qs = _ini(tmp_path / "future.ini")
    qs.setValue(VERSION_KEY, CURRENT_VERSION + 5)
    qs.setValue("connection/server_url", "http://x")
    assert migrate(qs) == []
    assert int(qs.value(VERSION_KEY)) == CURRENT_VERSION + 5


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("", True),
        ("   ", True),
        ("http://127.0.0.1:8000", True),
        ("https://seq.example.com/api-prefix", True),
        ("ftp://example.com", False),
        ("example.com", False),
        ("http://", False),
        ("http://host:99999", False),
        ("http://host/?x=1", False),
    ],
)
def test_validate_server_url(url: str, ok: bool) -> None:
    assert (validate_server_url(url) is None) is ok
