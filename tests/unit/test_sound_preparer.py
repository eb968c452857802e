"""Own sounds are shaped on the sound preparer's thread, never on the caller's nor the
feeder's; until a new shaping is ready the track plays that sample as it last played it
(or nothing), and from the next hit after it is ready, exactly the new shaping."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from desktop_app.audio.engine import Engine
from desktop_app.audio.kit import Kit
from desktop_app.audio.sample_bank import FolderLookup, SampleBank
from desktop_app.audio.sequencer import Sequencer
from desktop_app.audio.sound_preparer import SoundPreparer
from desktop_app.domain.pattern import Pattern
from tests.unit.test_track_sounds import SR, hits, own, write_sample

LOOP = 88200  # 120 BPM, 16 steps of 5512.5 frames
EMPTY = Kit("empty", SR, {})


class GatedBank(SampleBank):
    """A real bank whose shaping waits for ``gate``: what a long sample pitched far down
    does, on demand. Records the thread of every shaping."""

    def __init__(self, folder: Path) -> None:
        super().__init__(FolderLookup(folder), SR)
        self.gate = threading.Event()
        self.gate.set()
        self.threads: list[str] = []

    def shaped(self, sha256: str, pitch: float, decay: float | None) -> np.ndarray | None:
        if self.ready(sha256, pitch, decay) is None:
            self.threads.append(threading.current_thread().name)
            assert self.gate.wait(10)
        return super().shaped(sha256, pitch, decay)


@pytest.fixture
def bank(tmp_path: Path) -> GatedBank:
    return GatedBank(tmp_path)


def tone(n: int = 3000) -> np.ndarray:
    return (0.4 * np.sin(np.arange(n) * 0.05)).astype(np.float32)


def test_set_pattern_returns_at_once_and_the_shaping_is_done_elsewhere(
    tmp_path: Path, bank: GatedBank
) -> None:
    sha = write_sample(tmp_path, tone(SR))
    engine = Engine(EMPTY, use_device=False, clock_speed=0, bank=bank)
    bank.gate.clear()  # the shaping takes as long as this test wants
    started = time.monotonic()
    engine.set_pattern(Pattern(bpm=120, tracks=[own("Low", sha, hits(0), pitch=-24.0)]))
    assert time.monotonic() - started < 0.5  # the old set_pattern waited for the gate
    got: list[np.ndarray] = []
    engine.add_block_listener(got.append)
    engine.start()
    try:
        deadline = time.monotonic() + 10
        while sum(len(b) for b in got) < 2 * LOOP and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not np.concatenate(got).any()  # nothing ready, nothing heard, nothing stuck
        bank.gate.set()
        assert engine.preparer.wait(10)
        assert bank.ready(sha, -24.0, None) is not None
        heard = sum(len(b) for b in got)
        while sum(len(b) for b in got) < heard + 2 * LOOP and time.monotonic() < deadline:
            time.sleep(0.01)
        assert np.concatenate(got)[heard:].any()  # ready: played from its next hit on
    finally:
        engine.stop()
    assert bank.threads == ["sound-preparer"]


def live(bank: SampleBank, missing: list[str]) -> tuple[Sequencer, SoundPreparer]:
    preparer = SoundPreparer(bank)
    seq = Sequencer(EMPTY, SR, bank=bank, preparer=preparer, on_missing_own_sample=missing.append)
    return seq, preparer


def play(seq: Sequencer, preparer: SoundPreparer, pattern: Pattern) -> np.ndarray:
    preparer.request(pattern)
    seq.set_pattern(pattern)
    return seq.render(LOOP)


def offline(bank: SampleBank, pattern: Pattern) -> np.ndarray:
    seq = Sequencer(EMPTY, SR, bank=bank)
    seq.set_pattern(pattern)
    return seq.render(LOOP)


def test_until_ready_the_previous_pitch_plays_then_exactly_the_new_one(
    tmp_path: Path, bank: GatedBank
) -> None:
    sha = write_sample(tmp_path, tone())
    missing: list[str] = []
    seq, preparer = live(bank, missing)
    at_0 = Pattern(bpm=120, tracks=[own("Mine", sha, hits(0))])
    preparer.request(at_0)
    assert preparer.wait(10)
    first = play(seq, preparer, at_0)
    assert first[:3000].any() and np.array_equal(first, offline(bank, at_0))

    bank.gate.clear()
    down = Pattern(bpm=120, tracks=[own("Mine", sha, hits(0), pitch=-12.0, decay=0.05)])
    while_shaping = play(seq, preparer, down)
    assert np.array_equal(while_shaping, first)  # the sound as it was, not silence
    assert preparer.busy()

    bank.gate.set()
    assert preparer.wait(10)
    after = seq.render(LOOP)
    assert np.array_equal(after, offline(bank, down))  # the next hit: the new shaping
    assert not np.array_equal(after, first)
    assert missing == []


def test_a_sample_new_to_its_track_is_silent_until_ready_and_never_missing(
    tmp_path: Path, bank: GatedBank
) -> None:
    sha = write_sample(tmp_path, tone())
    missing: list[str] = []
    seq, preparer = live(bank, missing)
    bank.gate.clear()
    pattern = Pattern(bpm=120, tracks=[own("Mine", sha, hits(0), pitch=7.0)])
    assert not play(seq, preparer, pattern).any()
    bank.gate.set()
    assert preparer.wait(10)
    assert np.array_equal(seq.render(LOOP), offline(bank, pattern))
    assert missing == []


def test_dragging_the_pitch_shapes_the_last_value_not_every_one(
    tmp_path: Path, bank: GatedBank
) -> None:
    sha = write_sample(tmp_path, tone())
    preparer = SoundPreparer(bank)
    bank.gate.clear()
    for pitch in range(-1, -13, -1):
        preparer.request(Pattern(bpm=120, tracks=[own("Mine", sha, hits(0), pitch=float(pitch))]))
    bank.gate.set()
    assert preparer.wait(10)
    # At most the value being shaped when the drag went on (whichever the worker took
    # first: it may wake after several requests), and the last one.
    assert 1 <= len(bank.threads) <= 2
    assert bank.ready(sha, -12.0, None) is not None
    shaped = [p for p in range(-1, -12, -1) if bank.ready(sha, float(p), None) is not None]
    assert len(shaped) <= 1, shaped


def test_a_missing_sample_settles_as_missing_and_comes_back_when_it_arrives(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "cache"
    folder.mkdir()
    bank = SampleBank(FolderLookup(folder), SR)
    missing: list[str] = []
    seq, preparer = live(bank, missing)
    sha = write_sample(tmp_path, tone())  # not in the cache yet
    pattern = Pattern(bpm=120, tracks=[own("Late", sha, hits(0))])
    preparer.request(pattern)
    assert preparer.wait(10)
    assert not play(seq, preparer, pattern).any()
    assert preparer.wait(10)
    assert not seq.render(LOOP).any() and missing == ["Late.wav"]
    assert bank.missing(sha)
    (tmp_path / f"{sha}.wav").rename(folder / f"{sha}.wav")  # fetched after Load
    assert not bank.missing(sha)  # the header says so at once, before any decoding
    preparer.request(pattern)  # refresh_sounds: the pattern handed over again
    assert preparer.wait(10)
    seq.set_pattern(pattern)
    assert np.array_equal(seq.render(LOOP), offline(bank, pattern))


def test_an_undecodable_sample_is_missing_without_decoding_it_again(tmp_path: Path) -> None:
    bank = GatedBank(tmp_path)
    sha = "cd" * 32
    (tmp_path / f"{sha}.wav").write_bytes(b"RIFF not really a wave file")
    assert not bank.missing(sha)  # there, not yet decoded: not called missing on a guess
    preparer = SoundPreparer(bank)
    preparer.request(Pattern(bpm=120, tracks=[own("Bad", sha, hits(0))]))
    assert preparer.wait(10)
    assert bank.missing(sha) and preparer.sound(sha, 0.0, None) == (None, True)
