"""Opening the audio input on a machine that has none (CI, a server, a laptop whose
microphone is switched off in the BIOS)."""

from __future__ import annotations

import pytest

from desktop_app.audio.audio_input import NO_INPUT, InputTap, InputUnavailable

sd = pytest.importorskip("sounddevice")


def _inputs() -> int:
    try:
        return sum(int(d["max_input_channels"]) > 0 for d in sd.query_devices())
    except Exception:
        return 0


@pytest.mark.skipif(_inputs() > 0, reason="this machine has an audio input")
def test_no_input_device_is_said_in_words_not_portaudio_codes() -> None:
    """PortAudio says "Error querying device -1"; the musician reads what is missing."""
    with pytest.raises(InputUnavailable) as caught:
        InputTap(44100).open(None)
    assert str(caught.value) == NO_INPUT
    assert "-1" not in str(caught.value)
