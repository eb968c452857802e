"""Which characters a name or a message may hold, and how to show older text safely.

A thread name or a message is shown in other people's windows and terminals: a control
character (BEL, ESC starting an ANSI sequence, NUL), a line separator, or a bidi
embedding/override/isolate (U+202E turns "3pm.mp3" into what reads as "3pm.3pm") acts on
the reader's screen instead of being read. And a name or message made only of blanks and
invisible characters (zero-width spaces, fillers) is there but cannot be seen. The server
refuses both; the desktop app and the command line also clean what older servers stored.

The sets are spelled as character ranges rather than Unicode categories, so the server's
OpenAPI document can state them as patterns that say exactly what the server accepts.
"""

from __future__ import annotations

import re

# C0 controls, DEL, C1 controls; U+2028/U+2029 break lines; bidi embeddings, overrides
# and isolates (LRE RLE PDF LRO RLO, LRI RLI FSI PDI).
CONTROLS = "\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069"
# What a message's text may hold of them: line feed and tab.
TEXT_CONTROLS = (
    "\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069"
)
# Blanks (what str.strip() removes) and characters that show nothing by themselves:
# soft hyphen, joiners and zero-width spaces, bidi marks, invisible operators, fillers,
# variation selectors, the byte-order mark, the braille pattern blank, the interlinear
# annotation marks.
BLANKS = (
    "\\u0009-\\u000d\\u001c-\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029"
    "\\u202f\\u205f\\u3000"
)
INVISIBLES = (
    "\\u00ad\\u034f\\u061c\\u115f\\u1160\\u17b4\\u17b5\\u180b-\\u180f\\u200b-\\u200f"
    "\\u2060-\\u2064\\u206a-\\u206f\\u2800\\u3164\\ufe00-\\ufe0f\\ufeff\\uffa0"
    "\\ufff9-\\ufffb"
)


def _pattern(controls: str) -> str:
    """ECMA and Python alike: no character of ``controls``, and at least one that shows."""
    return f"^[^{controls}]*[^{controls}{BLANKS}{INVISIBLES}][^{controls}]*$"


NAME_PATTERN = _pattern(CONTROLS)
TEXT_PATTERN = _pattern(TEXT_CONTROLS)

_NAME_CONTROL = re.compile(f"[{CONTROLS}]")
_TEXT_CONTROL = re.compile(f"[{TEXT_CONTROLS}]")
_SHOWS = re.compile(f"[^{CONTROLS}{BLANKS}{INVISIBLES}]")


def _describe(char: str) -> str:
    return f"U+{ord(char):04X}"


def name_problem(value: str) -> str | None:
    """Why ``value`` cannot be a name (a thread's), or None when it can."""
    return _problem(
        value, _NAME_CONTROL, "names may not hold control characters, line breaks or bidi overrides"
    )


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be a message's text, or None when it can (line feeds and tabs
    are words' business; nothing else that acts on the screen is)."""
    return _problem(
        value,
        _TEXT_CONTROL,
        "text may hold line breaks (\\n) and tabs, but no other control characters or bidi "
        "overrides",
    )


def _problem(value: str, control: re.Pattern[str], rule: str) -> str | None:
    if found := control.search(value):
        return f"contains the control character {_describe(found.group())}: {rule}"
    if not _SHOWS.search(value):
        return "is blank: it has no visible character"
    return None


def safe_name(value: str) -> str:
    """A name as it may be shown on one line: controls and bidi overrides of older data
    written as ``U+XXXX``."""
    return _NAME_CONTROL.sub(lambda m: f"<{_describe(m.group())}>", value)


def safe_text(value: str) -> str:
    """Text as it may be shown: its line feeds and tabs kept, every other control or bidi
    override of older data dropped."""
    return _TEXT_CONTROL.sub("", value)


def shown_name(value: str, fallback: str) -> str:
    """``value`` made a name the server takes: each control character, line break or
    bidi override becomes a space (a file called "take\nfinal.wav" reads "take
    final.wav"), and a name that still shows nothing is ``fallback``."""
    cleaned = _NAME_CONTROL.sub(" ", value)
    return cleaned if _SHOWS.search(cleaned) else fallback
