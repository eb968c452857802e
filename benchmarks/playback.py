"""Playback: time from pressing play to the player playing, for a one-minute render.

Ours: the PlaybackController as the GUI uses it — from the audio cache (the usual case
after the first listen), and on a cache miss a download over loopback into the cache,
then play. Baseline, in the same run: what the seed does without a cache ("audio streams
from S3"), a QMediaPlayer given the render's HTTP URL directly. And the floor for the
cached case: a bare QMediaPlayer given the same local file (the MP3 in the cache) - what
ours costs on top of Qt's own load is the difference. Each press starts from an unloaded
player (a different row was playing), so the load is part of the time.

"Playing" is the player in PlayingState with its media buffered (opened and decoded
enough to start). QMediaPlayer runs on its wall clock here (no sound server); with a
device the output adds its own buffer latency, the same for ours and the baseline.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import median, percentile, ratio, wait_until

SR = 44100
SECONDS = 60.0
GOAL_CACHE_MS = 150.0
TOKEN = "bench-token"


def _one_minute_mp3(path: Path) -> Path:
    """A minute of the demo groove, bounced and encoded like a real render."""
    from desktop_app.audio.engine import Engine
    from desktop_app.audio.kit import load_default_kit
    from desktop_app.audio.mp3 import encode_mp3
    from desktop_app.domain.pattern import demo_pattern

    pattern = demo_pattern()
    engine = Engine(load_default_kit())
    loops = max(1, round(SECONDS / pattern.pass_seconds))
    pcm = engine.bounce(pattern, loops)
    encode_mp3(np.asarray(pcm, np.float32), SR, path, bitrate=320)
    return path


def _wait(app: Any, predicate: Callable[[], bool]) -> None:
    wait_until(app, predicate, 20.0, "the player's start")


def run(args: argparse.Namespace) -> dict[str, Any]:
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("PULSE_SERVER", "unix:/nonexistent")
    from PySide6.QtCore import QThreadPool, QUrl
    from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
    from PySide6.QtWidgets import QApplication

    from desktop_app.domain.pattern import demo_pattern
    from desktop_app.services.api import ApiClient
    from desktop_app.services.audio_cache import AudioCache
    from desktop_app.services.tasks import TaskRunner
    from desktop_app.state.audio_player_state import AudioPlayerState
    from desktop_app.state.message_list_model import MessageListModel
    from desktop_app.state.playback_controller import PlaybackController
    from desktop_app.state.render_fetcher import RenderFetcher
    from sequencer_server.app import create_app
    from sequencer_server.config import Settings
    from sequencer_server.threaded import ThreadedServer

    quick = getattr(args, "quick", False)
    repeats = 5 if quick else 15
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        settings = Settings.from_env({"API_TOKEN": TOKEN, "ENV": "bench"}, data_dir=tmp_path / "s")
        with ThreadedServer(create_app(settings)) as server:
            api = ApiClient(server.url, TOKEN)
            mp3 = _one_minute_mp3(tmp_path / "minute.mp3")
            thread = api.create_thread("bench")
            render = api.upload_audio(mp3, bitrate=320, duration=SECONDS)
            a = api.create_message(thread.id, "alice", demo_pattern().to_snapshot())
            b = api.create_message(thread.id, "alice", demo_pattern().to_snapshot())
            api.attach_render(a.id, render)
            api.attach_render(b.id, api.upload_audio(mp3, bitrate=320, duration=SECONDS))
            model = MessageListModel("bob")
            model.set_messages([api.get_message(a.id), api.get_message(b.id)])

            pool = QThreadPool()
            pool.setMaxThreadCount(2)
            cache = AudioCache(tmp_path / "audio_cache")
            player = AudioPlayerState()
            controller = PlaybackController(player, RenderFetcher(cache, TaskRunner(pool), api))
            controller.set_model(model)

            def buffered(p: QMediaPlayer) -> bool:
                return p.mediaStatus() == QMediaPlayer.MediaStatus.BufferedMedia

            def press(mid: str) -> float:
                player.stop()
                app.processEvents()
                t0 = time.perf_counter()
                controller.toggle(mid)
                _wait(
                    app,
                    lambda: player.is_playing and player.key == mid and buffered(player._player),
                )
                return time.perf_counter() - t0

            download_s = []
            for _ in range(repeats):
                cache.drop(render.id)
                download_s.append(press(a.id))
            controller.ensure_file(b.id, lambda _p: None)
            _wait(app, lambda: controller.is_available(b.id))
            cache_s = [press(a.id if i % 2 else b.id) for i in range(repeats * 2)]
            player.stop()

            # the baseline: no cache, the player streams the render's URL
            base = QMediaPlayer()
            out = QAudioOutput()
            base.setAudioOutput(out)

            def bare_press(url: QUrl) -> float:
                """A bare QMediaPlayer, from unloaded to playing ``url``."""
                base.stop()
                base.setSource(QUrl())
                app.processEvents()
                t0 = time.perf_counter()
                base.setSource(url)
                base.play()
                _wait(
                    app,
                    lambda: (
                        base.playbackState() == QMediaPlayer.PlaybackState.PlayingState
                        and buffered(base)
                    ),
                )
                return time.perf_counter() - t0

            stream_s = [bare_press(QUrl(render.url)) for _ in range(repeats)]
            base.stop()

            # the floor: a bare QMediaPlayer on the same local file ours plays from
            local = cache.lookup(render.id) or cache.lookup(b.id)
            if local is None:
                local = mp3
            local_s = [bare_press(QUrl.fromLocalFile(str(local))) for _ in range(repeats * 2)]
            base.stop()
            pool.waitForDone(5000)
            cache.close()

    def ms(values: list[float]) -> float:
        return round(median(values) * 1000, 1)

    return {
        "benchmark": "playback",
        "render": {"seconds": SECONDS, "bytes": render.size_bytes, "bitrate": 320},
        "presses": {
            "cache": len(cache_s),
            "download": len(download_s),
            "stream": len(stream_s),
            "bare_local": len(local_s),
        },
        "click_to_playing_ms": {
            "ours_from_cache": ms(cache_s),
            "ours_from_cache_p95": round(percentile(cache_s, 95) * 1000, 1),
            "ours_download_then_play": ms(download_s),
            "baseline_stream_url": ms(stream_s),
            "bare_qmediaplayer_local_file": ms(local_s),
            "ours_cache_overhead_over_bare_ms": round(ms(cache_s) - ms(local_s), 1),
            "ratio_cache_vs_stream": round(ratio(median(stream_s), median(cache_s)), 2),
            "ratio_download_vs_stream": round(ratio(median(stream_s), median(download_s)), 2),
        },
        "goal": f"from cache median <= {GOAL_CACHE_MS:g} ms",
        "meets_goal": ms(cache_s) <= GOAL_CACHE_MS,
        "ratio_means": "baseline / ours (bigger is better)",
    }
