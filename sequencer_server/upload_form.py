"""The upload's multipart form, read as it streams in, with the token checked first.

FastAPI reads a whole form before any dependency runs, so a wrong token used to cost the
server the full upload (60 MB received, then 401). Here a wrong ``Authorization: Bearer``
is refused before the body is touched, and a wrong ``token`` form field the moment its part
is complete — the seed's client sends its fields before the file, so the file part is never
consumed — and a file part with no token at all before it is refused as it begins, closing
the connection, so the rest of that body is not even received. Uploads in progress
are also counted per client address, so one client cannot hold every worker and temporary
file of the server.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from contextlib import aclosing, asynccontextmanager, contextmanager
from typing import Any

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError
from python_multipart.multipart import parse_options_header
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import ClientDisconnect

from sequencer_server.auth import Credentials
from sequencer_server.config import ALLOWED_FORMATS
from sequencer_server.slots import Slots
from sequencer_server.users import User

TOKEN_AFTER_FILE = "the file part began before any token: send the token field first"
UNREADABLE_FORM = "the multipart body could not be read, so its 'token' field was not read"
# Form fields are a few bytes; peaks (2000 numbers) are the largest at about 14 KB.
MAX_FIELD_BYTES = 64 * 1024
MAX_FIELDS = 16


class UploadFields(BaseModel):
    """The upload's form fields besides the file (the seed's, plus ``peaks``)."""

    token: str | None = Field(
        default=None, max_length=512, description="API token (or Authorization: Bearer)"
    )
    format: str = "mp3"
    bitrate: int | None = Field(default=None, ge=8, le=640)
    duration: float | None = Field(default=None, ge=0, le=24 * 3600)
    peaks: str | None = Field(
        default=None,
        max_length=MAX_FIELD_BYTES,
        description="JSON array of at most 2000 waveform peaks between 0 and 1",
    )


# What _parse_peaks in routes/uploads accepts, for the document: up to 2000 numbers 0-1.
_PEAK = r"(?:0(?:\.[0-9]+)?|1(?:\.0+)?)"
_JSON_BLANK = r"[ \t\n\r]*"
PEAKS_PATTERN = (
    rf"^\[{_JSON_BLANK}(?:{_PEAK}(?:{_JSON_BLANK},{_JSON_BLANK}{_PEAK}){{0,1999}})?{_JSON_BLANK}\]$"
)


def _form_schema() -> dict[str, Any]:
    """A form field is absent or a value, never null: the optional fields are documented as
    their value type only."""
    schema = UploadFields.model_json_schema()
    properties: dict[str, Any] = {}
    for name, prop in schema["properties"].items():
        variants = [v for v in prop.pop("anyOf", []) if v.get("type") != "null"]
        if "default" in prop and prop["default"] is None:
            del prop["default"]
        properties[name] = {**prop, **(variants[0] if variants else {})}
    properties["format"]["enum"] = list(ALLOWED_FORMATS)
    properties["peaks"]["pattern"] = PEAKS_PATTERN
    schema["title"] = "UploadForm"
    schema["properties"] = {
        "file": {
            "type": "string",
            "format": "binary",
            "minLength": 1,
            "description": "The audio file (MP3)",
        },
        **properties,
    }
    schema["required"] = ["file"]
    return schema


# The route reads its own form, so FastAPI cannot derive this; it is the same model.
UPLOAD_REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "content": {"multipart/form-data": {"schema": _form_schema()}},
}


def upload_slots(request: Request) -> Slots:
    """The app's slots, made on first use (the event loop runs one request at a time
    through here, so there is no race)."""
    slots = getattr(request.app.state, "upload_slots", None)
    if slots is None:
        slots = Slots(  # uploads in progress per client address
            request.app.state.settings.max_uploads_per_client,
            "Too many uploads at once from this address: at most {limit} "
            "(MAX_UPLOADS_PER_CLIENT); retry when one has finished",
        )
        request.app.state.upload_slots = slots
    return slots


class _CheckedParser(MultiPartParser):
    """Starlette's streaming parser, calling back when the token field and the file part
    arrive (python-multipart invokes these while the chunk that completes them is parsed)."""

    def __init__(
        self,
        request: Request,
        stream: AsyncGenerator[bytes, None],
        on_token: Callable[[str], None],
        on_file: Callable[[], None],
    ) -> None:
        super().__init__(
            request.headers,
            stream,
            max_files=1,
            max_fields=MAX_FIELDS,
            max_part_size=MAX_FIELD_BYTES,
        )
        self._on_token = on_token
        self._on_file = on_file

    def on_headers_finished(self) -> None:
        super().on_headers_finished()
        if self._current_part.file is not None:
            self._on_file()

    def on_part_end(self) -> None:
        super().on_part_end()
        if self._current_part.file is None and self._current_part.field_name == "token":
            self._on_token(self.items[-1][1])  # type: ignore[arg-type]


async def read_upload_form(
    request: Request, credentials: Credentials
) -> tuple[UploadFields, UploadFile]:
    """Authenticate as early as the request allows, then read and validate the form.

    The header token is checked before the body; without one, the ``token`` field is
    checked as soon as it is parsed, and the query token (which a form token overrides)
    when the file begins without a form token before it. A file part that begins with no
    token at all is refused there (401): the seed's clients send their fields first, and a
    request nobody vouches for is not worth the file.
    """
    if credentials.header:
        credentials.require()
    seen: dict[str, str] = {}

    def on_token(value: str) -> None:
        seen["token"] = value
        credentials.require(value)

    def on_file() -> None:
        if "token" in seen:
            return
        if credentials.header or credentials.query:
            credentials.require()
            return
        with _closing():  # nobody vouches for this file: not a byte more of it
            credentials.require(None, TOKEN_AFTER_FILE)

    content_type, _ = parse_options_header(request.headers.get("content-type"))
    form = FormData()
    if content_type == b"multipart/form-data":
        try:
            async with aclosing(request.stream()) as stream:
                form = await _CheckedParser(request, stream, on_token, on_file).parse()
        except MultiPartException as exc:
            if "token" not in seen:  # a wrong or missing token is told first
                credentials.require(None, UNREADABLE_FORM)
            raise HTTPException(400, f"Malformed multipart body: {exc.message}") from None
        except ClientDisconnect:  # nobody to answer; not a server error worth a traceback
            raise HTTPException(400, "The upload was interrupted by the client") from None
    files = [v for _k, v in form.multi_items() if isinstance(v, UploadFile)]
    fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    credentials.require(fields.get("token"))
    try:
        # An empty field is an absent one, as FastAPI's own form handling had it.
        upload = UploadFields.model_validate(
            {k: v for k, v in fields.items() if k in UploadFields.model_fields and v != ""}
        )
    except ValidationError as exc:
        await form.close()
        raise RequestValidationError(exc.errors()) from None
    file = form.get("file")
    if not isinstance(file, UploadFile):
        for other in files:
            await other.close()
        raise HTTPException(422, "file: Field required (a multipart file part named 'file')")
    return upload, file


@asynccontextmanager
async def received_upload(
    request: Request, credentials: Credentials
) -> AsyncIterator[tuple[UploadFields, UploadFile, User]]:
    """An upload's form and who sent it, read while holding one of the sender's address's
    upload slots; the file is closed however the route ends. A wrong token in the header
    is refused before a slot is taken (and so before the body is read)."""
    client = request.client.host if request.client else "unknown"
    if credentials.header:
        credentials.require()
    async with upload_slots(request).hold(client):
        fields, file = await read_upload_form(request, credentials)
        try:
            # known by now (read_upload_form checked it): answered from the cache
            yield fields, file, credentials.require(fields.token)
        finally:
            await file.close()


@contextmanager
def _closing() -> Iterator[None]:
    """A file part with no token anywhere before it also ends its connection: otherwise
    the server would go on receiving (and dropping) the rest of a file it refused, up to
    the whole upload limit. Only then: a client that sent a token (a wrong one) is ours
    or the seed's, and closing while it still sends could reset the connection before it
    reads its 401 (auth_failures.CloseAfterAuthFailure keeps such a connection)."""
    try:
        yield
    except HTTPException as exc:
        headers = {**(exc.headers or {}), "Connection": "close"}
        raise HTTPException(exc.status_code, exc.detail, headers=headers) from None
