"""The benchmarks still run after a refactor. Most of their imports sit inside ``run()`` (so
``--list`` stays instant), which means a module split or a renamed class breaks a
benchmark silently until someone measures again. Every import statement of every
benchmark, nested or not, is resolved here, and the cheapest benchmarks run in their
``--quick`` form as the user would start them. The shape of the JSON is checked, never a
speed: a loaded CI machine must not fail this."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import benchmarks
from benchmarks.__main__ import available

ROOT = Path(benchmarks.__file__).resolve().parent.parent
EVERY_BENCHMARK = [
    "bounce",
    "keepalive",
    "messagelist",
    "playback",
    "push",
    "recording",
    "render",
    "sendflow",
    "serverload",
    "upload",
]


# An import inside code the benchmark hands to a child interpreter (``python -c``).
CODE_IMPORT = re.compile(r"^\s*from\s+([\w.]+)\s+import\s+(\w+)|^\s*import\s+([\w.]+)", re.M)


def imports_of(path: Path) -> list[tuple[int, str, str | None]]:
    """(line, module, name) for every import in the file, function bodies and code run in
    a child interpreter included."""
    found: list[tuple[int, str, str | None]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "__future__":
                continue
            found += [(node.lineno, node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            for match in CODE_IMPORT.finditer(node.value):
                module, name, plain = match.groups()
                found.append((node.lineno, module or plain, name))
    return found


def child_modules_of(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every ``-m module`` in a command the benchmark starts."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.List):
            items = [e.value if isinstance(e, ast.Constant) else None for e in node.elts]
            found += [
                (node.lineno, str(items[i + 1]))
                for i in range(len(items) - 1)
                if items[i] == "-m" and isinstance(items[i + 1], str)
            ]
    return found


def test_every_benchmark_is_listed() -> None:
    assert available() == EVERY_BENCHMARK


@pytest.mark.parametrize("name", EVERY_BENCHMARK)
def test_every_import_of_a_benchmark_resolves(name: str) -> None:
    path = ROOT / "benchmarks" / f"{name}.py"
    broken = []
    for line, module_name, attribute in imports_of(path):
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            broken.append(f"{path.name}:{line}: import {module_name}: {exc}")
            continue
        if attribute is None or hasattr(module, attribute):
            continue
        try:  # ``from package import submodule``
            importlib.import_module(f"{module_name}.{attribute}")
        except ImportError:
            broken.append(f"{path.name}:{line}: {module_name} has no {attribute}")
    for line, module_name in child_modules_of(path):
        if importlib.util.find_spec(module_name) is None:
            broken.append(f"{path.name}:{line}: no module {module_name} to run with -m")
    assert not broken, "\n".join(broken)
    assert callable(importlib.import_module(f"benchmarks.{name}").run)


def figure(result: dict, dotted: str) -> float:
    value: object = result
    for key in dotted.split("."):
        assert isinstance(value, dict) and key in value, f"no {dotted!r} in {result}"
        value = value[key]
    assert isinstance(value, int | float) and math.isfinite(value), f"{dotted} = {value!r}"
    return float(value)


# The quick form of these takes a few seconds; the others (a server process with fifty
# listeners, Hydrogen, 50 MB uploads, a thousand widgets) are covered by the import check.
QUICK_RUNS = {
    "keepalive": ["ours./healthz.p50_ms", "baseline./healthz.p50_ms", "speedup_p50./healthz"],
    "playback": ["click_to_playing_ms.ours_from_cache", "click_to_playing_ms.baseline_stream_url"],
    "recording": ["ours_stop_to_mp3_ms", "baseline_convert_after_stop_ms", "ratio"],
    "sendflow": [
        "stop_to_attached_ms.ours_median",
        "stop_to_attached_ms.seed_way_median",
        "stop_to_attached_ms.ratio_median_of_pairs",
        "stop_to_attached_ms.ours_spread.p75",
        "stop_to_attached_ms.ours_stop_part_median",
        "gui_longest_stall_ms.median_over_runs",
    ],
}


@pytest.fixture(scope="module")
def quick_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """Start the quick runs side by side (their waits are on sockets and timers, so the
    wall time is about that of the longest) and parse each one's stdout."""
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        QT_QPA_PLATFORM="offscreen",
        PULSE_SERVER="unix:/nonexistent",
    )
    work = tmp_path_factory.mktemp("bench")
    started = {
        name: subprocess.Popen(
            [sys.executable, "-m", "benchmarks", name, "--quick"],
            cwd=work,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in QUICK_RUNS
    }
    results = {}
    for name, process in started.items():
        out, err = process.communicate(timeout=110)
        assert process.returncode == 0, f"benchmarks {name} --quick failed:\n{err[-3000:]}"
        results[name] = json.loads(out)
    return results


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name", sorted(QUICK_RUNS))
def test_the_quick_form_prints_its_figures(name: str, quick_results: dict[str, dict]) -> None:
    result = quick_results[name]
    assert result["benchmark"] == name
    for dotted in QUICK_RUNS[name]:
        assert figure(result, dotted) >= 0
