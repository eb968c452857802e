"""Benchmarks: ``python -m benchmarks NAME`` prints one JSON object of figures.

Each benchmark is a module ``benchmarks/NAME.py`` with ``run(args) -> dict`` and measures
ours and its baseline side by side in the same run, because this machine is shared and
noisy: only ratios measured together mean anything.
"""
