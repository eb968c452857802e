"""Message list at scale: a 10,000-message thread, ours vs a widget per row.

Ours: ``MessageListModel`` + ``MessageListView`` (QListView, painting delegate, uniform
rows, cached pattern previews). Baseline: the naive build, a ``QListWidget`` with a real
widget per row (labels, the same pattern preview as a pixmap label, a progress bar, a Load
button) installed with ``setItemWidget``.

Each variant runs in a fresh subprocess so resident memory is measured from a clean
start. Measured per variant: model/list load plus first paint of a shown window, RSS
growth over that, and the median time to paint one screenful after scrolling to a new
place (every scroll shows rows not painted before). RSS growth is reported after the
whole list has been scrolled through, a page at a time, so every row has been painted
(caches full); the growth right after the first paint is reported beside it.

Goals: load + first paint <= 1 s, RSS growth <= 150 MB, one screenful <= 16 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from typing import Any

from benchmarks.common import median, ratio

GOALS = {"load_first_paint_s": 1.0, "rss_growth_mb": 150.0, "screenful_paint_ms": 16.0}
WIDTH, HEIGHT = 720, 800


def make_messages(n: int, seed: int = 7) -> list[Any]:
    """A realistic thread: varied patterns, a third with renders and peaks, a few sending."""
    from desktop_app.domain.message import Message, Render
    from desktop_app.domain.pattern import demo_pattern

    rng = random.Random(seed)
    base = demo_pattern()
    users = ["ana", "ben", "carla", "dmitri", "eve"]
    out = []
    for i in range(n):
        p = base.copy()
        for t in range(len(p.tracks)):
            for s in range(p.length):
                p.set_velocity(t, s, rng.choice((0, 0, 0, 60, 90, 127)))
        p.set_bpm(rng.randint(80, 160))
        renders = ()
        if i % 3 == 0:
            peaks = tuple(round(rng.random(), 3) for _ in range(100))
            renders = (Render(f"r{i}", f"http://h/r{i}.mp3", duration=8.0, peaks=peaks),)
        day, hour, minute, sec = 1 + i // 86400 % 28, i // 3600 % 24, i // 60 % 60, i % 60
        ts = f"2024-05-{day:02d}T{hour:02d}:{minute:02d}:{sec:02d}Z"
        out.append(
            Message(
                id=f"m{i:06d}",
                parent_thread="bench",
                user_id=users[i % len(users)],
                snapshot=p.to_snapshot(),
                timestamp=ts,
                created_at=ts,
                snapshot_metadata=p.metadata(loops=4),
                renders=renders,
            )
        )
    return out


def _rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 1e6


def _screenful_ms(app: Any, view: Any, scroll_bar: Any, samples: int) -> list[float]:
    times = []
    span = max(1, scroll_bar.maximum())
    for i in range(samples):
        app.processEvents()
        scroll_bar.setValue(int(span * (i + 1) / (samples + 1)))
        t0 = time.perf_counter()  # rows never painted before: cold previews included
        view.viewport().repaint()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def _show_and_measure(app: Any, view: Any, t0: float, rss0: float, samples: int) -> dict:
    """Show the list built since ``t0``: time to its first paint, memory it took, and the
    time of each screenful of scrolling."""
    view.resize(WIDTH, HEIGHT)
    view.show()
    app.processEvents()
    view.viewport().repaint()
    load = time.perf_counter() - t0
    rss1 = _rss_mb()
    times = _screenful_ms(app, view, view.verticalScrollBar(), samples)
    _scroll_everything(app, view, view.verticalScrollBar())
    return {
        "load_first_paint_s": load,
        "rss_growth_first_paint_mb": rss1 - rss0,
        "rss_growth_mb": _rss_mb() - rss0,
        "screenful_ms": times,
    }


def _scroll_everything(app: Any, view: Any, scroll_bar: Any) -> None:
    """Page through the whole list, painting every row once."""
    value = 0
    while True:
        scroll_bar.setValue(value)
        app.processEvents()
        view.viewport().repaint()
        if value >= scroll_bar.maximum():
            break
        value += max(1, scroll_bar.pageStep())


def _worker_ours(app: Any, messages: list[Any], samples: int) -> dict[str, Any]:
    from desktop_app.state.message_list_model import MessageListModel
    from desktop_app.ui.message_list import MessageListView

    rss0 = _rss_mb()
    t0 = time.perf_counter()
    model = MessageListModel("ana")
    model.set_messages(messages)
    model.upsert_message(messages[-1], upload_progress=0.4)
    view = MessageListView()
    view.setModel(model)
    return _show_and_measure(app, view, t0, rss0, samples)


def _row_widget(message: Any, row: Any) -> Any:
    """The naive row: what a widget-per-row list would build for one message."""
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QPainter, QPixmap
    from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout
    from PySide6.QtWidgets import QWidget as W

    from desktop_app.ui.pattern_preview import paint_pattern_preview

    w = W()
    outer = QVBoxLayout(w)
    head = QHBoxLayout()
    head.addWidget(QLabel(f"<b>{message.user_id}</b>"))
    head.addWidget(QLabel(row.time))
    head.addStretch(1)
    head.addWidget(QPushButton("Load"))
    outer.addLayout(head)
    body = QHBoxLayout()
    pix = QPixmap(156, 52)
    painter = QPainter(pix)
    paint_pattern_preview(painter, QRectF(0, 0, 156, 52), message.snapshot)
    painter.end()
    preview = QLabel()
    preview.setPixmap(pix)
    body.addWidget(preview)
    col = QVBoxLayout()
    col.addWidget(QLabel(row.summary))
    if message.renders:
        player = QHBoxLayout()
        player.addWidget(QPushButton("▶"))
        bar = QProgressBar()
        bar.setTextVisible(False)
        player.addWidget(bar, 1)
        player.addWidget(QLabel("0:08"))
        col.addLayout(player)
    else:
        col.addWidget(QLabel("Pattern only — no audio"))
    body.addLayout(col, 1)
    outer.addLayout(body)
    return w


def _worker_baseline(app: Any, messages: list[Any], samples: int) -> dict[str, Any]:
    from PySide6.QtCore import QSize
    from PySide6.QtWidgets import QListWidget, QListWidgetItem

    from desktop_app.state.message_row import MessageRow

    rss0 = _rss_mb()
    t0 = time.perf_counter()
    lw = QListWidget()
    for m in messages:
        row = MessageRow.build(m)
        item = QListWidgetItem()
        item.setSizeHint(QSize(WIDTH - 20, 118))
        lw.addItem(item)
        lw.setItemWidget(item, _row_widget(m, row))
    return _show_and_measure(app, lw, t0, rss0, samples)


def worker(variant: str, n: int, samples: int) -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from desktop_app.ui import theme

    app = QApplication.instance() or QApplication([])
    theme.apply(app)
    messages = make_messages(n)
    run = _worker_ours if variant == "ours" else _worker_baseline
    return run(app, messages, samples)


def _spawn(variant: str, n: int, samples: int) -> dict[str, Any]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    cmd = [sys.executable, "-m", "benchmarks.messagelist", "--worker", variant, "-n", str(n)]
    cmd += ["--samples", str(samples)]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True, timeout=900)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(args: argparse.Namespace) -> dict[str, Any]:
    quick = getattr(args, "quick", False)
    n = 1000 if quick else 10_000
    repeats = 1 if quick else 3
    samples = 15 if quick else 41
    results: dict[str, dict[str, Any]] = {}
    # The baseline takes ~40 s and ~1.8 GB for 10,000 rows: one run of it is enough.
    for variant, times in (("ours", repeats), ("baseline", 1)):
        runs = [_spawn(variant, n, samples) for _ in range(times)]
        results[variant] = {
            "load_first_paint_s": median([r["load_first_paint_s"] for r in runs]),
            "rss_growth_mb": median([r["rss_growth_mb"] for r in runs]),
            "rss_growth_first_paint_mb": median([r["rss_growth_first_paint_mb"] for r in runs]),
            "screenful_paint_ms": median([t for r in runs for t in r["screenful_ms"]]),
        }
    ours, base = results["ours"], results["baseline"]
    metrics = {}
    for key, goal in GOALS.items():
        metrics[key] = {
            "ours": round(ours[key], 4),
            "baseline": round(base[key], 4),
            "ratio": round(ratio(base[key], ours[key]), 2),
            "goal": goal,
            "meets_goal": ours[key] <= goal,
        }
    return {
        "benchmark": "messagelist",
        "messages": n,
        "runs": {"ours": repeats, "baseline": 1},
        "screenful_samples_per_run": samples,
        "window": f"{WIDTH}x{HEIGHT}",
        "baseline": "QListWidget + setItemWidget (a QWidget with labels/buttons per row)",
        "ratio_means": "baseline / ours (bigger is better)",
        "metrics": metrics,
        "rss_growth_mb_means": "after scrolling through every row (first paint alone beside)",
        "rss_growth_first_paint_mb": {
            "ours": round(ours["rss_growth_first_paint_mb"], 2),
            "baseline": round(base["rss_growth_first_paint_mb"], 2),
        },
    }


def _main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", choices=("ours", "baseline"), required=True)
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=41)
    a = parser.parse_args()
    print(json.dumps(worker(a.worker, a.n, a.samples)))
    sys.stdout.flush()
    os._exit(0)  # skip tearing down 10,000 widgets: not part of what is measured


if __name__ == "__main__":
    _main()
