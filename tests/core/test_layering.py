"""`core` is the bottom layer: it imports no Trackwell app above it, and holds no pages."""

import ast
from pathlib import Path

from django.urls import resolve, reverse

import trackwell.core

CORE = Path(trackwell.core.__file__).resolve().parent


def _references(tree: ast.AST) -> list[tuple[int, str]]:
    """Every module an import names, and every string naming a trackwell module."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):  # imports inside functions count too
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            if node.module == "trackwell":
                found += [(node.lineno, f"trackwell.{alias.name}") for alias in node.names]
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value.startswith("trackwell.")  # import_module("trackwell.x")
        ):
            found.append((node.lineno, node.value))
    return found


def test_core_imports_no_other_trackwell_app() -> None:
    above = []
    for path in sorted(CORE.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for line, name in _references(tree):
            parts = name.split(".")
            if parts[0] == "trackwell" and len(parts) > 1 and parts[1] != "core":
                above.append(f"{path.relative_to(CORE.parent.parent)}:{line} {name}")
    assert above == [], "core must not depend on the apps built on it"


def test_the_check_sees_an_import_from_above() -> None:
    tree = ast.parse(
        "from trackwell.accounts.models import User\n"
        "def f():\n    import trackwell.pupils.models\n"
        "from trackwell import home\n"
    )
    names = [name for _, name in _references(tree)]
    assert "trackwell.accounts.models" in names
    assert "trackwell.pupils.models" in names and "trackwell.home" in names


def test_home_pages_live_in_home() -> None:
    assert not (CORE / "views.py").exists() and not (CORE / "views").exists()
    assert not (CORE / "urls.py").exists()
    assert resolve(reverse("home")).func.__module__.startswith("trackwell.home.")
