"""What the status bar's now-playing control calls a message playing in another thread."""

from __future__ import annotations

from desktop_app.ui.thread_navigation import NAME_CHARS, now_playing_name


def test_a_long_first_line_is_cut_with_an_ellipsis() -> None:
    """It was cut at 40 characters with nothing to show it: "… see https://exa in Welcome"
    read as a complete (broken) link."""
    text = "New groove with my kick, see https://example.org/notes\nsecond line"
    name = now_playing_name("ada", text, "Welcome")
    what = name.removeprefix("ada · ").removesuffix(" in Welcome")
    assert what.endswith("…") and len(what) <= NAME_CHARS
    assert text.startswith(what[:-1])


def test_short_words_and_patterns_are_kept_whole() -> None:
    assert now_playing_name("bo", "Try it at 126?", "Takes") == "bo · Try it at 126? in Takes"
    assert now_playing_name("bo", "  \n", "") == "bo · pattern"
    exactly = "x" * NAME_CHARS
    assert now_playing_name("bo", exactly, "T") == f"bo · {exactly} in T"
