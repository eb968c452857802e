"""The SSE parser and line splitter of services/event_stream.py (the WHATWG rules)."""

from __future__ import annotations

from desktop_app.services.event_stream import SseEvent, SseParser, split_lines


def _events(text: str, chunk: int = 0) -> tuple[list[SseEvent], SseParser]:
    raw = text.encode()
    chunks = [raw[i : i + chunk] for i in range(0, len(raw), chunk)] if chunk else [raw]
    parser = SseParser()
    return list(parser.feed_all(split_lines(chunks))), parser


STREAM = (
    "retry: 3000\n\n"
    ": ping\n\n"
    'event: message\nid: 7\ndata: {"id": "m1"}\n\n'
    'event: deleted\r\nid: 8\r\ndata: {"id": "m1",\r\ndata:  "parent_thread": "t"}\r\n\r\n'
    "data:plain\rid\r\r"
    "id: 9\n\n"
    "event: thread\ndata: {}\n"
)


def test_fields_types_ids_and_retry() -> None:
    events, parser = _events(STREAM)
    assert events == [
        SseEvent("message", '{"id": "m1"}', "7"),
        SseEvent("deleted", '{"id": "m1",\n "parent_thread": "t"}', "8"),
        SseEvent("message", "plain", ""),  # "id" with no value resets the last id
    ]
    assert parser.retry_ms == 3000
    assert parser.comments == 1
    assert parser.last_id == "9"  # an id alone dispatches nothing but counts


def test_chunks_cut_anywhere_give_the_same_events() -> None:
    whole, _ = _events(STREAM)
    for size in (1, 2, 3, 5, 7, 64):
        assert _events(STREAM, size)[0] == whole, size


def test_crlf_split_between_chunks_is_one_line_end() -> None:
    lines = list(split_lines([b"data: a\r", b"\ndata: b\r", b"\n\r\n"]))
    assert lines == ["data: a", "data: b", ""]


def test_bad_retry_and_unknown_fields_are_ignored() -> None:
    events, parser = _events("retry: soon\nfoo: bar\ndata: x\n\n")
    assert events == [SseEvent("message", "x", None)]
    assert parser.retry_ms is None
