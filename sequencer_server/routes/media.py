"""``GET /media/{key}``: renders in local storage, with Range support for seeking players.

Like the seed's public-read S3 objects, media needs no token: keys hold a random UUID.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse

from sequencer_server.audio_check import CONTENT_TYPES
from sequencer_server.deps import StorageDep

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


@router.head("/media/{key:path}", include_in_schema=False)
@router.get(
    "/media/{key:path}",
    response_class=FileResponse,
    responses={
        200: {"content": {"audio/mpeg": {}}, "description": "The whole file"},
        206: {"content": {"audio/mpeg": {}}, "description": "The requested byte range"},
        404: {},
        416: {"description": "The range starts beyond the end of the file"},
    },
)
async def get_media(key: str, request: Request, storage: StorageDep) -> FileResponse:
    if len(key) > MAX_KEY_LENGTH:
        raise HTTPException(404, "no such media")
    path = storage.local_path(key)
    try:
        found = path is not None and path.is_file()
    except OSError:  # a name the file system refuses is a name we never stored
        found = False
    if path is None or not found:
        raise HTTPException(404, "no such media")
    _drop_unusable_range(request)
    fmt = path.suffix.lstrip(".").lower()
    return FileResponse(
        path,
        media_type=CONTENT_TYPES.get(fmt, "application/octet-stream"),
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )
