"""The user's settings: every option declared once, typed, with its default.

QSettings hands back whatever the storage format kept: an INI file returns ``"320"`` for
an int written in a previous run, ``"true"`` for a bool and a bare string for a one-item
list. Reading options through :class:`Option` turns those back into the declared type (a
corrupt value falls back to the default with a warning instead of crashing the start),
so the rest of the app only ever sees ``settings.mp3_bitrate == 320``.

Three options can also come from the environment (``SEQUENCER_SERVER_URL``,
``SEQUENCER_TOKEN``, ``SEQUENCER_USER``), which then wins over the file — the same order
the command line uses, so the window and a script started from the same shell talk to the
same server as the same person. The file keeps its own value for when the variable goes.

The file carries a version number; :data:`MIGRATIONS` upgrades older files one step at a
time on open (the way Picard's ``config_upgrade.py`` does), so renaming or reshaping an
option never loses what the user had set.
"""

from __future__ import annotations

import getpass
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar
from urllib.parse import urlsplit

from PySide6.QtCore import QByteArray, QObject, QSettings, Signal

from desktop_app.server_pins import PINS_KEY, pin_key, read_pins, v2_pins_per_server, with_pin

log = logging.getLogger(__name__)

T = TypeVar("T")

MP3_BITRATES = (128, 192, 256, 320)
CACHE_SIZE_RANGE_MB = (64, 100_000)
CURRENT_VERSION = 2
VERSION_KEY = "meta/settings_version"


class IntList(list):
    """Marker type for options holding a list of ints (splitter sizes)."""


def default_user_name() -> str:
    """The OS login name: what a musician would type anyway, and stable across runs."""
    try:
        name = getpass.getuser().strip()
    except (OSError, KeyError, ImportError):  # no passwd entry (containers), no env vars
        name = ""
    return name or "musician"


def validate_server_url(text: str) -> str | None:
    """``None`` when ``text`` is usable (blank means the embedded local server), else a
    sentence saying what is wrong, for the settings dialog and the command line alike."""
    text = text.strip()
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https"):
        return "The server URL must start with http:// or https://"
    if not parts.hostname:
        return "The server URL has no host name"
    try:
        parts.port  # noqa: B018 - raises ValueError for a port outside 0-65535 or non-numeric
    except ValueError:
        return "The server URL has an invalid port"
    if parts.query or parts.fragment:
        return "The server URL must not contain ? or #"
    return None


class Option(Generic[T]):
    """One setting: its key in the file, its type and its default.

    Declared as a class attribute of :class:`Settings`, it works as a descriptor, so
    ``settings.mp3_bitrate`` reads and ``settings.mp3_bitrate = 256`` writes (and emits
    ``Settings.changed("mp3_bitrate")`` when the value actually changes).
    """

    def __init__(
        self,
        key: str,
        kind: type,
        default: T | Callable[[], T],
        doc: str = "",
        *,
        env: str = "",
    ) -> None:
        self.key = key
        self.kind = kind
        self._default = default
        self.doc = doc
        self.name = key
        self.env = env  # an environment variable that overrides the stored value

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def default(self) -> T:
        value = self._default() if callable(self._default) else self._default
        return list(value) if isinstance(value, list) else value  # type: ignore[return-value]

    def __get__(self, obj: Settings | None, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        return obj.get(self)

    def __set__(self, obj: Settings, value: T) -> None:
        obj.set(self, value)

    # ---- conversion ------------------------------------------------------------------
    def decode(self, raw: object) -> T:
        """Storage value → declared type. Raises ValueError/TypeError on garbage."""
        kind = self.kind
        if kind is bool:
            if isinstance(raw, bool):
                return raw  # type: ignore[return-value]
            text = str(raw).strip().lower()
            if text in ("true", "1", "yes", "on"):
                return True  # type: ignore[return-value]
            if text in ("false", "0", "no", "off", ""):
                return False  # type: ignore[return-value]
            raise ValueError(f"{raw!r} is not a boolean")
        if kind is int:
            if isinstance(raw, bool):
                raise TypeError("bool is not an int")
            return int(str(raw).strip())  # type: ignore[return-value]
        if kind is float:
            return float(str(raw).strip())  # type: ignore[return-value]
        if kind is str:
            if isinstance(raw, list | tuple):  # a value containing "," read back from INI
                return ", ".join(str(x) for x in raw)  # type: ignore[return-value]
            return str(raw)  # type: ignore[return-value]
        if kind is bytes:
            if isinstance(raw, QByteArray):
                return bytes(raw.data())  # type: ignore[return-value]
            if isinstance(raw, bytes | bytearray):
                return bytes(raw)  # type: ignore[return-value]
            if raw in ("", None):
                return b""  # type: ignore[return-value]
            raise TypeError(f"{type(raw).__name__} is not bytes")
        if kind is IntList:
            if raw in ("", None):
                return []  # type: ignore[return-value]
            items = raw if isinstance(raw, list | tuple) else str(raw).split(",")
            return [int(str(x).strip()) for x in items]  # type: ignore[return-value]
        raise TypeError(f"unsupported option type {kind!r}")

    def encode(self, value: T) -> Any:
        if self.kind is bytes:
            data: Any = value
            if isinstance(data, QByteArray):
                return QByteArray(data)
            if not isinstance(data, bytes | bytearray):
                raise TypeError(f"{type(data).__name__} is not bytes")
            return QByteArray(bytes(data))
        if self.kind is IntList:
            # Stored as "a,b,c" text: QSettings' INI list encoding changes shape for a
            # single item and drops empty lists, which would not survive a round trip.
            return ",".join(str(int(x)) for x in value)  # type: ignore[attr-defined]
        return self.kind(value)


# ---- migrations ----------------------------------------------------------------------
def _v1_group_flat_keys(qs: QSettings) -> None:
    """Version 1 grouped the keys. The 0.0.x prototypes wrote a handful of flat keys
    (``server``, ``token``, ``user``, ``bitrate``, ``geometry``); carry their values over so
    a tester's server and name survive the upgrade."""
    renames = {
        "server": "connection/server_url",
        "token": "connection/api_token",
        "user": "user/name",
        "bitrate": "audio/mp3_bitrate",
        "geometry": "window/geometry",
    }
    for old, new in renames.items():
        if qs.contains(old):
            value = qs.value(old)
            # Remove first: QSettings.remove("user") would also remove the "user/" group.
            qs.remove(old)
            if not qs.contains(new):
                qs.setValue(new, value)
    # The prototypes allowed any bitrate; snap to the nearest one the encoder offers.
    if qs.contains("audio/mp3_bitrate"):
        try:
            rate = int(str(qs.value("audio/mp3_bitrate")).lower().rstrip("k").strip())
        except ValueError:
            qs.remove("audio/mp3_bitrate")
        else:
            qs.setValue("audio/mp3_bitrate", min(MP3_BITRATES, key=lambda r: abs(r - rate)))


Migration = Callable[[QSettings], None]
MIGRATIONS: Mapping[int, Migration] = {1: _v1_group_flat_keys, 2: v2_pins_per_server}


def migrate(
    qs: QSettings,
    migrations: Mapping[int, Migration] = MIGRATIONS,
    target: int = CURRENT_VERSION,
) -> list[int]:
    """Bring ``qs`` up to ``target``; returns the versions applied, in order.

    A file with no keys at all is new, not old: it is stamped without running anything.
    A file from a newer app is left untouched (a downgrade must not destroy it)."""
    keys = [k for k in qs.allKeys() if k != VERSION_KEY]
    raw = qs.value(VERSION_KEY)
    if raw is None and not keys:
        qs.setValue(VERSION_KEY, target)
        return []
    try:
        version = int(str(raw)) if raw is not None else 0
    except ValueError:
        log.warning("settings version %r is not a number; treating the file as version 0", raw)
        version = 0
    if version > target:
        log.warning(
            "settings file is version %d, newer than this app (%d); leaving it as it is",
            version,
            target,
        )
        return []
    applied = []
    for step in range(version + 1, target + 1):
        migration = migrations.get(step)
        if migration is not None:
            log.info("upgrading settings to version %d", step)
            migration(qs)
        qs.setValue(VERSION_KEY, step)
        applied.append(step)
    qs.sync()
    return applied


class Settings(QObject):
    """Typed access to the app's QSettings. Constructed once in ``app.py`` and passed to
    whoever needs it; ``changed(name)`` lets the app apply a saved setting at once."""

    changed = Signal(str)

    # connection
    server_url = Option(
        "connection/server_url",
        str,
        "",
        "Sequencer server; empty = the embedded local server",
        env="SEQUENCER_SERVER_URL",
    )
    api_token = Option(
        "connection/api_token", str, "", "API token for the server", env="SEQUENCER_TOKEN"
    )
    server_pins = Option(
        PINS_KEY,
        str,
        "",
        "Joined servers' self-signed certificates (SHA-256 from the invite) by origin, JSON",
    )
    share_on_network = Option(
        "connection/share_on_network",
        bool,
        False,
        "The embedded server listens beyond this computer (HTTPS) so bandmates can join",
    )
    share_address = Option(
        "connection/share_address",
        str,
        "0.0.0.0:8765",
        "host:port the embedded server listens on when shared",
    )
    user_name: Option[str] = Option(
        "user/name", str, default_user_name, "Name shown on your messages", env="SEQUENCER_USER"
    )
    # audio
    output_device = Option("audio/output_device", str, "", "Output device name; empty = default")
    input_device = Option("audio/input_device", str, "", "Input device name; empty = default")
    mix_input = Option("audio/mix_input", bool, False, "Mix the input into recordings")
    mp3_bitrate = Option("audio/mp3_bitrate", int, 320, "MP3 bitrate of recordings, kbit/s")
    master_volume = Option("audio/master_volume", float, 1.0, "Speakers' level, 0-1 (not takes)")
    metronome = Option("recording/metronome", bool, False, "Click on every beat")
    metronome_volume = Option("recording/metronome_volume", float, 0.5, "Click level, 0-1")
    metronome_record = Option(
        "recording/metronome_record", bool, False, "Put the click into takes too"
    )
    count_in_bars = Option("recording/count_in_bars", int, 0, "Bars of click before a take, 0-2")
    record_bars = Option(
        "recording/record_bars", int, 0, "A take's length in bars; 0 = until stopped"
    )
    stop_at_bar_end = Option(
        "recording/stop_at_bar_end", bool, False, "Stopping a take waits for the bar line"
    )
    cache_size_mb = Option(
        "cache/size_mb", int, 1024, "Cache size cap, MB: recordings and sounds (cache_budget)"
    )
    notifications = Option(
        "notifications/enabled", bool, True, "Desktop notifications for others' new messages"
    )
    # window
    window_geometry = Option("window/geometry", bytes, b"", "QWidget.saveGeometry()")
    window_state = Option("window/state", bytes, b"", "QMainWindow.saveState()")
    main_splitter_sizes: Option[list[int]] = Option(
        "window/main_splitter", IntList, [], "Threads | sequencer | chat"
    )
    threads_folded = Option(
        "window/threads_folded", bool, False, "The musician folded the thread list to a rail"
    )
    # remembered between runs
    last_thread_id = Option("session/last_thread_id", str, "", "Thread open at quit")
    last_pattern_dir = Option("session/last_pattern_dir", str, "", "Folder of Open/Save pattern")
    last_export_dir = Option("session/last_export_dir", str, "", "Folder of the last audio export")
    welcome_thread_id = Option(
        "first_run/welcome_thread_id", str, "", "Set once the Welcome thread exists"
    )
    settings_version = Option(VERSION_KEY, int, CURRENT_VERSION, "Version of this file's layout")

    _options: ClassVar[dict[str, Option[Any]]] = {}

    def __init__(
        self,
        qsettings: QSettings,
        parent: QObject | None = None,
        *,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        """``environ``: the process environment for the options it may override (the app
        and the command line pass ``os.environ``); ``None`` reads the file only."""
        super().__init__(parent)
        self._qs = qsettings
        self._environ: Mapping[str, str] = environ if environ is not None else {}
        migrate(self._qs)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._options = {**cls._options, **_collect(cls)}

    @classmethod
    def open(
        cls,
        path: str | Path,
        parent: QObject | None = None,
        *,
        environ: Mapping[str, str] | None = None,
    ) -> Settings:
        """Settings stored as an INI file at ``path`` (see ``AppPaths.settings_file``)."""
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return cls(QSettings(str(path), QSettings.Format.IniFormat), parent, environ=environ)

    @classmethod
    def options(cls) -> list[Option[Any]]:
        return list(cls._options.values())

    @property
    def server_fingerprint(self) -> str:
        """The pin of the server in use: each pin stays with the server it was made for
        (``server_pins``), so leaving that server and coming back finds it again."""
        return self.pin_for(self.server_url)

    @server_fingerprint.setter
    def server_fingerprint(self, fingerprint: str) -> None:
        self.set_pin(self.server_url, fingerprint)

    def pin_for(self, url: str) -> str:
        """``url``'s pinned certificate, ``""`` when none was ever made for it."""
        return read_pins(self.server_pins).get(pin_key(url), "")

    def set_pin(self, url: str, fingerprint: str) -> None:
        """Pin ``url``'s certificate (``""``: trust it the ordinary way again)."""
        self.server_pins = with_pin(self.server_pins, url, fingerprint)

    def overridden_by(self, name: str) -> str:
        """The environment variable that decides option ``name`` right now, or ``""``."""
        option = self._options[name]
        if option.env and self._environ.get(option.env, "").strip():
            return option.env
        return ""

    def stored(self, option: Option[T]) -> T:
        """The file's value, whatever the environment says."""
        raw = self._qs.value(option.key)
        if raw is None:
            return option.default()
        try:
            return option.decode(raw)
        except (TypeError, ValueError) as exc:
            log.warning("setting %s=%r is unreadable (%s); using the default", option.key, raw, exc)
            return option.default()

    def get(self, option: Option[T]) -> T:
        """The value in effect: the environment's for an overridden option, else the file's."""
        if option.env:
            text = self._environ.get(option.env, "").strip()
            if text:
                try:
                    return option.decode(text)
                except (TypeError, ValueError) as exc:
                    log.warning("%s=%r is unusable (%s); using the settings", option.env, text, exc)
        return self.stored(option)

    def set(self, option: Option[T], value: T) -> None:
        old = self.get(option)
        self._qs.setValue(option.key, option.encode(value))
        if old != self.get(option):
            self.changed.emit(option.name)

    def reset(self, option: Option[Any]) -> None:
        old = self.get(option)
        self._qs.remove(option.key)
        if old != self.get(option):
            self.changed.emit(option.name)

    def is_set(self, option: Option[Any]) -> bool:
        return self._qs.contains(option.key)

    def sync(self) -> None:
        """Write to disk now (QSettings otherwise writes lazily and at exit)."""
        self._qs.sync()


def _collect(cls: type) -> dict[str, Option[Any]]:
    return {name: value for name, value in vars(cls).items() if isinstance(value, Option)}


Settings._options = _collect(Settings)
