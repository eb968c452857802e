"""Importing a Hydrogen drumkit as a saved kit.

The source is a ``.h2drumkit`` archive (a tar, gzip-compressed, holding the kit's folder)
or a kit folder (or its ``drumkit.xml``). Archives come from the internet, so extraction
refuses what a kit never holds — absolute names, ``..``, links, devices, huge members,
too many of them — before anything is written, and then extracts with tarfile's ``data``
filter as a second guard. Everything is checked (every first-layer file present, inside
the kit's folder, and decodable) before the kit is stored; a kit that fails any check
leaves the kits folder as it was, with a message naming what is wrong.

What becomes of an instrument (``domain/hydrogen_kit.py`` reads the XML): its name, its
full-velocity layer's sample, its loudness (volume × gains, at most full scale: a kit's level is
not lowered as a whole for one instrument boosted in Hydrogen), its pan, its pitch, and
its mute group as a choke group. Instruments without a sample, or whose sample is digital
silence (the "emptySample" placeholders of 32-pad kits), are left out and counted.
"""

from __future__ import annotations

import logging
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from desktop_app.domain.hydrogen_kit import (
    DRUMKIT_XML,
    MAX_XML_BYTES,
    HydrogenInstrument,
    HydrogenKitError,
    parse_drumkit_xml,
)
from desktop_app.domain.kit_format import (
    MAX_NAME_CHARS,
    MAX_SOUNDS,
    KitSound,
    KitSpec,
    safe_file_name,
)
from desktop_app.domain.track import CHOKE_RANGE, PITCH_RANGE
from desktop_app.services.kit_library import KitError, KitLibrary, inspect_sample, read_kit_file

log = logging.getLogger(__name__)

ARCHIVE_SUFFIX = ".h2drumkit"
MAX_MEMBERS = 5000
MAX_MEMBER_BYTES = 64 * 1024 * 1024
MAX_ARCHIVE_BYTES = 1024 * 1024 * 1024
_LISTED = 8  # missing files named in a message before "and N more"


@dataclass(frozen=True)
class HydrogenImport:
    """A stored kit: its folder, what it holds, and what the musician should be told."""

    folder: Path
    spec: KitSpec
    notes: tuple[str, ...]

    def describe(self) -> str:
        count = len(self.spec.sounds)
        said = f"Imported the Hydrogen kit {self.spec.name}: {count} sound{'s' * (count != 1)}."
        return " ".join([said, *self.notes])


def import_hydrogen(source: Path, library: KitLibrary) -> HydrogenImport:
    """Import the kit at ``source`` into ``library`` under a name no kit has yet."""
    source = Path(source)
    if source.is_dir():
        return _import_folder(source, library)
    if source.name == DRUMKIT_XML:
        return _import_folder(source.parent, library)
    if not source.is_file():
        raise KitError(f"{source.name}: no such file or folder.")
    with tempfile.TemporaryDirectory(prefix="h2drumkit-") as scratch:
        extract_archive(source, Path(scratch))
        return _import_folder(_kit_folder(Path(scratch), source.name), library)


def extract_archive(archive: Path, dest: Path) -> None:
    """Extract a ``.h2drumkit`` into ``dest``, refusing anything a drumkit never holds."""
    name = archive.name
    try:
        with tarfile.open(archive, mode="r:*") as tar:
            members = _checked_members(tar, name)
            tar.extractall(dest, members=members, filter="data")
    except tarfile.ReadError:
        raise KitError(
            f"{name} is not a Hydrogen drumkit archive (a .h2drumkit is a tar.gz file)."
        ) from None
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise KitError(f"{name} could not be unpacked ({exc}).") from None


def _checked_members(tar: tarfile.TarFile, name: str) -> list[tarfile.TarInfo]:
    members: list[tarfile.TarInfo] = []
    total = 0
    for member in tar:  # one at a time: a compression bomb is stopped at the cap
        where = f"{name} holds {member.name!r}"
        path = PurePosixPath(member.name)
        if not path.parts and member.isdir():
            continue  # "." at the top of an archive made with "tar -C kit ."
        if not path.parts or member.name.startswith(("/", "\\")) or ":" in path.parts[0]:
            raise KitError(f"{where}, an absolute path; refused.")
        if ".." in path.parts or "\\" in member.name:
            raise KitError(f"{where}, a path out of the kit's folder; refused.")
        if member.issym() or member.islnk():
            raise KitError(f"{where}, a link; drumkits hold only files, so it is refused.")
        if not (member.isfile() or member.isdir()):
            raise KitError(f"{where}, which is not a file; refused.")
        if member.size > MAX_MEMBER_BYTES:
            raise KitError(
                f"{where} of {member.size // 1024 // 1024} MB; a drumkit file is at most"
                f" {MAX_MEMBER_BYTES // 1024 // 1024} MB."
            )
        total += member.size
        members.append(member)
        if total > MAX_ARCHIVE_BYTES or len(members) > MAX_MEMBERS:
            raise KitError(
                f"{name} unpacks to more than {MAX_ARCHIVE_BYTES // 1024 // 1024} MB or"
                f" {MAX_MEMBERS} files; refused."
            )
    return members


def _kit_folder(root: Path, name: str) -> Path:
    """The folder holding ``drumkit.xml``: the archive's top, or its one kit folder."""
    if (root / DRUMKIT_XML).is_file():
        return root
    found = [p.parent for p in root.glob(f"*/{DRUMKIT_XML}") if p.is_file()]
    if len(found) != 1:
        raise KitError(
            f"{name} holds {'no' if not found else len(found)} {DRUMKIT_XML}"
            f"{'' if not found else ' files'}; a Hydrogen drumkit holds one."
        )
    return found[0]


def _import_folder(folder: Path, library: KitLibrary) -> HydrogenImport:
    raw = read_kit_file(folder, DRUMKIT_XML, MAX_XML_BYTES)
    try:
        kit = parse_drumkit_xml(raw, fallback_name=folder.name)
    except HydrogenKitError as exc:
        raise KitError(f"{folder.name}: {exc}") from None
    root = folder.resolve()
    files: dict[str, Path] = {}
    missing: list[str] = []
    for instrument in kit.instruments:
        if instrument.file is None or instrument.file in files or instrument.file in missing:
            continue
        path = (folder / instrument.file).resolve()
        if not path.is_relative_to(root):
            raise KitError(
                f"{kit.name}: instrument {instrument.name} names {instrument.file}, which is"
                " outside the kit's folder; refused."
            )
        if not path.is_file():
            missing.append(instrument.file)
            continue
        files[instrument.file] = path
    if missing:
        listed = ", ".join(missing[:_LISTED])
        more = f" and {len(missing) - _LISTED} more" if len(missing) > _LISTED else ""
        raise KitError(
            f"The Hydrogen kit {kit.name} is missing {len(missing)} sample"
            f"{'s' * (len(missing) != 1)}: {listed}{more}. Nothing was imported."
        )
    silent = {name for name, path in files.items() if inspect_sample(path).silent}
    playable = [i for i in kit.instruments if i.file is not None and i.file not in silent]
    notes: list[str] = []
    left_out = len(kit.instruments) - len(playable)
    if left_out:
        notes.append(f"{left_out} empty instrument{'s' * (left_out != 1)} left out.")
    if not playable:
        raise KitError(f"The Hydrogen kit {kit.name} has no instrument with a sound.")
    if len(playable) > MAX_SOUNDS:
        notes.append(f"Only its first {MAX_SOUNDS} of {len(playable)} instruments were kept.")
        playable = playable[:MAX_SOUNDS]
    sounds, sources = _sounds(playable, files, notes)
    spec = KitSpec(library.unique_name(kit.name), tuple(sounds))
    stored = library.save(spec, sources)
    log.info("imported Hydrogen kit %r from %s", kit.name, folder)
    return HydrogenImport(stored, spec, tuple(notes))


def _sounds(
    instruments: list[HydrogenInstrument], files: dict[str, Path], notes: list[str]
) -> tuple[list[KitSound], dict[str, Path]]:
    loud = sum(1 for i in instruments if i.volume > 1.0)
    if loud:
        notes.append(
            f"{loud} instrument{'s' * (loud != 1)} set louder than full scale in Hydrogen"
            " play at full volume."
        )
    groups: dict[int, int] = {}
    names: dict[str, str] = {}  # Hydrogen's file name → the kit's
    sources: dict[str, Path] = {}
    sounds: list[KitSound] = []
    for instrument in instruments:
        assert instrument.file is not None
        file = names.get(instrument.file)
        if file is None:
            path = files[instrument.file]
            file = safe_file_name(instrument.file, names.values(), path.suffix)
            names[instrument.file] = file
            sources[file] = path
        choke = 0
        if instrument.mute_group >= 0:
            if instrument.mute_group not in groups and len(groups) < CHOKE_RANGE[1]:
                groups[instrument.mute_group] = len(groups) + 1
            choke = groups.get(instrument.mute_group, 0)
        sounds.append(
            KitSound(
                name=_clean_name(instrument.name),
                file=file,
                volume=round(min(1.0, max(0.0, instrument.volume)), 6),
                pan=round(min(1.0, max(-1.0, instrument.pan)), 6),
                pitch=round(min(PITCH_RANGE[1], max(PITCH_RANGE[0], instrument.pitch)), 3),
                choke=choke,
            )
        )
    return sounds, sources


def _clean_name(name: str) -> str:
    """Hydrogen allows any text; a kit's sound name is one line of at most 80 chars."""
    text = " ".join("".join(c if c.isprintable() else " " for c in name).split())
    return text[:MAX_NAME_CHARS].strip() or "Sound"
