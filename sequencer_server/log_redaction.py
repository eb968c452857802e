"""What the server's log lines may not carry: tokens, signatures, and control characters.

A log line built from a request (the access log's path, a key, a name) is the client's
text. Tokens in it are masked — the shared ``API_TOKEN`` wherever it appears, every
``token=`` value, every ``sig=`` of a signed ``/media`` URL, and anything shaped like a
user's token, which is how a user's token in a path (``/api/v1/<token>/me``,
``/me;token=…``) is caught although the server never holds those tokens in clear. The
shape is ``secrets.token_urlsafe(32)``'s exactly: 43 URL-safe characters whose last one
carries 4 bits (one of 16 letters and digits), mixing capitals and small letters (a
random token lacks either once in three billion). Ids stay readable: the ones the server
and the desktop app make are 32 hex digits or UUIDs, and a client's own id is masked only
if it is a run of exactly that shape. Masking looks at the percent-decoded line too,
since the server decodes before it reads; and since the decoded line is the one logged
then, control characters are escaped after masking (``%0a`` would otherwise start a forged
log line, ``%1b`` drive the reader's terminal). A record's traceback gets the same: its
frames line by line, and each exception's own text (which may quote a client's) masked
and escaped onto one line, so a line break in it cannot start a forged record.

The masking happens where records are made (a log record factory), for every logger of the
server and of uvicorn: a filter on a logger does not see its children's records, and a
filter on handlers misses handlers configured later (uvicorn replaces its own at start).
"""

from __future__ import annotations

import logging
import numbers
import re
import traceback
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import unquote

from sequencer_common.visible_text import CONTROLS

_TOKEN_IN_QUERY = re.compile(r"(?i)([?&;]token=)[\s+]*[^&\s\"]*")
_SIG_IN_QUERY = re.compile(r"(?i)([?&;]sig=)[^&\s\"]*")
# ``users.new_token``: secrets.token_urlsafe(32) is 43 of these characters, the last of
# which holds the final 4 bits of the 256 (so it is a multiple of 4 in base64's alphabet).
_USER_TOKEN_SHAPE = re.compile(
    r"(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]{0,42}[A-Z])(?=[A-Za-z0-9_-]{0,42}[a-z])"
    r"[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048](?![A-Za-z0-9_-])"
)
# Tokens the server knows (its API_TOKEN), hidden wherever they appear in a log line, e.g.
# in a path. Shorter ones would hide innocent text and are left to the patterns above.
_KNOWN_TOKENS: set[str] = set()
MIN_KNOWN_TOKEN_LENGTH = 8
MASK = "***"
# C0, DEL and C1 controls, the line and paragraph separators, and the bidi marks,
# embeddings, overrides and isolates (a reader's terminal or viewer acts on all of them).
_CONTROLS = re.compile(f"[{CONTROLS}\u061c\u200e\u200f]")  # with the bidi marks
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
LOGGER_PREFIXES = ("sequencer_server", "uvicorn")


def _mask_plain(text: str) -> str:
    text = _TOKEN_IN_QUERY.sub(rf"\1{MASK}", text)
    text = _SIG_IN_QUERY.sub(rf"\1{MASK}", text)
    for token in _KNOWN_TOKENS:
        if token in text:
            text = text.replace(token, MASK)
    return _USER_TOKEN_SHAPE.sub(MASK, text)


def redact(text: str) -> str:
    """Hide ``token=…``, ``sig=…`` and every token in a URL or log line, also when the URL
    spells them percent-encoded (``?%74oken=``): the server decodes before it reads them.
    The answer may be the decoded line: pass it through :func:`escape_controls`."""
    if "%" in text:
        decoded = unquote(text)
        masked_decoded = _mask_plain(decoded)
        if masked_decoded != decoded:
            return masked_decoded
    return _mask_plain(text)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """One line, shown as it is: control and bidi characters written as escapes."""
    return _CONTROLS.sub(_escape, text)


def scrub(text: str) -> str:
    return escape_controls(redact(text))


def _scrub_arg(value: object) -> object:
    if value is None or isinstance(value, numbers.Number):
        return value  # %d and %.1f need the number itself
    return scrub(value if isinstance(value, str) else str(value))


_CAUSE = "The above exception was the direct cause of the following exception:"
_CONTEXT = "During handling of the above exception, another exception occurred:"


def scrub_traceback(exc: BaseException) -> str:
    """The traceback as ``logging`` prints it (the chain of causes first), each line
    scrubbed; an exception's own text — type, message and notes — is one line, its line
    breaks escaped. The chain is walked without recursion, and a cycle ends it."""
    chain: list[tuple[BaseException, str | None]] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    link: str | None = None
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, _CAUSE
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, _CONTEXT
        else:
            current = None
    lines: list[str] = []
    for item, link in reversed(chain):
        if item.__traceback__ is not None:
            lines.append("Traceback (most recent call last):")
            for frame in traceback.format_tb(item.__traceback__):
                lines += [scrub(line) for line in frame.rstrip("\n").split("\n")]
        lines.append(scrub("".join(traceback.format_exception_only(type(item), item)).rstrip()))
        if link is not None:
            lines += ["", link, ""]
    return "\n".join(lines)


def scrub_record(record: logging.LogRecord) -> None:
    """Mask and escape the record's message, every argument (uvicorn's access log
    formats its arguments itself, so they are cleaned one by one, not joined) and its
    traceback, which formatters print from ``exc_text`` when it is set."""
    if isinstance(record.msg, str):
        record.msg = scrub(record.msg)
    if record.exc_info and record.exc_info[1] is not None:
        record.exc_text = scrub_traceback(record.exc_info[1])
    if record.stack_info:
        record.stack_info = "\n".join(scrub(line) for line in record.stack_info.split("\n"))
    args = record.args
    if isinstance(args, Mapping):
        record.args = {k: _scrub_arg(v) for k, v in args.items()}
    elif isinstance(args, tuple):
        record.args = tuple(_scrub_arg(a) for a in args)


def _ours(name: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in LOGGER_PREFIXES)


_installed: list[Callable[..., logging.LogRecord]] = []


def install_log_redaction(known_tokens: Iterable[str] = ()) -> None:
    """Remember ``known_tokens`` and clean every record of the server's and uvicorn's
    loggers from now on (installed once per process, over whatever factory was there)."""
    _KNOWN_TOKENS.update(t for t in known_tokens if len(t) >= MIN_KNOWN_TOKEN_LENGTH)
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if _ours(record.name):
            scrub_record(record)
        return record

    _installed.append(factory)
    logging.setLogRecordFactory(factory)
