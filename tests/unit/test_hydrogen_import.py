"""Importing Hydrogen drumkits (issue 15: "a Hydrogen kit from the Debian package imports").

Real kits from Debian's ``hydrogen-drumkits`` (installed by ``scripts/bootstrap.sh test``)
in both of Hydrogen's layouts, as a folder and as a ``.h2drumkit`` archive; and small
generated kits for each way a kit can be bad, each of which must leave the kits folder
exactly as it was.
"""

from __future__ import annotations

import io
import shutil
import tarfile
from pathlib import Path

import numpy as np
import pytest
import soundfile

from desktop_app.audio.audio_files import read_audio
from desktop_app.domain.hydrogen_kit import HydrogenKitError, parse_drumkit_xml, ratio_pan
from desktop_app.domain.kit_apply import apply_kit
from desktop_app.domain.pattern import demo_pattern
from desktop_app.services.api import ApiClient
from desktop_app.services.hydrogen_import import MAX_MEMBER_BYTES, import_hydrogen
from desktop_app.services.kit_library import KitError, KitLibrary
from desktop_app.services.samples import SampleCache

DEBIAN_KITS = Path("/usr/share/hydrogen/data/drumkits")
SR = 44100


def debian_kit(name: str) -> Path:
    folder = DEBIAN_KITS / name
    if not folder.is_dir():
        if shutil.which("dpkg-query") is None:
            pytest.skip("not a Debian system: Debian's hydrogen-drumkits is not available")
        pytest.fail(
            f"{folder} is missing: install Debian's hydrogen-drumkits"
            " (scripts/bootstrap.sh test does; or apt-get install hydrogen-drumkits)"
        )
    return folder


@pytest.fixture
def library(tmp_path: Path) -> KitLibrary:
    return KitLibrary(tmp_path / "kits")


@pytest.fixture
def cache(tmp_path: Path) -> SampleCache:
    return SampleCache(tmp_path / "samples", ApiClient("http://127.0.0.1:9", "unused"))


def stored(library: KitLibrary) -> list[str]:
    folder = library.folder
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def use(library: KitLibrary, folder: Path, cache: SampleCache):
    spec = library.read(folder)
    return spec, apply_kit(demo_pattern(), spec, library.samples_for(folder, spec, cache))


def test_an_old_layout_debian_kit_imports_from_its_folder(
    library: KitLibrary, cache: SampleCache
) -> None:
    """Millo-Drums v.1 (Hydrogen 0.9.3): <filename> on the instrument, pan_L/pan_R, and
    16 of its 32 pads are the silent "emptySample.flac"."""
    result = import_hydrogen(debian_kit("Millo-Drums_v.1"), library)
    spec = result.spec
    assert spec.name == "Millo-Drums_v.1"
    assert "16 empty instruments left out" in result.describe()
    assert [s.name for s in spec.sounds[:4]] == ["Kick", "Stick", "Snare Jazz", "Hand Clap"]
    # <volume>1</volume> <pan_L>1</pan_L> <pan_R>0.88</pan_R>: a little to the left
    kick, stick, snare = spec.sounds[:3]
    assert (kick.file, kick.volume, kick.pan) == ("bd1.flac", 1.0, pytest.approx(-0.12))
    assert (stick.volume, stick.pan) == (0.69, 0.0)
    assert (snare.volume, snare.pan) == (0.79, pytest.approx(-0.22))
    assert "emptySample.flac" not in spec.files

    _, applied = use(library, result.folder, cache)
    assert len(applied.pattern.tracks) == len(spec.sounds) == 16
    for track in applied.pattern.tracks:
        assert track.sample_sha256 is not None
        path = cache.lookup(track.sample_sha256)
        assert path is not None
        frames, rate = read_audio(path)
        assert rate > 0 and len(frames) > 0 and np.any(frames)


def test_a_new_layout_debian_kit_imports_from_a_h2drumkit_archive(
    tmp_path: Path, library: KitLibrary, cache: SampleCache
) -> None:
    """GMRockKit (Hydrogen 0.9.7+): <instrumentComponent><layer>, a single <pan>; packed
    the way Hydrogen exports a kit (a tar.gz holding the kit's folder)."""
    archive = tmp_path / "GMRockKit.h2drumkit"
    with tarfile.open(archive, "w:gz", compresslevel=1) as tar:
        tar.add(debian_kit("GMRockKit"), arcname="GMRockKit")
    result = import_hydrogen(archive, library)
    spec = result.spec
    assert spec.name == "GMRockKit" and len(spec.sounds) == 18
    kick, stick = spec.sounds[:2]
    # the hardest of Kick's five velocity layers: the one Hydrogen plays at full velocity
    assert (kick.name, kick.file, kick.volume, kick.pan) == ("Kick", "Kick-Hardest.wav", 1.0, 0.0)
    assert (stick.name, stick.volume, stick.pan) == ("Stick", 0.99569, -0.3)
    assert stored(library) == ["GMRockKit"]
    _, applied = use(library, result.folder, cache)
    sounds = {sound.name: sound for sound in spec.sounds}
    tracks = applied.pattern.tracks
    assert [t.name for t in tracks[:8]] == [
        "Kick", "Snare", "Hand Clap", "Hat Closed", "Hat Open", "Floor Tom", "Tom 2", "Stick"
    ]  # fmt: skip
    assert sorted(t.name for t in tracks) == sorted(sounds)
    for track in tracks:
        sound = sounds[track.name]
        assert (track.volume, track.pan) == (sound.volume, sound.pan)
        path = cache.lookup(track.sample_sha256 or "")
        assert path is not None and len(read_audio(path)[0]) > 0


def test_the_tr808_kit_plays_its_kick_snare_and_hats_on_those_rows(
    library: KitLibrary, cache: SampleCache
) -> None:
    """The QA report: by position the demo's closed-hat row played the 808's "Snare 2".
    Each row of a kind now plays the kit's sound of that kind, and the rows past those the
    sounds left, in the kit's order."""
    result = import_hydrogen(debian_kit("TR808EmulationKit"), library)
    pattern = demo_pattern()
    applied = apply_kit(
        pattern, result.spec, library.samples_for(result.folder, result.spec, cache)
    )
    files = {sound.name: sound.file for sound in result.spec.sounds}
    rows = {t.sample: t for t in applied.pattern.tracks[:8]}
    for row, sound in [
        ("kick", "Kick Long"), ("snare", "Snare 1"), ("clap", "Clap"),
        ("closed_hat", "Closed Hat"), ("open_hat", "Open Hat"), ("low_tom", "Tom Low"),
        ("high_tom", "Tom Hi"),
    ]:  # fmt: skip
        track = rows[row]
        assert (track.name, track.sample_name) == (sound, files[sound])
        path = cache.lookup(track.sample_sha256 or "")
        assert path is not None
        assert path.read_bytes() == (result.folder / str(files[sound])).read_bytes()
    assert rows["rim"].name == "Kick Short"  # no rim in an 808 kit: the first sound left
    added = [t.name for t in applied.pattern.tracks[8:]]
    assert added == [
        "Snare 2", "Tom Mid", "Pedal Hat", "Cymbal", "Shaker", "Conga", "Clave", "Cowbell"
    ]  # fmt: skip
    steps = [t.steps for t in pattern.tracks]
    assert [t.steps for t in applied.pattern.tracks[:8]] == steps
    assert (applied.changed, applied.added, applied.kept) == (8, 8, 0)


def test_mute_groups_become_choke_groups(library: KitLibrary) -> None:
    """VariBreaks puts its first hat's closed, pedal and open sounds in Hydrogen's mute
    group 0 (the others in none): one choke group here."""
    spec = import_hydrogen(debian_kit("VariBreaks"), library).spec
    grouped = [s.name for s in spec.sounds if s.choke == 1]
    assert grouped == ["VariBreaks Hat 1 Cl", "VariBreaks Hat 1 Pd", "VariBreaks Hat 1 Op"]
    assert {s.choke for s in spec.sounds if s.name not in grouped} == {0}


def test_a_debian_kit_with_missing_samples_is_refused_naming_them(library: KitLibrary) -> None:
    """Debian's Millo_MultiLayered2 lacks some of its samples (a real broken kit)."""
    with pytest.raises(KitError) as refused:
        import_hydrogen(debian_kit("Millo_MultiLayered2"), library)
    said = str(refused.value)
    assert "misc_Cowbell.flac" in said and "emptySample.flac" in said
    assert said.count("emptySample.flac") == 1 and "Nothing was imported" in said
    assert stored(library) == []


def test_pan_pairs_convert_as_hydrogen_converts_them() -> None:
    assert ratio_pan(1.0, 1.0) == 0.0
    assert ratio_pan(1.0, 0.0) == -1.0 and ratio_pan(0.0, 1.0) == 1.0
    assert ratio_pan(1.0, 0.5) == -0.5 and ratio_pan(0.25, 1.0) == 0.75
    assert ratio_pan(0.0, 0.0) == 0.0 and ratio_pan(-1.0, 1.0) == 0.0


# ---- small generated kits, one per way of being bad ----------------------------------------


def instrument(name: str, file: str, extra: str = "") -> str:
    return (
        f"<instrument><id>0</id><name>{name}</name><volume>0.5</volume><gain>1.5</gain>"
        f"<pan>0.25</pan><muteGroup>3</muteGroup>{extra}<instrumentComponent><gain>0.8</gain>"
        f"<layer><filename>{file}</filename><gain>0.5</gain><pitch>2</pitch></layer>"
        "</instrumentComponent></instrument>"
    )


def drumkit_xml(*instruments: str, name: str = "Tiny") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<drumkit_info xmlns="http://www.hydrogen-music.org/drumkit">'
        f"<name>{name}</name><instrumentList>{''.join(instruments)}</instrumentList>"
        "</drumkit_info>"
    )


def make_kit(folder: Path, xml: str, files: tuple[str, ...] = ("kick.wav",)) -> Path:
    folder.mkdir(parents=True)
    for f in files:
        t = np.arange(2000) / SR
        soundfile.write(folder / f, (0.5 * np.sin(2 * np.pi * 100 * t)).astype(np.float32), SR)
    (folder / "drumkit.xml").write_text(xml)
    return folder


def test_a_small_kit_maps_gain_pan_pitch_and_group(tmp_path: Path, library: KitLibrary) -> None:
    kit = make_kit(tmp_path / "Tiny", drumkit_xml(instrument("Boom", "kick.wav")))
    (sound,) = import_hydrogen(kit / "drumkit.xml", library).spec.sounds
    # volume 0.5 × gain 1.5 × component 0.8 × layer 0.5
    assert sound.volume == pytest.approx(0.3)
    assert (sound.pan, sound.pitch, sound.choke) == (0.25, 2.0, 1)


def test_a_kit_with_velocity_layers_plays_the_one_for_a_full_velocity_hit(
    tmp_path: Path, library: KitLibrary
) -> None:
    """The first layer is the softest: imported from it, every hit was a ghost note. The
    layers here are out of order, and the hardest one's gain and pitch come with it."""
    layers = (
        "<layer><filename>mid.wav</filename><min>0.3</min><max>0.7</max></layer>"
        "<layer><filename>soft.wav</filename><min>0</min><max>0.3</max></layer>"
        "<layer><filename>hard.wav</filename><min>0.7</min><max>1</max>"
        "<gain>0.5</gain><pitch>-1</pitch></layer>"
    )
    xml = drumkit_xml(
        "<instrument><id>0</id><name>Kick</name><instrumentComponent>"
        f"{layers}</instrumentComponent></instrument>",
        f"<instrument><id>1</id><name>Snare</name>{layers}</instrument>",  # 0.9.4 layout
    )
    kit = make_kit(tmp_path / "Layers", xml, ("soft.wav", "mid.wav", "hard.wav"))
    kick, snare = import_hydrogen(kit / "drumkit.xml", library).spec.sounds
    for sound in (kick, snare):
        assert (sound.file, sound.volume, sound.pitch) == ("hard.wav", 0.5, -1.0)


def test_the_imported_name_does_not_replace_a_saved_kit(
    tmp_path: Path, library: KitLibrary
) -> None:
    kit = make_kit(tmp_path / "Tiny", drumkit_xml(instrument("Boom", "kick.wav")))
    import_hydrogen(kit, library)
    assert import_hydrogen(kit, library).spec.name == "Tiny 2"
    assert [e.name for e in library.entries()] == ["Tiny", "Tiny 2"]


BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<drumkit_info><name>&lol3;</name><instrumentList/></drumkit_info>"""


@pytest.mark.parametrize(
    ("xml", "words"),
    [
        (drumkit_xml(instrument("Boom", "kick.wav"))[:-20], "not well-formed XML"),
        (BOMB, "declares a DTD"),
        (
            '<?xml version="1.0"?><!DOCTYPE x SYSTEM "file:///etc/passwd"><drumkit_info/>',
            "declares a DTD",
        ),
        ("<song><name>x</name></song>", "root element is <song>"),
        (drumkit_xml(), "has no instruments"),
        (drumkit_xml(instrument("Boom", "kick.wav", "<pan_L>abc</pan_L>")), None),
        (
            drumkit_xml(instrument("Boom", "kick.wav").replace("<pan>0.25", "<pan>left")),
            "<pan> is 'left', not a number",
        ),
        (drumkit_xml(instrument("Boom", "../outside.wav")), "outside the kit's folder"),
        (drumkit_xml(instrument("Boom", "/etc/hostname")), "outside the kit's folder"),
        (drumkit_xml(instrument("Boom", "gone.wav")), "missing 1 sample: gone.wav"),
        (drumkit_xml(instrument("Boom", "notes.wav")), "notes.wav: not a WAV"),
    ],
)
def test_a_bad_kit_is_refused_and_nothing_is_stored(
    tmp_path: Path, library: KitLibrary, xml: str, words: str | None
) -> None:
    kit = make_kit(tmp_path / "Bad", xml)
    (kit / "notes.wav").write_text("these are not samples")
    (tmp_path / "outside.wav").write_bytes((kit / "kick.wav").read_bytes())
    if words is None:  # <pan> wins over a bad old pair: still a good kit
        import_hydrogen(kit, library)
        return
    with pytest.raises(KitError, match=words.replace("(", r"\(")):
        import_hydrogen(kit, library)
    assert stored(library) == []


def test_the_dtd_bomb_is_refused_by_the_parser_itself() -> None:
    with pytest.raises(HydrogenKitError, match="DTD"):
        parse_drumkit_xml(BOMB.encode())


def test_escaped_markup_in_the_info_text_is_not_a_dtd() -> None:
    """TR808EmulationKit's <info> holds "&lt;!DOCTYPE HTML…": text, not a declaration."""
    xml = drumkit_xml(instrument("Boom", "kick.wav")).replace(
        "<name>Tiny</name>", "<name>Tiny</name><info>&lt;!DOCTYPE HTML&gt;</info>"
    )
    assert parse_drumkit_xml(xml.encode()).name == "Tiny"


def archive_with(tmp_path: Path, *members: tuple[tarfile.TarInfo, bytes | None]) -> Path:
    path = tmp_path / "evil.h2drumkit"
    with tarfile.open(path, "w:gz") as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def file_member(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def link_member(name: str, target: str, kind: bytes) -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info, None


@pytest.mark.parametrize(
    ("member", "words"),
    [
        (file_member("../../escape.txt", b"x"), "a path out of the kit's folder"),
        (file_member("Kit/../../escape.txt", b"x"), "a path out of the kit's folder"),
        (file_member("/tmp/absolute.txt", b"x"), "an absolute path"),
        (link_member("Kit/kick.wav", "/etc/passwd", tarfile.SYMTYPE), "a link"),
        (link_member("Kit/kick.wav", "Kit/drumkit.xml", tarfile.LNKTYPE), "a link"),
        (link_member("Kit/dev", "", tarfile.CHRTYPE), "not a file"),
    ],
)
def test_an_archive_with_a_dangerous_member_is_refused(
    tmp_path: Path,
    library: KitLibrary,
    member: tuple[tarfile.TarInfo, bytes | None],
    words: str,
) -> None:
    xml = drumkit_xml(instrument("Boom", "kick.wav")).encode()
    archive = archive_with(tmp_path, file_member("Kit/drumkit.xml", xml), member)
    with pytest.raises(KitError, match=words):
        import_hydrogen(archive, library)
    assert stored(library) == [] and not (tmp_path / "escape.txt").exists()


def test_a_huge_member_is_refused_before_it_is_unpacked(
    tmp_path: Path, library: KitLibrary
) -> None:
    info = tarfile.TarInfo("Kit/huge.wav")
    info.size = MAX_MEMBER_BYTES + 1
    path = tmp_path / "huge.h2drumkit"
    with tarfile.open(path, "w:gz") as tar:  # a sparse header: its zeros compress to nothing
        tar.addfile(info, io.BytesIO(bytes(info.size)))
    with pytest.raises(KitError, match=r"huge\.wav' of 64 MB; a drumkit file is at most"):
        import_hydrogen(path, library)
    assert stored(library) == []


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"PK\x03\x04 a zip file, not a tar", "not a Hydrogen drumkit archive"),
        (b"", "not a Hydrogen drumkit archive"),
    ],
)
def test_a_file_that_is_not_a_tar_is_refused(
    tmp_path: Path, library: KitLibrary, content: bytes, words: str
) -> None:
    path = tmp_path / "kit.h2drumkit"
    path.write_bytes(content)
    with pytest.raises(KitError, match=words):
        import_hydrogen(path, library)
    assert stored(library) == []


def test_an_archive_without_a_drumkit_xml_is_refused(tmp_path: Path, library: KitLibrary) -> None:
    archive = archive_with(tmp_path, file_member("Kit/readme.txt", b"hello"))
    with pytest.raises(KitError, match=r"holds no drumkit\.xml"):
        import_hydrogen(archive, library)
    assert stored(library) == []


def test_an_imported_kit_plays_its_samples_in_a_render(
    library: KitLibrary, cache: SampleCache
) -> None:
    """The Debian TR-808 kit applied to a pattern: its "Kick Long" is what the kick
    track plays in a bounce (not the built-in kick it replaced)."""
    from desktop_app.audio.bounce import OfflineRender, bounce
    from desktop_app.audio.kit import load_default_kit
    from desktop_app.audio.sample_bank import SampleBank, decode_sample

    result = import_hydrogen(debian_kit("TR808EmulationKit"), library)
    pattern = demo_pattern()
    for track in pattern.tracks:
        track.steps = [0] * pattern.length
    pattern.tracks[0].steps[0] = 127
    own = library.samples_for(result.folder, result.spec, cache)
    played = apply_kit(pattern, result.spec, own).pattern
    audio = bounce(OfflineRender(played, load_default_kit(), 1, SR, bank=SampleBank(cache, SR)))
    kick = decode_sample(result.folder / "808_Kick_Long.flac", SR)
    kick = kick if kick.ndim == 1 else kick.mean(axis=1)
    n = min(len(kick), len(audio))
    left = audio[:n, 0]
    correlation = np.dot(left, kick[:n]) / (np.linalg.norm(left) * np.linalg.norm(kick[:n]))
    assert correlation > 0.99
