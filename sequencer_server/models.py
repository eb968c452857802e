"""Request and response bodies (``XCreate`` in, ``XPublic`` out).

Every request model carries an optional ``token``: the seed's clients send it in the body.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

ID_PATTERN = r"^[A-Za-z0-9_\-]{1,64}$"


class TokenBody(BaseModel):
    token: str | None = Field(default=None, description="API token (or Authorization: Bearer)")


class ThreadCreate(TokenBody):
    name: str = Field(min_length=1, max_length=200)
    users: list[str] = Field(default_factory=list, max_length=200)


class ThreadUpdate(TokenBody):
    name: str = Field(min_length=1, max_length=200)


class ThreadPublic(BaseModel):
    id: str
    name: str
    users: list[str]
    created_at: str
    updated_at: str


class RenderPublic(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    url: str
    format: str
    bitrate: int | None = None
    duration: float | None = None
    size_bytes: int
    created_at: str
    peaks: list[float] | None = None


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
    user_id: str = Field(min_length=1, max_length=200)
    snapshot: dict[str, Any]
    snapshot_metadata: dict[str, Any] | None = None
    renders: list[RenderRef] = Field(default_factory=list, max_length=16)
    timestamp: str | None = None


class MessagePublic(BaseModel):
    id: str
    created_at: str
    timestamp: str
    user_id: str
    parent_thread: str
    snapshot: dict[str, Any]
    snapshot_metadata: dict[str, Any] | None = None
    renders: list[RenderPublic]


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
        "remembers (TOMBSTONE_RETENTION_DAYS): this page starts the thread from the beginning, "
        "and messages the client holds that the new scan does not list were deleted.",
    )
