"""Certificate pins of joined servers, each kept for the server it was made for.

A pin is the SHA-256 of one server's self-signed certificate, so it is stored under that
server's origin (scheme, host and port: what the certificate answers for) rather than as
one value beside the current address. Switching to another server and back then finds
the pin again without a new invite, and no other server is ever checked against it.

Stored in the settings file as one JSON object (origin → fingerprint): QSettings keys
cannot hold a URL's slashes and colons.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import urlsplit

from PySide6.QtCore import QSettings

log = logging.getLogger(__name__)

PINS_KEY = "connection/server_pins"
OLD_PIN_KEY = "connection/server_fingerprint"  # one pin for the current server (version 1)


def pin_key(url: str) -> str:
    """The origin a pin answers for: ``https://host:port``, case-folded where URLs are
    case-blind; ``""`` for no server (the embedded one pins its own certificate)."""
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.netloc:
        return ""
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def read_pins(text: str) -> dict[str, str]:
    """The stored mapping; anything unreadable counts as no pins (a warning, no crash)."""
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        log.warning("the certificate pins in the settings are unreadable; ignoring them")
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str) and v}


def with_pin(text: str, url: str, fingerprint: str) -> str:
    """``text`` with ``url``'s pin set (an empty fingerprint removes it)."""
    pins = read_pins(text)
    key = pin_key(url)
    if fingerprint and key:
        pins[key] = fingerprint
    else:
        pins.pop(key, None)
    return json.dumps(pins, sort_keys=True) if pins else ""


def v2_pins_per_server(qs: QSettings) -> None:
    """Version 2 keeps pins per server: version 1's single pin goes to the server that
    was set beside it."""
    if not qs.contains(OLD_PIN_KEY):
        return
    fingerprint = str(qs.value(OLD_PIN_KEY) or "").strip()
    qs.remove(OLD_PIN_KEY)
    url = str(qs.value("connection/server_url") or "")
    if fingerprint and pin_key(url):
        qs.setValue(PINS_KEY, with_pin(str(qs.value(PINS_KEY) or ""), url, fingerprint))
