"""``sequencer render``: the offline bounce from the command line."""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from desktop_app.__main__ import main
from desktop_app.audio.audio_files import read_audio
from desktop_app.audio.mp3 import read_mp3_info
from desktop_app.audio.wavio import write_wav
from desktop_app.domain.pattern import demo_pattern


@pytest.fixture
def pattern_file(tmp_path: Path) -> Path:
    p = demo_pattern()
    p.set_bpm(120)
    path = tmp_path / "groove.json"
    path.write_text(json.dumps(p.to_snapshot()))
    return path


def test_render_mp3(pattern_file: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out" / "groove.mp3"
    assert (
        main(["render", str(pattern_file), "-o", str(out), "--loops", "3", "--bitrate", "192"]) == 0
    )
    info = read_mp3_info(out)
    assert info.bitrate == 192
    # Exactly 3 passes of 2 s: the gapless tag accounts for encoder delay and padding.
    assert info.samples == 3 * 2 * 44100 and info.duration == 6.0
    assert "3 loops, 6.00 s" in capsys.readouterr().err


def test_render_wav_is_exactly_n_passes(pattern_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "groove.wav"
    assert main(["render", str(pattern_file), "-o", str(out), "--loops", "2", "-q"]) == 0
    pcm, rate = read_audio(out)
    assert rate == 44100 and pcm.shape == (4 * 44100, 2)


def test_malformed_pattern_exits_nonzero_with_one_line(tmp_path: Path) -> None:
    data = demo_pattern().to_snapshot()
    data["tracks"][2]["steps"][5] = 200
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    proc = subprocess.run(
        [sys.executable, "-m", "desktop_app", "render", str(bad), "-o", str(tmp_path / "x.mp3")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].endswith(
        "The velocity of track 3, step 6 must be a whole number from 0 to 127, not 200."
    )
    assert not (tmp_path / "x.mp3").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"version": "9.0.0"}', "newer Sequencer (format version 9.0.0"),
    ],
)
def test_other_bad_inputs(tmp_path: Path, capsys, content: str, message: str) -> None:
    path = tmp_path / "p.json"
    path.write_text(content)
    assert main(["render", str(path), "-o", str(tmp_path / "o.mp3")]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_bad_options(pattern_file: Path, tmp_path: Path, capsys) -> None:
    out = str(tmp_path / "o.mp3")
    assert main(["render", str(pattern_file), "-o", out, "--bitrate", "100"]) == 2
    assert main(["render", str(pattern_file), "-o", out, "--loops", "0"]) == 2
    assert main(["render", str(tmp_path / "none.json"), "-o", out]) == 2
    err = capsys.readouterr().err
    assert "--bitrate: 100" in err and "--loops: 0" in err and "no such file" in err


def test_user_kit_and_missing_sample(pattern_file: Path, tmp_path: Path, capsys) -> None:
    kit = tmp_path / "kit"
    kit.mkdir()
    write_wav(kit / "kick.wav", [0.5, 0.25, 0.0], 22050, bits=16)
    out = tmp_path / "o.wav"
    assert main(["render", str(pattern_file), "-o", str(out), "--kit", str(kit)]) == 2
    assert "has no sample 'clap'" in capsys.readouterr().err
    p = demo_pattern()
    p.tracks = p.tracks[:1]
    pattern_file.write_text(json.dumps(p.to_snapshot()))
    assert main(["render", str(pattern_file), "-o", str(out), "--kit", str(kit), "-q"]) == 0
    assert read_audio(out)[0].any()


@pytest.mark.parametrize("name", ["y.ogg", "y.flac", "y.MP4", "noextension"])
def test_render_refuses_formats_it_cannot_write(
    pattern_file: Path, tmp_path: Path, capsys, name: str
) -> None:
    """``-o y.ogg`` used to get MP3 bytes under an .ogg name and exit 0."""
    out = tmp_path / name
    assert main(["render", str(pattern_file), "-o", str(out), "-q"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("sequencer render: error: ")
    assert "must end in .mp3 (MP3) or .wav (WAV)" in err
    assert not out.exists()


def test_render_accepts_upper_case_extensions(pattern_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "LOUD.WAV"
    assert main(["render", str(pattern_file), "-o", str(out), "--loops", "1", "-q"]) == 0
    assert read_audio(out)[1] == 44100


def _render_peak_bytes(pattern_file: Path, out: Path, loops: int) -> int:
    tracemalloc.start()
    try:
        assert main(["render", str(pattern_file), "-o", str(out), "--loops", str(loops), "-q"]) == 0
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("suffix", [".mp3", ".wav"])
def test_render_memory_does_not_depend_on_the_length(
    pattern_file: Path, tmp_path: Path, suffix: str
) -> None:
    """Rendered, limited, encoded and written a block at a time (it used to hold the
    whole render, ~1 MB per second of audio, plus the encoder's copies)."""
    short = _render_peak_bytes(pattern_file, tmp_path / f"short{suffix}", 2)
    long = _render_peak_bytes(pattern_file, tmp_path / f"long{suffix}", 64)  # 128 s
    assert long <= short * 1.2 + 1_000_000, (short, long)
    pcm_bytes = 128 * 44100 * 2 * 4  # what holding the long render would take
    assert long - short < pcm_bytes / 10


def test_render_subcommand_imports_only_what_it_uses(pattern_file: Path, tmp_path: Path) -> None:
    """No Qt, no HTTP client, no server, no libsndfile (the built-in kit reads no file):
    a one-loop render peaks under 80 MB of RSS, all of it counted (it peaked at 76 MB when
    building the kit's hats held three 17 MB tables; ~45 MB now)."""
    code = (
        "import sys\n"
        "from desktop_app.__main__ import main\n"
        f"assert main(['render', {str(pattern_file)!r}, '-o', {str(tmp_path / 'a.mp3')!r},"
        " '--loops', '1', '-q']) == 0\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'requests', 'fastapi', 'uvicorn', 'boto3', 'pymongo', 'soundfile'))\n"
        # VmHWM, not ru_maxrss: the latter keeps the forking parent's peak across exec.
        "st = {l.split(':')[0]: int(l.split()[1]) for l in open('/proc/self/status')"
        " if l.startswith('VmHWM')}\n"
        "print(heavy, st['VmHWM'])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    heavy, rss_kb = done.stdout.rsplit(" ", 1)
    assert heavy == "[]"
    assert int(rss_kb) <= 80 * 1024
