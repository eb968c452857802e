"""``POST /api/v1/upload/audio`` — the seed's upload endpoint, to the letter, but streamed.

Starlette spools the multipart file to a temporary file (1 MB in memory at most), and
storage reads it from there in chunks, so memory stays flat whatever the file size.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from sequencer_server import json_body
from sequencer_server.audio_check import CHECKS, CONTENT_TYPES
from sequencer_server.config import Settings
from sequencer_server.deps import CredentialsDep, SettingsDep, StorageDep, StoreDep
from sequencer_server.hashing import HashingReader, sha256_of
from sequencer_server.limits import too_large_detail
from sequencer_server.models import RenderPublic
from sequencer_server.presenters import public_render, utc_now_iso
from sequencer_server.routes.media import in_private_thread
from sequencer_server.storage import Storage, StorageError, StorageFull, delete_unrecorded
from sequencer_server.store import DuplicateUpload, MessageStore, QuotaExceeded, StoreFull
from sequencer_server.upload_form import (
    UPLOAD_REQUEST_BODY,
    UploadFields,
    received_upload,
)
from sequencer_server.users import User
from sequencer_server.write_limits import check_storage_quota, quota_refusal, storage_cap

log = logging.getLogger("sequencer_server.uploads")
router = APIRouter(prefix="/api/v1", tags=["uploads"])

MAX_PEAKS = 2000


def _parse_peaks(text: str | None) -> list[float] | None:
    if text is None or text == "":
        return None
    try:
        values = json_body.loads(text)
    except (json.JSONDecodeError, json_body.BodyRefused):
        raise HTTPException(422, "peaks: not a JSON array of numbers") from None
    if (
        not isinstance(values, list)
        or len(values) > MAX_PEAKS
        or not all(isinstance(v, int | float) and 0 <= v <= 1 for v in values)
    ):
        raise HTTPException(422, f"peaks: expected at most {MAX_PEAKS} numbers between 0 and 1")
    return [round(float(v), 4) for v in values]


@router.post(
    "/upload/audio",
    response_model=RenderPublic,
    response_model_exclude_none=True,
    summary="Upload a render (multipart: token, file, format, bitrate, duration)",
    responses={401: {}, 409: {}, 413: {}, 415: {}, 422: {}, 500: {}, 507: {}},
    openapi_extra={"requestBody": UPLOAD_REQUEST_BODY},
)
async def upload_audio(
    request: Request,
    credentials: CredentialsDep,
    settings: SettingsDep,
    store: StoreDep,
    storage: StorageDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            max_length=128,
            description="Client-chosen key: a retry with the same key returns the render "
            "stored by the first attempt instead of storing the file twice",
        ),
    ] = None,
) -> dict:
    async with received_upload(request, credentials) as (fields, file, user):
        return await _store_upload(
            request, settings, store, storage, fields, file, idempotency_key, user
        )


async def _store_upload(
    request: Request,
    settings: Settings,
    store: MessageStore,
    storage: Storage,
    fields: UploadFields,
    file: UploadFile,
    idempotency_key: str | None,
    user: User,
) -> dict:
    format = fields.format
    fmt = format.strip().lower()
    if fmt not in settings.allowed_formats:
        allowed = ", ".join(settings.allowed_formats)
        raise HTTPException(422, f"format {format[:20]!r} is not supported; allowed: {allowed}")
    peak_values = _parse_peaks(fields.peaks)
    bitrate, duration = fields.bitrate, fields.duration
    size = file.size if file.size is not None else _measure(file)
    if size > settings.max_upload_bytes:
        raise HTTPException(413, too_large_detail(settings.max_upload_bytes))
    if size == 0:
        raise HTTPException(422, "file: the uploaded file is empty")
    if not await run_in_threadpool(CHECKS[fmt], file.file):
        raise HTTPException(415, f"file: not an {fmt.upper()} file (no run of MPEG audio frames)")
    await file.seek(0)

    if idempotency_key:
        # The key is the uploader's own: clients derive it from ids other users see.
        earlier = await run_in_threadpool(store.find_upload, user.name, idempotency_key)
        if earlier is not None:
            digest = await run_in_threadpool(sha256_of, file.file)
            private = await run_in_threadpool(in_private_thread, store, earlier["key"])
            return _replay(earlier, size, digest, request, storage, private)

    await run_in_threadpool(check_storage_quota, store, user, size, settings.write_limits)
    render_id = str(uuid.uuid4())
    key = f"{settings.env}/renders/{render_id}.{fmt}"
    log.info("📤 Uploading file: %s (%d bytes)", key, size)
    reader = HashingReader(file.file)
    try:
        await run_in_threadpool(storage.put, key, reader, size, CONTENT_TYPES[fmt])
    except StorageFull:
        raise  # 507, answered by the app's handler
    except StorageError as exc:
        log.error("❌ S3 Error: %s", exc)
        log.error("   Error Code: %s", exc.code or "Unknown")
        raise HTTPException(500, "Failed to upload file to storage") from exc

    digest = await run_in_threadpool(reader.hexdigest, size)
    record = {
        "id": render_id,
        "key": key,
        "format": fmt,
        "size_bytes": size,
        "created_at": utc_now_iso(),
        "bitrate": bitrate,
        "duration": duration,
        "peaks": peak_values,
        "message_id": None,
        "idempotency_key": idempotency_key or None,
        "sha256": digest,
        "uploader": user.name,  # only they may attach it
    }
    cap = storage_cap(user, settings.write_limits)
    try:
        await run_in_threadpool(store.record_upload, record, cap)
    except QuotaExceeded as exc:
        # Uploads that ran beside this one were recorded first and took the room.
        await run_in_threadpool(delete_unrecorded, storage, key, "render")
        raise quota_refusal(exc.used, size, settings.write_limits) from None
    except DuplicateUpload:
        # A concurrent retry with the same key won the race: keep its file, drop ours.
        await run_in_threadpool(storage.delete, key)
        earlier = await run_in_threadpool(store.find_upload, user.name, idempotency_key or "")
        if earlier is None:  # only a keyed upload collides; its record went in between
            raise HTTPException(
                409, "A concurrent upload with this Idempotency-Key did not finish; retry"
            ) from None
        return _replay(earlier, size, digest, request, storage)
    except Exception as exc:
        log.exception("❌ Could not record upload %s; removing the stored file", key)
        await run_in_threadpool(delete_unrecorded, storage, key, "render")
        if isinstance(exc, StoreFull):
            raise  # 507, answered by the app's handler
        raise HTTPException(500, "Failed to upload file to storage") from exc
    render = public_render(record, storage, request)
    log.info("✅ Upload successful! Public URL: %s", render["url"])
    return render


def _replay(
    earlier: dict, size: int, digest: str, request: Request, storage, private: bool = False
) -> dict:
    """The first upload under an ``Idempotency-Key``, when this one is the same file
    (by SHA-256; records from before hashes were kept compare by size); with a signed URL
    when the render has joined a private thread since."""
    same = (
        earlier.get("sha256") == digest if earlier.get("sha256") else earlier["size_bytes"] == size
    )
    if not same:
        raise HTTPException(409, "Idempotency-Key was already used for a different file")
    log.info("↩️  Upload replayed by Idempotency-Key: %s", earlier["key"])
    signer = request.app.state.signer if private else None
    return public_render(earlier, storage, request, signer)


def _measure(file: UploadFile) -> int:
    f = file.file
    f.seek(0, 2)
    size = f.tell()
    f.seek(0)
    return size
