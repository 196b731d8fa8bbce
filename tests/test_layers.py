"""The domain layers import without Textual, so they stay usable and testable on their own."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import reader


def domain_modules() -> list[str]:
    names = []
    for package in ("core", "formats", "interop"):
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
    from pathlib import Path

    root = Path(reader.__path__[0])
    importers = sorted(
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "import tinydb" in path.read_text() or "from tinydb" in path.read_text()
    )
    # The store writes TinyDB's file format itself (one record per line, stable order, a
    # change rewriting only its document's file); no other module may touch the files.
    assert importers in ([], ["core/store.py"])
