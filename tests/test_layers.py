"""The domain layers import without Textual, so they stay usable and testable on their own."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import reader


def domain_modules(packages: tuple[str, ...] = ("core", "formats", "interop", "analysis")
                   ) -> list[str]:
    names = []
    for package in packages:
        names.append(f"reader.{package}")
        found = pkgutil.iter_modules([f"{reader.__path__[0]}/{package}"])
        names += [f"reader.{package}.{info.name}" for info in found]
    return names


def test_the_domain_imports_without_textual() -> None:
    modules = domain_modules() + ["reader.paths", "reader.config"]
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "leaked = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'pandas'))\n"
        "print(','.join(leaked))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
    assert len(modules) > 8


def test_only_the_store_imports_tinydb() -> None:
    root = Path(reader.__path__[0])
    importers = sorted(
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "import tinydb" in path.read_text() or "from tinydb" in path.read_text()
    )
    # TinyDB is the users' fixed choice of engine: the store reads and writes every file
    # through it, and no other module may touch the files.
    assert importers == ["core/store.py"]


def _imports_of(path: Path) -> set[str]:
    """The `reader.*` modules a file imports, at the top or inside a function."""
    import ast

    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("reader.")}


def test_analysis_sits_above_the_domain_and_below_the_interfaces() -> None:
    root = Path(reader.__path__[0])
    for package in ("core", "formats", "interop"):
        for path in (root / package).rglob("*.py"):
            leaked = {name for name in _imports_of(path) if name.startswith("reader.analysis")}
            assert not leaked, f"{path.relative_to(root)} imports the layer above it: {leaked}"
    for path in (root / "analysis").rglob("*.py"):
        above = {name for name in _imports_of(path)
                 if name.split(".")[1] in ("ui", "cli", "cli_output", "session")}
        assert not above, f"{path.relative_to(root)} imports an interface: {above}"
