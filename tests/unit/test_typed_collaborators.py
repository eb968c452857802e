"""Issue 12: collaborators are typed (a ``Protocol`` naming what the receiver uses, or the
concrete class), never ``Any``. ``Any`` switches mypy off for everything reached through
the name, so a collaborator typed ``Any`` is a boundary nobody checks: a renamed method or
a changed signature is found by a user, not by CI.

The check reads every module of the application (``ast``, nothing is imported) and names
each parameter and each instance attribute annotated with bare ``Any`` (or ``Any | None``).
``*args: Any`` / ``**kwargs: Any`` pass things through and stay allowed; a value that is
untrusted JSON is typed ``object`` (narrowed with ``isinstance`` where it is read).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("desktop_app", "sequencer_server", "sequencer_common")


def _is_any(node: ast.expr | None) -> bool:
    """``Any``, ``typing.Any``, ``"Any"``, ``Any | None``, ``Optional[Any]``."""
    if node is None:
        return False
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            node = ast.parse(node.value, mode="eval").body
        except SyntaxError:
            return False
    if isinstance(node, ast.Name):
        return node.id == "Any"
    if isinstance(node, ast.Attribute):
        return node.attr == "Any" and isinstance(node.value, ast.Name) and node.value.id == "typing"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        sides = (node.left, node.right)
        none = [s for s in sides if isinstance(s, ast.Constant) and s.value is None]
        return len(none) == 1 and any(_is_any(s) for s in sides if s not in none)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        return node.value.id == "Optional" and _is_any(node.slice)
    return False


def _bare_any(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """(line, what) for each parameter or instance attribute annotated ``Any``."""
    for owner in ast.walk(tree):
        if isinstance(owner, ast.FunctionDef | ast.AsyncFunctionDef):
            args = owner.args
            for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs):
                if _is_any(arg.annotation):
                    yield arg.lineno, f"{owner.name}({arg.arg})"
            for node in ast.walk(owner):
                if (
                    isinstance(node, ast.AnnAssign)
                    and isinstance(node.target, ast.Attribute)
                    and isinstance(node.target.value, ast.Name)
                    and node.target.value.id == "self"
                    and _is_any(node.annotation)
                ):
                    yield node.lineno, f"{owner.name}: self.{node.target.attr}"
        elif isinstance(owner, ast.ClassDef):
            # Class-level annotations: dataclass and pydantic fields, Protocol attributes.
            for node in owner.body:
                if (
                    isinstance(node, ast.AnnAssign)
                    and isinstance(node.target, ast.Name)
                    and _is_any(node.annotation)
                ):
                    yield node.lineno, f"{owner.name}.{node.target.id}"


def find_bare_any(root: Path = ROOT) -> list[str]:
    found = set()
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=relative)
            found.update(f"{relative}:{line}: {what}" for line, what in _bare_any(tree))
    return sorted(found)


def test_no_parameter_or_attribute_is_typed_bare_any() -> None:
    found = find_bare_any()
    assert not found, "typed Any (use a Protocol, the class, or object):\n" + "\n".join(found)


def test_the_check_sees_every_kind_of_any() -> None:
    """The detector itself: what it must catch and what it must leave alone."""
    caught = ast.parse(
        "class C:\n"
        "    field: Any = None\n"
        "    def __init__(self, a: Any, *, b: 'Any' = 1, c: Any | None = None) -> None:\n"
        "        self.d: typing.Any = a\n"
        "def f(e: Optional[Any]) -> None: ...\n"
    )
    assert {what for _, what in _bare_any(caught)} == {
        "C.field",
        "__init__(a)",
        "__init__(b)",
        "__init__(c)",
        "__init__: self.d",
        "f(e)",
    }
    left = ast.parse(
        "def g(*args: Any, **kwargs: Any) -> Any:\n"
        "    x: Any = 1\n"
        "def h(a: dict[str, Any], b: object, c: list[Any] | None, d: Callable[..., Any]): ...\n"
    )
    assert not list(_bare_any(left))
