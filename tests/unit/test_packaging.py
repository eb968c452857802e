"""The desktop integration files, the icon set, the user install script, the GUI's argument
handling and how the embedded server is started frozen. No bundle is built here (that is
``make package``); these are the parts that can be checked in milliseconds."""

from __future__ import annotations

import ast
import configparser
import os
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from desktop_app.__main__ import _opens_files
from desktop_app.domain.pattern import FORMAT
from desktop_app.gui_args import GuiArgsError, GuiOptions
from desktop_app.services import embedded_server

ROOT = Path(__file__).resolve().parents[2]
LINUX = ROOT / "packaging" / "linux"
ICONS = ROOT / "resources" / "icons"
PNG_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
MIME_NS = "{http://www.freedesktop.org/standards/shared-mime-info}"


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(LINUX / "sequencer.desktop", encoding="utf-8")
    return parser["Desktop Entry"]


# ---- .desktop, AppStream, MIME --------------------------------------------------------------
def test_desktop_entry_launches_with_files_and_names_its_types() -> None:
    entry = _desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Name"] == "Sequencer"
    assert entry["Icon"] == "sequencer"  # the installed icon's name, not a path
    assert entry["Exec"] == "sequencer %F"  # several local files, as run_gui expects
    assert entry["StartupWMClass"] == "sequencer"
    for key in ("Categories", "MimeType", "Keywords"):
        assert entry[key].endswith(";"), key
    assert "AudioVideo" in entry["Categories"].split(";")
    types = entry["MimeType"].split(";")
    assert "audio/mpeg" in types and "application/x-sequencer-pattern" in types


@pytest.mark.skipif(not shutil.which("desktop-file-validate"), reason="desktop-file-utils")
def test_desktop_entry_validates() -> None:
    result = subprocess.run(
        ["desktop-file-validate", str(LINUX / "sequencer.desktop")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_metainfo_describes_the_launchable_app() -> None:
    root = ET.parse(LINUX / "sequencer.metainfo.xml").getroot()
    assert root.get("type") == "desktop-application"
    assert root.findtext("id") == "sequencer"
    assert root.findtext("project_license") == "MIT"
    assert root.findtext("launchable") == "sequencer.desktop"
    assert root.find("provides/binary").text == "sequencer"
    assert root.find("description/p") is not None
    from desktop_app import __version__

    assert root.find("releases/release").get("version") == __version__


@pytest.mark.skipif(not shutil.which("appstreamcli"), reason="appstream not installed")
def test_metainfo_validates_apart_from_the_plain_id() -> None:
    result = subprocess.run(
        ["appstreamcli", "validate", "--no-net", str(LINUX / "sequencer.metainfo.xml")],
        capture_output=True,
        text=True,
    )
    problems = [
        line
        for line in result.stdout.splitlines()
        if line[:2] in ("E:", "W:") and "cid-desktopapp-is-not-rdns" not in line
    ]
    # The id stays "sequencer" to match the desktop file name the app sets
    # (QGuiApplication.setDesktopFileName); AppStream only warns about that.
    assert problems == [], result.stdout


def test_pattern_mime_type_matches_what_the_app_saves() -> None:
    root = ET.parse(LINUX / "sequencer-pattern.xml").getroot()
    mime = root.find(f"{MIME_NS}mime-type")
    assert mime.get("type") == "application/x-sequencer-pattern"
    assert mime.find(f"{MIME_NS}sub-class-of").get("type") == "application/json"
    match = mime.find(f"{MIME_NS}magic/{MIME_NS}match")
    assert match.get("value") == f'"{FORMAT}"'


# ---- icons ------------------------------------------------------------------------------------
def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", data[16:24])


def test_icon_set_is_complete() -> None:
    svg = ET.parse(ICONS / "sequencer.svg").getroot()
    assert svg.get("viewBox") == "0 0 512 512"
    for size in PNG_SIZES:
        assert _png_size(ICONS / "png" / f"{size}x{size}" / "sequencer.png") == (size, size)


# ---- install-desktop ------------------------------------------------------------------------
def test_install_desktop_for_the_user_and_uninstall(tmp_path: Path) -> None:
    data = tmp_path / "share"
    app = tmp_path / "my apps" / "sequencer"
    app.parent.mkdir()
    app.write_text("#!/bin/sh\n")
    app.chmod(0o755)
    env = {**os.environ, "XDG_DATA_HOME": str(data)}
    script = ROOT / "scripts" / "install_desktop.sh"

    subprocess.run([str(script), "--exec", str(app)], env=env, check=True, capture_output=True)

    desktop = (data / "applications" / "sequencer.desktop").read_text()
    assert f'Exec="{app}" %F' in desktop  # absolute, quoted for the space
    assert f"TryExec={app}\n" in desktop
    assert (data / "metainfo" / "sequencer.metainfo.xml").exists()
    assert (data / "mime" / "packages" / "sequencer-pattern.xml").exists()
    assert (data / "icons/hicolor/scalable/apps/sequencer.svg").exists()
    for size in PNG_SIZES:
        assert (data / f"icons/hicolor/{size}x{size}/apps/sequencer.png").exists()

    subprocess.run([str(script), "--uninstall"], env=env, check=True, capture_output=True)
    left = [p for p in data.rglob("*") if p.is_file() and "sequencer" in p.name]
    assert left == []


def test_install_desktop_refuses_a_missing_executable(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path)}
    result = subprocess.run(
        [str(ROOT / "scripts" / "install_desktop.sh"), "--exec", str(tmp_path / "nope")],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "not an executable" in result.stderr
    assert not (tmp_path / "applications").exists()


# ---- command line ---------------------------------------------------------------------------
def test_gui_options_separate_files_ours_and_qts() -> None:
    options = GuiOptions.parse(
        ["-platform", "offscreen", "--smoke-test", "groove.json", "-reverse", "take.mp3"]
    )
    assert options.smoke_test
    assert options.files == [Path("groove.json"), Path("take.mp3")]
    assert options.qt_args == ["-platform", "offscreen", "-reverse"]
    assert GuiOptions.parse(["--smoke-timeout=5"]).smoke_timeout == 5.0
    assert GuiOptions.parse(["--", "-odd name.mp3"]).files == [Path("-odd name.mp3")]
    assert GuiOptions.parse(["file:///tmp/my%20take.mp3"]).files == [Path("/tmp/my take.mp3")]
    with pytest.raises(GuiArgsError):
        GuiOptions.parse(["--smoke-timeout", "soon"])


@pytest.mark.parametrize(
    ("argv", "gui"),
    [
        (["groove.json"], True),
        (["take.mp3", "--smoke-test"], True),
        (["-platform", "offscreen"], True),
        (["--smoke-test"], False),  # argparse passes it on to run_gui itself
        (["threads", "list"], False),
        (["thraeds"], False),  # a typo gets argparse's "invalid choice"
        ([], False),
    ],
)
def test_file_arguments_go_to_the_gui(argv: list[str], gui: bool) -> None:
    assert _opens_files(argv) is gui


def test_frozen_bundle_starts_itself_as_the_server(monkeypatch) -> None:
    assert embedded_server.server_command() == [sys.executable, "-m", "sequencer_server"]
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert embedded_server.server_command() == [
        sys.executable,
        embedded_server.EMBEDDED_SERVER_FLAG,
    ]


def test_server_flag_runs_the_server_main() -> None:
    """``sequencer --run-embedded-server --help`` is sequencer-server's own help."""
    result = subprocess.run(
        [sys.executable, "-m", "desktop_app", embedded_server.EMBEDDED_SERVER_FLAG, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    assert result.stdout.startswith("usage: sequencer-server")


def test_spec_and_hooks_are_valid_python() -> None:
    for path in [ROOT / "packaging" / "sequencer.spec", *ROOT.glob("packaging/**/*.py")]:
        compile(path.read_text(encoding="utf-8"), str(path), "exec")


# The production backends the embedded server never runs (it strips S3_* and MONGODB_*), so
# the bundle leaves their libraries out on purpose; every other import must be in it.
_SERVER_ONLY = ("sequencer_server/storage/s3.py", "sequencer_server/store/mongo")


def _spec_excludes() -> set[str]:
    """``EXCLUDES`` as the spec builds it, read from its syntax (PyInstaller is not needed)."""
    tree = ast.parse((ROOT / "packaging" / "sequencer.spec").read_text(encoding="utf-8"))
    values = {
        node.targets[0].id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
    }
    unused_qt = ast.literal_eval(values["UNUSED_QT"])
    excludes = values["EXCLUDES"]
    assert isinstance(excludes, ast.BinOp)  # [PySide6.* for UNUSED_QT] + [others]
    return {f"PySide6.{name}" for name in unused_qt} | set(ast.literal_eval(excludes.right))


def _imports_of_the_bundled_code() -> dict[str, str]:
    """Every module imported anywhere in the app, the server and their common code (at the
    top or inside a function), mapped to one place that imports it."""
    found: dict[str, str] = {}
    for package in ("desktop_app", "sequencer_server", "sequencer_common"):
        for path in sorted((ROOT / package).rglob("*.py")):
            where = path.relative_to(ROOT).as_posix()
            if where.startswith(_SERVER_ONLY):
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
                for name in names:
                    found.setdefault(name, f"{where}:{node.lineno}")
    return found


def test_the_bundle_keeps_every_module_the_app_imports() -> None:
    # The bundle once left out QtDBus (desktop notifications) and crashed at start, and
    # left out cryptography, so "Share on network" could not make its certificate.
    excludes = _spec_excludes()
    missing = {
        name: where
        for name, where in _imports_of_the_bundled_code().items()
        if any(name == ex or name.startswith(ex + ".") for ex in excludes)
    }
    assert not missing, f"packaging/sequencer.spec excludes what the app imports: {missing}"
