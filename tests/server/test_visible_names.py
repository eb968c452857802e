"""Names and words are what other people's windows and terminals show: control characters
(BEL, ESC's ANSI sequences, NUL), bidi overrides and isolates, and names or messages with
nothing visible in them (blanks, zero-width spaces) are refused with a 422 that says why."""

from __future__ import annotations

import pytest

from tests.conftest import TOKEN
from tests.server.limit_checks import detail, stored_messages

UNSAFE_NAMES = {
    "bell": "Jam\x07",
    "ansi": "\x1b[31mRed\x1b[0m",
    "nul": "Ja\x00m",
    "rtl override": "Jam \u202e3pm.mp3",
    "isolate": "\u2066Jam\u2069",
    "line break": "Jam\nsession",
    "tab": "\tJam",
}
BLANK_NAMES = {
    "zero-width spaces": "\u200b\u200b",
    "blanks and joiners": " \u200d\u00a0\u2060 ",
    "hangul filler": "\u3164",
    "braille blank": "\u2800 \u2800",
    "annotation marks": "\ufff9\ufffa\ufffb",
}


@pytest.mark.parametrize("name", [*UNSAFE_NAMES.values(), *BLANK_NAMES.values()],
                         ids=[*UNSAFE_NAMES, *BLANK_NAMES])  # fmt: skip
def test_unsafe_or_invisible_thread_names_are_refused(served, name):
    backend, c = served
    thread = c.create_thread("Jam")
    r = c.http.post(f"{c.url}/api/v1/threads", json={"token": TOKEN, "name": name})
    assert r.status_code == 422, r.text
    said = detail(r)
    assert said.startswith("name: ")
    assert ("control character U+" in said) or ("no visible character" in said), said
    renamed = c.http.patch(
        f"{c.url}/api/v1/threads/{thread['id']}", json={"token": TOKEN, "name": name}
    )
    assert renamed.status_code == 422
    assert [t["name"] for t in backend.store.list_threads()] == ["Jam"]


def test_names_with_letters_of_any_script_are_kept(served):
    _backend, c = served
    for name in ("Probe 3 – Kreuzberg", "שלום", "リハーサル", "Jam 🥁", "  padded  "):
        r = c.http.post(f"{c.url}/api/v1/threads", json={"token": TOKEN, "name": name})
        assert r.status_code == 201, r.text
        assert r.json()["name"] == name.strip()


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("   ", "no visible character"),
        ("\u200b", "no visible character"),
        ("\n\t\n", "no visible character"),
        ("hi\x1b[2J", "U+001B"),
        ("hi\r\nthere", "U+000D"),
        ("hi\x00", "U+0000"),
        ("see \u202eevil", "U+202E"),
    ],
)
def test_invisible_or_unsafe_text_is_refused(served, text, said):
    backend, c = served
    thread = c.create_thread()
    r = c.create_message(thread["id"], text=text, snapshot=None)
    assert r.status_code == 422, r.text
    assert detail(r).startswith("text: ") and said in detail(r)
    with_pattern = c.create_message(thread["id"], text=text)
    assert with_pattern.status_code == 422
    assert stored_messages(backend, thread["id"]) == []


def test_lines_and_tabs_are_words(served):
    _backend, c = served
    thread = c.create_thread()
    r = c.create_message(thread["id"], text="verse\n\tchorus\nشكرا", snapshot=None)
    assert r.status_code == 201, r.text
    assert r.json()["text"] == "verse\n\tchorus\nشكرا"
    assert c.create_message(thread["id"], text="").status_code == 201  # empty: no words


def test_an_author_name_with_controls_is_refused(served):
    backend, c = served
    thread = c.create_thread()
    for user_id in ("\x1b[2Jada", "\u200b", "ada\u202e"):
        r = c.create_message(thread["id"], user_id=user_id)
        assert r.status_code == 422 and detail(r).startswith("user_id: "), r.text
    assert stored_messages(backend, thread["id"]) == []
