"""A snapshot as the server takes it: the names in it held to a thread name's characters.

The server refuses (422, for good) a message whose track names, sounds, kit or dropped
file's name hold a control character, a line break or a bidi override, or show nothing
(``sequencer_server.pattern_snapshot``). Such names reach a pattern from outside — a file
called "take\\nfinal.wav", a Hydrogen kit's XML, a name pasted into a track — and the
musician who sends it must not lose the message over them. So the copy that is sent
carries names made shown (``visible_text.shown_name``); the pattern on the grid and in
saved files keeps what it had.
"""

from __future__ import annotations

import copy
from typing import Any

from sequencer_common.visible_text import name_problem, shown_name


def sendable_snapshot(snapshot: dict[str, Any]) -> dict[str, Any]:
    """``snapshot`` itself when every name in it is fine, else a copy with them mended."""
    if not _has_bad_name(snapshot):
        return snapshot
    sent = copy.deepcopy(snapshot)
    _mend(sent, "kit", None)
    _mend(sent, "filename", "audio file")
    tracks = sent.get("tracks")
    if isinstance(tracks, list):
        for index, track in enumerate(tracks):
            if isinstance(track, dict):
                _mend(track, "name", f"Track {index + 1}")
                _mend(track, "sample", "sound")
                _mend(track, "sample_name", None)
    return sent


def _names(snapshot: dict[str, Any]) -> list[object]:
    names = [snapshot.get("kit"), snapshot.get("filename")]
    for track in snapshot.get("tracks") or ():
        if isinstance(track, dict):
            names += [track.get("name"), track.get("sample"), track.get("sample_name")]
    return names


def _has_bad_name(snapshot: dict[str, Any]) -> bool:
    return any(isinstance(n, str) and name_problem(n) for n in _names(snapshot))


def _mend(holder: dict[str, Any], key: str, fallback: str | None) -> None:
    """A name that would be refused made shown; with no ``fallback`` one that shows
    nothing is left out (the kit's name and a sample's own name are optional)."""
    value = holder.get(key)
    if not isinstance(value, str) or name_problem(value) is None:
        return
    mended = shown_name(value, fallback or "")
    if mended:
        holder[key] = mended
    else:
        del holder[key]
