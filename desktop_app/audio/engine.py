"""The real-time engine: a feeder thread renders blocks ahead and hands them to the output.

Threads and who does what:

- the **caller** (GUI thread) sets the pattern, kit and device and starts/stops; every
  such call only swaps a reference under a lock;
- the **feeder** thread renders each block (``Sequencer`` + limiter), gives it to the
  output sink and then to the block listeners (the recorder), so what is recorded is
  exactly what was sent to the speakers;
- the **audio callback** (device mode) only copies prepared blocks (see ``output.py``);
- the **sound preparer** thread decodes and shapes tracks' own samples
  (``sound_preparer.py``): neither the caller nor the feeder ever does.

With no usable device the same feeder is paced by a clock (``ClockSink``), so recording,
the step highlight and everything downstream work the same on a machine without sound.
``on_notice`` is called from the feeder thread; a Qt caller forwards it via a signal.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import numpy as np

from desktop_app.audio.block_listeners import BlockListener, BlockListeners
from desktop_app.audio.bounce import OfflineRender
from desktop_app.audio.bounce import bounce as _bounce
from desktop_app.audio.kit import Kit
from desktop_app.audio.limiter import LATENCY, TruePeakLimiter
from desktop_app.audio.metronome import MetronomeSettings
from desktop_app.audio.output import ClockSink, DeviceSink
from desktop_app.audio.output_mix import OutputMix
from desktop_app.audio.sample_bank import NoSamples, SampleBank
from desktop_app.audio.sequencer import Sequencer, StepMark
from desktop_app.audio.sink_choice import LostDevice, SinkFormat, open_sink
from desktop_app.audio.sound_preparer import SoundPreparer
from desktop_app.audio.timing import bar_frames, bar_steps
from desktop_app.domain.pattern import Pattern

log = logging.getLogger(__name__)

# Stopping fades the last block out over this many frames instead of cutting the sound.
STOP_FADE = 256
MAX_COUNT_IN_BARS = 2


class Engine:
    """Plays a pattern in a loop. See the module docstring for the threading model.

    ``use_device=False`` never opens a device (tests, benchmarks, headless recording);
    ``clock_speed`` sets how fast the clock runs when there is no device: 1.0 is real
    time, larger is faster, 0 renders as fast as the machine can."""

    def __init__(
        self,
        kit: Kit,
        *,
        sample_rate: int = 44100,
        block_size: int = 512,
        output_device: str | int | None = None,
        on_notice: Callable[[str], None] | None = None,
        use_device: bool = True,
        clock_speed: float = 1.0,
        queue_blocks: int = 3,
        bank: SampleBank | None = None,
    ) -> None:
        self.sample_rate = sample_rate
        # The tracks' own samples; without a bank every own sample is missing.
        self.bank = bank if bank is not None else SampleBank(NoSamples(), sample_rate)
        self.preparer = SoundPreparer(self.bank)
        self.block_size = block_size
        self.use_device = use_device
        self.clock_speed = clock_speed
        self._queue_blocks = queue_blocks
        self._on_notice = on_notice
        self._kit = kit if kit.sample_rate == sample_rate else kit.at_rate(sample_rate)
        self._lock = threading.Lock()
        self._pattern: Pattern | None = None
        self._pattern_dirty = False
        self._kit_dirty = False
        self._device = output_device
        self._device_dirty = False
        self._listeners = BlockListeners()
        self._output_listeners = BlockListeners()
        self._metronome = MetronomeSettings()
        self._metronome_dirty = False
        self._out = OutputMix()
        self._seq = Sequencer(
            self._kit,
            sample_rate,
            on_missing_sample=self._missing_sample,
            bank=self.bank,
            on_missing_own_sample=self._missing_own_sample,
            preparer=self.preparer,
        )
        self._limiter = TruePeakLimiter()
        self._marks: list[StepMark] = []
        self._stopping: threading.Thread | None = None
        self._sink: DeviceSink | ClockSink | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._last_notice: str | None = None
        self.frames_rendered = 0
        # Output frames of count-in before step 0 of the last start (0 without a count-in).
        self.count_in_frames = 0
        self._emitted = 0

    # ---- configuration (any thread) ---------------------------------------------------
    @property
    def kit(self) -> Kit:
        return self._kit

    def set_pattern(self, pattern: Pattern) -> None:
        """Play ``pattern`` from the next step on. A private copy is taken, so the caller
        may keep editing its own object. Returns at once: its own samples are decoded and
        shaped by the sound preparer, and each plays from its first hit after it is ready
        (until then as the track last played that sample, else silent)."""
        copy = pattern.copy()
        with self._lock:
            self.preparer.request(copy)
            self._pattern = copy
            self._pattern_dirty = True

    @property
    def pattern(self) -> Pattern | None:
        """The pattern last given to ``set_pattern`` (the engine's private copy)."""
        return self._pattern

    def set_kit(self, kit: Kit) -> None:
        kit = kit if kit.sample_rate == self.sample_rate else kit.at_rate(self.sample_rate)
        with self._lock:
            self._kit = kit
            self._kit_dirty = True

    def set_bank(self, bank: SampleBank) -> None:
        """Play tracks' own samples from ``bank`` (from the next hit: the sounds already
        decoded stay with the voices playing them)."""
        with self._lock:
            self.bank = bank
            self.preparer = SoundPreparer(bank)
            if self._pattern is not None:
                self.preparer.request(self._pattern)
            self._kit_dirty = True  # the sequencer forgets the sounds of the old bank

    def set_clock_speed(self, speed: float) -> None:
        """Pace of the clock used without a device (1.0 is real time)."""
        self.clock_speed = speed
        sink = self._sink
        if isinstance(sink, ClockSink):
            sink.set_speed(speed)

    def set_output_device(self, device: str | int | None) -> None:
        """Switch output device (None or "" = the system default); applies while playing."""
        with self._lock:
            self._device = device
            self._device_dirty = True

    @property
    def output_device(self) -> str | int | None:
        return self._device

    @property
    def output_mode(self) -> str | None:
        """ "device" or "clock" while playing, None when stopped."""
        sink = self._sink
        return sink.mode if sink is not None and self.is_playing else None

    def add_block_listener(self, fn: BlockListener) -> None:
        """``fn(block)`` gets every played block, (n, 2) float32, on the feeder thread. It
        must return quickly (queue the block); the block must not be modified."""
        self._listeners.add(fn)

    def remove_block_listener(self, fn: BlockListener) -> None:
        self._listeners.remove(fn)

    def add_output_listener(self, fn: BlockListener) -> None:
        """``fn(block)`` gets every block as it goes to the output, metronome included
        (for the output level meter); same rules as ``add_block_listener``."""
        self._output_listeners.add(fn)

    def remove_output_listener(self, fn: BlockListener) -> None:
        self._output_listeners.remove(fn)

    def set_metronome(self, settings: MetronomeSettings) -> None:
        """Click on/off, its volume, and whether recordings get it; from the next beat."""
        with self._lock:
            self._metronome = settings
            self._metronome_dirty = True

    @property
    def metronome(self) -> MetronomeSettings:
        return self._metronome

    def set_master_volume(self, volume: float) -> None:
        """The speakers' level, 0-1 (applies from the next block). Takes and renders keep
        the mix's own level, so a quiet monitor never makes a quiet recording."""
        self._out.set_master(volume)

    @property
    def master_volume(self) -> float:
        return self._out.master

    def output_level(self) -> float:
        """Peak (0-1) sent to the output since the last call, metronome and master volume
        included; 0 when stopped. For the output level meter, which polls it."""
        peak = self._out.take_peak()
        return peak if self.is_playing else 0.0

    # ---- transport ---------------------------------------------------------------------
    @property
    def is_playing(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def counting_in(self) -> bool:
        """True while the count-in of the last start is still being played."""
        return self.is_playing and self._emitted < self.count_in_frames

    def start(self, count_in_bars: int = 0) -> None:
        """Start from step 0 of the current pattern, after ``count_in_bars`` bars of
        click (0-2; block listeners - the recorder - get the stream from step 0 on, output
        listeners everything). No-op while playing."""
        if self.is_playing:
            return
        previous, self._stopping = self._stopping, None
        if previous is not None:  # the last stop's fade-out may still be on its way
            previous.join(timeout=5)
        if not 0 <= count_in_bars <= MAX_COUNT_IN_BARS:
            raise ValueError(f"count-in: {count_in_bars} bars is outside 0-{MAX_COUNT_IN_BARS}")
        self._stop.clear()
        self._seq.reset(0)
        self.count_in_frames = 0
        self._emitted = 0
        with self._lock:
            pattern = self._pattern
        if count_in_bars and pattern is not None:
            self._seq.count_in(count_in_bars * bar_steps(pattern))
            self.count_in_frames = bar_frames(pattern, self.sample_rate, count_in_bars)
        self._marks = []
        self.frames_rendered = 0
        self._sink = None
        self._thread = threading.Thread(target=self._run, name="engine-feeder", daemon=True)
        self._thread.start()

    def stop(self, wait: bool = True) -> None:
        """Stop after a short fade. With ``wait`` returns when the feeder has finished;
        the GUI passes ``wait=False``: the fade is paced in real time (a block, ~12 ms)
        and the window must not freeze for it. ``is_playing`` is False at once either way."""
        thread = self._thread
        if thread is None:
            return
        self._stop.set()
        self._thread = None
        if wait:
            thread.join(timeout=5)
        else:
            self._stopping = thread

    def current_step(self) -> int | None:
        """The step being heard now, or None when stopped (poll it ~30 times a second)."""
        sink = self._sink
        if sink is None or not self.is_playing:
            return None
        position = sink.position()
        current = None
        for mark in self._marks:
            if mark.onset > position:
                break
            current = mark.step
        return current

    def position_frames(self) -> int | None:
        """Frames heard since step 0 of the last start (the count-in left out, 0 during
        it), or None when stopped: the transport clock's position."""
        sink = self._sink
        if sink is None or not self.is_playing:
            return None
        return max(0, sink.position() - self.count_in_frames)

    def bounce(self, pattern: Pattern, loops: int = 1) -> np.ndarray:
        """Offline render of exactly ``loops`` passes with this engine's kit (any thread)."""
        return _bounce(OfflineRender(pattern, self._kit, loops, self.sample_rate, self.bank))

    # ---- the feeder thread ----------------------------------------------------------------
    def _notice(self, text: str) -> None:
        if text == self._last_notice:
            return
        self._last_notice = text
        log.warning("%s", text)
        if self._on_notice is not None:
            try:
                self._on_notice(text)
            except Exception:
                log.exception("on_notice failed")

    def _missing_sample(self, name: str) -> None:
        self._notice(f"Sample {name!r} is not in kit {self._kit.name!r}; that track is silent.")

    def _missing_own_sample(self, label: str) -> None:
        self._notice(f"The sound {label!r} is missing; its track is silent.")

    def _open_sink(self, start_frame: int, lost: LostDevice | None = None) -> None:
        """Open the configured device; fall back to the default device, then the clock."""
        if self._sink is not None:
            self._sink.close()
            self._sink = None
        if not self.use_device:
            self._sink = ClockSink(self.sample_rate, start_frame, self.clock_speed)
            return
        fmt = SinkFormat(self.sample_rate, self.block_size, self._queue_blocks, self.clock_speed)
        self._sink, notice = open_sink(self._device, fmt, start_frame, lost)
        if notice is not None:
            self._notice(notice)

    def _apply_changes(self) -> None:
        with self._lock:
            pattern = self._pattern if self._pattern_dirty else None
            kit = self._kit if self._kit_dirty else None
            bank, preparer = self.bank, self.preparer
            device_changed = self._device_dirty
            self._pattern_dirty = self._kit_dirty = self._device_dirty = False
            if self._metronome_dirty:
                self._seq.metronome = self._metronome
                self._metronome_dirty = False
        if kit is not None:
            self._seq.bank, self._seq.preparer = bank, preparer
            self._seq.set_kit(kit)
        if pattern is not None:
            self._seq.set_pattern(pattern)
        if device_changed and self._sink is not None:
            self._last_notice = None
            self._open_sink(self._sink.position())

    def _render_block(self) -> tuple[np.ndarray, np.ndarray | None]:
        """(the music, the clicks to add for the speakers or None) of the next block."""
        block = self._limiter.process(self._seq.render(self.block_size))
        self.frames_rendered += len(block)
        self._marks = list(self._seq.marks)[-64:]
        return block, self._out.align_clicks(block, self._seq.last_click)

    def _emit(self, recorded: np.ndarray, heard: np.ndarray) -> None:
        skip = max(0, min(len(recorded), self.count_in_frames - self._emitted))
        self._emitted += len(recorded)
        self._listeners.send(recorded[skip:])  # the count-in is heard, never recorded
        self._output_listeners.send(heard)

    def _run(self) -> None:
        try:
            with self._lock:
                if self._pattern is not None:
                    self._pattern_dirty = True
                self._device_dirty = False
            self._apply_changes()
            # The limiter looks LATENCY frames ahead: the sequencer runs that far ahead of
            # the output, so frame n out is frame n of the sequencer's clock (the step
            # marks and the recorder stay sample-aligned).
            self._limiter = TruePeakLimiter()
            self._limiter.process(self._seq.render(LATENCY))
            self._out.restart(self._seq.last_click)
            self._open_sink(0)
            while not self._stop.is_set():
                self._apply_changes()
                heard, recorded = self._out.mix(*self._render_block(), self._seq.metronome.record)
                self._deliver(heard)
                self._emit(recorded, heard)
            # Fade out rather than cut whatever is sounding.
            heard, recorded = self._out.mix(*self._render_block(), self._seq.metronome.record)
            fade = np.linspace(1.0, 0.0, STOP_FADE, dtype=np.float32)[:, None]
            for block in {id(heard): heard, id(recorded): recorded}.values():
                block[:STOP_FADE] *= fade
                block[STOP_FADE:] = 0.0
            self._deliver(heard, final=True)
            self._emit(recorded, heard)
            if self._sink is not None:
                self._sink.drain()
        except Exception:
            log.exception("the audio engine stopped with an error")
            self._notice("The audio engine stopped after an internal error (see the log).")
        finally:
            if self._sink is not None:
                self._sink.close()

    def _deliver(self, block: np.ndarray, final: bool = False) -> None:
        sink = self._sink
        assert sink is not None
        if final:  # best effort: a device that is gone gets no fade-out
            sink.deliver(block, threading.Event())
            return
        if sink.deliver(block, self._stop):
            return
        # The device stopped taking blocks: it was unplugged or failed.
        lost = LostDevice(sink.device) if isinstance(sink, DeviceSink) else None
        self._open_sink(sink.position(), lost=lost)
        assert self._sink is not None
        self._sink.deliver(block, self._stop)


def default_engine(output_device: str | None, on_notice: Callable[[str], None]) -> Engine:
    """The app's engine: the built-in kit on the chosen output (None: the default device)."""
    from desktop_app.audio.kit import load_default_kit

    return Engine(load_default_kit(), output_device=output_device, on_notice=on_notice)
