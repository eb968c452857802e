"""``sequencer-server``: run the server, manage its users, or check its storage."""

from __future__ import annotations

import argparse
import functools
import json
import logging
import os
import select
import sys
import threading
import time

from sequencer_server import user_commands
from sequencer_server.config import ConfigError, Settings

log = logging.getLogger("sequencer_server")

TLS_SHUTDOWN_S = 5
STREAM_SHUTDOWN_S = 10


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sequencer-server",
        description="Sequencer's server. Configuration comes from the environment: API_TOKEN "
        "(the shared service token; optional once `users add` made a user), ENV, S3_* (S3 "
        "storage), MONGODB_URI/MONGODB_DB (MongoDB), MAX_UPLOAD_MB. "
        "Without S3 and MongoDB settings it keeps messages in SQLite and renders in a folder "
        "under --data-dir.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port (0 picks a free one)")
    parser.add_argument("--data-dir", help="folder for SQLite and local renders")
    parser.add_argument(
        "--tls-self-signed",
        "--https",
        action="store_true",
        help="serve HTTPS with a self-signed certificate made once in the data folder; "
        "prints its SHA-256 fingerprint (invites carry it for clients to pin)",
    )
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--log-level", default="info")
    parser.add_argument(
        "--ready-json",
        action="store_true",
        help="print one JSON line with the URL once listening (used by the desktop app)",
    )
    parser.add_argument(
        "--parent-pid",
        type=int,
        help="exit when this process is gone (the desktop app's embedded server)",
    )
    sub = parser.add_subparsers(dest="command")
    sub.add_parser(
        "check-storage",
        help="upload, verify and delete a test object; diagnose S3 configuration problems",
    )
    clean = sub.add_parser(
        "cleanup",
        help="delete render files that no message uses (never attached, left behind by a "
        "failed delete, or with no upload record at all) and forget deletions older than "
        "TOMBSTONE_RETENTION_DAYS; run it from cron",
    )
    clean.add_argument(
        "--older-than", default="24h", help="grace period, e.g. 90m, 24h, 7d (default 24h)"
    )
    clean.add_argument("--dry-run", action="store_true", help="only list what would go")
    user_commands.add_parsers(sub, _data_dir_option)
    return parser


def _data_dir_option(parser: argparse.ArgumentParser) -> None:
    """``--data-dir`` after the subcommand too (``users add x --data-dir D``)."""
    parser.add_argument(
        "--data-dir", default=argparse.SUPPRESS, help="the server's data folder (SQLite)"
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = Settings.from_env(data_dir=args.data_dir)
    except ConfigError as exc:
        print(f"sequencer-server: {exc}", file=sys.stderr)
        return 2
    if args.command == "check-storage":
        from sequencer_server.check_storage import check_storage

        return check_storage(settings)
    if args.command == "cleanup":
        return run_cleanup(settings, args)
    if args.command in ("users", "invite"):
        return user_commands.run(settings, args)
    try:
        return serve(settings, args)
    except ConfigError as exc:
        print(f"sequencer-server: {exc}", file=sys.stderr)
        return 2


def run_cleanup(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import timedelta

    from sequencer_server.cleanup import cleanup, parse_age, prune_tombstones
    from sequencer_server.sample_cleanup import cleanup_samples
    from sequencer_server.storage import storage_from_settings
    from sequencer_server.store import store_from_settings

    try:
        age = parse_age(args.older_than)
    except ValueError as exc:
        print(f"sequencer-server cleanup: --older-than: {exc}", file=sys.stderr)
        return 2
    store = store_from_settings(settings)
    try:
        report = cleanup(
            store,
            storage_from_settings(settings),
            older_than=age,
            dry_run=args.dry_run,
            renders_prefix=f"{settings.env}/renders/",
        )
        samples = cleanup_samples(
            store,
            storage_from_settings(settings),
            f"{settings.env}/samples/",
            older_than=age,
            dry_run=args.dry_run,
        )
        if not args.dry_run:
            prune_tombstones(store, timedelta(days=settings.tombstone_retention_days))
    finally:
        store.close()
    return 1 if report.failed or samples.failed else 0


def serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from sequencer_server.app import create_app
    from sequencer_server.auth import install_log_redaction
    from sequencer_server.listen import tcp_listener
    from sequencer_server.quiet_server import QuietServer
    from sequencer_server.slow_clients import HeadTimeoutProtocol

    install_log_redaction([settings.api_token] if settings.api_token else [])
    ssl: dict[str, str] = {}
    scheme = "http"
    if args.tls_self_signed:
        from sequencer_server.tls import colon_hex, ensure_certificate

        try:
            cert = ensure_certificate(settings.data_dir)
        except ImportError as exc:  # bundles built without it (packaging/sequencer.spec)
            raise ConfigError(
                f"--tls-self-signed needs the 'cryptography' package, which is missing ({exc})"
            ) from exc
        ssl = {"ssl_certfile": str(cert.cert_path), "ssl_keyfile": str(cert.key_path)}
        scheme = "https"
        log.info("🔐 HTTPS certificate SHA-256 fingerprint: %s", colon_hex(cert.fingerprint))
    if args.workers > 1:
        _refuse_without_a_way_in(settings)
        # Each worker process builds its own app from the environment.
        if args.data_dir:
            os.environ["SEQUENCER_SERVER_DATA"] = args.data_dir
        from uvicorn.supervisors import Multiprocess

        config = uvicorn.Config(
            "sequencer_server.asgi:create_app_from_env",
            factory=True,
            workers=args.workers,
            log_level=args.log_level,
            # by name: each worker builds it, with REQUEST_TIMEOUT_S from the environment
            http="sequencer_server.slow_clients:HeadTimeoutProtocol",
            **ssl,  # type: ignore[arg-type]
        )
        # uvicorn.run would bind a socket whose connections keep Nagle on (listen.py).
        sock = tcp_listener(args.host, args.port)
        host, port = sock.getsockname()[:2]
        log.info("Sequencer server listening on %s://%s:%d with %d workers",
                 scheme, host, port, args.workers)  # fmt: skip
        Multiprocess(config, sockets=[sock]).run()
        return 0

    app = create_app(settings)
    sock = tcp_listener(args.host, args.port)
    host, port = sock.getsockname()[:2]
    url = f"{scheme}://{host}:{port}"
    protocol = functools.partial(HeadTimeoutProtocol, head_timeout_s=settings.request_timeout_s)
    config = uvicorn.Config(
        app,
        log_level=args.log_level,
        access_log=True,
        http=protocol,  # type: ignore[arg-type]
        # A TLS client gone without its close_notify would hold the shutdown for asyncio's
        # 30 s SSL shutdown timeout; the desktop app waits for its embedded server to end.
        # Open event streams are ended when the server starts to stop (before_shutdown);
        # what is left is cut after the grace period (clients reconnect with Last-Event-ID).
        timeout_graceful_shutdown=TLS_SHUTDOWN_S if ssl else STREAM_SHUTDOWN_S,
        **ssl,  # type: ignore[arg-type]
    )
    server = QuietServer(config, before_shutdown=app.state.events.end_streams)
    if args.parent_pid:
        threading.Thread(
            target=_exit_with_parent, args=(args.parent_pid, server), daemon=True
        ).start()
    if args.ready_json:
        ready: dict[str, object] = {"url": url, "pid": os.getpid()}
        if ssl:
            ready["fingerprint"] = cert.fingerprint
        print(json.dumps(ready), flush=True)
    log.info("Sequencer server listening on %s (docs at %s/docs)", url, url)
    server.run(sockets=[sock])
    return 0


def _refuse_without_a_way_in(settings: Settings) -> None:
    """The workers build their apps themselves; check here so the refusal is one clear
    message instead of one traceback per worker."""
    from sequencer_server.config import NO_USERS
    from sequencer_server.store import store_from_settings

    if settings.api_token:
        return
    store = store_from_settings(settings)
    try:
        if store.count_users() == 0:
            raise ConfigError(NO_USERS)
    finally:
        store.close()


def _exit_with_parent(pid: int, server) -> None:
    """Stop the server once the process that started it is gone. Linux hands out a file
    descriptor that becomes readable when a process ends (``pidfd_open``), so the watch
    costs no wake-ups at all; elsewhere the parent is looked for once a second."""
    if _wait_for_exit(pid):
        log.info("Parent process %d is gone; shutting down", pid)
        server.should_exit = True
        return
    while True:
        time.sleep(1.0)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            log.info("Parent process %d is gone; shutting down", pid)
            server.should_exit = True
            return
        except PermissionError:
            pass


def _wait_for_exit(pid: int) -> bool:
    """Block until ``pid`` ends (True), or False at once where that cannot be waited for."""
    pidfd_open = getattr(os, "pidfd_open", None)
    if pidfd_open is None:
        return False
    try:
        fd = pidfd_open(pid)
    except ProcessLookupError:
        return True  # already gone
    except OSError:  # a kernel before 5.3, or a sandbox refusing it
        return False
    try:
        select.select([fd], [], [])
    finally:
        os.close(fd)
    return True


if __name__ == "__main__":
    sys.exit(main())
