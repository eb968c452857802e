"""The OpenAPI document, corrected to say what the server really sends.

FastAPI describes every 422 as its list-of-errors model, while our handler answers
``{"detail": "<text>"}`` for every error, and it cannot know the answers that come from
outside a route's signature: 400 for malformed JSON, 401 from the auth dependency, 408
for a stalled body, 413 from the body limit, 429 from the upload slots. The generated
document is amended once, here, so the routes keep declaring only what is particular to
them.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "What was wrong, for people"}},
    "required": ["detail"],
}
ERROR_REF = {"$ref": "#/components/schemas/Error"}
# Any JSON value the body parser accepts (json_body): numbers within ±2^63 (so integers fit
# in 64 bits). Nesting is limited too (32 levels), which JSON Schema cannot say.
JSON_VALUE_REF = {"$ref": "#/components/schemas/JsonValue"}
INT64 = {"minimum": -(2**63), "maximum": 2**63 - 1}
# One schema with a list of types rather than an anyOf of one schema per type: each keyword
# applies to its own type only, and a list leaves test generators no branch to confuse.
JSON_VALUE_SCHEMA: dict[str, Any] = {
    "title": "JsonValue",
    "description": "Any JSON value: numbers within ±2^63 (integers fit in 64 bits), "
    "at most 32 levels of nesting",
    "type": ["object", "array", "string", "integer", "number", "boolean", "null"],
    "additionalProperties": JSON_VALUE_REF,
    "items": JSON_VALUE_REF,
    **INT64,
}

DESCRIPTIONS = {
    "400": "Malformed body (JSON or multipart)",
    "401": "Missing or invalid API token",
    "403": "The token's user may not do this (someone else's message or render), or a "
    "media signature that expired or is not the server's",
    "404": "Not found (private threads answer 404 to those who are not in them)",
    "405": "Method not allowed",
    "408": "The body stopped arriving for REQUEST_TIMEOUT_S seconds, or averaged less than "
    "MIN_BODY_KB_PER_S after that long (the connection closes)",
    "409": "Conflict with what is stored",
    "413": "Body larger than MAX_JSON_KB (JSON) or MAX_UPLOAD_MB (uploads), or a file that "
    "would take its uploader past MAX_STORAGE_MB_PER_USER",
    "415": "Not an audio file of the given format",
    "416": "Range not satisfiable",
    "422": "Invalid request: the detail names the field",
    "429": "Too many failed token checks, or uploads at once, from this address; or more "
    "messages or threads a minute than the user may write (see Retry-After)",
    "500": "Storage failed",
}
BEARER: dict[str, list[str]] = {"bearerAuth": []}


def _error(code: str, existing: dict[str, Any] | None = None) -> dict[str, Any]:
    response = dict(existing or {})
    description = response.get("description", "")
    if not description or description in ("Validation Error", "Successful Response"):
        response["description"] = DESCRIPTIONS.get(code, "Error")
    if code == "416":  # Starlette's answer: an empty body and Content-Range
        response["headers"] = {
            "Content-Range": {"description": "bytes */SIZE", "schema": {"type": "string"}}
        }
        return response
    response["content"] = {"application/json": {"schema": ERROR_REF}}
    if code == "429":
        response["headers"] = {
            "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}
        }
    return response


# What the routes require across fields, which a pydantic model's schema cannot say.
CROSS_FIELD_RULES: dict[str, dict[str, Any]] = {
    # A message needs a snapshot unless it has words (models.MessageCreate).
    "MessageCreate": {
        "anyOf": [
            {"required": ["snapshot"], "properties": {"snapshot": {"type": "object"}}},
            {"required": ["text"], "properties": {"text": {"type": "string", "minLength": 1}}},
        ]
    },
    # A private thread's id is the server's (routes.threads.create_thread).
    "ThreadCreate": {
        "not": {"required": ["id", "private"], "properties": {"private": {"const": True}}}
    },
}


def amend(schema: dict[str, Any]) -> dict[str, Any]:
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Error"] = ERROR_SCHEMA
    schemas["JsonValue"] = JSON_VALUE_SCHEMA
    for name, rule in CROSS_FIELD_RULES.items():
        schemas[name].update(rule)
    for name in _json_request_models(schema):
        # Unknown fields are ignored, but they pass the same parser as the rest.
        if schemas[name].get("additionalProperties") is not False:
            schemas[name]["additionalProperties"] = JSON_VALUE_REF
    components["securitySchemes"] = {
        "bearerAuth": {
            "type": "http",
            "scheme": "bearer",
            "description": "The API token; the seed's `token` field or parameter also works",
        }
    }
    for path, item in schema.get("paths", {}).items():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            codes = set(responses)
            if path.startswith("/api/v1/"):
                codes.update(("401", "429"))  # 429: too many failed token checks
                operation["security"] = [BEARER]
            body = operation.get("requestBody", {}).get("content", {})
            if body:
                codes.update(("400", "408", "413", "422"))
            if "multipart/form-data" in body:  # uploads: upload_slots
                codes.add("429")
            if operation.get("parameters"):
                codes.add("422")
            for code in sorted(codes):
                if code.startswith(("4", "5")):
                    responses[code] = _error(code, responses.get(code))
            operation["responses"] = dict(sorted(responses.items()))
    return schema


def _json_request_models(schema: dict[str, Any]) -> set[str]:
    """Component names reachable from a JSON request body."""
    schemas = schema["components"]["schemas"]
    found: set[str] = set()
    todo: list[Any] = [
        op["requestBody"].get("content", {}).get("application/json", {}).get("schema")
        for item in schema.get("paths", {}).values()
        for op in item.values()
        if "requestBody" in op
    ]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            name = ref.rsplit("/", 1)[-1]
            if ref and name not in found and name in schemas and name != "JsonValue":
                found.add(name)
                todo.append(schemas[name])
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    return found


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = amend(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
