"""The server's responses and the client's snapshots match the published JSON Schemas."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from referencing import Registry, Resource

from desktop_app.domain.pattern import demo_pattern
from tests.conftest import TOKEN
from tests.server.helpers import Client

SCHEMAS = Path(__file__).resolve().parents[2] / "resources" / "schemas" / "0.0.1"


def load(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text())


@pytest.fixture(scope="module")
def validator():
    resources = {
        s["$id"].rsplit("/", 1)[-1]: Resource.from_contents(s)
        for s in (
            load("thread/render.json"),
            load("thread/message.json"),
            load("thread/thread.json"),
        )
    }
    registry = Registry().with_resources(resources.items())

    def check(schema_name: str, instance: dict) -> None:
        schema = load(schema_name)
        jsonschema.Draft202012Validator(
            schema, registry=registry, format_checker=jsonschema.FormatChecker()
        ).validate(instance)

    return check


def test_responses_match_schemas(live_server, validator):
    c = Client(live_server)
    thread = c.create_thread()
    validator("thread/thread.json", thread)
    render = c.upload(bitrate=320, duration=1.5, peaks="[0.1, 0.5, 1]").json()
    validator("thread/render.json", render)
    message = c.create_message(thread["id"], snapshot=demo_pattern().to_snapshot()).json()
    c.attach(message["id"], render)
    got = c.http.get(f"{live_server}/api/v1/messages/{message['id']}", params={"token": TOKEN})
    validator("thread/message.json", got.json())


def test_demo_snapshot_matches_pattern_schema(validator):
    validator("pattern/pattern.json", demo_pattern().to_snapshot())
