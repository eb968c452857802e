"""Samples: audio files that a pattern's tracks play, stored once by SHA-256
under ``{ENV}/samples/{sha256}.{ext}`` and referenced from message snapshots.

Upload answers the same object for the same bytes, storing nothing the second time.
Messages record which samples they reference when they are created; a message delete
never removes a sample (another message may use it), ``sequencer-server cleanup`` removes
samples no live message references once the grace period has passed.

Privacy: a sample referenced by a message of a private thread becomes private for good —
its S3 object loses public read, ``/media`` wants a signature, and every answer carries a
fresh signed URL — even when a public thread uses it too. Taking public access back
later would need knowing that no private thread still uses it at every delete; keeping it
private costs the public thread nothing but a URL that expires (clients fetch the sample
object again for a fresh one).
"""

from __future__ import annotations

import logging
import re
from pathlib import PurePosixPath
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from sequencer_server.config import Settings
from sequencer_server.deps import CredentialsDep, CurrentUser, SettingsDep, StorageDep, StoreDep
from sequencer_server.hashing import sha256_of
from sequencer_server.membership import can_see
from sequencer_server.presenters import utc_now_iso
from sequencer_server.sample_check import SAMPLE_CONTENT_TYPES, SampleRefused, inspect_sample
from sequencer_server.signed_urls import UrlSigner
from sequencer_server.storage import Storage, StorageError, delete_unrecorded
from sequencer_server.store import MessageStore, QuotaExceeded, StoreFull
from sequencer_server.upload_form import received_upload
from sequencer_server.users import User
from sequencer_server.write_limits import check_storage_quota, quota_refusal, storage_cap

log = logging.getLogger("sequencer_server.samples")
router = APIRouter(prefix="/api/v1", tags=["samples"])

SAMPLES_PATH = "/api/v1/samples"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
_SHA256 = re.compile(SHA256_PATTERN)


class SamplePublic(BaseModel):
    sha256: str
    url: str
    format: str
    size_bytes: int
    duration: float


SAMPLE_REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "title": "SampleForm",
                "type": "object",
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "minLength": 1,
                        "description": "The sample: WAV, AIFF, FLAC, OGG or MP3",
                    },
                    "token": {
                        "type": "string",
                        "maxLength": 512,
                        "description": "API token (or Authorization: Bearer)",
                    },
                },
                "required": ["file"],
            }
        }
    },
}


def sample_too_large_detail(limit_bytes: int) -> str:
    return f"Sample too large: the limit is {limit_bytes // (1024 * 1024)} MB (MAX_SAMPLE_MB)"


def public_sample(
    record: dict[str, Any], storage: Storage, request: Request, signer: UrlSigner
) -> dict[str, Any]:
    """The sample object; a private sample's URL is a fresh expiring one."""
    key = record["key"]
    url = storage.url_for(key, str(request.base_url))
    if record.get("private"):
        url = storage.presigned_url(key, signer.ttl_s) or f"{url}?{signer.query(key)}"
    return {
        "sha256": record["sha256"],
        "url": url,
        "format": record["format"],
        "size_bytes": record["size_bytes"],
        "duration": record["duration"],
    }


def sample_is_private(store: MessageStore, key: str) -> bool:
    """Whether ``key`` is a private sample's file (keys are ``{ENV}/samples/{sha}.{ext}``)."""
    path = PurePosixPath(key)
    if path.parent.name != "samples" or not _SHA256.match(path.stem):
        return False
    record = store.get_sample(path.stem)
    return bool(record and record.get("key") == key and record.get("private"))


@router.post(
    "/samples",
    status_code=201,
    response_model=SamplePublic,
    summary="Upload a sample (multipart: token, file); the same bytes again answer 200",
    responses={
        200: {"description": "These bytes were uploaded before: the stored sample"},
        401: {},
        413: {},
        415: {},
        422: {},
        429: {},
        500: {},
        507: {},
    },
    openapi_extra={"requestBody": SAMPLE_REQUEST_BODY},
)
async def upload_sample(
    request: Request,
    credentials: CredentialsDep,
    settings: SettingsDep,
    store: StoreDep,
    storage: StorageDep,
) -> JSONResponse:
    async with received_upload(request, credentials) as (_fields, file, user):
        record, created = await run_in_threadpool(
            _store_sample, settings, store, storage, file, user
        )
    answer = public_sample(record, storage, request, request.app.state.signer)
    return JSONResponse(answer, status_code=201 if created else 200)


def _store_sample(
    settings: Settings, store: MessageStore, storage: Storage, file: UploadFile, user: User
) -> tuple[dict[str, Any], bool]:
    stream = file.file
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    if size > settings.max_sample_bytes:
        raise HTTPException(413, sample_too_large_detail(settings.max_sample_bytes))
    if size == 0:
        raise HTTPException(422, "file: the uploaded file is empty")
    try:
        info = inspect_sample(stream)
    except SampleRefused as exc:
        raise HTTPException(exc.status, exc.detail) from None
    if info.duration > settings.max_sample_seconds:
        raise HTTPException(
            422,
            f"Sample too long: {info.duration:.1f} s; the limit is "
            f"{settings.max_sample_seconds} s (MAX_SAMPLE_SECONDS)",
        )
    digest = sha256_of(stream)
    earlier = store.get_sample(digest)
    if earlier is not None:
        log.info("↩️  Sample already stored: %s", earlier["key"])
        if earlier.get("private") and not _may_see(store, earlier, user):
            # these bytes are theirs too: they may use the sample from now on
            store.add_sample_holder(digest, user.name)
            earlier = store.get_sample(digest) or earlier
        return earlier, False
    check_storage_quota(store, user, size, settings.write_limits)
    key = f"{settings.env}/samples/{digest}.{info.format}"
    log.info("📤 Storing sample: %s (%d bytes)", key, size)
    try:
        storage.put(key, stream, size, SAMPLE_CONTENT_TYPES[info.format])
    except StorageError as exc:
        if exc.code == "ENOSPC":
            raise  # 507, answered by the app's handler
        log.error("❌ Could not store sample %s: %s", key, exc)
        raise HTTPException(500, "Failed to store the sample") from exc
    record = {
        "sha256": digest,
        "key": key,
        "format": info.format,
        "size_bytes": size,
        "duration": info.duration,
        "created_at": utc_now_iso(),
        "uploader": user.name,
        "private": False,
    }
    try:
        stored, created = store.record_sample(record, storage_cap(user, settings.write_limits))
    except QuotaExceeded as exc:
        # Uploads that ran beside this one were recorded first and took the room.
        delete_unrecorded(storage, key, "sample")
        raise quota_refusal(exc.used, size, settings.write_limits) from None
    except Exception as exc:
        log.exception("❌ Could not record sample %s; removing the stored file", key)
        delete_unrecorded(storage, key, "sample")
        if isinstance(exc, StoreFull):
            raise  # 507
        raise HTTPException(500, "Failed to store the sample") from exc
    if not created and stored.get("private"):
        # A concurrent upload of the same bytes won, and a private thread took it since:
        # our put just gave the object public read again.
        storage.make_private(key)
    return stored, created


def _may_see(store: MessageStore, record: dict[str, Any], user: User) -> bool:
    """A private sample is shown to who uploaded its bytes, admins, and who can see a
    message that references it; anyone else gets 404 as for a missing one."""
    if not record.get("private") or user.admin or user.service:
        return True
    if record.get("uploader") == user.name or user.name in record.get("holders", []):
        return True
    for message_id in store.sample_refs(record["sha256"]):
        message = store.get_message(message_id)
        thread = store.get_thread(message["parent_thread"]) if message else None
        if thread is not None and can_see(thread, user):
            return True
    return False


@router.get("/samples/{sha256}", response_model=SamplePublic, responses={404: {}, 422: {}})
async def get_sample(
    sha256: Annotated[
        str, Path(pattern=SHA256_PATTERN, description="SHA-256 of the file, lowercase hex")
    ],
    request: Request,
    user: CurrentUser,
    store: StoreDep,
    storage: StorageDep,
) -> dict[str, Any]:
    def work() -> dict[str, Any] | None:
        record = store.get_sample(sha256)
        return record if record is not None and _may_see(store, record, user) else None

    record = await run_in_threadpool(work)
    if record is None:
        raise HTTPException(404, f"sample {sha256} not found")
    return public_sample(record, storage, request, request.app.state.signer)


def referenced_samples(store: MessageStore, snapshot: dict[str, Any], user: User) -> list[str]:
    """The SHA-256s the snapshot's tracks name (``tracks[i].sample_sha256``), each one
    stored on this server; 422 for a malformed hash or a sample never uploaded.

    A private sample the sender may not see answers as a missing one: otherwise naming its
    hash in a message of one's own thread would make it served to the sender (and the
    answer would tell that a private thread uses these bytes). Uploading the bytes, which
    proves having them, makes it usable."""
    tracks = snapshot.get("tracks")
    if not isinstance(tracks, list):
        return []
    found: list[str] = []
    for index, track in enumerate(tracks):
        sha = track.get("sample_sha256") if isinstance(track, dict) else None
        if sha is None:
            continue
        if not isinstance(sha, str) or not _SHA256.match(sha):
            raise HTTPException(
                422, f"snapshot.tracks[{index}].sample_sha256: not 64 lowercase hex digits"
            )
        record = store.get_sample(sha)
        if record is None or not _may_see(store, record, user):
            raise HTTPException(
                422,
                f"snapshot.tracks[{index}].sample_sha256: sample {sha} is not on this "
                "server: upload the sample first (POST /api/v1/samples)",
            )
        if sha not in found:
            found.append(sha)
    return found


def record_references(
    store: MessageStore, storage: Storage, message_id: str, sha256s: list[str], private: bool
) -> None:
    """Note which samples the message uses, before the message is stored: cleanup keeps a
    sample referenced after its cutoff, and a sample it removed before our note is found
    missing here (422). A private thread's samples lose public read before the message
    is acknowledged."""
    if not sha256s:
        return
    store.add_sample_refs(message_id, sha256s, utc_now_iso())
    for sha in sha256s:
        record = store.get_sample(sha)
        if record is None:
            raise HTTPException(
                422, f"sample {sha} was just removed from this server: upload the sample first"
            )
        if not private or record.get("private"):
            continue
        try:
            storage.make_private(record["key"])
        except StorageError as exc:
            log.error("❌ Could not make sample %s private: %s", record["key"], exc)
            raise HTTPException(500, "Failed to make the sample private in storage") from exc
        store.mark_sample_private(sha)
