"""The kits folder: saved kits listed, written, read and put to use.

Each kit is a folder under ``<data>/kits`` holding ``kit.json`` and its audio files
(``domain/kit_format.py``). A kit is written into a hidden scratch folder first and
renamed into place only when complete, so a failed save or import leaves nothing behind
and the Kit menu never lists half a kit. Using a kit copies its files into the sample
cache (where the engine and the outbox find samples, by SHA-256) after checking each one
decodes, so a kit damaged by hand is refused before the pattern changes.
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from desktop_app.audio.audio_files import TRACK_FORMATS, AudioFileError, read_audio
from desktop_app.audio.sample_bank import MAX_SAMPLE_BYTES, MAX_SAMPLE_SECONDS
from desktop_app.domain.kit_apply import OwnSample, kit_from_pattern
from desktop_app.domain.kit_format import (
    KIT_FILE,
    MAX_KIT_JSON_BYTES,
    MAX_NAME_CHARS,
    KitFormatError,
    KitSound,
    KitSpec,
    read_kit_json,
)
from desktop_app.domain.pattern import DEFAULT_KIT_SAMPLES, Pattern

log = logging.getLogger(__name__)

_SCRATCH = ".partial-"
_OLD = ".replaced-"


class KitError(Exception):
    """A kit that cannot be saved, read or used; the message is for the musician."""


class SampleStore(Protocol):
    """Where a pattern's own samples live by SHA-256 (``services/samples.SampleCache``)."""

    def add_local(self, path: str | os.PathLike[str], protect: Iterable[str] = ()) -> Path: ...
    def lookup(self, sha256: str) -> Path | None: ...


@dataclass(frozen=True)
class KitEntry:
    """A kit in the folder, as the Kit menu lists it; ``error`` says why it cannot be used."""

    name: str
    folder: Path
    error: str | None = None


@dataclass(frozen=True)
class SampleInfo:
    seconds: float
    silent: bool


def read_kit_file(folder: Path, name: str, limit: int) -> bytes:
    """A kit's description file (``kit.json``, Hydrogen's ``drumkit.xml``): at most
    ``limit + 1`` bytes, so its parser can say it is too big without reading it all."""
    try:
        with (folder / name).open("rb") as handle:
            return handle.read(limit + 1)
    except OSError as exc:
        raise KitError(f"{folder.name}: no readable {name} ({exc.strerror}).") from None


def inspect_sample(path: Path) -> SampleInfo:
    """Check that ``path`` is a sample a track can play: what a dropped file must be
    (``audio/sample_bank``: WAV, AIFF, FLAC, Ogg or MP3, ≤ 50 MB, ≤ 30 s)."""
    try:
        size = path.stat().st_size
        if size > MAX_SAMPLE_BYTES:
            raise AudioFileError(
                f"it is {size / 1024 / 1024:.0f} MB; a sample is at most"
                f" {MAX_SAMPLE_BYTES // 1024 // 1024} MB"
            )
        frames, rate = read_audio(path, TRACK_FORMATS, max_seconds=MAX_SAMPLE_SECONDS)
    except AudioFileError as exc:
        raise KitError(f"{path.name}: {exc}.") from None
    except OSError as exc:
        raise KitError(f"{path.name}: cannot be read ({exc.strerror or exc}).") from None
    # An empty file is silence too: both are the placeholders of unused pads.
    return SampleInfo(len(frames) / rate, not bool(np.any(frames)))


def default_kit() -> KitSpec:
    """The app's own eight sounds, as a kit: "Default kit" in the menu."""
    return KitSpec(
        "Default kit",
        tuple(KitSound(s.replace("_", " ").capitalize(), builtin=s) for s in DEFAULT_KIT_SAMPLES),
    )


class KitLibrary:
    """``KitLibrary(folder)``: the saved kits under ``folder`` (created when needed)."""

    def __init__(self, folder: Path, builtins: Collection[str] = DEFAULT_KIT_SAMPLES) -> None:
        self.folder = Path(folder)
        self._builtins = tuple(builtins)

    # ---- listing ---------------------------------------------------------------------
    def entries(self) -> list[KitEntry]:
        """Every kit folder, by name; a damaged one is listed with its error."""
        found: list[KitEntry] = []
        if not self.folder.is_dir():
            return found
        for folder in self.folder.iterdir():
            if folder.name.startswith(".") or not folder.is_dir():
                continue
            try:
                found.append(KitEntry(self.read(folder).name, folder))
            except KitError as exc:
                found.append(KitEntry(folder.name, folder, str(exc)))
        return sorted(found, key=lambda e: (e.name.casefold(), e.folder.name))

    def find(self, name: str) -> KitEntry | None:
        wanted = name.strip().casefold()
        return next((e for e in self.entries() if e.name.casefold() == wanted), None)

    def unique_name(self, base: str) -> str:
        """``base``, or "base 2", "base 3"… when a kit already has that name."""
        base = base.strip()[: MAX_NAME_CHARS - 4] or "Kit"
        taken = {e.name.casefold() for e in self.entries()}
        name, n = base, 2
        while name.casefold() in taken:
            name, n = f"{base} {n}", n + 1
        return name

    # ---- reading ---------------------------------------------------------------------
    def read(self, folder: Path) -> KitSpec:
        """``folder``'s kit, checked: ``kit.json`` valid, every file it names present as
        a regular file inside the folder (a link out of it is refused)."""
        raw = read_kit_file(folder, KIT_FILE, MAX_KIT_JSON_BYTES)
        try:
            spec = read_kit_json(raw, self._builtins)
        except KitFormatError as exc:
            raise KitError(f"{folder.name}: {exc}") from None
        root = folder.resolve()
        for name in spec.files:
            file = folder / name
            if file.is_symlink() or not file.is_file() or file.resolve().parent != root:
                raise KitError(f"{spec.name}: the sound file {name} is missing from its folder.")
        return spec

    def samples_for(self, folder: Path, spec: KitSpec, store: SampleStore) -> dict[str, OwnSample]:
        """Put every file of the kit into ``store`` (each checked first); returns what
        ``apply_kit`` needs. Nothing is added when any file is refused."""
        for name in spec.files:
            inspect_sample(folder / name)
        own: dict[str, OwnSample] = {}
        for name in spec.files:
            cached = store.add_local(folder / name, protect=[o.sha256 for o in own.values()])
            own[name] = OwnSample(cached.name.partition(".")[0], name)
        return own

    # ---- writing ---------------------------------------------------------------------
    def save(self, spec: KitSpec, sources: Mapping[str, Path], *, replace: bool = False) -> Path:
        """Write ``spec`` as a kit folder, copying ``sources[file]`` for each file it
        names. Refuses a name already used unless ``replace``. All or nothing."""
        text = spec.to_json()
        missing = [f for f in spec.files if f not in sources]
        if missing:
            raise KitError(f"No audio for {', '.join(missing)}.")
        existing = self.find(spec.name)
        if existing is not None and not replace:
            raise KitError(f"A kit named {existing.name} already exists.")
        self.folder.mkdir(parents=True, exist_ok=True)
        scratch = self.folder / f"{_SCRATCH}{uuid.uuid4().hex[:12]}"
        scratch.mkdir()
        try:
            for name in spec.files:
                shutil.copyfile(sources[name], scratch / name)
            (scratch / KIT_FILE).write_text(text, encoding="utf-8")
            self.read(scratch)
            target = (
                existing.folder if existing is not None else self.folder / _folder_name(spec.name)
            )
            if existing is None:
                target = _free(target)
            _swap_in(scratch, target, self.folder / f"{_OLD}{uuid.uuid4().hex[:12]}")
        except OSError as exc:
            raise KitError(f"The kit could not be written ({exc.strerror or exc}).") from None
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        log.info("kit %r saved in %s", spec.name, target)
        return target

    def save_pattern(
        self, name: str, pattern: Pattern, store: SampleStore, *, replace: bool = False
    ) -> Path:
        """Save the sounds of ``pattern``'s tracks as a kit: own samples are copied out of
        ``store``; built-in sounds are referenced by name."""
        suffixes: dict[str, str] = {}
        paths: dict[str, Path] = {}
        for track in pattern.tracks:
            sha = track.sample_sha256
            if sha is None or sha in paths:
                continue
            cached = store.lookup(sha)
            if cached is None:
                raise KitError(
                    f"The sample of track {track.name} ({track.sound_label}) is not on this"
                    " computer, so it cannot be copied into a kit."
                )
            paths[sha], suffixes[sha] = cached, cached.suffix
        try:
            draft = kit_from_pattern(name, pattern, suffixes)
        except KitFormatError as exc:
            raise KitError(str(exc)) from None
        sources = {file: paths[sha] for file, sha in draft.files.items()}
        return self.save(draft.spec, sources, replace=replace)


def _swap_in(new: Path, target: Path, aside: Path) -> None:
    """Move ``new`` to ``target``; a kit already there is replaced, or put back if the
    move fails, so a replaced kit is never lost half-way."""
    if not target.exists():
        os.replace(new, target)
        return
    os.replace(target, aside)
    try:
        os.replace(new, target)
    except OSError:
        os.replace(aside, target)
        raise
    shutil.rmtree(aside, ignore_errors=True)


def _folder_name(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_ " else "_" for c in name).strip(" ._")
    return cleaned[:60] or "kit"


def _free(path: Path) -> Path:
    candidate, n = path, 2
    while candidate.exists():
        candidate, n = path.with_name(f"{path.name} {n}"), n + 1
    return candidate
