"""Which output the engine plays into: the configured device, else the default device,
else the clock (silent, but recording and the step highlight go on), and what to tell
the user when it is not the one asked for."""

from __future__ import annotations

from dataclasses import dataclass

from desktop_app.audio.output import ClockSink, DeviceSink, DeviceUnavailable, device_label


@dataclass(frozen=True)
class LostDevice:
    """The device that stopped taking blocks (its name may be None: the default device)."""

    device: str | int | None


@dataclass(frozen=True)
class SinkFormat:
    """How the engine feeds any sink."""

    sample_rate: int
    block_size: int
    queue_blocks: int
    clock_speed: float


def open_sink(
    wanted: str | int | None,
    fmt: SinkFormat,
    start_frame: int,
    lost: LostDevice | None = None,
) -> tuple[DeviceSink | ClockSink, str | None]:
    """(the sink, a notice for the user or None). ``lost`` is never tried again."""
    candidates: list[str | int | None] = [wanted]
    if wanted not in (None, ""):
        candidates.append(None)
    errors = []
    for device in candidates:
        if lost is not None and device == lost.device:
            continue
        try:
            sink = DeviceSink(device, fmt.sample_rate, fmt.block_size, fmt.queue_blocks)
        except DeviceUnavailable as exc:
            errors.append(f"{device_label(device)}: {exc}")
            continue
        sink.frames_played = start_frame
        notice = None
        if device != wanted or lost is not None:
            what = "is no longer available" if lost is not None else "cannot be opened"
            notice = f"Audio output {device_label(wanted)} {what}; playing on the default device."
        return sink, notice
    clock = ClockSink(fmt.sample_rate, start_frame, fmt.clock_speed)
    if lost is not None:
        return clock, (
            f"Audio output {device_label(lost.device)} is no longer available and no other "
            "device works; playback continues silently on the internal clock "
            "(recording still works)."
        )
    return clock, (
        "No audio output device is available; playback runs silently on the "
        f"internal clock (recording still works). [{'; '.join(errors)}]"
    )
