"""The address an invite names: one the embedded server really listens on."""

from __future__ import annotations

import pytest

from desktop_app.services.band_invite import only_this_computer, share_url


@pytest.mark.parametrize(
    ("listen", "url"),
    [
        ("0.0.0.0:8765", "https://192.168.1.20:8765"),  # every interface: the LAN address
        (":8765", "https://192.168.1.20:8765"),
        ("[::]:9000", "https://192.168.1.20:9000"),
        # A chosen address is the one bandmates must use: the LAN guess named 192.0.2.2
        # while the server listened on 127.0.0.1 only, and the invite could not be joined.
        ("127.0.0.1:8765", "https://127.0.0.1:8765"),
        ("10.0.0.5:8765", "https://10.0.0.5:8765"),
        ("[fd00::5]:8765", "https://[fd00::5]:8765"),
    ],
)
def test_the_invite_names_the_address_listened_on(listen: str, url: str) -> None:
    assert share_url(listen, "192.168.1.20") == url


@pytest.mark.parametrize(
    ("listen", "local"),
    [
        ("127.0.0.1:8765", True),
        ("127.0.1.1:8765", True),
        ("[::1]:8765", True),
        ("localhost:8765", True),
        ("0.0.0.0:8765", False),
        ("10.0.0.5:8765", False),
        ("studio.local:8765", False),
    ],
)
def test_a_loopback_address_reaches_only_this_computer(listen: str, local: bool) -> None:
    assert only_this_computer(listen) is local
