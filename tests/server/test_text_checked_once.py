"""A message's text is checked once: by ``visible_text.text_problem``, whose words the 422
carries. The pattern that says the same stays in the OpenAPI document for client tools,
but is no longer run as well (it read every message's text a second time)."""

from __future__ import annotations

from typing import Any

from sequencer_common.visible_text import TEXT_PATTERN
from sequencer_server.models import MessageCreate
from tests.conftest import make_backend


def _string_checks(node: Any) -> list[dict[str, Any]]:
    """Every string check in a pydantic core schema."""
    if isinstance(node, list):
        return [found for item in node for found in _string_checks(item)]
    if not isinstance(node, dict):
        return []
    own = [node] if node.get("type") == "str" else []
    return own + [found for key, value in node.items() if key != "metadata"
                  for found in _string_checks(value)]  # fmt: skip


def test_text_is_checked_by_its_validator_only_and_its_pattern_is_documented(tmp_path):
    text = MessageCreate.__pydantic_core_schema__["schema"]["fields"]["text"]
    checks = _string_checks(text)
    assert checks and all("pattern" not in check for check in checks)
    assert all(check.get("max_length") == 4000 for check in checks)
    schemas = make_backend("sqlite-local", tmp_path).app().openapi()["components"]["schemas"]
    documented = schemas["MessageCreate"]["properties"]["text"]["anyOf"][0]
    assert documented == {"type": "string", "maxLength": 4000, "pattern": f"^$|{TEXT_PATTERN}"}
