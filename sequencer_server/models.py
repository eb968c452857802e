"""Request and response bodies (``XCreate`` in, ``XPublic`` out).

Every request model carries an optional ``token``: the seed's clients send it in the body.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from sequencer_common.visible_text import NAME_PATTERN, TEXT_PATTERN, name_problem, text_problem
from sequencer_server.pattern_snapshot import Snapshot

ID_PATTERN = r"^[A-Za-z0-9_\-]{1,64}$"
MAX_TEXT = 4000


def _visible_name(value: object) -> object:
    """Before surrounding blanks are dropped: a tab or line break there is refused too."""
    if isinstance(value, str) and (problem := name_problem(value)):
        raise PydanticCustomError("name_unsafe", problem)
    return value


# Surrounding blanks are dropped, so "   " is no name, nor is one made only of invisible
# characters; control characters and bidi overrides are refused (sequencer_common.
# visible_text, whose pattern documents exactly that for OpenAPI tools).
Name = Annotated[
    str,
    BeforeValidator(_visible_name),
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 200, "pattern": NAME_PATTERN}),
]
# A message's author as the seed's clients send it (the service token may post for any
# name): shown in lists like a thread's name, so held to the same characters.
UserId = Annotated[
    str,
    BeforeValidator(_visible_name),
    StringConstraints(min_length=1, max_length=200),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 200, "pattern": NAME_PATTERN}),
]


def _visible_text(value: object) -> object:
    """Said in words (pydantic's own pattern error would quote the whole pattern)."""
    if isinstance(value, str) and value and (problem := text_problem(value)):
        raise PydanticCustomError("text_unsafe", problem)
    return value


# A message's words: checked once, by text_problem; the pattern that says the same is
# only documented (run as well, it read every message's text a second time).
MessageText = Annotated[
    str,
    StringConstraints(max_length=MAX_TEXT),
    BeforeValidator(_visible_text),
    WithJsonSchema({"type": "string", "maxLength": MAX_TEXT, "pattern": f"^$|{TEXT_PATTERN}"}),
]


# Validated as any JSON object (the body parser already bounded it); documented as an
# object of the JsonValue schema that sequencer_server.openapi adds.
JsonObject = Annotated[
    dict[str, Any],
    WithJsonSchema(
        {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/JsonValue"}}
    ),
]


def _omit_none(value: object) -> bool:
    return value is None


class TokenBody(BaseModel):
    token: str | None = Field(
        default=None, max_length=512, description="API token (or Authorization: Bearer)"
    )


class ThreadCreate(TokenBody):
    name: Name
    users: list[Name] = Field(default_factory=list, max_length=200)
    id: str | None = Field(
        default=None,
        pattern=ID_PATTERN,
        description="Client-chosen id, so a thread made offline keeps its id; makes the call "
        "idempotent (a retry returns the thread already created, never a second one).",
    )
    private: bool = Field(
        default=False,
        description="Only its users (and admins) see a private thread; its renders are "
        "served through expiring signed URLs. The creator is always one of its users.",
    )


class ThreadUpdate(TokenBody):
    name: Name


class ThreadMembers(TokenBody):
    users: list[Name] = Field(min_length=1, max_length=200)


class ThreadPublic(BaseModel):
    id: str
    name: str
    users: list[str]
    created_at: str
    updated_at: str
    # Present (true) on private threads only: public ones keep the seed's exact shape.
    private: bool | None = Field(default=None, exclude_if=_omit_none)
    # The user who made it (absent for the shared token's threads and older ones): with
    # the admins, the one who may remove other members.
    created_by: str | None = Field(default=None, exclude_if=_omit_none)


class RenderPublic(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    url: str
    format: str
    # Absent values are left out, as the upload and create answers leave them out.
    bitrate: int | None = Field(default=None, exclude_if=_omit_none)
    duration: float | None = Field(default=None, exclude_if=_omit_none)
    size_bytes: int
    created_at: str
    peaks: list[float] | None = Field(default=None, exclude_if=_omit_none)


class RenderRef(BaseModel):
    """A render as a client sends it back: only ``id`` matters, the rest is the server's."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1, max_length=64)


class MessageCreate(TokenBody):
    id: str | None = Field(
        default=None,
        pattern=ID_PATTERN,
        description="Client-chosen id; makes the call idempotent (a retry returns the same "
        "message, never a duplicate).",
    )
    parent_thread: str = Field(min_length=1, max_length=64)
    user_id: UserId
    # Before ``snapshot``, whose check reads it.
    text: MessageText | None = Field(
        default=None,
        description="Words with (or instead of) the pattern: plain text; empty means none. "
        "Line breaks and tabs are its only control characters, and text that is not empty "
        "needs a visible character",
    )
    reply_to: str | None = Field(
        default=None,
        pattern=ID_PATTERN,
        description="The id of the message (in the same thread) this one answers",
    )
    snapshot: Snapshot | None = Field(
        default=None,
        validate_default=True,
        description="The pattern; required unless the message has text. Stored as sent, "
        "unknown keys included",
    )
    snapshot_metadata: JsonObject | None = None
    renders: list[RenderRef] = Field(default_factory=list, max_length=16)
    timestamp: str | None = Field(
        default=None, max_length=64, json_schema_extra={"format": "date-time"}
    )

    @field_validator("snapshot")
    @classmethod
    def _snapshot_unless_text(
        cls, value: dict[str, Any] | None, info: ValidationInfo
    ) -> dict[str, Any] | None:
        """Seed clients always send a snapshot; only a message with words may skip it.
        Text that failed its own check is absent from ``info.data``: that error is the
        one to report, not a missing snapshot."""
        if value is None and "text" in info.data and not info.data["text"]:
            raise PydanticCustomError("missing", "Field required")
        return value


class MessagePublic(BaseModel):
    id: str
    created_at: str
    timestamp: str
    user_id: str
    user_name: str | None = Field(
        default=None, description="The author's display name (the token's user)"
    )
    parent_thread: str
    # Absent only on a text-only message.
    snapshot: dict[str, Any] | None = Field(default=None, exclude_if=_omit_none)
    snapshot_metadata: dict[str, Any] | None = None
    renders: list[RenderPublic]
    text: str | None = Field(default=None, exclude_if=_omit_none)
    reply_to: str | None = Field(default=None, exclude_if=_omit_none)


class AttachRender(TokenBody):
    render: RenderRef


class AttachResult(BaseModel):
    status: str = "render_attached"
    message_id: str


class DeleteResult(BaseModel):
    status: str = "deleted"
    id: str
    renders_deleted: int
    storage_failures: int = 0


class MessagePage(BaseModel):
    messages: list[MessagePublic]
    deleted: list[str]
    cursor: str
    more: bool = Field(description="True when the page was full: ask again with the cursor")
    reset: bool = Field(
        default=False,
        description="True when the cursor was older than the deletions the server still "
        "remembers (TOMBSTONE_RETENTION_DAYS), or newer than any change it has (a database "
        "restored from a backup): this page starts the thread from the beginning, and "
        "messages the client holds that the new scan does not list were deleted.",
    )


class Me(BaseModel):
    name: str
    admin: bool
    service: bool = Field(description="True for the shared API_TOKEN, which has admin rights")
