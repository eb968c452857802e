"""Settings…: server, identity, audio devices, recording quality, cache size.

The dialog edits a copy of the values and writes them to :class:`Settings` only on OK,
after validation; the app reacts to ``Settings.changed`` (a new server reconnects, a new
output device is handed to the engine), so nothing here knows about the rest of the app.

Devices are stored by name ("<device>, <host API>", the form sounddevice matches
exactly) rather than by index, because indices change whenever a device is plugged in.
A saved device that is missing right now stays selectable as "(not connected)" instead of
being silently replaced by the default.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, Qt, Slot
from PySide6.QtGui import QAction, QIcon, QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from desktop_app.settings import CACHE_SIZE_RANGE_MB, MP3_BITRATES, Settings, validate_server_url
from desktop_app.ui import theme
from desktop_app.ui.notifier import notifications_available

log = logging.getLogger(__name__)

SYSTEM_DEFAULT = "System default"


@dataclass(frozen=True)
class AudioDevices:
    """Names of the devices that can play (outputs) and record (inputs)."""

    outputs: list[str] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    error: str = ""


def query_audio_devices() -> AudioDevices:
    """Ask PortAudio (through sounddevice) for the devices. Never raises: a machine without
    a sound card or without PortAudio gets empty lists and a reason."""
    try:
        import sounddevice as sd

        devices = sd.query_devices()
        hostapis = sd.query_hostapis()
    except Exception as exc:  # OSError without PortAudio, PortAudioError without a server
        log.info("audio devices unavailable: %s", exc)
        return AudioDevices(error=str(exc) or type(exc).__name__)
    outputs, inputs = [], []
    for info in devices:
        name = f"{info['name']}, {hostapis[info['hostapi']]['name']}"
        if info.get("max_output_channels", 0) > 0:
            outputs.append(name)
        if info.get("max_input_channels", 0) > 0:
            inputs.append(name)
    return AudioDevices(outputs, inputs)


class SettingsDialog(QDialog):
    """Modal preferences. ``accept`` validates, writes the settings and closes."""

    def __init__(
        self,
        settings: Settings,
        *,
        devices: Callable[[], AudioDevices] = query_audio_devices,
        embedded_folder: str = "",
        server_name: str = "",
        parent: QWidget | None = None,
    ) -> None:
        """``server_name``: who the server in use says the token is (``""`` where the
        name is free: the local server, a shared token)."""
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings")
        self.setMinimumWidth(520)
        self._settings = settings
        self._devices = devices
        available = devices()

        # ---- server ------------------------------------------------------------------
        self.server_url = QLineEdit(settings.server_url)
        self.server_url.setPlaceholderText("Empty: the built-in local server on this computer")
        self.server_url.setClearButtonEnabled(True)
        self.server_url.textChanged.connect(self._validate)
        self.api_token = QLineEdit(settings.api_token)
        self.api_token.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_token.setPlaceholderText("Given by whoever runs the server")
        reveal = QAction(
            self.style().standardIcon(QStyle.StandardPixmap.SP_FileDialogContentsView),
            "Show token",
            self,
        )
        reveal.setCheckable(True)
        reveal.toggled.connect(
            lambda shown: self.api_token.setEchoMode(
                QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
            )
        )
        self.api_token.addAction(reveal, QLineEdit.ActionPosition.TrailingPosition)
        self.api_token.textChanged.connect(self._validate)
        self.user_name = QLineEdit(settings.user_name)
        self.user_name.setPlaceholderText("Shown next to your messages")
        self.user_name.setMaxLength(64)
        self.user_name.textChanged.connect(self._validate)
        # On a server with accounts the token decides who you are: show that name and say
        # so, rather than take an edit the server would refuse on every message.
        self._server_name = "" if settings.overridden_by("user_name") else server_name
        self.identity_note = QLabel(
            f"This server knows your token as “{server_name}”; the token decides who "
            "you are there, so the name cannot be changed here. It is used on your own "
            "local server and on servers with a shared token."
        )
        self.identity_note.setObjectName("settingsIdentityNote")
        self.identity_note.setWordWrap(True)
        self.identity_note.setStyleSheet(f"color: {theme.TEXT_DIM};")
        if self._server_name:
            self.user_name.setText(self._server_name)
            self.user_name.setReadOnly(True)
            self.user_name.setToolTip("Decided by this server's token")
        self.error_label = QLabel()
        self.error_label.setObjectName("settingsError")
        self.error_label.setStyleSheet(f"color: {theme.ERROR};")
        self.error_label.setWordWrap(True)
        self.error_label.hide()

        server_box = QGroupBox("Server")
        server_form = QFormLayout(server_box)
        server_form.addRow("Server URL", self.server_url)
        server_form.addRow("API token", self.api_token)
        server_form.addRow("Your name", self.user_name)
        if self._server_name:
            server_form.addRow(self.identity_note)
        else:
            self.identity_note.hide()
        # A value set in the environment wins over this dialog: show it, read-only, and say
        # where it comes from instead of pretending an edit here would take effect.
        self.env_note = QLabel()
        self.env_note.setObjectName("settingsEnvNote")
        self.env_note.setWordWrap(True)
        self.env_note.setStyleSheet(f"color: {theme.TEXT_DIM};")
        overridden = []
        for name in ("server_url", "api_token", "user_name"):
            variable = settings.overridden_by(name)
            if variable:
                field: QLineEdit = getattr(self, name)
                field.setReadOnly(True)
                field.setClearButtonEnabled(False)
                field.setToolTip(f"Set by {variable} in the environment")
                overridden.append(f"<code>{variable}</code>")
        if overridden:
            self.env_note.setText(
                f"Set by {', '.join(overridden)} in the environment Sequencer was started "
                "from; the environment wins over these settings. Unset it to edit here."
            )
            server_form.addRow(self.env_note)
        else:
            self.env_note.hide()
        hint = QLabel(
            "Leave the URL empty to keep threads on this computer"
            + (f" (in <code>{embedded_folder}</code>)." if embedded_folder else ".")
            + " Set it to share threads with others through a Sequencer server."
        )
        hint.setWordWrap(True)
        hint.setStyleSheet(f"color: {theme.TEXT_DIM};")
        server_form.addRow(hint)
        server_form.addRow(self.error_label)

        # ---- audio -------------------------------------------------------------------
        self.output_device = self._device_combo(available.outputs, settings.output_device)
        self.input_device = self._device_combo(available.inputs, settings.input_device)
        self.mix_input = QCheckBox("Mix the input into recordings")
        self.mix_input.setChecked(settings.mix_input)
        self._show_input_choice(available)
        self.mp3_bitrate = QComboBox()
        for rate in MP3_BITRATES:
            self.mp3_bitrate.addItem(f"{rate} kbit/s", rate)
        index = self.mp3_bitrate.findData(settings.mp3_bitrate)
        self.mp3_bitrate.setCurrentIndex(index if index >= 0 else len(MP3_BITRATES) - 1)

        audio_box = QGroupBox("Audio")
        audio_form = QFormLayout(audio_box)
        audio_form.addRow("Output device", self.output_device)
        audio_form.addRow("Input device", self.input_device)
        audio_form.addRow("", self.mix_input)
        audio_form.addRow("MP3 bitrate", self.mp3_bitrate)
        if not available.outputs and not available.inputs:
            none = QLabel(
                "No audio devices were found"
                + (f" ({available.error})" if available.error else "")
                + ". Playback keeps time without sound and recordings still work."
            )
            none.setWordWrap(True)
            none.setStyleSheet(f"color: {theme.TEXT_DIM};")
            audio_form.addRow(none)

        # ---- storage -----------------------------------------------------------------
        self.cache_size_mb = QSpinBox()
        self.cache_size_mb.setRange(*CACHE_SIZE_RANGE_MB)
        self.cache_size_mb.setSingleStep(256)
        self.cache_size_mb.setSuffix(" MB")
        self.cache_size_mb.setValue(
            min(max(settings.cache_size_mb, CACHE_SIZE_RANGE_MB[0]), CACHE_SIZE_RANGE_MB[1])
        )
        self.cache_size_mb.setToolTip(
            "Recordings you have listened to and the sounds of patterns you loaded are kept "
            "for offline playback (a quarter of this for the sounds); the least recently "
            "used go first when the cache grows past this size."
        )
        storage_box = QGroupBox("Storage")
        storage_form = QFormLayout(storage_box)
        storage_form.addRow("Cache limit", self.cache_size_mb)

        self.notifications = QCheckBox("Show a desktop notification for new messages")
        self.notifications.setToolTip(
            "Others' messages in threads you are not looking at. Mute one thread from its "
            "menu in the thread list."
        )
        self.notifications.setChecked(settings.notifications)
        if not notifications_available():
            # Kept as it was (a tray or a notification daemon may be there next time).
            self.notifications.setEnabled(False)
            self.notifications.setText("Desktop notifications (not available here)")
            self.notifications.setToolTip(
                "This desktop has neither a system tray nor a notification service "
                "(org.freedesktop.Notifications), so none can be shown."
            )
        notify_box = QGroupBox("Notifications")
        QVBoxLayout(notify_box).addWidget(self.notifications)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(server_box)
        layout.addWidget(audio_box)
        layout.addWidget(storage_box)
        layout.addWidget(notify_box)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self._validate()
        self._fit_height()

    # ---- devices -------------------------------------------------------------------------
    def refresh_devices(self) -> None:
        """Ask for the devices again (a microphone plugged in since the dialog opened):
        the input list and whether the input can be mixed follow."""
        available = self._devices()
        self._fill_devices(self.input_device, available.inputs, self.input_device.currentData())
        self._show_input_choice(available)

    def _show_input_choice(self, available: AudioDevices) -> None:
        """Mixing the input needs an input: without one the box is off and disabled, and
        says why (checked, every take failed with "input mixing is on, but no audio input
        was found"); it comes back, as saved, when an input appears."""
        if available.inputs:
            self.mix_input.setEnabled(True)
            self.mix_input.setChecked(self._settings.mix_input)
            self.mix_input.setToolTip(
                "Record what comes in on the input device (a mic, a synth) together with "
                "the sequencer."
            )
            return
        self.mix_input.setChecked(False)
        self.mix_input.setEnabled(False)
        self.mix_input.setToolTip(
            "No input device was found (no microphone or line in), so there is nothing to "
            "mix. It can be turned on once one is connected."
        )

    def _device_combo(self, names: list[str], saved: str) -> QComboBox:
        combo = QComboBox()
        self._fill_devices(combo, names, saved)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(24)
        return combo

    def _fill_devices(self, combo: QComboBox, names: list[str], saved: str | None) -> None:
        saved = saved or ""
        combo.clear()
        combo.addItem(SYSTEM_DEFAULT, "")
        for name in names:
            combo.addItem(name, name)
        if saved and saved not in names:
            combo.addItem(
                QIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)),
                f"{saved} (not connected)",
                saved,
            )
        combo.setCurrentIndex(max(0, combo.findData(saved)))

    # ---- validation ------------------------------------------------------------------------
    def validation_error(self) -> str | None:
        url = self.server_url.text().strip()
        problem = validate_server_url(url)
        if problem:
            return problem
        if url and not self.api_token.text().strip():
            return "Enter the API token for this server."
        if not self.user_name.text().strip():
            return "Enter your name; it is shown on the messages you send."
        return None

    @Slot()
    def _validate(self) -> bool:
        problem = self.validation_error()
        self.error_label.setText(problem or "")
        self.error_label.setVisible(bool(problem))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(problem is None)
        self._fit_height()
        return problem is None

    # ---- size --------------------------------------------------------------------------
    def _fit_height(self) -> None:
        """Keep every wrapped line visible. A window's minimum size ignores that wrapped
        labels need more height when narrow, so the dialog asks its layout how tall it must
        be at its current width and grows to that — when the error appears, and whenever
        it is made narrower."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        width = max(self.width(), self.minimumWidth())
        if layout.hasHeightForWidth():
            need = layout.totalHeightForWidth(width)
        else:
            need = layout.totalSizeHint().height()
        need = max(need, layout.totalMinimumSize().height())
        if self.minimumHeight() != need:
            self.setMinimumHeight(need)
        if self.height() < need:
            self.resize(width, need)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        # Back from plugging a microphone in (or from the system's sound settings).
        active = event.type() == QEvent.Type.ActivationChange and self.isActiveWindow()
        if active and self.isVisible():
            self.refresh_devices()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._fit_height()

    # ---- saving ----------------------------------------------------------------------------
    def apply(self) -> None:
        """Write the edited values; ``Settings.changed`` fires for those that differ."""
        s = self._settings
        # Audio and identity first, connection last: a server change triggers a reconnect
        # that should already see the new user name.
        # Never copy the environment into the file, nor the server's name for the token
        # (the field shows it read-only) over the name used where it is free.
        if not s.overridden_by("user_name") and not self._server_name:
            s.user_name = self.user_name.text().strip()
        s.output_device = self.output_device.currentData() or ""
        s.input_device = self.input_device.currentData() or ""
        s.mix_input = self.mix_input.isChecked()
        s.mp3_bitrate = int(self.mp3_bitrate.currentData())
        s.cache_size_mb = self.cache_size_mb.value()
        s.notifications = self.notifications.isChecked()
        if not s.overridden_by("api_token"):
            s.api_token = self.api_token.text().strip()
        if not s.overridden_by("server_url"):
            # Pins stay with their servers (Settings.server_fingerprint): another address
            # gets no pin, and coming back to a joined one finds its pin again.
            s.server_url = self.server_url.text().strip().rstrip("/")
        s.sync()

    def accept(self) -> None:
        if not self._validate():
            return
        self.apply()
        super().accept()

    def keyPressEvent(self, event) -> None:
        # Enter in a field means OK only when valid; otherwise keep the dialog open.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not self._validate():
            return
        super().keyPressEvent(event)
