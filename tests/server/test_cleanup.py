"""``sequencer-server cleanup`` removes orphaned renders and nothing else."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sequencer_server.cleanup import cleanup, parse_age
from tests.conftest import TOKEN
from tests.server.helpers import Client
from tests.server.test_bad_input import stored_objects


def test_cleanup_removes_unattached_and_left_behind_files(live_backend):
    backend, url = live_backend
    c = Client(url)
    thread = c.create_thread()
    kept_msg, kept = c.message_with_render(thread["id"])
    never_attached = c.upload().json()
    gone_msg, left_behind = c.message_with_render(thread["id"])
    # a delete whose storage call failed leaves the file and its record behind
    backend.store.delete_message(gone_msg["id"])
    assert len(stored_objects(backend)) == 3

    lines: list[str] = []
    young = cleanup(backend.store, backend.storage, older_than=timedelta(hours=1), out=lines.append)
    assert young.removed == 0 and len(stored_objects(backend)) == 3  # grace period

    dry = cleanup(backend.store, backend.storage, older_than=timedelta(0), dry_run=True,
                  out=lines.append)  # fmt: skip
    assert dry.removed == 2 and len(stored_objects(backend)) == 3

    report = cleanup(backend.store, backend.storage, older_than=timedelta(0), out=lines.append)
    assert report.removed == 2 and report.failed == 0
    assert report.bytes_freed == never_attached["size_bytes"] + left_behind["size_bytes"]
    remaining = stored_objects(backend)
    assert len(remaining) == 1 and kept["id"] in remaining[0]
    assert backend.store.get_upload(never_attached["id"]) is None
    # the message that kept its render still plays
    got = c.http.get(f"{url}/api/v1/messages/{kept_msg['id']}", params={"token": TOKEN}).json()
    assert [r["id"] for r in got["renders"]] == [kept["id"]]


def test_parse_age():
    assert parse_age("90m") == timedelta(minutes=90)
    assert parse_age("7d") == timedelta(days=7)
    assert parse_age("2") == timedelta(hours=2)
    with pytest.raises(ValueError, match="not an age"):
        parse_age("soon")
