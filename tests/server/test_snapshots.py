"""A snapshot that says it is ours must be one: a "sequencer.pattern" that is not a pattern
(or a "sequencer.audio" that is not a dropped file's snapshot) is refused 422 with the field
named, and stores nothing; every version the client writes, newer ones and unknown keys are
stored exactly as sent, and so is another client's snapshot (the seed's open map)."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter

from desktop_app.domain import pattern as client_pattern
from desktop_app.domain.draft import draft_with_audio
from desktop_app.domain.pattern import STEPS_PER_BEAT_CHOICES, Pattern, demo_pattern
from desktop_app.domain.sendable import sendable_snapshot
from desktop_app.domain.snapshot_checks import SnapshotError
from desktop_app.services.api import ApiClient
from sequencer_server import pattern_snapshot
from tests.conftest import TOKEN
from tests.server.helpers import pattern
from tests.server.limit_checks import detail, stored_messages


def _track(**fields: object) -> dict:
    return {"name": "Kick", "sample": "kick", "steps": [100] + [0] * 15, **fields}


def _refused_naming(served, snapshot, fields: list[str]) -> None:
    """A message with ``snapshot`` is refused 422 with a detail naming each of
    ``fields``, and nothing is stored."""
    backend, c = served
    thread = c.create_thread()
    r = c.create_message(thread["id"], snapshot=snapshot)
    assert r.status_code == 422, r.text
    for field in fields:
        assert f"{field}: " in detail(r)
    assert stored_messages(backend, thread["id"]) == []


@pytest.mark.parametrize(
    ("snapshot", "fields"),
    [
        (pattern(bpm=-5, length=100000, tracks=[]), ["snapshot.bpm", "snapshot.length"]),
        (pattern(bpm="fast", tracks="no"), ["snapshot.bpm", "snapshot.tracks"]),
        ({"format": "sequencer.pattern"}, ["snapshot.version", "snapshot.bpm"]),
        (pattern(bpm="120"), ["snapshot.bpm"]),
        (pattern(version="new"), ["snapshot.version"]),
        (pattern(kit=None), ["snapshot.kit"]),
        (pattern(tracks=[_track(steps=[100, 200])]), ["snapshot.tracks.0.steps.1"]),
        (pattern(tracks=[_track(mute="yes")]), ["snapshot.tracks.0.mute"]),
        (pattern(tracks=[{"name": "Kick"}]), ["snapshot.tracks.0.sample"]),
        (pattern(tracks=[_track(pitch=99)]), ["snapshot.tracks.0.pitch"]),
        ({"format": "sequencer.audio", "filename": 7}, ["snapshot.version", "snapshot.filename"]),
    ],
)
def test_a_snapshot_that_is_not_a_pattern_is_422_naming_the_field(served, snapshot, fields):
    _refused_naming(served, snapshot, fields)


@pytest.mark.parametrize(
    ("snapshot", "fields"),
    [
        (pattern(tracks=[_track(steps=[100] * 15)]), ["snapshot.tracks.0.steps"]),
        (pattern(length=8, tracks=[_track(steps=[0] * 8), _track()]), ["snapshot.tracks.1.steps"]),
        (pattern(version="0.1.0", length=64, tracks=[_track()]), ["snapshot.tracks.0.steps"]),
        (pattern(kit="  "), ["snapshot.kit"]),
        (pattern(tracks=[_track(name=" \u3000")]), ["snapshot.tracks.0.name"]),
        (pattern(tracks=[_track(sample="\t")]), ["snapshot.tracks.0.sample"]),
        (pattern(tracks=[_track(sample_name="\x1c ")]), ["snapshot.tracks.0.sample_name"]),
        (pattern(tracks=[_track()] * 257), ["snapshot.tracks"]),
    ],
)
def test_what_the_apps_loader_refuses_is_refused_422_naming_the_field(served, snapshot, fields):
    """Steps that do not fill the length, blank names, more tracks than the app opens: a
    message with such a pattern is one no copy of the app could open."""
    _refused_naming(served, snapshot, fields)
    with pytest.raises(SnapshotError):
        Pattern.from_snapshot(snapshot)


BAD_NAMES = [
        (pattern(tracks=[_track(name="Kick\u202e3pm.mp3")]), "snapshot.tracks.0.name", "202E"),
        (pattern(tracks=[_track(), _track(sample="k\x1b[2J")]), "snapshot.tracks.1.sample", "001B"),
        (pattern(tracks=[_track(sample_name="my\nkick")]), "snapshot.tracks.0.sample_name", "000A"),
        (pattern(kit="808\u2067"), "snapshot.kit", "2067"),
        ({"format": "sequencer.audio", "version": "0.0.1", "filename": "a\x00.wav"},
         "snapshot.filename", "0000"),
        (pattern(tracks=[_track(name="\u200b\u2060")]), "snapshot.tracks.0.name", None),
    ]  # fmt: skip


@pytest.mark.parametrize(("snapshot", "field", "char"), BAD_NAMES)
def test_names_in_a_snapshot_are_held_to_a_thread_names_characters(served, snapshot, field, char):
    """Track names, sounds, the kit and a dropped file's name are shown in other people's
    windows: control characters, line breaks and bidi overrides are refused as in a
    thread's name, and so is a name of invisible characters only."""
    _refused_naming(served, snapshot, [field])
    _backend, c = served
    thread = c.create_thread()
    said = detail(c.create_message(thread["id"], snapshot=snapshot))
    assert f"U+{char}" in said if char else "blank" in said


@pytest.mark.parametrize(("snapshot", "field", "char"), BAD_NAMES)
def test_the_app_sends_such_names_mended_and_the_message_arrives(served, snapshot, field, char):
    """The names come from outside (a file's name, a Hydrogen kit, a paste): the app sends
    them mended rather than lose the musician's message to a 422."""
    _backend, c = served
    thread = c.create_thread()
    sent = sendable_snapshot(snapshot)
    r = c.create_message(thread["id"], snapshot=sent)
    assert r.status_code == 201, r.text
    assert sendable_snapshot(sent) is sent  # nothing left to mend


def test_every_version_the_client_writes_and_unknown_keys_are_stored_as_sent(served):
    _backend, c = served
    thread = c.create_thread()
    plain = demo_pattern()
    tuned = demo_pattern()
    tuned.tracks[0].pitch = -3.5
    tuned.tracks[1].choke = 2
    snapshots = [
        plain.to_snapshot(),
        tuned.to_snapshot(),
        pattern(version="0.7.0", tempo_map=[{"at": 0, "bpm": 90}], tracks=[_track(lfo=1)]),
        # what the desktop app sends with a dropped audio file
        {"format": "sequencer.audio", "version": "0.0.1", "filename": "take.wav"},
        # another client's snapshot: the seed types it as an open map
        {"version": "2", "bpm": -5, "grid": [[1, 0], [0, 1]]},
        pattern(format="something.else", bpm="fast"),
    ]
    assert [s["version"] for s in snapshots] == ["0.0.1", "0.1.0", "0.7.0", "0.0.1", "2", "0.0.1"]
    for snapshot in snapshots:
        r = c.create_message(thread["id"], snapshot=snapshot)
        assert r.status_code == 201, r.text
        got = c.http.get(f"{c.url}/api/v1/messages/{r.json()['id']}", params={"token": TOKEN})
        assert got.json()["snapshot"] == snapshot
    # a text-only message still needs no snapshot
    assert c.create_message(thread["id"], snapshot=None, text="words").status_code == 201


def test_steps_that_do_not_fill_the_length_are_refused_with_both_numbers(served):
    _backend, c = served
    thread = c.create_thread()
    r = c.create_message(thread["id"], snapshot=pattern(length=16, tracks=[_track(steps=[1])]))
    assert r.status_code == 422, r.text
    assert detail(r) == (
        'snapshot.tracks.0.steps: has 1 steps, but the pattern is 16 steps long (its "length"):'
        " every track has one velocity per step"
    )
    # the app's own loader refuses the same snapshot
    with pytest.raises(SnapshotError, match="has 1 steps"):
        Pattern.from_snapshot(pattern(length=16, tracks=[_track(steps=[1])]))


def test_a_newer_version_may_give_its_tracks_other_lengths(served):
    """A version the app does not read yet is its readers' to judge (say, a polymeter):
    stored as sent, and today's app refuses it as newer, not as broken."""
    _backend, c = served
    thread = c.create_thread()
    newer = pattern(version="0.2.0", length=16, tracks=[_track(steps=[100, 0, 0])])
    r = c.create_message(thread["id"], snapshot=newer)
    assert r.status_code == 201, r.text
    with pytest.raises(SnapshotError, match="newer Sequencer"):
        Pattern.from_snapshot(r.json()["snapshot"])


def _patterns_the_app_makes() -> dict[tuple[int, int], Pattern]:
    """Every length at every grid the app offers, by (grid, length), made by the app's own
    edits (a change of grid, then of length), odd lengths using 0.1.0's fields."""
    made = {}
    for grid in STEPS_PER_BEAT_CHOICES:
        edited = demo_pattern()
        edited.regrid(grid)
        for length in range(client_pattern.LENGTH_RANGE[0], client_pattern.LENGTH_RANGE[1] + 1):
            edited.set_length(length)
            edited.set_pitch(0, (length % 2) * 2.5)
            made[grid, length] = edited.copy()
    return made


def test_every_pattern_the_app_makes_passes_the_servers_check():
    """The check the message route runs, on all 384 (grid, length) pairs."""
    check = TypeAdapter(pattern_snapshot.Snapshot)
    made = _patterns_the_app_makes()
    assert len(made) == 6 * 64
    assert {p.format_version for p in made.values()} == {"0.0.1", "0.1.0"}
    for sent in made.values():
        snapshot = sent.to_snapshot()
        assert check.validate_python(snapshot) == snapshot


# The snapshot check does not depend on the backend: one is enough for a long run.
@pytest.mark.parametrize("served", ["sqlite-local"], indirect=True)
def test_the_patterns_the_app_sends_are_taken_and_load_back(served):
    """Over HTTP, through the app's own send call: each length once (the grids in turn),
    and the largest pattern the app opens (64 steps, 256 tracks)."""
    _backend, c = served
    thread = c.create_thread()
    made = _patterns_the_app_makes()
    grids = STEPS_PER_BEAT_CHOICES
    sent = [made[grids[length % len(grids)], length] for length in range(1, 65)]
    full = demo_pattern()
    full.set_length(client_pattern.LENGTH_RANGE[1])
    while len(full.tracks) < client_pattern.MAX_TRACKS:
        full.add_track(full.unique_track_name("Rim"), "rim")
    api = ApiClient(c.url, TOKEN)
    try:
        for pattern_sent in [*sent, full]:
            draft = draft_with_audio(thread["id"], "alice", pattern_sent.to_snapshot(), None)
            posted = api.post_message(draft)  # the body the app's send flow posts
            assert Pattern.from_snapshot(posted.snapshot) == pattern_sent
    finally:
        api.close()


def test_the_server_knows_the_apps_limits():
    newest_read = tuple(int(part) for part in client_pattern.VERSION.split("."))
    limits = (client_pattern.MAX_TRACKS, client_pattern.LENGTH_RANGE[1], newest_read)
    server = pattern_snapshot
    assert limits == (server.MAX_TRACKS, server.MAX_STEPS, server.READ_VERSION)
