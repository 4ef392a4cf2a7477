"""The seams between rooms (STYLE.md): the analytics core imports nothing of ours but errors,
and nothing outside the providers talks to yfinance."""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "python" / "rerating"


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_analytics_is_pure() -> None:
    allowed_ours = {"rerating.errors"}
    for path in (PKG / "analytics").glob("*.py"):
        for mod in imports(path):
            if mod.startswith("rerating"):
                assert mod in allowed_ours or mod.startswith("rerating.analytics"), (path.name, mod)
            assert not mod.startswith(("yfinance", "openpyxl", "xlwings", "requests", "pyarrow")), \
                (path.name, mod)


def test_only_the_yahoo_provider_imports_yfinance() -> None:
    users = {p.relative_to(PKG).as_posix() for p in PKG.rglob("*.py")
             if any(m.startswith("yfinance") for m in imports(p))}
    assert users <= {"data/providers/yahoo.py", "cli.py"}  # cli only prints its version
