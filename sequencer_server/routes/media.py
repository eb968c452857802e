"""``GET /media/{key}``: renders in local storage, with Range support for seeking players.

Like the seed's public-read S3 objects, media needs no token: keys hold a random UUID.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from sequencer_server.audio_check import CONTENT_TYPES
from sequencer_server.deps import StorageDep

router = APIRouter(tags=["media"])


@router.get("/media/{key:path}", response_class=FileResponse, responses={404: {}})
async def get_media(key: str, storage: StorageDep) -> FileResponse:
    path = storage.local_path(key)
    if path is None or not path.is_file():
        raise HTTPException(404, "no such media")
    fmt = path.suffix.lstrip(".").lower()
    return FileResponse(
        path,
        media_type=CONTENT_TYPES.get(fmt, "application/octet-stream"),
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )
