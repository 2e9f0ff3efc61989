"""DESIGN.md's import direction, held by the suite: every import in every module, including
those inside functions, points down the tree or to a third-party package the layer may use."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Which of our packages, and which infrastructure libraries, each package must never import.
FORBIDDEN: dict[str, frozenset[str]] = {
    "backend": frozenset({"flask", "flask_smorest", "flask_wtf", "flask_limiter", "werkzeug",
                          "redis", "rq", "miniprogram_api", "console", "notifications"}),
    "scheduler": frozenset({"flask", "peewee", "playhouse", "redis", "rq", "backend",
                            "miniprogram_api", "console", "notifications"}),
    "console": frozenset({"miniprogram_api", "notifications", "scheduler", "redis", "rq"}),
    "notifications": frozenset({"flask", "flask_smorest", "miniprogram_api", "console"}),
}


def _imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_package_imports_only_downward(package: str) -> None:
    wrong = {
        str(path.relative_to(ROOT)): sorted(_imported_roots(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    }
    assert not {name: roots for name, roots in wrong.items() if roots}
