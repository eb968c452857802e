"""The token decides who sends: a message queued (or failed) under another name goes out
as the token's user, on a real server with accounts; with the shared token the name it was
written under stays."""

from __future__ import annotations

from dataclasses import replace

import pytest

from desktop_app.domain.draft import draft_with_text
from desktop_app.services.api import ApiClient
from desktop_app.services.connection import ServerConnection, identify
from desktop_app.services.delivery import Delivery
from desktop_app.services.outbox import Outbox, Stage
from sequencer_server.threaded import ThreadedServer
from sequencer_server.users import add_user
from tests.conftest import TOKEN, make_backend


@pytest.fixture
def band(tmp_path):
    backend = make_backend("sqlite-local", tmp_path)
    ben = add_user(backend.store, "Ben")  # type: ignore[arg-type]
    with ThreadedServer(backend.app()) as running:
        thread = ApiClient(running.url, TOKEN).create_thread("Offline ideas")
        yield running, thread.id, ben


def test_a_message_queued_under_a_settings_name_goes_out_as_the_tokens_user(tmp_path, band):
    running, thread_id, ben = band
    outbox = Outbox(tmp_path / "o.sqlite3", tmp_path / "o")
    queued = outbox.add(draft_with_text(thread_id, "Benny", "made on the train"))
    # One already failed the way the old client left it: refused for its name.
    failed = outbox.add(draft_with_text(thread_id, "Benny", "online after restart"))
    outbox.save(
        replace(
            failed,
            stage=Stage.FAILED,
            failed_stage=Stage.QUEUED,
            last_error="user_id 'Benny' is not you: this token is 'Ben''s",
        )
    )
    delivery = Delivery(ApiClient(running.url, ben, timeout=5.0), outbox)

    delivered = delivery.deliver(outbox.get(queued.id))
    retried = delivery.retry(failed.id)
    assert retried is not None
    delivered_again = delivery.deliver(retried)

    assert delivered.done and delivered.user_id == "Ben"
    assert delivered_again.done and delivered_again.user_id == "Ben"
    on_server = ApiClient(running.url, TOKEN).list_messages(thread_id).messages
    assert sorted((m.text, m.user_id) for m in on_server) == [
        ("made on the train", "Ben"),
        ("online after restart", "Ben"),
    ]
    outbox.close()


def test_the_shared_token_keeps_the_name_the_message_was_written_under(tmp_path, band):
    running, thread_id, _ben = band
    outbox = Outbox(tmp_path / "o.sqlite3", tmp_path / "o")
    entry = outbox.add(draft_with_text(thread_id, "Anna", "from the laptop"))
    delivered = Delivery(ApiClient(running.url, TOKEN, timeout=5.0), outbox).deliver(entry)
    assert delivered.user_id == "Anna"
    [message] = ApiClient(running.url, TOKEN).list_messages(thread_id).messages
    assert message.user_id == "Anna"
    outbox.close()


def test_who_the_token_is_is_remembered_for_a_start_without_the_server(tmp_path, band):
    running, _thread_id, ben = band
    memory = tmp_path / "servers" / "x.identity.json"
    online = identify(ServerConnection(ApiClient(running.url, ben), running.url, "x"), memory)
    assert online.user_name == "Ben"
    assert ben not in memory.read_text()  # the token itself never lands beside the outbox
    running.stop()

    offline = identify(
        ServerConnection(ApiClient(running.url, ben, timeout=1.0), running.url, "x"), memory
    )
    other_token = identify(
        ServerConnection(ApiClient(running.url, "another", timeout=1.0), running.url, "x"),
        memory,
    )
    assert offline.user_name == "Ben"
    assert other_token.user_name == ""  # remembered for Ben's token only
