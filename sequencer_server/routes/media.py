"""``GET /media/{key}``: renders in local storage, with Range support for seeking players.

Like the seed's public-read S3 objects, media needs no token: keys hold a random UUID.
Renders of private threads are the exception: they are served only with an unexpired
signature (``?exp=&sig=``) that the API puts into every message it sends.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from sequencer_server.audio_check import CONTENT_TYPES
from sequencer_server.deps import SignerDep, StorageDep, StoreDep
from sequencer_server.routes.samples import sample_is_private
from sequencer_server.sample_check import SAMPLE_CONTENT_TYPES
from sequencer_server.store import MessageStore

router = APIRouter(tags=["media"])

# Our keys are "{ENV}/renders/{uuid}.{format}": anything longer is no key of ours, and
# asking the file system about it fails with "File name too long".
MAX_KEY_LENGTH = 512
# RFC 9110 §14.2: a Range header the server does not understand is ignored (whole file,
# 200). Only well-formed byte ranges are honoured; an unsatisfiable one is still 416.
_BYTE_RANGE = re.compile(r"^\s*(\d+-\d*|-\d+)\s*$")


def _understood_range(value: str) -> bool:
    unit, _, ranges = value.partition("=")
    if unit.strip().lower() != "bytes" or not ranges:
        return False
    for part in ranges.split(","):
        match = _BYTE_RANGE.match(part)
        if match is None:
            return False
        first, _, last = match.group(1).partition("-")
        if first and last and int(first) > int(last):
            return False
    return True


def _drop_unusable_range(request: Request) -> None:
    headers = request.scope["headers"]
    ranges = [v.decode("latin-1") for k, v in headers if k == b"range"]
    if ranges and not (len(ranges) == 1 and _understood_range(ranges[0])):
        request.scope["headers"] = [(k, v) for k, v in headers if k != b"range"]


def attached_thread(store: MessageStore, key: str) -> dict | None:
    """The thread of the message the render stored at ``key`` is attached to (keys are
    ``{ENV}/renders/{render id}.{format}``); None for a render not attached (yet)."""
    upload = store.get_upload(PurePosixPath(key).stem)
    if upload is None or upload.get("key") != key or not upload.get("message_id"):
        return None
    message = store.get_message(upload["message_id"])
    return store.get_thread(message["parent_thread"]) if message else None


def in_private_thread(store: MessageStore, key: str) -> bool:
    """Whether the render stored at ``key`` is attached to a message of a private thread."""
    thread = attached_thread(store, key)
    return bool(thread and thread.get("private"))


def unsigned_access(store: MessageStore, key: str) -> tuple[str, bool]:
    """(why a private thread keeps ``key`` from unsigned readers, or ""; whether it is an
    attached render of a public thread, the only file that stays public for good). A
    render not yet attached may still join a private thread, a sample may come to be
    played in one (routes/samples): a shared cache must not keep those."""
    thread = attached_thread(store, key)
    if thread is not None and thread.get("private"):
        return "this recording belongs to a private thread", False
    if sample_is_private(store, key):
        return "this sample is played in a private thread", False
    return "", thread is not None


@router.head("/media/{key:path}", include_in_schema=False)
@router.get(
    "/media/{key:path}",
    response_class=FileResponse,
    responses={
        200: {"content": {"audio/mpeg": {}}, "description": "The whole file"},
        206: {"content": {"audio/mpeg": {}}, "description": "The requested byte range"},
        403: {"description": "A private thread's file without a valid, unexpired signature"},
        404: {},
        416: {"description": "The range starts beyond the end of the file"},
    },
)
async def get_media(
    key: str,
    request: Request,
    storage: StorageDep,
    store: StoreDep,
    signer: SignerDep,
    exp: Annotated[str | None, Query(max_length=20, description="signed URL expiry")] = None,
    sig: Annotated[str | None, Query(max_length=128, description="signed URL HMAC")] = None,
) -> FileResponse:
    if len(key) > MAX_KEY_LENGTH:
        raise HTTPException(404, "no such media")
    path = storage.local_path(key)
    try:
        found = path is not None and path.is_file()
    except OSError:  # a name the file system refuses is a name we never stored
        found = False
    if path is None or not found:
        raise HTTPException(404, "no such media")
    # After the 404: the signature only matters for a file that exists.
    signed = exp is not None or sig is not None
    if signed and not (exp and sig and signer.valid(key, exp, sig)):
        raise HTTPException(403, "the signed URL has expired or is not the server's")
    public_for_good = False
    if not signed:
        private, public_for_good = await run_in_threadpool(unsigned_access, store, key)
        if private:
            raise HTTPException(403, f"{private}: use the signed URL the API gives")
    _drop_unusable_range(request)
    fmt = path.suffix.lstrip(".").lower()
    if signed:
        caching = f"private, max-age={signer.ttl_s}"
    elif public_for_good:
        caching = "public, max-age=31536000, immutable"
    else:
        caching = "private, no-store"
    return FileResponse(
        path,
        media_type=CONTENT_TYPES.get(fmt)
        or SAMPLE_CONTENT_TYPES.get(fmt, "application/octet-stream"),
        # An upload is checked for audio frames at its start, not for what follows them:
        # a browser must take it as the type we name, never sniff HTML out of it.
        headers={"Cache-Control": caching, "X-Content-Type-Options": "nosniff"},
    )
