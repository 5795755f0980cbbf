"""The core stays platform-neutral: no module under bot/ imports a chat SDK or the adapters."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"
FORBIDDEN = ("telegram", "slack_bolt", "slack_sdk", "adapters", "aiohttp", "jinja2", "playwright")


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
            "import_module",
            "__import__",
        ):
            names.extend(a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str))
    return names


MODULES = sorted(BOT.rglob("*.py"))


def test_there_are_core_modules_to_check() -> None:
    assert len(MODULES) >= 10


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_core_module_imports_no_platform(path: Path) -> None:
    bad = [m for m in imported_modules(path) if m.split(".")[0] in FORBIDDEN]
    assert bad == [], f"{path.relative_to(BOT.parent)} imports {bad}"


def test_the_check_catches_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os\nfrom telegram.ext import Application\nimport importlib\nimportlib.import_module('slack_sdk')\n"
    )
    assert [m for m in imported_modules(sample) if m.split(".")[0] in FORBIDDEN] == ["telegram.ext", "slack_sdk"]


# ---- the shape of the tree: no import cycles, no oversized module ---------------------------

ROOT = BOT.parent
PACKAGES = ("bot", "adapters")
MAX_MODULE_LINES = 600


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def load_time_imports(path: Path, name: str) -> list[str]:
    """The modules `path` imports when it is loaded: module-level imports, those under a top-level
    `if`, `try` or class body included; those inside functions or under `if TYPE_CHECKING:` not
    (they do not run at import time, so they cannot close a cycle)."""
    is_package = path.name == "__init__.py"
    names: list[str] = []

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Import):
                names.extend(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    package = name.split(".") if is_package else name.split(".")[:-1]
                    anchor = package[: len(package) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                # `from pkg import sub` imports the module pkg.sub when there is one.
                names.extend(f"{base}.{alias.name}" for alias in node.names)
                names.append(base)
            elif isinstance(node, ast.If):
                if not _is_type_checking(node.test):
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                for block in (node.body, *(h.body for h in node.handlers), node.orelse, node.finalbody):
                    visit(block)
            elif isinstance(node, (ast.With, ast.ClassDef)):
                visit(node.body)

    visit(ast.parse(path.read_text(encoding="utf-8"), str(path)).body)
    return names


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def import_graph(root: Path, packages: tuple[str, ...]) -> dict[str, set[str]]:
    """Module -> the modules of `packages` it imports at load time."""
    paths = {module_name(p, root): p for package in packages for p in sorted((root / package).rglob("*.py"))}
    return {
        name: {target for target in load_time_imports(path, name) if target in paths and target != name}
        for name, path in paths.items()
    }


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return cycles


def oversized(paths: list[Path], limit: int = MAX_MODULE_LINES) -> dict[str, int]:
    counts = {str(p): len(p.read_text(encoding="utf-8").splitlines()) for p in paths}
    return {path: lines for path, lines in counts.items() if lines > limit}


def test_bot_and_adapters_have_no_import_cycles() -> None:
    graph = import_graph(ROOT, PACKAGES)
    assert len(graph) >= 50 and any(graph.values())
    assert import_cycles(graph) == []


def test_no_module_in_bot_or_adapters_is_over_600_lines() -> None:
    paths = [p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))]
    assert {str(Path(p).relative_to(ROOT)): n for p, n in oversized(paths).items()} == {}


def test_the_cycle_check_finds_a_cycle_and_skips_type_checking_imports(tmp_path: Path) -> None:
    pkg = tmp_path / "bot"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from bot.sub import b\n")
    (pkg / "sub" / "b.py").write_text(
        "def f():\n    from bot import a\ntry:\n    from .c import x\nexcept ImportError:\n    pass\n"
    )
    (pkg / "sub" / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bot import a\n")
    graph = import_graph(tmp_path, ("bot",))
    assert graph["bot.a"] == {"bot.sub", "bot.sub.b"} and graph["bot.sub.b"] == {"bot.sub.c"}
    assert import_cycles(graph) == []
    (pkg / "sub" / "c.py").write_text("import bot.a\n")
    assert import_cycles(import_graph(tmp_path, ("bot",))) == [["bot.a", "bot.sub.b", "bot.sub.c"]]


def test_the_size_check_finds_a_long_module(tmp_path: Path) -> None:
    short, long = tmp_path / "short.py", tmp_path / "long.py"
    short.write_text("x = 1\n" * MAX_MODULE_LINES)
    long.write_text("x = 1\n" * (MAX_MODULE_LINES + 1))
    assert oversized([short, long]) == {str(long): MAX_MODULE_LINES + 1}
