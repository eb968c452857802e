"""The OpenAPI document says what the server really does: schemathesis generates requests
from /openapi.json (valid and invalid ones) against the real app, on both backends, and
checks every answer against the document — status codes, content types, headers, body
schemas — and that nothing answers 5xx.

Bounded in time: few examples per operation and mode, no per-example deadline (the
machine is shared); the module takes well under a minute. Derandomised, so a CI run is
repeatable; ``SEQUENCER_EXPLORE=1`` draws new examples each run, to hunt for more.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from tests.conftest import TOKEN, make_backend

EXAMPLES = 15
STREAMS = ("/api/v1/events",)
# A schema cannot say "an MP3 file" or "a thread that exists": refusing those schema-valid
# requests (415, 404, 409) is the server's business. Any other answer to a schema-valid
# request must be 2xx (or 401 where the generator sends its own token).
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "404", "409", "415", "429"]
            }
        }
    }
)


def failures_for(operation, mode: GenerationMode) -> str | None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not os.environ.get("SEQUENCER_EXPLORE"),
        suppress_health_check=list(HealthCheck),
    )
    def check(case) -> None:
        case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"})

    try:
        check()
    except Unsatisfiable:  # nothing to get wrong (e.g. no parameters): no negative cases
        return None
    except BaseExceptionGroup as group:  # schemathesis' FailureGroup: one per failure kind
        details = "\n".join(str(e) for e in group.exceptions)
        return f"{operation.label} ({mode.value}): {group}\n{details}"
    return None


@pytest.mark.parametrize("kind", ["sqlite-local", "mongo-s3"])
def test_server_matches_its_openapi_document(kind, request, tmp_path):
    endpoint = request.getfixturevalue("moto_endpoint") if "s3" in kind else None
    backend = make_backend(kind, tmp_path, endpoint)
    schema = schemathesis.openapi.from_asgi("/openapi.json", backend.app(), config=CONFIG)
    # The event stream never ends, which schemathesis' in-process calls cannot read;
    # tests/server/test_events.py covers it over real HTTP.
    operations = [
        operation
        for result in schema.get_all_operations()
        if (operation := result.ok()).path not in STREAMS
    ]
    assert len(operations) >= 10
    problems = [
        problem
        for operation in operations
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        if (problem := failures_for(operation, mode))
    ]
    assert not problems, "\n\n".join(problems)
