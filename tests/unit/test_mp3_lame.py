"""The encoder is LAME itself (libmp3lame through ctypes): joint stereo like the ``lame``
CLI, the same quality, and a LAME tag that tells the truth (issue 16, item 5)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from desktop_app.audio import libmp3lame
from desktop_app.audio.bounce import OfflineRender, bounce
from desktop_app.audio.kit import load_default_kit
from desktop_app.audio.mp3 import Mp3Encoder, _layer3_header, encode_mp3, read_mp3_info
from desktop_app.audio.wavio import write_wav
from desktop_app.domain.pattern import demo_pattern
from tests.unit.mp3_decoding import decode_mp3

SR = 44100
_CRC_TABLE = []
for _n in range(256):
    _c = _n
    for _ in range(8):
        _c = (_c >> 1) ^ 0xA001 if _c & 1 else _c >> 1
    _CRC_TABLE.append(_c)


def crc16(data: bytes) -> int:
    """CRC-16/ARC, the CRC of the LAME tag's music and tag fields."""
    crc = 0
    for b in data:
        crc = (crc >> 8) ^ _CRC_TABLE[(crc ^ b) & 0xFF]
    return crc


def groove(loops: int = 4) -> np.ndarray:
    p = demo_pattern()
    p.set_bpm(124)
    return bounce(OfflineRender(p, load_default_kit(), loops, SR))


def test_frames_are_joint_stereo_and_the_lame_tag_tells_the_truth(tmp_path: Path) -> None:
    out = tmp_path / "g.mp3"
    pcm = groove()
    encode_mp3(pcm, SR, out, 320)
    raw = out.read_bytes()
    first = _layer3_header(raw, 0)
    assert first is not None
    tag_len = first.length
    modes, pos = set(), tag_len
    while pos < len(raw):
        parsed = _layer3_header(raw, pos)
        assert parsed is not None, f"no frame at {pos}"
        modes.add(raw[pos + 3] >> 6)
        pos += parsed.length
    assert modes == {1}  # channel mode 01: joint stereo, in every audio frame
    lame = raw.index(b"LAME", 0, tag_len)
    assert (raw[lame + 24] >> 2) & 7 == 3  # the tag's stereo mode: joint
    assert raw[lame + 10] * 100 == round(Mp3Encoder(SR, 2, 320).lowpass_hz, -2)
    assert int.from_bytes(raw[lame + 28 : lame + 32], "big") == len(raw)  # music length
    assert int.from_bytes(raw[lame + 32 : lame + 34], "big") == crc16(raw[tag_len:])
    assert int.from_bytes(raw[lame + 34 : lame + 36], "big") == crc16(raw[: lame + 34])
    assert read_mp3_info(out).samples == len(pcm)  # gapless: exactly the input's length


def _snr(reference: np.ndarray, decoded: np.ndarray) -> float:
    assert len(decoded) == len(reference)
    err = reference - decoded
    return float(10 * np.log10(np.sum(reference**2) / np.sum(err**2)))


def test_quality_at_320_matches_the_lame_cli(qapp, tmp_path: Path) -> None:
    """lameenc (plain stereo) reached 32.7 dB here; LAME in joint stereo 36.0 dB. Given
    the same samples, our frames are the CLI's, byte for byte."""
    pcm = groove()
    # The CLI reads 16-bit PCM; LAME scales float input by 32767: the same samples.
    pcm16 = np.clip(np.rint(pcm * 32767), -32768, 32767).astype(np.int16)
    reference = pcm16.astype(np.float32) / 32768
    encode_mp3(pcm16.astype(np.float32) / 32767, SR, tmp_path / "ours.mp3", 320)
    ours = _snr(reference, decode_mp3(tmp_path / "ours.mp3") / 32768)
    assert ours >= 35.0
    if shutil.which("lame") is None:
        pytest.skip(f"ours {ours:.2f} dB; the lame CLI is not installed to compare")
    write_wav(tmp_path / "in.wav", reference, SR, bits=16)
    subprocess.run(
        ["lame", "--quiet", "-b", "320", str(tmp_path / "in.wav"), str(tmp_path / "cli.mp3")],
        check=True,
    )
    cli = _snr(reference, decode_mp3(tmp_path / "cli.mp3") / 32768)
    assert ours >= cli, (ours, cli)
    a, b = (tmp_path / "ours.mp3").read_bytes(), (tmp_path / "cli.mp3").read_bytes()
    first_a, first_b = _layer3_header(a, 0), _layer3_header(b, 0)
    assert first_a is not None and first_b is not None
    assert a[first_a.length :] == b[first_b.length :]


def test_missing_library_is_a_clear_error(monkeypatch) -> None:
    monkeypatch.setattr(libmp3lame, "_lib", None)
    monkeypatch.setattr(libmp3lame, "_candidates", lambda: ["/nonexistent/libmp3lame.so.0"])
    with pytest.raises(libmp3lame.LameUnavailable, match="apt-get install libmp3lame0"):
        Mp3Encoder(SR, 2, 320)


def test_render_without_the_library_is_one_line(monkeypatch, tmp_path: Path, capsys) -> None:
    import json

    from desktop_app.__main__ import main

    monkeypatch.setattr(libmp3lame, "_lib", None)
    monkeypatch.setattr(libmp3lame, "_candidates", lambda: ["/nonexistent/libmp3lame.so.0"])
    snapshot = tmp_path / "g.json"
    snapshot.write_text(json.dumps(demo_pattern().to_snapshot()))
    out = tmp_path / "g.mp3"
    assert main(["render", str(snapshot), "-o", str(out), "--loops", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("sequencer render: error: MP3 encoding needs the LAME library")
    assert "apt-get install libmp3lame0" in err and "\n" not in err
    assert not out.exists() and not list(tmp_path.glob("*.part"))
