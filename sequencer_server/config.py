"""Server settings from the environment, with the seed document's variable names.

Validated once at start-up so a misconfigured server refuses to start with a message that
names the variable, rather than failing on the first request.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sequencer_server.write_limits import WriteLimits

ALLOWED_FORMATS = ("mp3",)
REQUEST_TIMEOUT_VAR = "REQUEST_TIMEOUT_S"
DEFAULT_REQUEST_TIMEOUT_S = 60.0
MIN_BODY_RATE_VAR = "MIN_BODY_KB_PER_S"
# 64 kbit/s: a 50 MB upload at 1 Mbit/s (125 kB/s, ~7 min) is 15 times faster than this,
# while a body trickled a byte every few seconds is cut off a few seconds after the grace.
DEFAULT_MIN_BODY_KB_PER_S = 8.0


class ConfigError(RuntimeError):
    """The environment does not describe a server that can start."""


@dataclass(frozen=True)
class S3Settings:
    endpoint_url: str | None
    region: str
    access_key: str | None
    secret_key: str | None
    bucket: str
    public_base_url: str | None = None
    acl: str | None = "public-read"


@dataclass(frozen=True)
class Settings:
    # The seed's shared token, a service token with admin rights; optional once users exist.
    api_token: str | None
    data_dir: Path
    env: str = "dev"
    s3: S3Settings | None = None
    mongodb_uri: str | None = None
    mongodb_db: str = "sequencer"
    max_upload_mb: int = 100
    max_json_kb: int = 1024
    max_uploads_per_client: int = 4
    # Open ``/api/v1/events`` streams per user (the shared token: per client address).
    max_streams_per_user: int = 16
    # Samples: a file a track plays, shared by hash between messages.
    max_sample_mb: int = 50
    max_sample_seconds: int = 30
    public_base_url: str | None = None
    allowed_formats: tuple[str, ...] = field(default=ALLOWED_FORMATS)
    # How long deletions stay listed for pollers; ``cleanup`` forgets older ones.
    tombstone_retention_days: int = 30
    # Key for signed /media URLs of private threads; None: a key kept in the data folder.
    signing_key: str | None = None
    signed_url_ttl_s: int = 3600
    auth_failures_per_minute: int = 20
    # Seconds between ``: ping`` comments on an idle event stream (keeps proxies open).
    sse_heartbeat_s: float = 15.0
    # Seconds a client may leave a request unfinished without sending a byte of its body
    # (408), and the most its request head may take to arrive (the connection is dropped):
    # slow or stalled clients must not hold upload slots and sockets indefinitely.
    request_timeout_s: float = DEFAULT_REQUEST_TIMEOUT_S
    # What one user may write: sizes, rates, storage (write_limits.py).
    write_limits: WriteLimits = field(default_factory=WriteLimits)
    # The least a body must average once REQUEST_TIMEOUT_S of waiting for it has passed
    # (408 below it): a body trickled a byte every few seconds never stalls, yet would hold
    # its connection and upload slot for hours.
    min_body_kb_per_s: float = DEFAULT_MIN_BODY_KB_PER_S

    @property
    def min_body_bytes_per_s(self) -> float:
        return self.min_body_kb_per_s * 1024

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def max_sample_bytes(self) -> int:
        return self.max_sample_mb * 1024 * 1024

    @property
    def max_json_bytes(self) -> int:
        return self.max_json_kb * 1024

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, data_dir: str | Path | None = None
    ) -> Settings:
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        token = get("API_TOKEN")
        max_mb = _positive(get, "MAX_UPLOAD_MB", 100, "megabytes")
        max_json_kb = _positive(get, "MAX_JSON_KB", 1024, "kilobytes")
        max_uploads = _positive(get, "MAX_UPLOADS_PER_CLIENT", 4, "uploads")
        max_streams = _positive(get, "MAX_STREAMS_PER_USER", 16, "streams")
        max_sample_mb = _positive(get, "MAX_SAMPLE_MB", 50, "megabytes")
        max_sample_s = _positive(get, "MAX_SAMPLE_SECONDS", 30, "seconds")
        ttl = _positive(get, "SIGNED_URL_TTL", 3600, "seconds")
        heartbeat = _seconds(get, "SSE_HEARTBEAT_S", 15.0)
        request_timeout = _seconds(get, REQUEST_TIMEOUT_VAR, DEFAULT_REQUEST_TIMEOUT_S)
        min_body_rate = _rate(get, MIN_BODY_RATE_VAR, DEFAULT_MIN_BODY_KB_PER_S)

        retention_text = get("TOMBSTONE_RETENTION_DAYS") or "30"
        try:
            retention = int(retention_text)
            if retention <= 0:
                raise ValueError
        except ValueError:
            raise ConfigError(
                "TOMBSTONE_RETENTION_DAYS must be a positive whole number of days, not "
                f"{retention_text!r}"
            ) from None

        s3 = None
        bucket = get("S3_BUCKET_NAME")
        if bucket:
            s3 = S3Settings(
                endpoint_url=get("S3_ENDPOINT_URL"),
                region=get("S3_REGION") or "us-east-1",
                access_key=get("S3_ACCESS_KEY"),
                secret_key=get("S3_SECRET_KEY"),
                bucket=bucket,
                public_base_url=get("S3_PUBLIC_BASE_URL"),
                acl=_acl(get("S3_ACL")),
            )
        elif any(get(n) for n in ("S3_ENDPOINT_URL", "S3_ACCESS_KEY", "S3_SECRET_KEY")):
            raise ConfigError(
                "S3 settings are present but S3_BUCKET_NAME is not set; set it to use S3 "
                "storage, or unset the S3_* variables to store renders in the data folder."
            )

        if data_dir is None:
            data_dir = get("SEQUENCER_SERVER_DATA") or _default_data_dir()
        return cls(
            api_token=token,
            data_dir=Path(data_dir),
            env=get("ENV") or "dev",
            s3=s3,
            mongodb_uri=get("MONGODB_URI"),
            mongodb_db=get("MONGODB_DB") or "sequencer",
            max_upload_mb=max_mb,
            max_json_kb=max_json_kb,
            max_uploads_per_client=max_uploads,
            max_streams_per_user=max_streams,
            max_sample_mb=max_sample_mb,
            max_sample_seconds=max_sample_s,
            public_base_url=(get("PUBLIC_BASE_URL") or "").rstrip("/") or None,
            tombstone_retention_days=retention,
            signing_key=get("SIGNING_KEY"),
            signed_url_ttl_s=ttl,
            sse_heartbeat_s=heartbeat,
            request_timeout_s=request_timeout,
            write_limits=WriteLimits.from_env(get),
            min_body_kb_per_s=min_body_rate,
        )


NO_USERS = (
    "API_TOKEN is not set and the server has no users. The server refuses to start without "
    "a way in: add a user with `sequencer-server users add NAME --admin` (same --data-dir or "
    "MONGODB_URI as the server) and give its token to that person, or set API_TOKEN to a "
    "long random string (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`) "
    "and give the same token to the clients."
)


def _positive(get: Callable[[str], str | None], name: str, default: int, unit: str) -> int:
    text = get(name) or str(default)
    try:
        value = int(text)
        if value <= 0:
            raise ValueError
    except ValueError:
        raise ConfigError(
            f"{name} must be a positive whole number of {unit}, not {text!r}"
        ) from None
    return value


def _seconds(get: Callable[[str], str | None], name: str, default: float) -> float:
    return _positive_float(get, name, default, "seconds", below=86400)


def _rate(get: Callable[[str], str | None], name: str, default: float) -> float:
    return _positive_float(get, name, default, "kilobytes per second", below=math.inf)


def _positive_float(
    get: Callable[[str], str | None], name: str, default: float, unit: str, below: float
) -> float:
    text = get(name) or str(default)
    try:
        value = float(text)
        if not 0 < value < below:
            raise ValueError
    except ValueError:
        raise ConfigError(f"{name} must be a positive number of {unit}, not {text!r}") from None
    return value


def request_timeout_from_env(environ: Mapping[str, str] | None = None) -> float:
    """``REQUEST_TIMEOUT_S`` alone, for code that runs before (or without) the app's
    settings: uvicorn's protocol, which each worker process builds for itself."""
    env = os.environ if environ is None else environ
    return _seconds(lambda name: env.get(name, "").strip() or None, REQUEST_TIMEOUT_VAR,
                    DEFAULT_REQUEST_TIMEOUT_S)  # fmt: skip


def _acl(value: str | None) -> str | None:
    """The seed uploads with ``ACL='public-read'``; ``S3_ACL=none`` omits the ACL for
    buckets that refuse ACLs (AWS's default "bucket owner enforced" setting)."""
    if value is None:
        return "public-read"
    return None if value.lower() == "none" else value


def _default_data_dir() -> str:
    from platformdirs import user_data_dir

    return user_data_dir("sequencer-server", appauthor=False)
