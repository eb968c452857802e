"""Screenshots of the real app for the README: ``make screenshots``.

Runs the whole app (embedded server, engine, states, window) in a real X window under
Xvfb, in a throw-away SEQUENCER_HOME, fills a thread with messages whose renders are
real bounces encoded to MP3 and uploaded through the API, then grabs the window:

    docs/screenshots/sequencer.png   the sequencer playing, a take ready to send (1520×880)
    docs/screenshots/thread.png      a conversation with players and pattern previews
    docs/screenshots/window-WxH.png  the whole window as laid out at 760×520 (the minimum),
                                     1024×640, 1520×880 and 2560×1440, resized in that
                                     order from small to big — so the last one also shows
                                     that the columns get their room back

Usage: ``xvfb-run -a -s "-screen 0 2600x1500x24" .venv/bin/python scripts/screenshots.py``
(``--out DIR`` to write elsewhere, ``--keep`` to keep the temporary home).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WINDOW_SIZE = (1520, 880)
# Smallest first: growing back from the minimum is part of what the pictures show.
LAYOUT_SIZES = ((760, 520), (1024, 640), (1520, 880), (2560, 1440))


def _patterns():
    from desktop_app.domain.pattern import Pattern, demo_pattern
    from desktop_app.domain.track import Track

    def steps(n: int, on: dict[int, int] | list[int], vel: int = 100) -> list[int]:
        hits = on if isinstance(on, dict) else dict.fromkeys(on, vel)
        return [hits.get(i, 0) for i in range(n)]

    boom_bap = Pattern(
        bpm=88.0,
        swing=0.3,
        tracks=[
            Track("Kick", "kick", steps(16, {0: 120, 7: 90, 10: 110}), volume=0.9),
            Track("Snare", "snare", steps(16, [4, 12], 110), volume=0.8),
            Track(
                "Closed hat",
                "closed_hat",
                steps(16, {i: 70 + 20 * (i % 4 == 0) for i in range(0, 16, 2)}),
                volume=0.5,
            ),
            Track("Open hat", "open_hat", steps(16, [14], 80), volume=0.4),
            Track("Rim", "rim", steps(16, [3, 11], 60), volume=0.5),
        ],
    )
    techno = Pattern(
        bpm=132.0,
        tracks=[
            Track("Kick", "kick", steps(16, [0, 4, 8, 12], 120), volume=0.95),
            Track("Clap", "clap", steps(16, [4, 12], 100), volume=0.6),
            Track(
                "Closed hat",
                "closed_hat",
                steps(16, {i: 60 + (i % 3) * 15 for i in range(16)}),
                volume=0.4,
            ),
            Track("Open hat", "open_hat", steps(16, [2, 6, 10, 14], 90), volume=0.5),
            Track("Rim", "rim", steps(16, [3, 7, 9, 15], 70), volume=0.4),
            Track("Low tom", "low_tom", steps(16, [11], 80), volume=0.5),
            Track("High tom", "high_tom", steps(16, [13, 15], 70), volume=0.45),
            Track("Snare", "snare", steps(16, {7: 45, 14: 60}), volume=0.5),
        ],
    )
    breakbeat = Pattern(
        bpm=112.0,
        swing=0.15,
        length=32,
        tracks=[
            Track("Kick", "kick", steps(32, [0, 10, 16, 26, 27], 115), volume=0.9),
            Track(
                "Snare", "snare", steps(32, {4: 110, 12: 110, 20: 110, 28: 110, 31: 60}), volume=0.8
            ),
            Track("Closed hat", "closed_hat", steps(32, list(range(0, 32, 2)), 75), volume=0.5),
            Track("High tom", "high_tom", steps(32, [22, 23], 85), volume=0.6),
            Track("Low tom", "low_tom", steps(32, [24, 25], 85), volume=0.6),
        ],
    )
    half_time = demo_pattern()
    half_time.set_bpm(74.0)
    half_time.set_swing(0.22)
    return {"boom_bap": boom_bap, "techno": techno, "breakbeat": breakbeat, "half": half_time}


def _seed_thread(graph, api, engine, work_dir: Path) -> str:
    """A conversation among three musicians; all but the newest message carry a render."""
    from desktop_app import __version__
    from desktop_app.audio.mp3 import encode_mp3
    from desktop_app.audio.peaks import compute_peaks

    patterns = _patterns()
    me = graph.settings.user_name
    # Other conversations, so the sidebar looks like a musician's, not a test's.
    for name, users, pattern in (
        ("Late night ideas", (me,), "half"),
        ("Album demos", (me, "kim"), "breakbeat"),
        ("Beat battle #3", (me, "bo", "kim", "lee"), "boom_bap"),
    ):
        other = api.create_thread(name, users=users)
        api.create_message(other.id, users[-1], patterns[pattern].to_snapshot())
    thread = api.create_thread("Friday jam", users=(me, "bo", "kim"))
    now = datetime.now(UTC)
    script = [
        ("bo", "boom_bap", 2, 95),
        ("kim", "techno", 4, 80),
        (me, "breakbeat", 2, 42),
        ("bo", "half", 2, 20),
        (me, "techno", 4, 6),
        ("kim", "boom_bap", None, 1),  # just posted; its render is still uploading
    ]
    work_dir.mkdir(parents=True, exist_ok=True)
    for i, (user, name, loops, minutes_ago) in enumerate(script):
        pattern = patterns[name]
        renders = ()
        if loops:
            pcm = engine.bounce(pattern, loops)
            path = work_dir / f"take-{i}.mp3"
            encode_mp3(pcm, engine.sample_rate, path, bitrate=256)
            renders = (
                api.upload_audio(
                    path,
                    bitrate=256,
                    duration=len(pcm) / engine.sample_rate,
                    peaks=compute_peaks(pcm, 100),
                ),
            )
        when = (now - timedelta(minutes=minutes_ago)).isoformat(timespec="milliseconds")
        api.create_message(
            thread.id,
            user,
            pattern.to_snapshot(),
            snapshot_metadata=pattern.metadata(loops=loops, app_version=__version__),
            timestamp=when.replace("+00:00", "Z"),
            renders=renders,
        )
    return thread.id


def _pump(app, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)


def _wait(app, predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"screenshots: timed out waiting for {what}")
        app.processEvents()
        time.sleep(0.01)


def _grab(window, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(path)):
        raise SystemExit(f"screenshots: could not write {path}")
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--keep", action="store_true", help="keep the temporary home")
    args = parser.parse_args(argv)

    home = Path(tempfile.mkdtemp(prefix="sequencer-screens-"))
    os.environ["SEQUENCER_HOME"] = str(home)
    os.environ.setdefault("PULSE_SERVER", "unix:/nonexistent")

    from PySide6.QtWidgets import QApplication

    from desktop_app.app import AppGraph
    from desktop_app.logging_setup import setup_logging
    from desktop_app.paths import AppPaths
    from desktop_app.settings import Settings
    from desktop_app.ui import theme

    QApplication.setApplicationName("Sequencer")
    app = QApplication([sys.argv[0], "-platform", os.environ.get("QT_QPA_PLATFORM", "xcb")])
    theme.apply(app)
    paths = AppPaths.from_env().ensure()
    setup_logging(paths.log_file, console=False)
    settings = Settings.open(paths.settings_file)
    settings.user_name = "ada"
    graph = AppGraph(paths, settings)
    window = graph.window
    try:
        window.resize(*WINDOW_SIZE)
        window.show()
        graph.start()
        _wait(app, lambda: bool(settings.welcome_thread_id), 30, "the Welcome thread")
        api = graph.connection.api
        thread_id = _seed_thread(graph, api, graph.engine, home / "takes")
        graph.threads_state.refresh_threads()
        _wait(app, lambda: graph.threads_state.thread_by_id(thread_id) is not None, 10, "threads")
        graph.threads_state.open_thread(thread_id)
        _wait(app, lambda: graph.threads_state.messages.rowCount() == 6, 10, "messages")
        _pump(app, 0.5)

        # The conversation, with the chat column given more room.
        sizes = window.splitter.sizes()
        total = sum(sizes)
        window.splitter.setSizes([230, total - 230 - 500, 500])
        _pump(app, 0.3)
        _grab(window, args.out / "thread.png")

        # The sequencer playing, with a take recorded and ready to send.
        window.splitter.setSizes(sizes)
        seq, rec = graph.sequencer_state, graph.recording_state
        seq.load_snapshot(_patterns()["techno"].to_snapshot(), "Load pattern from message")
        rec.start()
        _pump(app, 2.2)
        rec.stop()
        _wait(app, lambda: rec.last_result is not None, 10, "the take")
        _pump(app, 0.3)  # the transport notices the take's playback has ended
        seq.play()
        _pump(app, 0.9)
        window.statusBar().clearMessage()  # "no audio device" is about this build machine
        _grab(window, args.out / "sequencer.png")

        # The window at each size a musician may use, the splitter as the resizes left it.
        for w, h in LAYOUT_SIZES:
            window.resize(w, h)
            _pump(app, 0.6)
            _grab(window, args.out / f"window-{w}x{h}.png")
        seq.stop()
    finally:
        window.close()
        graph.shutdown()
        if args.keep:
            print(f"home kept at {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
