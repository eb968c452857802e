"""Requests written on a socket by hand: a head and the start of a body, the rest never
sent, to see what the server answers before it has read a body (or that it does not)."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

BOUNDARY = "b0undary"


def connect(url: str) -> socket.socket:
    """A connection to the server at ``url``, nothing sent yet."""
    parts = urlsplit(url)
    return socket.create_connection((parts.hostname, parts.port), timeout=5)


def open_request(url: str, head: str, body_start: bytes = b"") -> socket.socket:
    """Send a request's head and the start of its body, and leave the rest unsent."""
    sock = connect(url)
    sock.sendall(head.encode() + b"\r\n" + body_start)
    return sock


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """The response to a request whose body was never finished: a server still waiting for
    that body times out here (socket.timeout) instead of answering."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v for k, v in (line.split(": ", 1) for line in lines[1:])}
    while len(rest) < int(headers.get("content-length", 0)):
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return int(lines[0].split()[1]), headers, rest


def request_head(method: str, path: str, headers: dict[str, str]) -> str:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return "\r\n".join(lines) + "\r\n"


def form_part(name: str, value: str) -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
    ).encode()


FILE_PART_HEAD = (
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="take.mp3"\r\n'
    "Content-Type: audio/mpeg\r\n\r\n"
).encode()
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def upload_head(length: int, token: str | None) -> str:
    """The head of an audio upload announcing ``length`` bytes of multipart body, with a
    Bearer ``token`` (None: the token comes as a form field, or not at all)."""
    headers = {"Content-Type": MULTIPART, "Content-Length": str(length)}
    if token is not None:
        headers = {"Authorization": f"Bearer {token}", **headers}
    return request_head("POST", "/api/v1/upload/audio", headers)
