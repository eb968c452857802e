"""``sequencer cache [info|prefetch --thread ID|clear]`` — the caches from a terminal.

Two folders make up what Settings calls the cache (``cache_budget``): the recordings
(``<cache>/audio_cache``) and the sounds patterns play (``<cache>/samples``), each capped
by its share of the one limit. ``info`` and ``clear`` work on the folders alone (no server
needed, nothing started); ``prefetch`` downloads every render of a thread so it plays
offline, through the same cache the GUI reads.

``clear`` keeps the sounds of the pattern the window reopens (the session pattern): a
sound dropped on a track and never sent may exist nowhere else. Messages still in the
outbox keep their own links to their sounds, so clearing never stops one being delivered.
"""

from __future__ import annotations

import argparse
import sys

from desktop_app.domain.message import Render
from desktop_app.paths import AppPaths
from desktop_app.services.api import ApiError
from desktop_app.services.audio_cache import MIB, AudioCache, prefetch, thread_messages
from desktop_app.services.cache_budget import render_cap_bytes, sample_cap_bytes, size_text
from desktop_app.services.pattern_files import SessionPattern
from desktop_app.services.samples import SampleCache
from desktop_app.settings import Settings

HELP = "show, fill or empty the cache (recordings and sounds)"
DESCRIPTION = (
    "The recordings and sounds kept on this machine for instant and offline "
    "playback, within the cache limit of the settings."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action")
    sub.add_parser("info", help="where the caches are, how full, what is in them (default)")
    pre = sub.add_parser("prefetch", help="download a thread's renders for offline listening")
    pre.add_argument("--thread", required=True, metavar="ID", help="thread id")
    pre.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    sub.add_parser(
        "clear", help="delete the cached renders and sounds (not those of the open pattern)"
    )
    from desktop_app.commands._connection import add_connection_args

    add_connection_args(pre)


def _limit_mb(paths: AppPaths) -> int:
    return Settings.open(paths.settings_file).cache_size_mb


def open_cache(paths: AppPaths) -> AudioCache:
    return AudioCache(paths.audio_cache_dir, render_cap_bytes(_limit_mb(paths)))


def open_sample_cache(paths: AppPaths) -> SampleCache:
    """The sample cache with its share of the settings' limit (no server: it never
    downloads here)."""
    return SampleCache(paths.sample_cache_dir, cap_bytes=sample_cap_bytes(_limit_mb(paths)))


def run(args: argparse.Namespace) -> int:
    paths = AppPaths.from_env().ensure()
    action = args.action or "info"
    cache = open_cache(paths)
    try:
        if action == "info":
            return _info(cache, open_sample_cache(paths), _limit_mb(paths))
        if action == "clear":
            return _clear(cache, open_sample_cache(paths), paths)
        return _prefetch(cache, args)
    finally:
        cache.close()


def _share(count: int, total: int, cap: int, folder: object) -> str:
    used = total / cap * 100 if cap else 0.0
    return f"{count} ({size_text(total)} of {size_text(cap)}, {used:.0f}%) in {folder}"


def _info(cache: AudioCache, samples: SampleCache, limit_mb: int) -> int:
    info = cache.info()
    entries = samples.entries()
    sample_bytes = sum(size for _sha, size, _used in entries)
    total = info.total_bytes + sample_bytes
    print(f"renders:  {_share(info.count, info.total_bytes, info.cap_bytes, info.folder)}")
    print(f"samples:  {_share(len(entries), sample_bytes, samples.cap_bytes, samples.folder)}")
    print(
        f"total:    {size_text(total)} of {size_text(limit_mb * MIB)} (the cache limit in Settings)"
    )
    return 0


def _clear(cache: AudioCache, samples: SampleCache, paths: AppPaths) -> int:
    files, freed = cache.clear()
    session = SessionPattern(paths.session_pattern_file).load()
    keep = session.sample_refs() if session is not None else []
    sample_files, sample_freed = samples.clear(keep)
    kept = len({sha for sha, _size, _used in samples.entries()} & set(keep))
    print(
        f"removed {files} render(s), {size_text(freed)}, and {sample_files} sample(s), "
        f"{size_text(sample_freed)}"
        + (f"; kept {kept} sample(s) the open pattern plays" if kept else "")
    )
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
        f"({size_text(result.bytes)}), {result.already} already cached, "
        f"{len(result.failed)} failed"
    )
    for render_id, why in result.failed:
        print(f"sequencer cache: {render_id}: {why}", file=sys.stderr)
    return 1 if result.failed else 0
