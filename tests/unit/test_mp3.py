"""MP3 encoding (one go and streamed), frame parsing and waveform peaks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from desktop_app.audio.mp3 import (
    ENCODER_DELAY,
    SAMPLES_PER_FRAME,
    Mp3Encoder,
    encode_mp3,
    read_mp3_info,
)
from desktop_app.audio.peaks import PeakTracker, compute_peaks
from tests.unit.mp3_decoding import decode_mp3

SR = 44100


def test_encode_decodes_to_the_same_length_and_timing(qapp, tmp_path: Path) -> None:
    n = SR * 2 + 123
    pcm = np.zeros((n, 2), np.float32)
    pcm[5000] = 0.9
    pcm[70000] = 0.9
    info = encode_mp3(pcm, SR, tmp_path / "a.mp3", 192)
    assert info.bitrate == 192 and info.sample_rate == SR and info.channels == 2
    assert info.size_bytes == (tmp_path / "a.mp3").stat().st_size
    decoded = decode_mp3(tmp_path / "a.mp3")
    # The gapless (Info + LAME) tag makes the decoder drop the encoder delay and the
    # padding: the MP3 decodes to exactly the input's length, sample for sample in time.
    assert info.samples == n == len(decoded)
    assert n + ENCODER_DELAY - 529 <= info.decoded_samples < n + ENCODER_DELAY + SAMPLES_PER_FRAME
    loudest = sorted(np.argsort(-np.abs(decoded[:, 0].astype(int)))[:2].tolist())
    assert loudest == [5000, 70000]


def test_streamed_encoding_equals_one_go(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    pcm = (rng.standard_normal((SR, 2)) * 0.1).astype(np.float32)
    whole = Mp3Encoder(SR, 2, 320)
    one = whole.encode(pcm) + whole.flush()
    streamed = Mp3Encoder(SR, 2, 320)
    parts = b"".join(streamed.encode(pcm[i : i + 512]) for i in range(0, SR, 512))
    parts += streamed.flush()
    assert one == parts


def test_bad_bitrate_and_empty_flush(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="bitrate: 100 kbit/s is not an MP3 bitrate"):
        Mp3Encoder(SR, 2, 100)
    assert Mp3Encoder().flush() == b""


def test_failed_encode_leaves_no_file(tmp_path: Path) -> None:
    def interrupted(fraction: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        encode_mp3(
            np.zeros((SR * 2, 2), np.float32),
            SR,
            tmp_path / "x.mp3",
            progress=interrupted,
            chunk_frames=SR,
        )
    assert list(tmp_path.iterdir()) == []


def test_read_mp3_info_refuses_non_mp3(tmp_path: Path) -> None:
    (tmp_path / "x.mp3").write_bytes(b"hello" * 100)
    with pytest.raises(ValueError, match="no MP3 frames"):
        read_mp3_info(tmp_path / "x.mp3")


def test_progress_is_reported(tmp_path: Path) -> None:
    seen: list[float] = []
    encode_mp3(
        np.zeros((SR * 3, 2), np.float32),
        SR,
        tmp_path / "p.mp3",
        progress=seen.append,
        chunk_frames=SR,
    )
    assert seen == pytest.approx([1 / 3, 2 / 3, 1.0])


def test_peaks() -> None:
    pcm = np.zeros((1000, 2), np.float32)
    pcm[5, 1] = -0.5
    pcm[995, 0] = 0.25
    peaks = compute_peaks(pcm, 100)
    assert len(peaks) == 100 and peaks[0] == 0.5 and peaks[-1] == 0.25 and max(peaks[1:-1]) == 0
    assert compute_peaks(np.zeros((0, 2))) == []
    assert len(compute_peaks(np.ones((10, 2)), 100)) == 10

    tracker = PeakTracker()
    for i in range(0, 1000, 64):
        tracker.add(pcm[i : i + 64])
    streamed = tracker.peaks(10)
    assert len(streamed) == 10 and streamed[0] == 0.5 and streamed[-1] == 0.25
    assert tracker.last == 0.25


def test_a_loop_render_loops_without_a_gap(qapp, tmp_path: Path) -> None:
    """Two copies of the decoded MP3 back to back are continuous: no delay at the start,
    no padding at the end (what the player's Loop toggle relies on)."""
    t = np.arange(SR) / SR
    tone = (0.5 * np.sin(2 * np.pi * 441 * t)).astype(np.float32)  # 441 Hz: whole cycles
    pcm = np.stack([tone, tone], axis=1)
    encode_mp3(pcm, SR, tmp_path / "loop.mp3", 320)
    decoded = decode_mp3(tmp_path / "loop.mp3")[:, 0] / 32768.0
    assert len(decoded) == SR
    seam = np.concatenate([decoded[-200:], decoded[:200]])
    expected = np.concatenate([tone[-200:], tone[:200]])
    assert np.max(np.abs(seam - expected)) < 0.05


def test_frame_counter_handles_headers_split_across_chunks() -> None:
    rng = np.random.default_rng(7)
    pcm = (rng.standard_normal((SR, 2)) * 0.1).astype(np.float32)
    whole = Mp3Encoder(SR, 2, 128)
    data = whole.encode(pcm) + whole.flush()
    from desktop_app.audio.mp3 import _FrameCounter

    for chunk in (1, 3, 7, 417, 4096):
        counter = _FrameCounter()
        for i in range(0, len(data), chunk):
            counter.feed(data[i : i + chunk])
        assert counter.frames == whole._counter.frames and counter.bytes == len(data)
