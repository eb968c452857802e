"""Settings dialog: shows the stored values, validates, writes them back on OK."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLabel, QWidget

from desktop_app.settings import Settings
from desktop_app.ui.settings_dialog import (
    SYSTEM_DEFAULT,
    AudioDevices,
    SettingsDialog,
    query_audio_devices,
)

DEVICES = AudioDevices(
    outputs=["Speakers, ALSA", "USB Interface, ALSA"], inputs=["USB Interface, ALSA"]
)
# What test_round_trip chooses in the dialog, as the settings store it (the URL without its
# trailing slash, the name trimmed).
CHOSEN = {
    "server_url": "https://seq.example.com",
    "api_token": "s3cret",
    "user_name": "Ada",
    "output_device": "USB Interface, ALSA",
    "input_device": "USB Interface, ALSA",
    "mix_input": True,
    "mp3_bitrate": 192,
    "cache_size_mb": 512,
}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.open(tmp_path / "config" / "settings.ini")


def _ok(dialog: SettingsDialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def test_round_trip(qtbot, settings: Settings, tmp_path: Path) -> None:
    dialog = SettingsDialog(settings, devices=lambda: DEVICES)
    qtbot.addWidget(dialog)
    assert dialog.server_url.text() == ""
    assert "local server" in dialog.server_url.placeholderText()
    assert dialog.output_device.itemText(0) == SYSTEM_DEFAULT
    assert dialog.output_device.count() == 3
    assert dialog.input_device.count() == 2

    dialog.server_url.setText("https://seq.example.com/")
    dialog.api_token.setText("s3cret")
    dialog.user_name.setText("  Ada  ")
    dialog.output_device.setCurrentIndex(dialog.output_device.findData("USB Interface, ALSA"))
    dialog.input_device.setCurrentIndex(1)
    dialog.mix_input.setChecked(True)
    dialog.mp3_bitrate.setCurrentIndex(dialog.mp3_bitrate.findData(192))
    dialog.cache_size_mb.setValue(512)
    changed: list[str] = []
    settings.changed.connect(changed.append)
    _ok(dialog).click()
    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    assert changed[-1] == "server_url"  # the connection last, after what it depends on

    reread = Settings.open(tmp_path / "config" / "settings.ini")
    assert {name: getattr(reread, name) for name in CHOSEN} == CHOSEN

    # A second dialog shows what was saved.
    again = SettingsDialog(reread, devices=lambda: DEVICES)
    qtbot.addWidget(again)
    assert again.server_url.text() == "https://seq.example.com"
    assert again.output_device.currentData() == "USB Interface, ALSA"
    assert again.mp3_bitrate.currentData() == 192
    assert again.mix_input.isChecked()


def test_invalid_url_blocks_ok(qtbot, settings: Settings) -> None:
    dialog = SettingsDialog(settings, devices=lambda: DEVICES)
    qtbot.addWidget(dialog)
    dialog.server_url.setText("seq.example.com")
    assert not _ok(dialog).isEnabled()
    assert "http" in dialog.error_label.text()
    dialog.accept()
    assert settings.server_url == ""
    dialog.server_url.setText("http://seq.example.com")
    assert not _ok(dialog).isEnabled()  # a server needs its token
    dialog.api_token.setText("t")
    assert _ok(dialog).isEnabled()
    dialog.user_name.setText(" ")
    assert not _ok(dialog).isEnabled()


def test_cancel_writes_nothing(qtbot, settings: Settings) -> None:
    dialog = SettingsDialog(settings, devices=lambda: DEVICES)
    qtbot.addWidget(dialog)
    dialog.mp3_bitrate.setCurrentIndex(0)
    dialog.reject()
    assert settings.mp3_bitrate == 320


def test_without_devices(qtbot, settings: Settings) -> None:
    settings.output_device = "Unplugged DAC, ALSA"
    dialog = SettingsDialog(settings, devices=lambda: AudioDevices(error="no PortAudio"))
    qtbot.addWidget(dialog)
    assert dialog.input_device.count() == 1
    assert dialog.input_device.currentText() == SYSTEM_DEFAULT
    # The saved but missing device stays selected rather than silently reset.
    assert dialog.output_device.currentData() == "Unplugged DAC, ALSA"
    assert "not connected" in dialog.output_device.currentText()
    dialog.accept()
    assert settings.output_device == "Unplugged DAC, ALSA"


def test_real_device_query_never_raises() -> None:
    devices = query_audio_devices()
    assert isinstance(devices.outputs, list) and isinstance(devices.inputs, list)


def clipped_labels(dialog: SettingsDialog) -> list[str]:
    """The visible labels whose text does not fit the rectangle the layout gave them: a
    wrapping label needs ``heightForWidth`` of its width, any other its size hint; and the
    rectangle must lie inside the dialog."""
    clipped = []
    for label in dialog.findChildren(QLabel):
        if not label.isVisibleTo(dialog) or not label.text():
            continue
        rect = label.contentsRect()
        if label.wordWrap():
            need = QSize(rect.width(), label.heightForWidth(label.width()))
        else:
            need = label.sizeHint()
        inside = dialog.rect().contains(QRect(label.mapTo(dialog, QPoint(0, 0)), label.size()))
        if label.height() < need.height() or label.width() < need.width() or not inside:
            clipped.append(f"{label.text()[:40]!r}: {label.size().toTuple()} < {need.toTuple()}")
    return clipped


@pytest.mark.parametrize("url", ["ftp://seq.example.com", "https://seq.example.com"])
def test_no_label_is_clipped_when_a_validation_error_appears(qtbot, settings, url) -> None:
    folder = "/home/someone/.local/share/sequencer/embedded-server-data"
    dialog = SettingsDialog(settings, devices=lambda: AudioDevices(error="no PortAudio"),
                            embedded_folder=folder)  # fmt: skip
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert not dialog.error_label.isVisible()
    assert clipped_labels(dialog) == []

    dialog.server_url.setText(url)  # an unusable scheme, or a server without a token
    qtbot.waitUntil(dialog.error_label.isVisible)
    QApplication.processEvents()
    assert clipped_labels(dialog) == []
    assert "No audio devices were found" in " ".join(
        label.text() for label in dialog.findChildren(QLabel) if label.isVisible()
    )

    dialog.server_url.setText("")  # the error goes away again: nothing left clipped
    qtbot.waitUntil(lambda: not dialog.error_label.isVisible())
    QApplication.processEvents()
    assert clipped_labels(dialog) == []


def test_a_pin_is_kept_for_its_server_and_dropped_for_another(qtbot, settings: Settings) -> None:
    """A joined server's certificate pin belongs to that server: saving the dialog without
    touching the address keeps it, another address goes without it, and coming back to
    the joined server finds it again (no new invite needed)."""
    settings.server_url, settings.api_token = "https://10.0.0.2:8765", "t"
    settings.server_fingerprint = "ab" * 32
    for url, pin in (
        ("https://10.0.0.2:8765", "ab" * 32),
        ("https://seq.example.com", ""),
        ("http://127.0.0.1:9", ""),
        ("https://10.0.0.2:8765/", "ab" * 32),
    ):
        dialog = SettingsDialog(settings, devices=lambda: DEVICES)
        qtbot.addWidget(dialog)
        dialog.server_url.setText(url)
        dialog.accept()
        assert settings.server_url == url.rstrip("/") and settings.server_fingerprint == pin


def test_mix_the_input_is_off_without_an_input_and_on_when_one_appears(qtbot, settings) -> None:
    """ "Mix the input" could be ticked on a computer without an input device, and every
    take then failed ("input mixing is on, but no audio input was found"). Without an
    input it is unticked, disabled and says why; once an input is listed (the dialog asks
    again when it is activated) it can be ticked, and comes back as it was saved."""
    settings.mix_input = True
    found: list[AudioDevices] = [query_audio_devices()]  # this machine: no sound card
    assert found[0].inputs == [], "the test needs a machine without audio inputs"
    dialog = SettingsDialog(settings, devices=lambda: found[-1])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    box = dialog.mix_input
    assert not box.isEnabled() and not box.isChecked()
    assert "No input device was found" in box.toolTip()
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=box.rect().center())
    assert not box.isChecked()

    other = QWidget()
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    qtbot.waitUntil(lambda: not dialog.isActiveWindow())
    found.append(DEVICES)  # a USB interface was plugged in meanwhile
    dialog.activateWindow()
    qtbot.waitUntil(box.isEnabled)
    assert box.isChecked()  # as saved
    assert "USB Interface, ALSA" in [
        dialog.input_device.itemText(i) for i in range(dialog.input_device.count())
    ]
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=box.rect().center())
    assert not box.isChecked()
    dialog.accept()
    assert settings.mix_input is False
