"""``sequencer-server check-storage``: the seed's S3 upload test as a command.

Uploads a small MP3 object, verifies its size and content type, prints the public URL and
deletes it, and turns the seed's troubleshooting cases into one-line diagnoses.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable

from sequencer_server.config import Settings
from sequencer_server.storage import StorageError, storage_from_settings

# One silent MPEG-1 Layer III frame (128 kbps, 44.1 kHz): 417 bytes.
TEST_OBJECT = bytes([0xFF, 0xFB, 0x90, 0x64]) + bytes(413)

DIAGNOSES = {
    "SignatureDoesNotMatch": "the secret key does not match: check S3_SECRET_KEY, and set "
    "S3_REGION=us-east-1 for DigitalOcean Spaces (not the region code)",
    "InvalidAccessKeyId": "the access key is unknown to this endpoint: check S3_ACCESS_KEY "
    "and that S3_ENDPOINT_URL is the right provider/region",
    "AccessDenied": "the credentials may not write to this bucket: give the key write access",
    "NoSuchBucket": "the bucket does not exist at this endpoint: check S3_BUCKET_NAME and "
    "S3_ENDPOINT_URL (the endpoint must not include the bucket name)",
    "EndpointConnectionError": "cannot reach the endpoint: check S3_ENDPOINT_URL "
    "(e.g. https://fra1.digitaloceanspaces.com) and the network",
    "ConnectTimeoutError": "the endpoint did not answer in time: check S3_ENDPOINT_URL and the "
    "network",
    "AccessControlListNotSupported": "the bucket refuses ACLs: set S3_ACL=none",
    "OSError": "the data folder is not writable: check --data-dir and free disk space",
}


def diagnose(code: str | None) -> str:
    return DIAGNOSES.get(code or "", f"storage error {code or 'Unknown'}")


def check_storage(settings: Settings, out: Callable[[str], None] = print) -> int:
    rule = "=" * 60
    out(rule)
    out("🧪 Sequencer storage check")
    out(rule)
    storage = storage_from_settings(settings)
    if settings.s3 is not None:
        s3 = settings.s3
        key_hint = (s3.access_key or "")[:4] + "..." if s3.access_key else "(none)"
        out("📋 Configuration:")
        out(f"   Endpoint: {s3.endpoint_url or '(AWS default)'}")
        out(f"   Region: {s3.region}")
        out(f"   Bucket: {s3.bucket}")
        out(f"   Access Key: {key_hint}")
    else:
        out(f"📋 Local storage in {settings.data_dir / 'media'}")
    out(f"   Environment: {settings.env}")
    key = f"{settings.env}/renders/check-{uuid.uuid4()}.mp3"
    out(f"📤 Uploading test file: {key}")
    try:
        storage.put(key, io.BytesIO(TEST_OBJECT), len(TEST_OBJECT), "audio/mpeg")
        url = storage.url_for(key, "http://127.0.0.1:8000/")
        out("✅ Upload successful!")
        out(f"📍 Public URL: {url}")
        out("🔍 Verifying upload...")
        size, content_type = _stat(storage, key)
        if size != len(TEST_OBJECT):
            expected = len(TEST_OBJECT)
            raise StorageError(f"stored size is {size}, expected {expected}", "SizeMismatch")
        out(f"✅ File exists! Size: {size} bytes")
        if content_type is not None:
            out(f"   Content-Type: {content_type}")
            if content_type != "audio/mpeg":
                raise StorageError(f"content type is {content_type}", "ContentTypeMismatch")
        # What attaching a recording to a private thread does (an ACL or a tag change):
        # a key without that right would fail only when a band first goes private.
        storage.make_private(key)
        out("🔒 Made private, as a private thread's recording is")
        storage.delete(key)
        out("🗑️  Test file deleted")
    except StorageError as exc:
        out(f"❌ {diagnose(exc.code)}")
        out(f"   Error Code: {exc.code or 'Unknown'}")
        out(rule)
        return 1
    out(rule)
    out("✅ Test PASSED - storage is working!")
    out(rule)
    return 0


def _stat(storage, key: str) -> tuple[int, str | None]:
    path = storage.local_path(key)
    if path is not None:
        return path.stat().st_size, None
    from sequencer_server.storage.s3 import error_code

    try:
        head = storage.client.head_object(Bucket=storage.bucket, Key=key)
    except Exception as exc:
        raise StorageError(str(exc), error_code(exc)) from exc
    return int(head["ContentLength"]), head.get("ContentType")
