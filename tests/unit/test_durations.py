"""One rule for lengths and loop counts: the QA's 6.467 s take at 96 BPM (16 steps,
2.5 s a pass) read "0:06" on the sender's row and "0:07" on the bandmate's (the render's
length rounded there, the player's decoded 6.504 s rounded here), and "3 loops" for
2.6 passes."""

from __future__ import annotations

from desktop_app.domain.durations import clock_text, loops_held, loops_text
from desktop_app.domain.message import Message, Render
from desktop_app.state.message_row import MessageRow, summary_text
from desktop_app.state.row_playback import RowPlayback

QA_TAKE = 6.467
DECODED = 6.504  # what QMediaPlayer reports for that MP3 (LAME's padding included)
META = {"bpm": 96.0, "length": 16, "steps_per_beat": 4, "tracks": 8, "loops": 3}


def test_a_clock_cuts_whole_seconds() -> None:
    assert clock_text(QA_TAKE) == clock_text(DECODED) == "0:06"
    assert clock_text(6.999) == "0:06" and clock_text(7.0) == "0:07"
    assert clock_text(83.4) == "1:23"
    assert clock_text(None) == clock_text(-1) == clock_text(float("nan")) == ""


def test_the_loops_are_what_the_take_holds() -> None:
    assert loops_held(QA_TAKE, 2.5) == 2.6
    assert loops_held(7.869, 16 * 60 / (122 * 4)) == 4.0  # a whole take stays whole
    assert loops_text(2.6) == "2.6 loops" and loops_text(4.0) == "4 loops"
    assert loops_text(1.0) == "1 loop"
    assert summary_text(META, QA_TAKE) == "96 BPM · 16 steps · 8 tracks · 2.6 loops"
    # the length from the metadata when the render does not say
    assert summary_text({**META, "duration": QA_TAKE}).endswith("· 2.6 loops")
    # neither: the sender's number
    assert summary_text(META).endswith("· 3 loops")


def test_a_row_shows_the_renders_length_before_and_after_the_player_loads_it() -> None:
    render = Render.from_json(
        {
            "id": "r1",
            "url": "http://x/r1.mp3",
            "format": "mp3",
            "duration": QA_TAKE,
            "size_bytes": 1,
            "created_at": "2026-12-01T22:58:52Z",
        }
    )
    message = Message.from_json(
        {
            "id": "m1",
            "created_at": "2026-12-01T22:58:52Z",
            "timestamp": "2026-12-01T22:58:52Z",
            "user_id": "Anna",
            "parent_thread": "t",
            "snapshot": {},
            "snapshot_metadata": META,
            "renders": [render.to_json()],
        }
    )
    idle = MessageRow.build(message)
    loaded = MessageRow.build(
        message, playback=RowPlayback(loaded=True, duration_ms=int(DECODED * 1000))
    )
    assert idle.duration_ms == loaded.duration_ms == QA_TAKE * 1000
    assert idle.summary.endswith("· 2.6 loops")
