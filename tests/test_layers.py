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


# --- the import graph ------------------------------------------------------------------------

LAYERS: tuple[tuple[str, ...], ...] = (
    ("core",),
    ("paths",),
    ("formats",),
    ("config", "session"),
    ("interop", "analysis"),
    ("ui", "cli_output"),
    ("cli",),
    ("__main__",),
)
"""The parts of `reader`, lowest first; see `test_each_layer_imports_only_the_layers_below_it`."""


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def reader_import_graph() -> dict[str, set[str]]:
    """Every module of `reader` and the `reader` modules it imports: at the top, inside a function
    or under `TYPE_CHECKING` alike (a function-local import still makes a cycle, only a later one).

    `from reader.core import coding` counts as importing `reader.core` and `reader.core.coding`;
    relative imports are resolved against the importing module's package.
    """
    import ast

    root = Path(reader.__path__[0])
    files = {_module_name(path, root): path for path in root.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join([*anchor, *([node.module] if node.module else [])])
                imported.add(base)
                imported.update(f"{base}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
        graph[name] = {other for other in imported if other in files and other != name}
    return graph


def _a_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (its modules in order, the first repeated at the end), or None."""
    done: set[str] = set()
    for start in sorted(graph):
        if start in done:
            continue
        path: list[str] = []
        on_path: set[str] = set()
        stack: list[tuple[str, list[str]]] = [(start, sorted(graph[start]))]
        path.append(start)
        on_path.add(start)
        while stack:
            module, waiting = stack[-1]
            if not waiting:
                stack.pop()
                path.pop()
                on_path.discard(module)
                done.add(module)
                continue
            following = waiting.pop()
            if following in on_path:
                return [*path[path.index(following):], following]
            if following not in done:
                stack.append((following, sorted(graph[following])))
                path.append(following)
                on_path.add(following)
    return None


def _layer_of(module: str) -> int | None:
    """The layer index of a module, or None for the `reader` package itself (the version)."""
    if module == "reader":
        return None
    part = module.split(".")[1]
    for index, parts in enumerate(LAYERS):
        if part in parts:
            return index
    raise AssertionError(f"{module} is in no layer: add its part to LAYERS")


def test_the_cycle_finder_finds_a_cycle_hidden_in_a_function() -> None:
    graph = reader_import_graph()
    assert _a_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert _a_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None
    # The graph sees function-local and `TYPE_CHECKING` imports, not only the top of a module.
    assert "reader.formats.markdown" in graph["reader.formats.base"]  # (inside a function)
    assert "reader.ui.widgets.document_pane" in graph["reader.ui.coding_controller"]


def test_no_import_cycles_between_reader_modules() -> None:
    """A cycle means two modules cannot be understood (or loaded) one without the other; a
    function-local import only hides it until the function runs."""
    graph = reader_import_graph()
    assert len(graph) > 80
    cycle = _a_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_each_layer_imports_only_the_layers_below_it() -> None:
    """Lowest first: `core` (the domain); `paths` (where data, config, styles and caches live:
    it asks the store which files are the database's, and the loaders' extraction cache asks it
    where to keep texts, so it sits between the two); `formats` (loaders); `config` and `session`
    (the typed settings and the saved session, found through `paths`); then `interop` and
    `analysis` side by side (neither imports the other), then the interfaces: `ui` and
    `cli_output`, then `cli` (which starts the UI), then `__main__`.

    A module may import modules of its own part and of lower layers only; parts sharing a layer
    may not import each other. The `reader` package itself only gives the version, so any module
    may import it.
    """
    wrong = []
    for module, imported in reader_import_graph().items():
        layer = _layer_of(module)
        if layer is None:
            assert not imported, f"the reader package imports {imported}"
            continue
        part = module.split(".")[1]
        for other in imported:
            other_layer = _layer_of(other)
            if other_layer is None or other.split(".")[1] == part:
                continue
            if other_layer >= layer:
                wrong.append(f"{module} imports {other}")
    assert not wrong, "\n".join(sorted(wrong))
