"""``scripts/bootstrap.sh`` and the project metadata ``make run`` builds from.

The script runs for real, with a stand-in ``python`` that records what it is asked to do
(creating a venv, pip installs) instead of downloading anything, and no ``dpkg-query`` on
its PATH so it never reaches for apt.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BASH = shutil.which("bash")

FAKE_PYTHON = """#!{bash}
# Records every call; `-m venv DIR` makes DIR/bin/python (this same script).
echo "$*" >> "{log}"
if [[ "$1 $2" == "-m venv" ]]; then
    mkdir -p "$3/bin" && cp "$0" "$3/bin/python" && chmod +x "$3/bin/python"
fi
exit 0
"""


@pytest.fixture
def rig(tmp_path: Path):
    """A PATH with only what the script needs, and a recording python."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("dirname", "touch", "id", "mkdir", "cp", "chmod", "bash"):
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    log = tmp_path / "calls.log"
    python = bin_dir / "python3"
    python.write_text(FAKE_PYTHON.format(bash=BASH, log=log))
    python.chmod(0o755)
    venv = tmp_path / "venv"
    env = {"PATH": str(bin_dir), "VENV": str(venv), "PYTHON": str(python), "HOME": str(tmp_path)}

    def run(*args: str) -> tuple[subprocess.CompletedProcess, list[str]]:
        before = log.read_text().splitlines() if log.exists() else []
        proc = subprocess.run(
            [BASH, str(ROOT / "scripts" / "bootstrap.sh"), *args],
            env=env, capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        after = log.read_text().splitlines() if log.exists() else []
        return proc, [line for line in after[len(before) :] if "pip install" in line]

    return run, venv


def _installs(calls: list[str]) -> list[str]:
    return [c.split("-e ", 1)[1].split()[0] for c in calls if " -e " in c]


@pytest.mark.skipif(BASH is None, reason="needs bash")
def test_run_installs_the_app_only_and_test_adds_the_test_tools(rig) -> None:
    run, venv = rig
    proc, calls = run()
    assert proc.returncode == 0, proc.stderr
    assert _installs(calls) == ["."]  # `make run`: no pytest, moto, ruff
    assert (venv / ".installed-app").exists()

    proc, calls = run()
    assert proc.returncode == 0 and calls == []  # up to date: quiet, nothing installed

    proc, calls = run("test")  # `make test` after `make run`: its own stamp
    assert proc.returncode == 0, proc.stderr
    assert _installs(calls) == [".[test]"]
    assert (venv / ".installed-test").exists()
    assert run("test")[1] == [] and run()[1] == []  # switching back and forth: nothing


@pytest.mark.skipif(BASH is None, reason="needs bash")
def test_bootstrap_refuses_odd_extras(rig) -> None:
    run, _venv = rig
    proc, calls = run("test]; rm -rf x [")
    assert proc.returncode == 2 and calls == []
    assert "extras must be names" in proc.stderr


FAKE_DPKG_QUERY = """#!{bash}
# Every package is installed except Hydrogen's drumkits.
[[ "$*" == *hydrogen-drumkits* ]] && exit 1
echo "install ok installed"
"""


@pytest.mark.skipif(BASH is None, reason="needs bash")
def test_the_test_set_asks_for_debians_hydrogen_drumkits(rig) -> None:
    run, venv = rig
    bin_dir = venv.parent / "bin"
    (bin_dir / "dpkg-query").write_text(FAKE_DPKG_QUERY.format(bash=BASH))
    (bin_dir / "id").unlink()
    (bin_dir / "id").write_text(f"#!{BASH}\necho 1000\n")  # not root: print, do not install
    for tool in ("dpkg-query", "id"):
        (bin_dir / tool).chmod(0o755)

    proc, _calls = run()
    assert proc.returncode == 0, proc.stderr  # running the app does not need them
    proc, calls = run("test")
    assert proc.returncode == 1 and calls == []
    assert "sudo apt-get install -y --no-install-recommends hydrogen-drumkits" in proc.stderr


def test_makefile_run_uses_the_app_setup_and_test_the_test_setup() -> None:
    make = (ROOT / "Makefile").read_text()
    targets = dict(re.findall(r"^([a-z-]+):[ \t]*([^\n#]*)", make, re.MULTILINE))
    assert targets["run"].split() == ["setup"]
    # test runs the linters and the type check first; they set up the test tools
    assert targets["test"].split() == ["lint"]
    assert targets["lint"].split() == ["setup-test"]
    recipe = make.split("\nsetup:", 1)[1].split("\n\n", 1)[0]
    assert "bootstrap.sh" in recipe and "test" not in recipe


def test_license_is_an_spdx_string_with_a_new_enough_setuptools() -> None:
    """A TOML table made setuptools warn "project.license as a TOML table is deprecated"
    three times on every `make run`; the SPDX string needs setuptools 77."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert data["project"]["license"] == "MIT"
    assert (ROOT / data["project"]["license-files"][0]).is_file()
    requires = data["build-system"]["requires"]
    spec = next(r for r in requires if r.startswith("setuptools"))
    assert spec == "setuptools>=77"
    classifiers = data["project"].get("classifiers", [])
    assert not [c for c in classifiers if c.startswith("License ::")]  # SPDX forbids both
