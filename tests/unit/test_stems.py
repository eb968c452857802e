"""Stems: one WAV per track, as long as the mix, aligned, summing to the mix before the
limiter; file names from track names; a folder that cannot take them changes nothing."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile

from desktop_app.audio.bounce import OfflineRender, bounce, bounce_frames, pre_roll_frames
from desktop_app.audio.kit import KitError, load_default_kit
from desktop_app.audio.limiter import THRESHOLD
from desktop_app.audio.sample_bank import FolderLookup, SampleBank
from desktop_app.audio.sequencer import Sequencer
from desktop_app.audio.stems import stem_tracks, stems
from desktop_app.domain.pattern import Pattern, demo_pattern
from desktop_app.domain.track import Track
from desktop_app.services.audio_export import (
    ExportError,
    stem_file_names,
    write_mix,
    write_stems,
)
from tests.small_disks import full_disk, read_only_folder

SR = 44100


@pytest.fixture(scope="module")
def kit():
    return load_default_kit(SR)


def _unlimited_mix(pattern: Pattern, kit, loops: int) -> np.ndarray:
    """The bounce as it enters the limiter: same pre-roll and anchoring as bounce.py."""
    seq = Sequencer(kit, SR, strict=True)
    seq.set_pattern(pattern.copy())
    pre = pre_roll_frames(seq, pattern)
    seq.reset(-pre)
    seq.render(pre)
    seq.anchor_grid()
    return seq.render(bounce_frames(pattern, loops, SR))


def _quiet(pattern: Pattern) -> Pattern:
    for track in pattern.tracks:
        track.volume *= 0.3
    return pattern


def test_stems_sum_to_the_mix_where_the_limiter_rests(kit) -> None:
    """The demo groove's open hat (track 5) is cut by the closed hat (track 4) on the next
    pass's step 0 - a choke across tracks and across the loop - and still the stems add up
    to the mix sample for sample (to float rounding)."""
    pattern = _quiet(demo_pattern())
    mix = bounce(OfflineRender(pattern, kit, 2, SR))
    assert np.abs(mix).max() < THRESHOLD  # the limiter passes it through untouched
    split = stems(OfflineRender(pattern, kit, 2, SR))
    assert split.shape == (8, bounce_frames(pattern, 2, SR), 2) == (8, *mix.shape)
    assert np.max(np.abs(split.sum(axis=0) - mix)) < 1e-6
    # Each stem holds its own track only: the kick's first hit at frame 0, nothing else's.
    kick, snare = split[0], split[1]
    assert np.abs(kick[:64]).max() > 0.01
    assert np.abs(snare[: int(0.4 * SR)]).max() < 1e-4  # the snare enters on beat 2


def test_loud_stems_are_the_mix_before_the_limiter(kit) -> None:
    pattern = demo_pattern()
    for track in pattern.tracks:
        track.volume = 1.0
    mix = bounce(OfflineRender(pattern, kit, 1, SR))
    split = stems(OfflineRender(pattern, kit, 1, SR))
    before = _unlimited_mix(pattern, kit, 1)
    assert np.max(np.abs(split.sum(axis=0) - before)) < 1e-6
    assert np.abs(before).max() > np.abs(mix).max()  # the limiter acted on the mix only


def test_muted_tracks_get_no_stem_and_solo_wins(kit) -> None:
    pattern = demo_pattern()
    pattern.tracks[1].mute = True
    assert stem_tracks(pattern) == [0, 2, 3, 4, 5, 6, 7]
    pattern.tracks[6].solo = True
    pattern.tracks[0].solo = True
    assert stem_tracks(pattern) == [0, 6]
    split = stems(OfflineRender(pattern, kit, 1, SR))
    assert split.shape[0] == 2
    assert np.max(np.abs(split.sum(axis=0) - _unlimited_mix(pattern, kit, 1))) < 1e-6


def test_file_names_are_safe_and_unique() -> None:
    assert stem_file_names(["Kick", "kick", "Kick", "a/b:c?", "  ", "CON", "Hat. ", "x" * 200]) == [
        "Kick.wav",
        "kick 2.wav",
        "Kick 3.wav",
        "a_b_c_.wav",
        "Track 5.wav",
        "CON 6.wav",
        "Hat.wav",
        "x" * 80 + ".wav",
    ]


def test_write_stems_and_mix_files(kit, tmp_path: Path) -> None:
    pattern = demo_pattern()
    pattern.tracks[2].name = "Snare"  # two tracks with one name still get two files
    pattern.tracks[7].mute = True
    done = write_stems(OfflineRender(pattern, kit, 2), tmp_path / "stems")
    names = [p.name for p in done.paths]
    assert names == ["Kick.wav", "Snare.wav", "Snare 2.wav", "Closed hat.wav",
                     "Open hat.wav", "Low tom.wav", "High tom.wav"]  # fmt: skip
    assert done.skipped == ("Rim",)
    assert sorted(os.listdir(tmp_path / "stems")) == sorted(names)  # no temporary files left
    frames = bounce_frames(pattern, 2, SR)
    read = [soundfile.read(p, dtype="float32", always_2d=True) for p in done.paths]
    assert {(len(data), rate, data.shape[1]) for data, rate in read} == {(frames, SR, 2)}
    assert soundfile.info(str(done.paths[0])).subtype == "FLOAT"
    expected = stems(OfflineRender(pattern, kit, 2, SR))
    assert np.array_equal(np.stack([d for d, _ in read]), expected)

    mix = write_mix(OfflineRender(pattern, kit, 2), tmp_path / "mix.wav")
    data, rate = soundfile.read(mix.paths[0], dtype="float32", always_2d=True)
    assert rate == SR and np.array_equal(data, bounce(OfflineRender(pattern, kit, 2, SR)))


def test_folders_that_cannot_take_stems_change_nothing(kit, tmp_path: Path) -> None:
    pattern = demo_pattern()
    a_file = tmp_path / "notes.txt"
    a_file.write_text("hello")
    with pytest.raises(ExportError, match="is a file, not a folder"):
        write_stems(OfflineRender(pattern, kit, 1), a_file)
    assert a_file.read_text() == "hello"

    with read_only_folder(tmp_path / "locked") as locked:
        with pytest.raises(ExportError, match=r"read-only disk|cannot be written to"):
            write_stems(OfflineRender(pattern, kit, 1), locked)
        assert os.listdir(locked) == []
    with full_disk(tmp_path / "full") as full:
        with pytest.raises(ExportError, match="The disk is full"):
            write_stems(OfflineRender(pattern, kit, 4), full)
        assert os.listdir(full) == []  # not one half-written stem

    silent = demo_pattern()
    for track in silent.tracks:
        track.mute = True
    with pytest.raises(ExportError, match="all muted"):
        write_stems(OfflineRender(silent, kit, 1), tmp_path / "none")
    assert not (tmp_path / "none").exists()

    strange = demo_pattern()
    strange.tracks[0].sample = "cowbell"
    with pytest.raises(KitError, match="cowbell"):
        write_stems(OfflineRender(strange, kit, 1), tmp_path / "cowbell")
    assert not (tmp_path / "cowbell").exists()


def test_stems_of_own_samples_pitch_and_choke_groups(kit, tmp_path: Path) -> None:
    """A track playing the musician's own WAV (pitched, decayed) and a custom choke group
    across two tracks: still one stem per track, summing to the mix before the limiter."""
    sound = (0.6 * np.sin(np.arange(30000) * 0.05) * np.linspace(1, 0, 30000)).astype(np.float32)
    raw = tmp_path / "mine.wav"
    soundfile.write(raw, sound, SR, subtype="FLOAT")
    sha = hashlib.sha256(raw.read_bytes()).hexdigest()
    raw.rename(tmp_path / f"{sha}.wav")
    bank = SampleBank(FolderLookup(tmp_path), SR)
    pattern = _quiet(demo_pattern())
    mine = Track("Mine", "kick", [0] * 16, volume=0.5, sample_sha256=sha,
                 sample_name="mine.wav", pitch=-5.0, decay=0.4, choke=3)  # fmt: skip
    mine.steps[2] = mine.steps[10] = 110
    pattern.tracks.append(mine)
    pattern.tracks[1].choke = 3  # the snare cuts "Mine", and "Mine" cuts the snare
    split = stems(OfflineRender(pattern, kit, 2, SR, bank=bank))
    mix = bounce(OfflineRender(pattern, kit, 2, SR, bank=bank))
    assert split.shape == (9, *mix.shape)
    assert np.abs(split[8]).max() > 0.01  # the own sample sounds in its stem
    assert np.max(np.abs(split.sum(axis=0) - mix)) < 1e-6
    done = write_stems(OfflineRender(pattern, kit, 1, bank=bank), tmp_path / "out")
    assert done.paths[-1].name == "Mine.wav"
    with pytest.raises(KitError):  # without the bank the own sample cannot be played
        write_stems(OfflineRender(pattern, kit, 1), tmp_path / "nobank")
    assert not (tmp_path / "nobank").exists()
