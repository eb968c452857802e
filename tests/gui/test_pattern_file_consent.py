"""File → Open's question about a pattern file's sound files, answered in a real box:
Esc opens without them; a pattern that cannot be loaded asks nothing; and when another
pattern file is opened while the first one's sounds are still being read, the later
Open counts and the earlier read lands nowhere."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from desktop_app.domain.pattern import demo_pattern
from desktop_app.services.track_samples import ImportedSample
from desktop_app.state.pattern_file_sounds import SoundResults
from tests.gui.window_parts import Parts

SHA = "ab" * 32


class HeldReads:
    """A store whose reads finish when the test says (``finish``), so a read can be
    overtaken; it records which files it was asked to read."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self.asked: list[list[Path]] = []
        self._pending: list[Callable[[SoundResults], None]] = []

    @property
    def folder(self) -> Path:
        return self._folder

    def read(
        self,
        paths: Sequence[Path],
        protect: Sequence[str],
        on_done: Callable[[SoundResults], None],
    ) -> None:
        self.asked.append(list(paths))
        self._pending.append(on_done)

    def finish(self, index: int, results: SoundResults) -> None:
        self._pending[index](results)


def pattern_file(path: Path, bpm: float, named: str | None) -> Path:
    data = demo_pattern().to_snapshot()
    data["bpm"] = bpm
    if named is not None:
        data["tracks"][0]["sample_file"] = named
    path.write_text(json.dumps(data))
    return path


def test_escape_opens_without_the_files(qtbot, parts: Parts, tmp_path: Path, modals):
    window = parts.window(qtbot)
    reads = HeldReads(tmp_path / "store")
    window.pattern_files.use_sample_store(reads)
    modals.watch()  # no answer queued: the box is closed with its escape button
    assert window.pattern_files.open_file(pattern_file(tmp_path / "a.json", 91.0, "kick.wav"))
    assert [(s.text, s.clicked) for s in modals.shown] == [
        ("a.json names 1 sound file on this computer:<ul><li>kick.wav</li></ul>",
         "Open without them"),
    ]  # fmt: skip
    assert reads.asked == []
    assert parts.sequencer.pattern.bpm == 91.0
    assert parts.sequencer.pattern.tracks[0].sample_sha256 is None


def test_a_pattern_that_cannot_load_asks_nothing(qtbot, parts: Parts, tmp_path: Path, modals):
    window = parts.window(qtbot)
    window.pattern_files.use_sample_store(HeldReads(tmp_path / "store"))
    modals.watch()
    bad = pattern_file(tmp_path / "bad.json", 900.0, "kick.wav")
    assert not window.pattern_files.open_file(bad)
    assert [s.title for s in modals.shown] == ["Could not open the pattern"]


def test_a_later_open_wins_over_a_read_still_running(qtbot, parts: Parts, tmp_path: Path, modals):
    window = parts.window(qtbot)
    reads = HeldReads(tmp_path / "store")
    window.pattern_files.use_sample_store(reads)
    modals.answer("Use these sounds")
    assert window.pattern_files.open_file(pattern_file(tmp_path / "a.json", 91.0, "kick.wav"))
    assert reads.asked == [[tmp_path / "kick.wav"]]
    assert window.pattern_files.open_file(pattern_file(tmp_path / "b.json", 133.0, None))
    assert parts.sequencer.pattern.bpm == 133.0
    reads.finish(0, [ImportedSample(SHA, "kick.wav", tmp_path / "store" / f"{SHA}.wav")])
    assert parts.sequencer.pattern.bpm == 133.0  # a.json's late sounds open nothing
    assert window.statusBar().currentMessage() == "Opened b.json"
    assert len(modals.shown) == 1

    modals.answer("Use these sounds")
    assert window.pattern_files.open_file(pattern_file(tmp_path / "a.json", 91.0, "kick.wav"))
    reads.finish(1, [ImportedSample(SHA, "kick.wav", tmp_path / "store" / f"{SHA}.wav")])
    assert parts.sequencer.pattern.bpm == 91.0
    assert parts.sequencer.pattern.tracks[0].sample_sha256 == SHA
    assert window.statusBar().currentMessage() == "Opened a.json"
