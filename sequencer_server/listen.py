"""The listening socket ``sequencer-server`` serves on, made so that every connection it
accepts sends small writes at once.

asyncio switches Nagle's algorithm off (``TCP_NODELAY``) on an accepted connection only
when the socket's protocol number reads ``IPPROTO_TCP``; ``socket.create_server`` and
uvicorn's own ``bind_socket`` make sockets with protocol 0, so their connections kept
Nagle on. uvicorn writes a response's head and body separately, and the body then waited
for the client's delayed ACK of the head: every request after the first on a keep-alive
connection took 40 ms more on Linux (the desktop client keeps its connection alive and
talks to the embedded server on every call). A plain ``uvicorn`` command binds through
``loop.create_server``, which passes ``IPPROTO_TCP``; this module does the same for the
sockets we bind ourselves. Accepted sockets inherit the listener's protocol number.
"""

from __future__ import annotations

import socket


def tcp_listener(host: str, port: int) -> socket.socket:
    """A bound, listening TCP socket on ``host:port`` (port 0: a free one) whose accepted
    connections asyncio sets to ``TCP_NODELAY``."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    bound = socket.create_server((host, port), family=family, reuse_port=False)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, fileno=bound.detach())
    # Linux copies this to accepted sockets too, for an event loop that does not set it.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock
