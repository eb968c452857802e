"""Dropped audio files: WAV, AIFF and FLAC are read with libsndfile and encoded to MP3."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from desktop_app.audio.mp3 import read_mp3_info
from desktop_app.services.dropped_audio import (
    DroppedAudioError,
    is_sendable,
    prepare_dropped_audio,
)


@pytest.mark.parametrize(("name", "kind"), [("idea.flac", "FLAC"), ("idea.aiff", "AIFF")])
def test_flac_and_aiff_are_encoded_to_mp3(tmp_path: Path, name: str, kind: str) -> None:
    rate = 48000
    tone = 0.3 * np.sin(2 * np.pi * 330 * np.arange(rate // 2) / rate)
    source = tmp_path / name
    soundfile.write(source, np.stack([tone, tone], 1), rate, format=kind, subtype="PCM_24")
    assert is_sendable(source)
    audio = prepare_dropped_audio(source, tmp_path / "work", bitrate=128)
    assert audio.duration == pytest.approx(0.5) and audio.peaks
    info = read_mp3_info(audio.path)
    assert (info.sample_rate, info.bitrate, info.samples) == (rate, 128, rate // 2)


def test_a_file_that_is_not_audio_is_refused_in_words(tmp_path: Path) -> None:
    source = tmp_path / "notes.wav"
    source.write_text("a shopping list")
    with pytest.raises(DroppedAudioError, match=r"notes\.wav cannot be read: not a WAV, AIFF"):
        prepare_dropped_audio(source, tmp_path / "work")
    assert not (tmp_path / "work").exists()


def test_an_mp3_made_for_sending_a_day_ago_and_never_sent_is_removed(tmp_path: Path) -> None:
    """A WAV attached and left when the app quit leaves its MP3 in the work folder; the
    next file prepared there removes it, and nothing younger."""
    import os
    import time

    work = tmp_path / "work"
    work.mkdir()
    forgotten, recent = work / "old take-1a2b3c4d.mp3", work / "new take-5e6f7a8b.mp3"
    for path in (forgotten, recent):
        path.write_bytes(b"\xff\xfb")
    day_ago = time.time() - 25 * 3600
    os.utime(forgotten, (day_ago, day_ago))
    source = tmp_path / "idea.wav"
    tone = 0.3 * np.sin(2 * np.pi * 330 * np.arange(4410) / 44100)
    soundfile.write(source, np.stack([tone, tone], 1), 44100)
    made = prepare_dropped_audio(source, work)
    assert sorted(work.iterdir()) == sorted([recent, made.path])
