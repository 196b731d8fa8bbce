"""Key bindings read from the classes that declare them, with the user's keymap applied.

The help panel, the palette's key hints and the config check all come from here, so none of
them can drift from the `BINDINGS` that actually run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.binding import Binding

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


def binding_rows(
    app: App[Any], owners: Iterable[tuple[str, type[DOMNode]]], keymap: Mapping[str, str]
) -> list[BindingRow]:
    """Every binding of each owner class, grouped by id, with remapped keys shown for display."""
    rows: list[BindingRow] = []
    for group, owner in owners:
        bindings_map = owner._merge_bindings()
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
    owners: Iterable[tuple[str, type[DOMNode]]], keymap: Mapping[str, str]
) -> list[tuple[str, str, str]]:
    """(key, remapped id, id that keeps the key by default) for each key given twice.

    `keymap` must be normalised the way `App.set_keymap` stores it. Textual only reports
    clashes with bindings that have no id, so reader checks its own.
    """
    defaults: dict[str, set[str]] = {}
    for _group, owner in owners:
        for key, bindings in owner._merge_bindings().key_to_bindings.items():
            for binding in bindings:
                if binding.id and binding.id not in keymap:
                    defaults.setdefault(key, set()).add(binding.id)
    clashes = []
    for ident, spec in keymap.items():
        for key in (part.strip() for part in spec.split(",")):
            for other in sorted(defaults.get(key, ())):
                if other != ident:
                    clashes.append((key, ident, other))
    return clashes


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
