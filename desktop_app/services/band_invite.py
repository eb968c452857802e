"""Inviting a bandmate to the embedded server: the user is made (or given a new token)
directly in the server's data folder — the same ``users``/``invite`` logic the
``sequencer-server`` command runs — and the invite names this computer's address on the
band's network with the certificate to pin."""

from __future__ import annotations

import socket
from pathlib import Path

from desktop_app.services.join import is_loopback
from sequencer_server.invite import Invite, format_invite
from sequencer_server.store.sqlite import SQLiteStore
from sequencer_server.users import add_user, issue_token

DATABASE = "sequencer.sqlite3"  # the embedded server's store in its data folder


def lan_address() -> str:
    """This computer's address on its network. Connecting a UDP socket sends nothing; it
    only asks the system which interface a packet would leave by."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed anywhere
            return str(probe.getsockname()[0])
        except OSError:
            return socket.gethostname()


# Listening on every interface: bandmates reach this computer by its network address.
_EVERY_INTERFACE = {"", "0.0.0.0", "::"}


def share_url(listen: str, lan_host: str) -> str:
    """``https://host:port`` for ``listen`` (``host:port``): what bandmates connect to —
    the address the server listens on, or ``lan_host`` when it listens on every interface.
    (An invite naming another address than the one listened on could never be joined.)"""
    host, _, port = listen.rpartition(":")
    host = host.strip("[]")
    if host in _EVERY_INTERFACE:
        host = lan_host
    return f"https://[{host}]:{port}" if ":" in host else f"https://{host}:{port}"


def only_this_computer(listen: str) -> bool:
    """Whether ``listen`` is a loopback address, which no bandmate can reach."""
    return is_loopback(f"https://{listen}")


def invite_bandmate(data_dir: Path, name: str, url: str, fingerprint: str) -> str:
    """The invite string for ``name`` (made now if new; a new token if not)."""
    store = SQLiteStore(data_dir / DATABASE)
    try:
        if store.get_user(name.strip()) is None:
            token = add_user(store, name)
        else:
            token = issue_token(store, name.strip())
    finally:
        store.close()
    return format_invite(Invite(url, token, fingerprint))
