"""Saving a recording without the window: the type follows the name, the WAV is the take's
exact frames, and what cannot be read or written is an ``ExportError`` in words."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from desktop_app.audio.mp3 import encode_mp3
from desktop_app.services.audio_export import ExportError
from desktop_app.services.recording_files import (
    MP3,
    WAV,
    check_wav_fits,
    save_recording,
    target_for,
)

SR = 44100


def test_the_type_follows_the_extension_then_the_chosen_filter(tmp_path: Path) -> None:
    assert target_for(tmp_path / "a.MP3") == (tmp_path / "a.MP3", MP3)
    assert target_for(tmp_path / "a.wav", "MP3 (*.mp3)") == (tmp_path / "a.wav", WAV)
    assert target_for(tmp_path / "a.wave") == (tmp_path / "a.wave", WAV)
    assert target_for(tmp_path / "a", "WAV audio, decoded (*.wav)") == (tmp_path / "a.wav", WAV)
    assert target_for(tmp_path / "a", "") == (tmp_path / "a.mp3", MP3)
    with pytest.raises(ExportError, match=r"not as “\.ogg”"):
        target_for(tmp_path / "a.ogg")


@pytest.mark.parametrize("frames", [SR // 2 + 1, 3 * 1152, 7])
def test_wav_has_exactly_the_frames_that_were_encoded(tmp_path: Path, frames: int) -> None:
    t = np.arange(frames) / SR
    pcm = np.stack([0.4 * np.sin(2 * np.pi * 330 * t), 0.2 * np.sin(2 * np.pi * 220 * t)], 1)
    source = tmp_path / "take.mp3"
    encode_mp3(pcm.astype(np.float32), SR, source, 320)
    done = save_recording(source, tmp_path / "take.wav", WAV)
    data, rate = soundfile.read(tmp_path / "take.wav", dtype="float32", always_2d=True)
    assert rate == SR and data.shape == (frames, 2)
    assert done.seconds == pytest.approx(frames / SR)
    if frames > 2000:
        assert float(np.sqrt(np.mean((data - pcm) ** 2))) < 0.01
    copied = save_recording(source, tmp_path / "copy.mp3", MP3)
    assert (tmp_path / "copy.mp3").read_bytes() == source.read_bytes()
    assert copied.size_bytes == source.stat().st_size


def test_unreadable_sources_are_said(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="no longer on this computer"):
        save_recording(tmp_path / "gone.mp3", tmp_path / "x.wav", WAV)
    words = tmp_path / "words.mp3"
    words.write_text("not audio at all")
    with pytest.raises(ExportError, match="cannot be decoded"):
        save_recording(words, tmp_path / "x.wav", WAV)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["words.mp3"]


def test_a_take_too_long_for_a_wav_file_is_refused_before_decoding() -> None:
    """A WAV counts its bytes in 32 bits: 3.5 hours of stereo float frames do not fit, and
    the writer used to fail only after writing 4 GB."""
    check_wav_fits(3 * 3600 * SR, 2, SR)  # three hours fit
    check_wav_fits(6 * 3600 * SR, 1, SR)  # and six in mono
    with pytest.raises(ExportError, match=r"3\.5 hours long.*Save it as MP3"):
        check_wav_fits(int(3.5 * 3600 * SR), 2, SR)
