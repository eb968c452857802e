"""``sequencer cache [info|prefetch --thread ID|clear]`` — the audio cache from a terminal.

``info`` and ``clear`` work on the folder alone (no server needed, nothing started);
``prefetch`` downloads every render of a thread so it plays offline, through the same
cache the GUI reads (``<cache>/audio_cache``), with the size cap from the settings.
"""

from __future__ import annotations

import argparse
import sys

from desktop_app.domain.message import Render
from desktop_app.paths import AppPaths
from desktop_app.services.api import ApiError
from desktop_app.services.audio_cache import MIB, AudioCache, prefetch, thread_messages
from desktop_app.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "cache",
        help="show, fill or empty the audio cache",
        description="The renders kept on this machine for instant and offline playback.",
    )
    sub = p.add_subparsers(dest="action")
    sub.add_parser("info", help="where the cache is, how full, what is in it (default)")
    pre = sub.add_parser("prefetch", help="download a thread's renders for offline listening")
    pre.add_argument("--thread", required=True, metavar="ID", help="thread id")
    pre.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    sub.add_parser("clear", help="delete the cached renders")
    from desktop_app.commands._connection import add_connection_args

    add_connection_args(pre)
    p.set_defaults(func=run)


def _human(n: int) -> str:
    if n >= 1024 * MIB:
        return f"{n / (1024 * MIB):.2f} GiB"
    if n >= MIB:
        return f"{n / MIB:.1f} MiB"
    return f"{n / 1024:.0f} KiB" if n >= 1024 else f"{n} B"


def open_cache(paths: AppPaths) -> AudioCache:
    settings = Settings.open(paths.settings_file)
    return AudioCache(paths.audio_cache_dir, settings.cache_size_mb * MIB)


def run(args: argparse.Namespace) -> int:
    paths = AppPaths.from_env().ensure()
    action = args.action or "info"
    cache = open_cache(paths)
    try:
        if action == "info":
            return _info(cache)
        if action == "clear":
            files, freed = cache.clear()
            print(f"removed {files} file(s), {_human(freed)}")
            return 0
        return _prefetch(cache, args)
    finally:
        cache.close()


def _info(cache: AudioCache) -> int:
    info = cache.info()
    used = info.total_bytes / info.cap_bytes * 100 if info.cap_bytes else 0.0
    print(f"folder:   {info.folder}")
    print(f"renders:  {info.count}")
    print(f"size:     {_human(info.total_bytes)} of {_human(info.cap_bytes)} ({used:.0f}%)")
    return 0


def _prefetch(cache: AudioCache, args: argparse.Namespace) -> int:
    from desktop_app.commands._connection import open_context

    with open_context(args) as ctx:
        try:
            thread = ctx.api.get_thread(args.thread)
            messages = thread_messages(ctx.api, args.thread)
        except ApiError as exc:
            print(f"sequencer cache: {exc.detail}", file=sys.stderr)
            return 1

        def show(render: Render, i: int, total: int) -> None:
            if not args.quiet:
                print(f"[{i + 1}/{total}] {render.id}", file=sys.stderr)

        result = prefetch(cache, messages, ctx.api, on_render=show)
    print(
        f"{thread.name}: {result.renders} render(s), {result.downloaded} downloaded "
        f"({_human(result.bytes)}), {result.already} already cached, "
        f"{len(result.failed)} failed"
    )
    for render_id, why in result.failed:
        print(f"sequencer cache: {render_id}: {why}", file=sys.stderr)
    return 1 if result.failed else 0
