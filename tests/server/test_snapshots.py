"""A snapshot that says it is ours must be one: a "sequencer.pattern" that is not a pattern
(or a "sequencer.audio" that is not a dropped file's snapshot) is refused 422 with the field
named, and stores nothing; every version the client writes, newer ones and unknown keys are
stored exactly as sent, and so is another client's snapshot (the seed's open map)."""

from __future__ import annotations

import pytest

from desktop_app.domain.pattern import demo_pattern
from tests.conftest import TOKEN
from tests.server.helpers import pattern
from tests.server.limit_checks import detail, stored_messages


def _track(**fields: object) -> dict:
    return {"name": "Kick", "sample": "kick", "steps": [100] + [0] * 15, **fields}


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
    backend, c = served
    thread = c.create_thread()
    r = c.create_message(thread["id"], snapshot=snapshot)
    assert r.status_code == 422, r.text
    for field in fields:
        assert f"{field}: " in detail(r)
    assert stored_messages(backend, thread["id"]) == []


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
