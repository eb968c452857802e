"""Small measuring helpers shared by the benchmarks."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktop_app.audio.engine import Engine
    from desktop_app.audio.recorder import Recorder


def wait_until(
    app: Any, predicate: Callable[[], bool], timeout: float, what: str = "a benchmark step"
) -> None:
    """Run the Qt event loop until ``predicate`` holds. Polls every half millisecond, so a
    measured wait ends within that of the moment it could."""
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{what} timed out")
        app.processEvents()
        time.sleep(0.0005)


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile, q in 0-100."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return float(ordered[k])


def ratio(baseline: float, ours: float) -> float:
    """How many times better ours is (bigger is better when smaller is better)."""
    return float(baseline / ours) if ours else float("inf")


def record_engine_output(
    engine: Engine, recorder: Recorder, seconds: float, timeout: float = 60.0
) -> None:
    """Start ``recorder`` and the engine and return once ``seconds`` of output have been
    played, counted in frames rather than wall time so an unpaced engine records minutes in
    seconds. The engine keeps playing; the recording benchmark and the recorder tests share
    this so both measure the same take."""
    enough = threading.Event()
    frames = [0]
    needed = seconds * engine.sample_rate

    def count(block) -> None:
        frames[0] += len(block)
        if frames[0] >= needed:
            enough.set()

    recorder.start()
    engine.add_block_listener(count)
    engine.start()
    try:
        if not enough.wait(timeout):
            raise TimeoutError(f"the engine played less than {seconds} s in {timeout} s")
    finally:
        engine.remove_block_listener(count)
