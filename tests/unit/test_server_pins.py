"""Certificate pins stay with the server they were made for: leaving a joined server and
coming back finds its pin again, another server never gets it, and the pins survive the
settings file (including one written before pins were kept per server)."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QSettings

from desktop_app.server_pins import pin_key
from desktop_app.settings import CURRENT_VERSION, Settings

BAND = "https://127.0.0.1:8765"
PIN = "ab" * 32


def test_leaving_a_joined_server_and_coming_back_keeps_its_pin(tmp_path: Path) -> None:
    s = Settings.open(tmp_path / "settings.ini")
    s.server_url = BAND
    s.server_fingerprint = PIN
    s.server_url = "http://127.0.0.1:9"
    assert s.server_fingerprint == ""
    s.server_url = BAND
    assert s.server_fingerprint == PIN
    s.server_url = ""  # the embedded server pins its own certificate
    assert s.server_fingerprint == ""
    s.server_url = BAND + "/"
    assert s.server_fingerprint == PIN


def test_another_server_is_never_checked_against_a_pin_made_for_this_one(
    tmp_path: Path,
) -> None:
    s = Settings.open(tmp_path / "settings.ini")
    s.set_pin(BAND, PIN)
    for other in ("https://127.0.0.1:8766", "https://127.0.0.2:8765", "http://127.0.0.1:8765"):
        s.server_url = other
        assert s.server_fingerprint == "" and s.pin_for(other) == ""
    s.server_url = "https://studio.local:8765"
    s.server_fingerprint = "cd" * 32  # a second band's server has its own pin
    assert s.pin_for(BAND) == PIN and s.pin_for("HTTPS://Studio.Local:8765/") == "cd" * 32
    s.set_pin(BAND, "")  # joined again without a certificate: no pin left for it
    assert s.pin_for(BAND) == "" and s.server_fingerprint == "cd" * 32


def test_pins_survive_the_file_and_a_change_is_announced(tmp_path: Path) -> None:
    path = tmp_path / "settings.ini"
    s = Settings.open(path)
    seen: list[str] = []
    s.changed.connect(seen.append)
    s.set_pin(BAND, PIN)
    s.set_pin("https://studio.local:8765", "cd" * 32)  # JSON with commas in an INI value
    s.set_pin(BAND, PIN)  # unchanged: nothing to announce
    s.sync()
    assert seen == ["server_pins", "server_pins"]
    again = Settings.open(path)
    assert again.pin_for(BAND) == PIN and again.pin_for("https://studio.local:8765") == "cd" * 32


def test_a_version_1_pin_goes_to_the_server_it_was_set_for(tmp_path: Path) -> None:
    path = tmp_path / "settings.ini"
    old = QSettings(str(path), QSettings.Format.IniFormat)
    old.setValue("meta/settings_version", 1)
    old.setValue("connection/server_url", BAND)
    old.setValue("connection/server_fingerprint", PIN)
    old.sync()
    s = Settings.open(path)
    assert s.settings_version == CURRENT_VERSION
    assert s.server_fingerprint == PIN
    s.server_url = "http://127.0.0.1:9"
    assert s.server_fingerprint == ""
    s.sync()
    assert not QSettings(str(path), QSettings.Format.IniFormat).contains(
        "connection/server_fingerprint"
    )


def test_unreadable_pins_are_no_pins(tmp_path: Path, caplog) -> None:
    path = tmp_path / "settings.ini"
    path.write_text(
        f"[meta]\nsettings_version={CURRENT_VERSION}\n"
        f"[connection]\nserver_url={BAND}\nserver_pins=not json\n"
    )
    s = Settings.open(path)
    with caplog.at_level(logging.WARNING):
        assert s.server_fingerprint == ""
    assert "unreadable" in caplog.text
    s.server_fingerprint = PIN  # joining again replaces the garbage
    assert s.pin_for(BAND) == PIN


def test_pin_key_is_the_origin() -> None:
    assert pin_key("https://Host.Example:8765/api/") == "https://host.example:8765"
    assert pin_key("") == "" and pin_key("not a url") == ""
