"""Sound without widgets: the kit, the sequencer engine (real time and offline bounce),
the recorder (WAV + streaming MP3) and waveform peaks. No Qt is imported here."""
