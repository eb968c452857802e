"""Renders in S3-compatible storage (DigitalOcean Spaces, AWS S3, MinIO) through boto3.

``upload_fileobj`` streams the spooled upload in parts (multipart upload above 8 MB), so a
large render never sits in the server's memory — the seed's ``put_object(Body=bytes)``
needed the whole file in RAM.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast
from urllib.parse import urlparse

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from sequencer_server.config import S3Settings
from sequencer_server.storage.base import StorageError, StoredObject, Stream

if TYPE_CHECKING:  # boto3-stubs: for the type checker only
    from mypy_boto3_s3 import S3Client

log = logging.getLogger("sequencer_server.storage.s3")

# Parts are read into memory before they are sent: the part size times the number of parts
# allowed in memory bounds what one upload costs the server (about 12 MB here), instead of
# boto3's default of ten 8 MB parts.
TRANSFER = TransferConfig(
    multipart_threshold=8 * 1024 * 1024,
    multipart_chunksize=6 * 1024 * 1024,
    max_concurrency=2,
    use_threads=True,
)
TRANSFER.max_in_memory_upload_chunks = 2  # an s3transfer setting boto3's __init__ omits


def error_code(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", "Unknown"))
    return type(exc).__name__


# The object tag a bucket without ACLs makes public by (README, "S3 without ACLs").
ACCESS_TAG = "access"


class S3Storage:
    name = "s3"

    def __init__(self, settings: S3Settings, client: S3Client | None = None) -> None:
        self.settings = settings
        self.bucket = settings.bucket
        self._probe: S3Client | None = client  # an injected client serves probes too
        self.client = client or boto3.client(
            "s3",
            endpoint_url=settings.endpoint_url,
            aws_access_key_id=settings.access_key,
            aws_secret_access_key=settings.secret_key,
            region_name=settings.region,
            config=Config(
                retries={"max_attempts": 3, "mode": "standard"},
                connect_timeout=10,
                read_timeout=60,
            ),
        )

    def public_url(self, key: str) -> str:
        """The seed's format, ``https://{bucket}.{endpoint host}/{key}``, unless
        ``S3_PUBLIC_BASE_URL`` says otherwise (a CDN, or a path-style endpoint)."""
        if self.settings.public_base_url:
            return f"{self.settings.public_base_url.rstrip('/')}/{key}"
        endpoint = self.settings.endpoint_url or f"https://s3.{self.settings.region}.amazonaws.com"
        parsed = urlparse(endpoint)
        host = parsed.netloc or parsed.path
        return f"{parsed.scheme or 'https'}://{self.bucket}.{host}/{key}"

    def put(self, key: str, stream: Stream, size: int, content_type: str) -> None:
        extra: dict[str, str] = {"ContentType": content_type}
        if self.settings.acl:
            extra["ACL"] = self.settings.acl
        else:  # what the README's bucket policy reads instead of an ACL
            extra["Tagging"] = f"{ACCESS_TAG}=public"
        body = cast("IO[bytes]", stream)  # boto3 only reads, seeks and tells
        try:
            self.client.upload_fileobj(body, self.bucket, key, ExtraArgs=extra, Config=TRANSFER)
        except (ClientError, BotoCoreError) as exc:
            code = error_code(exc)
            # boto3's transfer manager wraps ClientError; dig out the original code.
            cause = exc.__cause__ or exc.__context__
            if code in ("S3UploadFailedError", "Unknown") and cause is not None:
                code = error_code(cause)
            raise StorageError(f"S3 upload of {key} failed: {exc}", code=code) from exc
        except Exception as exc:  # S3UploadFailedError is not a ClientError subclass
            cause = exc.__cause__ or exc.__context__
            code = error_code(cause) if cause is not None else type(exc).__name__
            raise StorageError(f"S3 upload of {key} failed: {exc}", code=code) from exc

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=key)
        except (ClientError, BotoCoreError) as exc:
            if error_code(exc) in ("NoSuchKey", "404"):
                return
            raise StorageError(f"S3 delete of {key} failed: {exc}", code=error_code(exc)) from exc

    def list_objects(self, prefix: str) -> Iterator[StoredObject]:
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix
            )
            for page in pages:
                for obj in page.get("Contents", []):
                    yield StoredObject(obj["Key"], int(obj["Size"]), obj["LastModified"])
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(
                f"S3 listing of {prefix} failed: {exc}", code=error_code(exc)
            ) from exc

    def discard_incomplete(self, prefix: str, before: datetime) -> int:
        """Abort multipart uploads a killed process left open: their parts are stored (and
        billed) but never listed as objects."""
        aborted = 0
        try:
            pages = self.client.get_paginator("list_multipart_uploads").paginate(
                Bucket=self.bucket, Prefix=prefix
            )
            for page in pages:
                for upload in page.get("Uploads", []):
                    if upload["Initiated"] >= before:
                        continue
                    self.client.abort_multipart_upload(
                        Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                    )
                    aborted += 1
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(
                f"S3 multipart listing of {prefix} failed: {exc}", code=error_code(exc)
            ) from exc
        return aborted

    def check(self) -> None:
        try:
            self.probe_client().head_bucket(Bucket=self.bucket)
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"S3 bucket check failed: {exc}", code=error_code(exc)) from exc

    def probe_client(self) -> S3Client:
        """A client that gives up fast, for readiness checks: a probe must answer before
        the load balancer's timeout, not after boto3's retries."""
        if self._probe is None:
            self._probe = boto3.client(
                "s3",
                endpoint_url=self.settings.endpoint_url,
                aws_access_key_id=self.settings.access_key,
                aws_secret_access_key=self.settings.secret_key,
                region_name=self.settings.region,
                config=Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=3),
            )
        return self._probe

    def url_for(self, key: str, request_base_url: str) -> str:
        return self.public_url(key)

    def presigned_url(self, key: str, ttl_s: int) -> str | None:
        return str(
            self.client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=ttl_s
            )
        )

    def make_private(self, key: str) -> None:
        """Uploads are ``public-read`` (the seed's URLs need it); a render attached to a
        private thread loses that grant. Without ACLs (``S3_ACL=none``) the bucket policy
        the README gives grants public reading by the object's ``access`` tag instead, so
        the tag changes: a policy on the whole ``renders/`` prefix would serve private
        threads' recordings to anyone who knows the plain URL, for good."""
        try:
            if self.settings.acl:
                self.client.put_object_acl(Bucket=self.bucket, Key=key, ACL="private")
            else:
                self.client.put_object_tagging(
                    Bucket=self.bucket,
                    Key=key,
                    Tagging={"TagSet": [{"Key": ACCESS_TAG, "Value": "private"}]},
                )
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(
                f"S3 access change of {key} failed: {exc}", code=error_code(exc)
            ) from exc

    def local_path(self, key: str) -> Path | None:
        return None
