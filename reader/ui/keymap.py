"""Key bindings read from the classes that declare them, with the user's keymap applied.

The help panel, the palette's key hints and the config check all come from here, so none of
them can drift from the `BINDINGS` that actually run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.binding import Binding, BindingsMap

if TYPE_CHECKING:
    from textual.app import App
    from textual.dom import DOMNode


@dataclass(frozen=True)
class BindingRow:
    """One binding as the user sees it now: its id, current keys, action and description."""

    group: str
    id: str
    keys: tuple[str, ...]
    action: str
    description: str
    tooltip: str


def declared_bindings(owner: type[DOMNode]) -> BindingsMap:
    """The bindings reader's own classes declare for `owner` (merged down its MRO).

    Textual's base widgets (scroll views, screens) add keys of their own; reader overrides the
    ones that matter and the rest would only be noise in the help panel.
    """
    keys: dict[str, list[Binding]] = {}
    for base in reversed(owner.__mro__):
        declared = base.__dict__.get("BINDINGS")
        if declared and base.__module__.startswith("reader."):
            keys.update(BindingsMap(declared).key_to_bindings)
    return BindingsMap.from_keys(keys)


def reader_binding_classes() -> list[type[DOMNode]]:
    """Every widget, screen and app class in `reader.ui` that declares bindings.

    Imports every `reader.ui` module first, so dialogs that are only imported when opened are
    included too. Called when help opens or a user keymap is checked, never at start-up.
    """
    import importlib
    import pkgutil

    from textual.dom import DOMNode

    import reader.ui

    for info in pkgutil.walk_packages(reader.ui.__path__, "reader.ui."):
        try:
            importlib.import_module(info.name)
        except Exception:  # a module that cannot be imported has no bindings to show
            continue
    found: list[type[DOMNode]] = []
    seen: set[type[DOMNode]] = set()
    stack: list[type[DOMNode]] = [DOMNode]
    while stack:
        subclasses: list[type[DOMNode]] = stack.pop().__subclasses__()
        for sub in subclasses:
            if sub in seen:
                continue
            seen.add(sub)
            stack.append(sub)
            if sub.__module__.startswith("reader.") and sub.__dict__.get("BINDINGS"):
                found.append(sub)
    return sorted(found, key=lambda cls: (cls.__module__, cls.__qualname__))


def group_name(owner: type) -> str:
    """A class name as a heading: `TagPicker` -> "Tag picker"."""
    words = re.findall(r"[A-Z]+(?=[A-Z][a-z]|$)|[A-Z]?[a-z0-9]+", owner.__name__)
    return " ".join(words).capitalize() if words else owner.__name__


def binding_rows(
    app: App[Any], owners: Iterable[tuple[str, type[DOMNode]]], keymap: Mapping[str, str]
) -> list[BindingRow]:
    """Every binding of each owner class, grouped by id, with remapped keys shown for display."""
    rows: list[BindingRow] = []
    for group, owner in owners:
        bindings_map = declared_bindings(owner)
        if keymap:
            bindings_map.apply_keymap(dict(keymap))
        by_id: dict[str, tuple[Binding, list[str]]] = {}
        for _key, bindings in bindings_map.key_to_bindings.items():
            for binding in bindings:
                if binding.system:  # Textual's own safety nets (ctrl+c "use ^q to quit")
                    continue
                ident = binding.id or binding.action
                entry = by_id.setdefault(ident, (binding, []))
                display = app.get_key_display(binding)
                if display not in entry[1]:
                    entry[1].append(display)
        for ident, (binding, keys) in by_id.items():
            rows.append(
                BindingRow(
                    group=group,
                    id=binding.id or "",
                    keys=tuple(keys),
                    action=binding.action,
                    description=binding.description or ident,
                    tooltip=binding.tooltip,
                )
            )
    return rows


def keymap_clashes(
    owners: Sequence[tuple[str, type[DOMNode]]], keymap: Mapping[str, str], *, chain: int = 4
) -> list[tuple[str, str, str]]:
    """(key, remapped id, id that keeps the key by default) for each key given twice.

    Two bindings clash when they can be live at the same time: in the same class, or both among
    the first `chain` owners (the app, the main screen and the document pane and view, which
    are all in the binding chain while reading). `keymap` must be normalised the way
    `App.set_keymap` stores it. Textual itself only reports clashes with id-less bindings.
    """
    maps = [declared_bindings(owner) for _, owner in owners]
    clashes: set[tuple[str, str, str]] = set()
    for index, bindings_map in enumerate(maps):
        own_ids = {
            binding.id
            for bindings in bindings_map.key_to_bindings.values()
            for binding in bindings
            if binding.id
        }
        neighbours = [index] if index >= chain else list(range(min(chain, len(maps))))
        for ident in own_ids & set(keymap):
            for key in (part.strip() for part in keymap[ident].split(",")):
                for other_index in neighbours:
                    for other in maps[other_index].key_to_bindings.get(key, ()):
                        if other.id and other.id != ident and other.id not in keymap:
                            clashes.add((key, ident, other.id))
    return sorted(clashes)


def unknown_binding_ids(keymap: Mapping[str, str], rows: Iterable[BindingRow]) -> list[str]:
    """Ids in the user's keymap that no binding has (most likely typos)."""
    known = {row.id for row in rows if row.id}
    return sorted(ident for ident in keymap if ident not in known)


def bad_key_specs(keymap: Mapping[str, str]) -> list[str]:
    """Entries whose key list is empty or has an empty key (`"ctrl+"`, `"a,,b"`)."""
    bad = []
    for ident, spec in keymap.items():
        keys = [key.strip() for key in spec.split(",")]
        if not spec.strip() or any(not key or key.endswith("+") for key in keys):
            bad.append(ident)
    return sorted(bad)
