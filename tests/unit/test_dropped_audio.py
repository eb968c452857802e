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
