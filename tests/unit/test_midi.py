"""MIDI export and import (``domain/midi.py``), checked against times computed here from
the rule in ``audio/timing.py``: step k starts at k × step, odd steps late by swing × step.
The files are read back with mido itself, not with the code under test."""

from __future__ import annotations

import mido
import pytest

from desktop_app.domain.midi import (
    DRUM_CHANNEL,
    MidiError,
    midi_to_pattern,
    pattern_to_midi,
    read_midi,
    write_midi,
)
from desktop_app.domain.pattern import Pattern, demo_pattern
from desktop_app.domain.track import Track

GM = {"kick": 36, "rim": 37, "snare": 38, "clap": 39, "closed_hat": 42, "low_tom": 45,
      "open_hat": 46, "high_tom": 50}  # fmt: skip


def _notes(midi: mido.MidiFile) -> dict[str, list[tuple[int, int, int, int]]]:
    """Track name → (on tick, off tick, note, velocity) of every note, read with mido."""
    out: dict[str, list[tuple[int, int, int, int]]] = {}
    for track in midi.tracks:
        now, name, open_ = 0, "", {}
        for m in track:
            now += m.time
            if m.type == "track_name":
                name = m.name
            elif m.type == "note_on" and m.velocity:
                assert m.channel == DRUM_CHANNEL
                open_[m.note] = (now, m.velocity)
            elif m.type == "note_off" or (m.type == "note_on" and not m.velocity):
                on, velocity = open_.pop(m.note)
                out.setdefault(name, []).append((on, now, m.note, velocity))
        assert not open_
    return out


def _pattern(steps_per_beat: int, length: int, swing: float) -> Pattern:
    """Every track has hits on even and odd steps with distinct velocities."""
    p = demo_pattern()
    p.steps_per_beat, p.swing = steps_per_beat, swing
    p.set_length(length)
    for n, track in enumerate(p.tracks):
        track.steps = [0 if (i + n) % 3 else 20 + (3 * i + n) % 100 for i in range(length)]
    return p


def test_export_puts_every_note_within_a_tick_of_the_swung_grid(tmp_path) -> None:
    p = _pattern(4, 16, 0.3)
    path = tmp_path / "swung.mid"
    assert write_midi(p, path) == sum(1 for t in p.tracks for v in t.steps if v)
    midi = mido.MidiFile(str(path))
    assert midi.type == 1 and midi.ticks_per_beat == 480
    meta = {m.type: m for m in midi.tracks[0] if m.is_meta}
    assert mido.tempo2bpm(meta["set_tempo"].tempo) == pytest.approx(122.0, abs=1e-3)
    assert (meta["time_signature"].numerator, meta["time_signature"].denominator) == (4, 4)
    notes = _notes(midi)
    step = 480 / 4
    for track in p.tracks:
        got = notes[track.name]
        want = [(k, v) for k, v in enumerate(track.steps) if v]
        assert len(got) == len(want)
        for (on, off, note, velocity), (k, v) in zip(got, want, strict=True):
            grid = k * step + (0.3 * step if k % 2 else 0)
            assert abs(on - grid) <= 1, (track.name, k, on, grid)
            assert note == GM[track.sample] and velocity == v
            assert 0 < off - on <= step  # one step, cut only where the next hit comes
    assert max(off for got in notes.values() for _on, off, _n, _v in got) <= 16 * step


def test_swung_export_imports_back_to_the_same_steps(tmp_path) -> None:
    p = _pattern(4, 16, 0.3)
    write_midi(p, tmp_path / "swung.mid")
    back = read_midi(tmp_path / "swung.mid")
    assert back.notes == []
    q = back.pattern
    assert (q.bpm, q.swing, q.steps_per_beat, q.length) == (122.0, 0.3, 4, 16)
    assert [(t.name, t.sample, t.steps) for t in q.tracks] == [
        (t.name, t.sample, t.steps) for t in p.tracks
    ]


@pytest.mark.parametrize(
    ("steps_per_beat", "length", "swing"),
    [(3, 12, 0.0), (3, 12, 0.2), (6, 24, 0.0), (6, 24, 0.25), (8, 32, 0.1), (4, 12, 0.5)],
)
def test_other_grids_round_trip(steps_per_beat, length, swing) -> None:
    p = _pattern(steps_per_beat, length, swing)
    p.bpm = 97.5
    notes = _notes(pattern_to_midi(p))
    step = 480 / steps_per_beat
    for track in p.tracks:
        for (on, *_rest), k in zip(
            notes[track.name], [k for k, v in enumerate(track.steps) if v], strict=True
        ):
            assert abs(on - (k * step + (swing * step if k % 2 else 0))) <= 1
    q = midi_to_pattern(pattern_to_midi(p)).pattern
    assert (q.bpm, q.swing, q.steps_per_beat, q.length) == (97.5, swing, steps_per_beat, length)
    assert [t.steps for t in q.tracks] == [t.steps for t in p.tracks]


def test_muted_tracks_are_left_out_and_solo_wins() -> None:
    p = demo_pattern()
    p.tracks[1].mute = True
    assert "Snare" not in _notes(pattern_to_midi(p)) and "Kick" in _notes(pattern_to_midi(p))
    p.tracks[3].solo = True
    assert set(_notes(pattern_to_midi(p))) == {"Closed hat"}


def test_own_samples_take_the_next_free_notes_and_come_back_named() -> None:
    p = demo_pattern()
    p.tracks.append(Track("Cowbell", "cowbell", [0, 90] * 8))
    p.tracks.append(Track("Kick 2", "kick", [70] + [0] * 15))
    notes = _notes(pattern_to_midi(p))
    assert notes["Cowbell"][0][2] == 51 and notes["Kick 2"][0][2] == 52
    assert notes["Kick"][0][2] == 36
    q = midi_to_pattern(pattern_to_midi(p)).pattern
    assert [(t.name, t.sample) for t in q.tracks[-2:]] == [
        ("Cowbell", "cowbell"),
        ("Kick 2", "kick"),
    ]
    assert q.tracks[-2].steps == [0, 90] * 8


def test_loops_repeat_the_pattern() -> None:
    p = demo_pattern()
    one, four = _notes(pattern_to_midi(p)), _notes(pattern_to_midi(p, loops=4))
    assert len(four["Kick"]) == 4 * len(one["Kick"])
    assert four["Kick"][4][0] == 16 * 120  # the second pass starts one pattern later


def _type0(tmp_path, notes, channel=DRUM_CHANNEL, ppq=96, tempo=None):
    """A type 0 file as another program writes it: one track, running note-offs as
    note-on velocity 0, its own resolution."""
    midi = mido.MidiFile(type=0, ticks_per_beat=ppq)
    track = mido.MidiTrack()
    midi.tracks.append(track)
    if tempo:
        track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(tempo)))
    events = []
    for tick, note, velocity in notes:
        events.append(
            (tick, mido.Message("note_on", channel=channel, note=note, velocity=velocity))
        )
        events.append(
            (tick + ppq // 8, mido.Message("note_on", channel=channel, note=note, velocity=0))
        )
    now = 0
    for tick, message in sorted(events, key=lambda e: e[0]):
        track.append(message.copy(time=tick - now))
        now = tick
    path = tmp_path / "other.mid"
    midi.save(str(path))
    return path


def test_a_type_0_file_from_elsewhere_imports(tmp_path) -> None:
    # 96 PPQ sixteenths: kick on the beats, snare on 2 and 4, an unknown note 60.
    q = 24
    path = _type0(
        tmp_path,
        [
            (0, 36, 110),
            (4 * q, 36, 100),
            (4 * q, 38, 90),
            (8 * q, 36, 100),
            (12 * q, 38, 95),
            (12 * q, 36, 100),
            (3 * q, 60, 64),
        ],
        tempo=140,
    )
    result = read_midi(path)
    p = result.pattern
    assert (p.bpm, p.swing, p.steps_per_beat, p.length) == (140.0, 0.0, 4, 16)
    rows = {t.name: (t.sample, t.steps) for t in p.tracks}
    assert rows["Kick"][1] == [110, 0, 0, 0, 100, 0, 0, 0, 100, 0, 0, 0, 100, 0, 0, 0]
    assert rows["Snare"] == ("snare", [0] * 4 + [90] + [0] * 7 + [95] + [0] * 3)
    assert rows["Note 60"] == ("note_60", [0, 0, 0, 64] + [0] * 12)


def test_other_channels_count_only_without_drums_on_channel_10(tmp_path) -> None:
    p = read_midi(_type0(tmp_path, [(0, 36, 100), (24, 38, 80)], channel=0)).pattern
    assert p.bpm == 120.0  # no tempo in the file: MIDI's default
    assert [t.name for t in p.tracks] == ["Kick", "Snare"]
    assert p.length == 4  # rounded up to a whole beat


def test_later_bars_are_left_out_and_said(tmp_path) -> None:
    q = 24  # sixteenth at 96 PPQ
    result = read_midi(_type0(tmp_path, [(i * 8 * q, 36, 100) for i in range(12)]))
    assert result.pattern.length == 64
    assert result.pattern.tracks[0].steps[::8] == [100] * 8
    assert result.notes == [
        "A pattern holds at most 64 steps; 4 notes after step 64 were left out."
    ]


def test_bad_files_say_why(tmp_path) -> None:
    text = tmp_path / "notes.mid"
    text.write_text("these are not notes")
    with pytest.raises(MidiError, match=r"notes\.mid: this is not a MIDI file"):
        read_midi(text)
    with pytest.raises(MidiError, match="no such file"):
        read_midi(tmp_path / "missing.mid")
    empty = mido.MidiFile()
    empty.tracks.append(mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=500000)]))
    empty.save(str(tmp_path / "empty.mid"))
    with pytest.raises(MidiError, match=r"empty\.mid: the file has no notes to import"):
        read_midi(tmp_path / "empty.mid")
    with pytest.raises(MidiError, match="cannot write"):
        write_midi(demo_pattern(), tmp_path / "no" / "such" / "folder.mid")
    assert not list((tmp_path).glob("**/*.part"))


def test_notes_off_any_grid_go_to_the_nearest_sixteenth_and_say_so(tmp_path) -> None:
    # 96 PPQ: a sixteenth is 24 ticks; 13 and 59 are on no grid a pattern has.
    result = read_midi(_type0(tmp_path, [(0, 36, 100), (13, 38, 90), (59, 36, 80)]))
    assert result.pattern.steps_per_beat == 4 and result.pattern.swing == 0.0
    assert [t.steps for t in result.pattern.tracks] == [[100, 0, 80, 0], [0, 90, 0, 0]]
    assert result.notes == [
        "The notes are not on a regular grid; each went to the nearest sixteenth."
    ]


def _drum_file(path, ticks_per_beat: int = 480, tempo: int = 500000):
    midi = mido.MidiFile(type=1, ticks_per_beat=ticks_per_beat)
    track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=tempo)])
    for _ in range(4):
        track.append(mido.Message("note_on", note=36, velocity=100, channel=9, time=0))
        track.append(mido.Message("note_off", note=36, velocity=0, channel=9, time=480))
    midi.tracks.append(track)
    midi.save(str(path))
    return path


def test_a_file_with_no_timing_is_refused_in_words(tmp_path) -> None:
    """Zero ticks per beat crashed the import with ZeroDivisionError (no message)."""
    with pytest.raises(MidiError, match="0 ticks per beat"):
        read_midi(_drum_file(tmp_path / "still.mid", ticks_per_beat=0))


def test_a_zero_tempo_is_no_tempo(tmp_path) -> None:
    """A set_tempo of 0 µs per beat crashed the import (ZeroDivisionError)."""
    result = read_midi(_drum_file(tmp_path / "zero.mid", tempo=0))
    assert result.pattern.bpm == 120 and result.pattern.tracks[0].steps[:5] == [100, 0, 0, 0, 100]


def test_a_huge_file_is_refused_before_it_is_parsed(tmp_path) -> None:
    huge = _drum_file(tmp_path / "huge.mid")
    with huge.open("r+b") as out:  # sparse: 1 GB, mido would hold all of it as objects
        out.truncate(1024**3)
    with pytest.raises(MidiError, match="at most 8 MB"):
        read_midi(huge)


def test_a_fifo_is_refused_not_waited_on(tmp_path) -> None:
    import os

    os.mkfifo(tmp_path / "pipe.mid")
    with pytest.raises(MidiError, match="is not a file"):
        read_midi(tmp_path / "pipe.mid")
