"""Sequencer: a desktop step sequencer that records what it plays and shares it in threads."""

__version__ = "0.1.0"
