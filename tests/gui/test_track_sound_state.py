"""A track's own sound through ``SequencerState``: importing audio files (every
format, bad files refused with nothing changed), pitch, decay and choke as undoable
edits saved in the pattern, missing samples, and the open pattern's samples kept in the
sample cache."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile

from desktop_app.audio.engine import Engine
from desktop_app.audio.mp3 import encode_mp3
from desktop_app.audio.sequencer import MASTER_GAIN
from desktop_app.domain.pattern import Pattern
from desktop_app.domain.track import Track
from desktop_app.services.samples import SampleCache, sha256_file
from desktop_app.services.track_samples import TrackSampleError
from desktop_app.state.sequencer_state import SequencerState

SR = 44100
CENTRE = np.sqrt(0.5)


def three_tracks() -> Pattern:
    return Pattern(
        bpm=120,
        tracks=[
            Track("Kick", "kick", [0] * 16, volume=1.0),
            Track("Closed hat", "closed_hat", [0] * 16),
            Track("Open hat", "open_hat", [0] * 16),
        ],
    )


@pytest.fixture
def seq(sample_engine: Engine, sample_cache: SampleCache) -> SequencerState:
    return SequencerState(sample_engine, pattern=three_tracks(), samples=sample_cache)


def wav(folder: Path, name: str = "my kick.wav", level: float = 0.3, n: int = 2000) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    soundfile.write(path, np.full(n, level, np.float32), SR, subtype="FLOAT")
    return path


def test_a_dropped_wav_plays_on_its_track_and_undo_brings_the_kit_sound_back(
    seq: SequencerState, sample_engine: Engine, sample_cache: SampleCache, tmp_path: Path
) -> None:
    path = wav(tmp_path / "files")
    seq.set_steps({(0, 0): 127})
    sample = seq.set_track_sample(0, path)
    track = seq.pattern.tracks[0]
    assert (track.sample_sha256, track.sample_name, track.sample) == (
        sha256_file(path),
        "my kick.wav",
        "kick",
    )
    assert sample_cache.lookup(sample.sha256) == sample.path and sample.path.read_bytes() == (
        path.read_bytes()
    )
    assert seq.snapshot()["version"] == "0.1.0"
    out = sample_engine.bounce(seq.pattern, 1)
    assert np.allclose(out[:1900, 0], 0.3 * MASTER_GAIN * CENTRE, atol=1e-5)
    assert not out[2000:, 0].any()
    seq.undo_stack.undo()
    assert seq.pattern.tracks[0].sample_sha256 is None
    assert seq.snapshot()["version"] == "0.0.1"
    kick = sample_engine.bounce(seq.pattern, 1)
    assert not np.allclose(kick[:1900, 0], out[:1900, 0])
    seq.undo_stack.redo()
    assert seq.pattern.tracks[0].sample_name == "my kick.wav"
    seq.use_builtin_sound(0)
    assert seq.pattern.tracks[0].sample_sha256 is None and seq.pattern.tracks[0].sample == "kick"


@pytest.mark.parametrize(
    ("name", "fmt", "subtype"),
    [("a.aiff", "AIFF", "PCM_16"), ("a.flac", "FLAC", "PCM_24"), ("a.ogg", "OGG", "VORBIS")],
)
def test_aiff_flac_and_ogg_are_taken(seq, tmp_path: Path, name, fmt, subtype) -> None:
    path = tmp_path / name
    tone = 0.3 * np.sin(np.arange(SR // 2) * 2 * np.pi * 220 / SR)
    soundfile.write(path, np.stack([tone, tone], axis=1), 48000, format=fmt, subtype=subtype)
    seq.set_track_sample(1, path)
    assert seq.pattern.tracks[1].sample_name == name
    assert not seq.sound_missing(1)
    stereo = seq.engine.bank.audio(seq.pattern.tracks[1].sample_sha256)
    assert stereo.shape[1] == 2 and abs(len(stereo) - SR // 2 * 44100 / 48000) <= 1


def test_mp3_is_read_by_libsndfile(seq, tmp_path: Path) -> None:
    path = tmp_path / "loop.mp3"
    tone = (0.3 * np.sin(np.arange(SR) * 2 * np.pi * 330 / SR)).astype(np.float32)
    encode_mp3(np.stack([tone, tone], axis=1), SR, path, bitrate=192)
    seq.set_track_sample(2, path)
    audio = seq.engine.bank.audio(seq.pattern.tracks[2].sample_sha256)
    assert audio is not None and 0.2 < float(np.abs(audio).max()) < 0.4


def bad_files(folder: Path) -> dict[str, tuple[Path, str]]:
    folder.mkdir()
    text = folder / "lyrics.wav"
    text.write_text("la la la, not audio", encoding="utf-8")
    long = folder / "too long.wav"
    soundfile.write(long, np.zeros(31 * 8000, np.float32), 8000)
    big = folder / "huge.wav"
    with big.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024 + 1)
    empty = folder / "empty.wav"
    soundfile.write(empty, np.zeros(0, np.float32), SR)
    return {
        "not audio": (text, "lyrics.wav cannot be used as a track's sound: not a WAV, AIFF"),
        "too long": (long, "31.0 s long; the limit is 30 s"),
        "too big": (big, "the limit is 50 MB"),
        "empty": (empty, "contains no audio"),
        "missing": (folder / "gone.wav", "gone.wav: there is no such file"),
    }


def test_bad_files_are_refused_in_words_and_nothing_changes(
    seq: SequencerState, sample_cache: SampleCache, tmp_path: Path
) -> None:
    before = seq.snapshot()
    for what, (path, words) in bad_files(tmp_path / "bad").items():
        with pytest.raises(TrackSampleError) as refused:
            seq.set_track_sample(0, path)
        assert words in str(refused.value), what
        with pytest.raises(TrackSampleError):
            seq.add_sample_track(path)
    assert seq.snapshot() == before and seq.undo_stack.count() == 0
    assert sample_cache.entries() == []


def test_a_file_dropped_under_the_tracks_is_a_new_track_named_after_it(
    seq: SequencerState, tmp_path: Path
) -> None:
    path = wav(tmp_path / "files", "Snare Hit.wav")
    index = seq.add_sample_track(path)
    assert index == 3 and seq.pattern.tracks[3].name == "Snare Hit"
    assert seq.pattern.tracks[3].sample_name == "Snare Hit.wav"
    assert seq.add_sample_track(path) == 4 and seq.pattern.tracks[4].name == "Snare Hit 2"
    seq.undo_stack.undo()
    seq.undo_stack.undo()
    assert len(seq.pattern.tracks) == 3


def test_pitch_decay_and_choke_are_undoable_and_saved(seq: SequencerState) -> None:
    gesture = seq.new_gesture()
    seq.set_pitch(0, 2, gesture)
    seq.set_pitch(0, 5, gesture)  # one gesture, one undo step
    seq.set_decay(0, 0.25)
    seq.set_choke(0, 3)
    saved = Pattern.from_snapshot(seq.snapshot()).tracks[0]
    assert (saved.pitch, saved.decay, saved.choke) == (5.0, 0.25, 3)
    assert seq.undo_stack.count() == 3
    seq.undo_stack.undo()
    assert seq.pattern.tracks[0].choke is None
    seq.undo_stack.undo()
    assert seq.pattern.tracks[0].decay is None
    seq.undo_stack.undo()
    assert seq.pattern.tracks[0].pitch == 0.0
    with pytest.raises(ValueError, match="pitch"):
        seq.set_pitch(0, 25)
    assert seq.undo_stack.count() == 3  # the refused value left no step


def test_the_hats_default_group_stays_a_0_0_1_pattern(seq: SequencerState) -> None:
    seq.set_choke(1, 1)  # the closed hat is in group 1 already
    assert seq.undo_stack.count() == 0 and seq.snapshot()["version"] == "0.0.1"
    seq.set_choke(2, 0)  # the open hat leaves the group: rings under the closed hat
    assert seq.snapshot()["version"] == "0.1.0"
    assert seq.snapshot()["tracks"][2]["choke"] == 0
    seq.set_choke(2, 1)
    assert "choke" not in seq.snapshot()["tracks"][2]


def test_a_missing_sample_is_reported_and_silent(
    seq: SequencerState, sample_engine: Engine, kit
) -> None:
    p = three_tracks()
    p.tracks[0].steps[0] = 127
    p.set_own_sample(0, "ab" * 32, "gone.wav")
    seq.set_pattern(p)
    assert seq.sound_missing(0) and not seq.sound_missing(1)
    notices: list[str] = []
    live = Engine(kit, use_device=False, clock_speed=0, on_notice=notices.append)
    got: list[np.ndarray] = []
    live.add_block_listener(got.append)
    live.set_pattern(p)
    live.start()
    try:
        deadline = time.monotonic() + 10
        while sum(len(b) for b in got) < SR and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        live.stop()
    assert not np.concatenate(got).any()
    assert notices == ["The sound 'gone.wav' is missing; its track is silent."]


def test_the_open_patterns_samples_are_never_evicted(
    seq: SequencerState, sample_cache: SampleCache, tmp_path: Path
) -> None:
    files = tmp_path / "files"
    kept = seq.set_track_sample(0, wav(files, "kept.wav", n=20000))
    other = seq.import_sample(wav(files, "other.wav", level=0.5, n=20000))
    os.utime(kept.path, (1, 1))  # the least recently used
    size = kept.path.stat().st_size
    assert set(sample_cache.set_cap(size)) == {other.sha256}
    assert sample_cache.lookup(kept.sha256) is not None
    seq.use_builtin_sound(0)  # no longer in the open pattern
    assert sample_cache.set_cap(0) == [kept.sha256]


def test_a_sample_that_arrives_later_plays_after_refresh_sounds(
    seq: SequencerState, sample_engine: Engine, sample_cache: SampleCache, tmp_path: Path
) -> None:
    path = wav(tmp_path / "files", "late.wav")
    p = three_tracks()
    p.tracks[0].steps[0] = 127
    p.set_own_sample(0, sha256_file(path), "late.wav")
    seq.set_pattern(p)
    assert seq.sound_missing(0)
    sample_cache.add_local(path)  # what a fetch after Load does
    seq.refresh_sounds()
    assert not seq.sound_missing(0) and seq.undo_stack.count() == 0
    out = sample_engine.bounce(seq.pattern, 1)
    assert np.allclose(out[:1900, 0], 0.3 * MASTER_GAIN * CENTRE, atol=1e-5)


def test_a_duplicated_track_keeps_its_own_sound(seq: SequencerState, tmp_path: Path) -> None:
    seq.set_track_sample(0, wav(tmp_path / "files"))
    seq.set_pitch(0, -3)
    seq.set_choke(0, 2)
    index = seq.duplicate_track(0)
    copy = seq.pattern.tracks[index]
    assert (copy.sample_name, copy.pitch, copy.choke) == ("my kick.wav", -3.0, 2)
    assert copy.sample_sha256 == seq.pattern.tracks[0].sample_sha256
