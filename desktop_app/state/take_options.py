"""How takes are made and what the speakers get: metronome, count-in, take length,
"stop at the end of the bar" and the master volume, as one QObject.

The values live in ``Settings`` (a musician who set a two-bar count-in expects it at the
next start) and each change goes to the engine at once, so the click or the master volume
changes while playing. Values from an edited settings file are clamped into range here
rather than refused: a bad file must not stop the app from starting.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Signal

from desktop_app.audio.metronome import MetronomeSettings

if TYPE_CHECKING:
    from desktop_app.settings import Settings

MAX_COUNT_IN_BARS = 2  # the engine's limit
COUNT_IN_CHOICES = (0, 1, 2)
# "Record N bars": 0 is "until stopped".
RECORD_BAR_CHOICES = (0, 1, 2, 4, 8, 16)


class EngineControls(Protocol):
    """What of the engine these options drive."""

    def set_metronome(self, settings: MetronomeSettings) -> None: ...

    def set_master_volume(self, volume: float) -> None: ...


def _unit(value: float) -> float:
    return min(1.0, max(0.0, float(value)))


class TakeOptions(QObject):
    """Read the options as properties, change them with the setters; ``changed`` follows
    every change (the widgets that show them listen to it)."""

    changed = Signal()

    def __init__(
        self,
        engine: EngineControls | None,
        settings: Settings | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._engine = engine
        self._settings = settings
        s = settings
        self._metronome = MetronomeSettings(
            enabled=bool(s.metronome) if s else False,
            volume=_unit(s.metronome_volume) if s else 0.5,
            record=bool(s.metronome_record) if s else False,
        )
        self._master = _unit(s.master_volume) if s else 1.0
        count_in = int(s.count_in_bars) if s else 0
        self._count_in = min(MAX_COUNT_IN_BARS, max(0, count_in))
        self._record_bars = max(0, int(s.record_bars)) if s else 0
        self._stop_at_bar_end = bool(s.stop_at_bar_end) if s else False
        if engine is not None:
            engine.set_metronome(self._metronome)
            engine.set_master_volume(self._master)

    # ---- reading ---------------------------------------------------------------------
    @property
    def metronome(self) -> MetronomeSettings:
        return self._metronome

    @property
    def master_volume(self) -> float:
        return self._master

    @property
    def count_in_bars(self) -> int:
        return self._count_in

    @property
    def record_bars(self) -> int:
        """A take's length in bars; 0 records until stopped."""
        return self._record_bars

    @property
    def stop_at_bar_end(self) -> bool:
        return self._stop_at_bar_end

    # ---- changing --------------------------------------------------------------------
    def set_metronome_enabled(self, on: bool) -> None:
        self._set_metronome(replace(self._metronome, enabled=bool(on)))

    def set_metronome_volume(self, volume: float) -> None:
        self._set_metronome(replace(self._metronome, volume=_unit(volume)))

    def set_record_click(self, on: bool) -> None:
        self._set_metronome(replace(self._metronome, record=bool(on)))

    def set_master_volume(self, volume: float) -> None:
        volume = _unit(volume)
        if volume == self._master:
            return
        self._master = volume
        if self._engine is not None:
            self._engine.set_master_volume(volume)
        self._store("master_volume", volume)

    def set_count_in_bars(self, bars: int) -> None:
        if bars not in COUNT_IN_CHOICES:
            raise ValueError(f"count-in: {bars} bars is not one of {COUNT_IN_CHOICES}")
        if bars != self._count_in:
            self._count_in = bars
            self._store("count_in_bars", bars)

    def set_record_bars(self, bars: int) -> None:
        if bars < 0:
            raise ValueError(f"record length: {bars} bars is below 0")
        if bars != self._record_bars:
            self._record_bars = bars
            self._store("record_bars", bars)

    def set_stop_at_bar_end(self, on: bool) -> None:
        if bool(on) != self._stop_at_bar_end:
            self._stop_at_bar_end = bool(on)
            self._store("stop_at_bar_end", bool(on))

    # ---- internals -------------------------------------------------------------------
    def _set_metronome(self, settings: MetronomeSettings) -> None:
        old, self._metronome = self._metronome, settings
        if settings == old:
            return
        if self._engine is not None:
            self._engine.set_metronome(settings)
        s = self._settings
        if s is not None:
            s.metronome = settings.enabled
            s.metronome_volume = settings.volume
            s.metronome_record = settings.record
        self.changed.emit()

    def _store(self, name: str, value: object) -> None:
        if self._settings is not None:
            setattr(self._settings, name, value)
        self.changed.emit()
