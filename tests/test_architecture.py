"""The seams between rooms (python/ARCHITECTURE.md): the analytics core imports nothing of ours but errors,
and nothing outside the providers talks to yfinance."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "python" / "rerating"


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
    assert users <= {"data/providers/yahoo.py", "cli/doctor.py"}  # doctor only prints its version


def test_the_service_layer_knows_no_command_line_and_prints_nothing() -> None:
    """The work the CLI and the server start is in services/: no click, no web framework, no
    print; what a user should read goes to its Notes."""
    for path in (PKG / "services").glob("*.py"):
        mods = imports(path)
        assert not any(m.startswith(("click", "starlette", "uvicorn", "tqdm")) for m in mods), path.name
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        assert "print" not in calls, path.name


def test_the_command_line_and_the_server_share_the_service_layer() -> None:
    cli_uses = set().union(*(imports(p) for p in (PKG / "cli").glob("*.py")))
    server_uses = set().union(*(imports(p) for p in (PKG / "server").glob("*.py")))
    assert {"rerating.services", "rerating.services.refresh"} & cli_uses
    assert "rerating.services.status" in server_uses
    # the commands are thin: no command module does the refresh's or the books' work itself
    for p in (PKG / "cli").glob("*.py"):
        assert not {"rerating.data.refresh", "rerating.reports.report"} & imports(p), p.name


def test_published_under_apache_2() -> None:
    import tomllib

    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert meta["license"] == "Apache-2.0" and meta["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert text.lstrip().startswith("Apache License") and "Version 2.0, January 2004" in text
    # data shipped from elsewhere says where each file came from, with its checksum
    sources = (ROOT / "python" / "rerating" / "data" / "lists" / "SOURCES.md").read_text()
    for f in (ROOT / "python" / "rerating" / "data" / "lists").glob("*.csv"):
        row = next(x for x in sources.splitlines() if x.startswith(f"| {f.name} |"))
        assert re.search(r"\| [0-9a-f]{40} \|", row) and re.search(r"\| [0-9a-f]{64} \|", row)


def test_every_path_the_docs_and_docstrings_cite_exists() -> None:
    """STYLE.md and tests/data/test_provider_contract.py were cited while missing."""
    import re

    cited = re.compile(r"(?<![\w/.])((?:python|tests|benchmarks|templates|addin|reports)/[\w/.\-]+"
                       r"\.(?:py|md|xlsx|j2|csv|json))")
    files = [ROOT / "README.md", ROOT / "pyproject.toml", *(ROOT / "python").glob("*.md"),
             *PKG.rglob("*.py"), *PKG.rglob("*.md"), *(ROOT / "tests").glob("**/*.py")]
    missing = {(str(f.relative_to(ROOT)), ref) for f in files
               for ref in cited.findall(f.read_text(encoding="utf-8"))
               if "*" not in ref and not (ROOT / ref).exists()
               and not (PKG / ref).exists() and not (PKG / "reports" / ref).exists()}
    assert not missing, sorted(missing)
    assert not [f for f in PKG.rglob("*.py") if "STYLE.md" in f.read_text(encoding="utf-8")]


def _module_graph() -> dict[str, set[str]]:
    """Each module of the package and the modules of ours it imports, lazy imports included
    (an import inside a function still ties the two modules together)."""
    mods = {".".join(p.relative_to(PKG.parent).with_suffix("").parts).removesuffix(".__init__"): p
            for p in PKG.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found |= {f"{node.module}.{a.name}" for a in node.names} | {node.module}
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names}
        graph[name] = {m for m in found if m in mods and m != name}
    return graph


def test_no_two_modules_import_each_other() -> None:
    """Issue 31 found two circles: the local store imported the PostgreSQL one to choose a
    backend (now data/store/__init__.py, above both), and the registry reached back into the library
    that fills it (now registry -> library -> declare)."""
    graph = _module_graph()
    circles = sorted((a, b) for a, outs in graph.items() for b in outs
                     if a < b and a in graph.get(b, set()))
    assert circles == []
    # and no longer circle either (a strongly connected set of modules)
    seen: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        seen[v] = low[v] = len(seen)
        stack.append(v)
        for w in graph[v]:
            if w not in seen:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], seen[w])
        if low[v] == seen[v]:
            part = []
            while True:
                w = stack.pop()
                part.append(w)
                if w == v:
                    break
            if len(part) > 1:
                found.append(sorted(part))

    for v in graph:
        if v not in seen:
            visit(v)
    assert found == []


def test_the_data_commands_go_through_the_service_layer() -> None:
    """Issue 31: cli/data.py reached past services/ into data/ in about twenty places (imports,
    export, index map, universes); the server could not share that work. Now it names only the
    canonical tables' module (for the export command's choice of table)."""
    mods = imports(PKG / "cli" / "data.py")
    assert {m for m in mods if m.startswith("rerating.data")} == {"rerating.data"}  # model
    assert "from rerating.services import data as data_services" in \
        (PKG / "cli" / "data.py").read_text()
