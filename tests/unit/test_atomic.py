"""sequencer_common.atomic: a file appears complete or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from sequencer_common.atomic import atomic_path, atomic_write, part_path, write_text_atomic


def test_atomic_write_replaces_the_file_when_the_block_ends(tmp_path: Path) -> None:
    target = tmp_path / "a.bin"
    target.write_bytes(b"old")
    with atomic_write(target) as fh:
        fh.write(b"new")
        assert target.read_bytes() == b"old"  # not visible before the rename
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bin"]


@pytest.mark.parametrize("hidden", [False, True])
def test_an_exception_keeps_the_old_file_and_leaves_no_partial_one(
    tmp_path: Path, hidden: bool
) -> None:
    target = tmp_path / "a.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_write(target, hidden=hidden) as fh:
        fh.write(b"half")
        raise RuntimeError("disk on fire")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bin"]


def test_an_exception_without_an_old_file_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "new.txt"
    with pytest.raises(KeyboardInterrupt), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_a_stale_part_of_a_killed_process_is_replaced(tmp_path: Path) -> None:
    target = tmp_path / "a.mp3"
    part_path(target, hidden=True).write_bytes(b"stale leftover")
    with atomic_path(target, hidden=True) as tmp:
        assert not tmp.exists()  # os.link into it would fail otherwise
        tmp.write_bytes(b"fresh")
    assert target.read_bytes() == b"fresh"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.mp3"]


def test_unique_parts_for_concurrent_writers(tmp_path: Path) -> None:
    target = tmp_path / "k"
    with (
        atomic_write(target, unique_prefix=".upload-", fsync=True) as one,
        atomic_write(target, unique_prefix=".upload-") as two,
    ):
        assert one.name != two.name
        assert Path(one.name).name.startswith(".upload-")
        assert Path(one.name).name.endswith(".part")
        one.write(b"1")
        two.write(b"2")
    assert target.read_bytes() == b"1"  # the last one renamed wins, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k"]


def test_part_names() -> None:
    assert part_path(Path("/x/a.json")) == Path("/x/a.json.part")
    assert part_path(Path("/x/a.mp3"), hidden=True) == Path("/x/.a.mp3.part")


def test_write_text_atomic(tmp_path: Path) -> None:
    target = tmp_path / "p.json"
    write_text_atomic(target, "{}\n")
    assert target.read_text(encoding="utf-8") == "{}\n"
