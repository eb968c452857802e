"""Notifications without a system tray go to the freedesktop notification service, and
Settings says when there is neither. A private dbus-daemon with a stand-in daemon
(tests/gui/fake_notifications.py, a real D-Bus service that records each Notify) and
our real server and session: the calls are the ones a desktop would receive. Under the
offscreen platform there is no system tray, as on stock GNOME."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QSystemTrayIcon

from desktop_app.domain.draft import draft_with_text
from desktop_app.services.api import ApiClient
from desktop_app.services.tasks import TaskRunner
from desktop_app.settings import Settings
from desktop_app.ui.freedesktop_notifications import FreedesktopNotifications
from desktop_app.ui.notifier import Notifier
from desktop_app.ui.settings_dialog import AudioDevices, SettingsDialog
from sequencer_server.threaded import ThreadedServer
from tests.conftest import TOKEN, make_backend
from tests.gui.send_helpers import TIMEOUT
from tests.gui.test_live_events import _without_events
from tests.gui.test_polled_arrivals import _session

FAKE_DAEMON = Path(__file__).with_name("fake_notifications.py")
# A session bus with no service files: only what a test starts on it is there.
BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


class PrivateBus:
    def __init__(self, tmp_path: Path) -> None:
        config = tmp_path / "bus.conf"
        config.write_text(BUS_CONFIG)
        self.record = tmp_path / "notify-calls.jsonl"
        self._processes: list[subprocess.Popen[str]] = []
        daemon = self._start(["dbus-daemon", f"--config-file={config}", "--nofork",
                              "--print-address=1"])  # fmt: skip
        assert daemon.stdout is not None
        self.address = daemon.stdout.readline().strip()
        assert self.address.startswith("unix:"), self.address

    def _start(self, argv: list[str]) -> subprocess.Popen[str]:
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
        self._processes.append(process)
        return process

    def start_notification_daemon(self) -> None:
        pytest.importorskip("jeepney", reason="the stand-in daemon is written with jeepney")
        fake = self._start([sys.executable, str(FAKE_DAEMON), self.address, str(self.record)])
        assert fake.stdout is not None
        assert fake.stdout.readline().strip() == "ready"

    def calls(self) -> list[list[object]]:
        if not self.record.exists():
            return []
        return [json.loads(line) for line in self.record.read_text().splitlines()]

    def stop(self) -> None:
        for process in reversed(self._processes):
            process.terminate()
            process.wait(5)


@pytest.fixture
def bus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PrivateBus]:
    for tool in ("dbus-daemon", "gdbus"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (Debian: dbus-daemon, libglib2.0-bin)")
    if QSystemTrayIcon.isSystemTrayAvailable():
        pytest.skip("this platform has a system tray; these tests are about having none")
    private = PrivateBus(tmp_path)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", private.address)
    try:
        yield private
    finally:
        private.stop()


@pytest.fixture
def tasks() -> Iterator[TaskRunner]:
    runner = TaskRunner(QThreadPool())
    yield runner
    runner.wait(5000)


def test_without_a_tray_a_message_elsewhere_is_one_notify_call(qtbot, tmp_path, bus, tasks):
    bus.start_notification_daemon()
    backend = make_backend("sqlite-local", tmp_path / "srv")
    server = ThreadedServer(_without_events(backend.app())).start()
    alice = ApiClient(server.url, TOKEN)
    looking_at = alice.create_thread("Open one")
    elsewhere = alice.create_thread("Elsewhere")
    quiet = alice.create_thread("Quiet one")
    bob = _session(server.url, tmp_path / "bob", tasks, "bob")
    settings = SimpleNamespace(notifications=True)
    try:
        threads = bob.open()
        notifier = Notifier(
            settings,
            lambda tid: (threads.thread_by_id(tid) or SimpleNamespace(name="?")).name,
            threads.open_thread,
        )
        threads.messageArrived.connect(notifier.notify)
        bob.start()
        threads.open_thread(looking_at.id)
        qtbot.waitUntil(lambda: threads.thread_by_id(quiet.id) is not None, timeout=TIMEOUT)
        threads.set_muted(quiet.id, True)
        qtbot.wait(800)  # a few thread polls: what was there before is not news

        alice.post_message(draft_with_text(elsewhere.id, "alice", "it's <3 -- $(here)"))
        qtbot.waitUntil(lambda: len(bus.calls()) == 1, timeout=TIMEOUT)
        app, replaces, _icon, title, body, actions, timeout = bus.calls()[0]
        assert (app, replaces, actions, timeout) == ("Sequencer", 0, [], 5000)
        assert title == "alice in Elsewhere"
        assert body == "it's &lt;3 -- $(here)"  # the body is markup to most daemons

        # A muted thread counts but is not notified; nor is anything with the setting off.
        alice.post_message(draft_with_text(quiet.id, "alice", "shh"))
        qtbot.waitUntil(lambda: threads.unread_count(quiet.id) == 1, timeout=TIMEOUT)
        settings.notifications = False
        alice.post_message(draft_with_text(elsewhere.id, "alice", "still there?"))
        qtbot.waitUntil(lambda: threads.unread_count(elsewhere.id) == 2, timeout=TIMEOUT)
        qtbot.wait(1000)  # a stray gdbus call would have arrived by now
        assert len(bus.calls()) == 1 and len(notifier.shown) == 1
        notifier.close()
    finally:
        bob.close(wait_ms=3000)
        server.stop()


def _notifications_box(tmp_path: Path, qtbot) -> SettingsDialog:
    settings = Settings.open(tmp_path / "config" / "settings.ini")
    dialog = SettingsDialog(settings, devices=lambda: AudioDevices(error="no PortAudio"))
    qtbot.addWidget(dialog)
    return dialog


def test_settings_offers_notifications_only_where_they_can_show(qtbot, tmp_path, bus):
    # A session bus but no notification daemon on it (and no tray): said, not promised.
    dialog = _notifications_box(tmp_path, qtbot)
    assert not dialog.notifications.isEnabled()
    assert "not available" in dialog.notifications.text()
    assert "org.freedesktop.Notifications" in dialog.notifications.toolTip()
    assert dialog.notifications.isChecked()  # the setting is kept for a desktop that has one

    bus.start_notification_daemon()
    dialog = _notifications_box(tmp_path, qtbot)
    assert dialog.notifications.isEnabled()
    assert dialog.notifications.text() == "Show a desktop notification for new messages"


def test_settings_without_a_session_bus(qtbot, tmp_path, monkeypatch):
    if QSystemTrayIcon.isSystemTrayAvailable():
        pytest.skip("this platform has a system tray")
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'no-bus'}")
    dialog = _notifications_box(tmp_path, qtbot)
    assert not dialog.notifications.isEnabled()


def test_others_words_reach_the_daemon_exactly(qtbot, bus, caplog):
    """Untrusted text is neither a gdbus option nor GVariant syntax nor shell words."""
    bus.start_notification_daemon()
    sender = FreedesktopNotifications("Sequencer")
    tricky = "--help [] 'a' 'b' \\n\n\ttab \"q\" $(rm -rf x); `id` %s émoji 🎵 @as []"
    assert sender.send("-x 'it''s'", tricky)
    qtbot.waitUntil(lambda: len(bus.calls()) == 1, timeout=TIMEOUT)
    assert bus.calls()[0][3:5] == ["-x 'it''s'", tricky]
    sender.wait()
    assert "failed" not in caplog.text


def test_a_bus_without_the_daemon_is_one_warning(qtbot, bus, caplog):
    sender = FreedesktopNotifications("Sequencer")
    with caplog.at_level(logging.DEBUG, logger="desktop_app.ui.freedesktop_notifications"):
        for n in range(3):
            assert sender.send("alice in Elsewhere", f"message {n}")
        qtbot.waitUntil(lambda: not sender._running, timeout=TIMEOUT)
    failures = [r for r in caplog.records if "notification failed" in r.getMessage()]
    assert [r.levelno for r in failures] == [logging.WARNING, logging.DEBUG, logging.DEBUG]
    assert "org.freedesktop.Notifications" in failures[0].getMessage()
