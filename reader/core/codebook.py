"""The codebook: tags with names, colours, hierarchy (`parent/child`) and hotkey slots."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from reader.core.models import Tag

HOTKEY_SLOTS = range(1, 10)
SEPARATOR = "/"

# Distinguishable on dark and light backgrounds alike (Okabe-Ito and Tableau hues).
PALETTE = (
    "#e69f00", "#56b4e9", "#009e73", "#d55e00", "#cc79a7",
    "#0072b2", "#b8a800", "#8c6bb1", "#e15759", "#76b7b2",
)

# (name, description) in hotkey order: the themes this field codes most.
DEFAULT_TAGS = (
    ("refugees", "Refugees, displacement and return"),
    ("recovery funds", "Early recovery, reconstruction and the funds that pay for them"),
    ("detainees", "Detainees, the missing and their families"),
    ("human rights", "Violations, accountability and protection"),
    ("political process", "Negotiations, UN Security Council Resolution 2254, constitution"),
    ("sanctions and normalization", "Sanctions, exemptions and normalization with the government"),
    ("humanitarian aid", "Access, delivery and funding of aid"),
    ("local governance", "Local councils, services and administration"),
)

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class CodebookError(ValueError):
    """A tag operation that cannot be done (unknown tag, bad name, clashing name)."""


def clean_tag_name(name: str) -> str:
    """A tag's own name (one level), trimmed; refuses empty names, slashes and controls."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise CodebookError("a tag name cannot be empty")
    if SEPARATOR in cleaned:
        raise CodebookError(f"a tag name cannot contain {SEPARATOR!r}: {cleaned!r}")
    if _CONTROL.search(cleaned):
        raise CodebookError("a tag name cannot contain control characters")
    return cleaned


def split_tag_path(path: str) -> list[str]:
    """`"parent/child"` as its cleaned parts."""
    parts = [clean_tag_name(part) for part in path.split(SEPARATOR)]
    return parts


def next_colour(used: Iterable[str]) -> str:
    """The first palette colour not in use, cycling when all are."""
    used_set = {colour.lower() for colour in used}
    for colour in PALETTE:
        if colour not in used_set:
            return colour
    return PALETTE[len(used_set) % len(PALETTE)]


def valid_colour(colour: str) -> str:
    """A `#rrggbb` colour in lower case; anything else is refused."""
    value = colour.strip().lower()
    if not re.fullmatch(r"#[0-9a-f]{6}", value):
        raise CodebookError(f"colour must look like #e69f00, not {colour!r}")
    return value


class Codebook:
    """A read-only view over the tags, resolving ids, paths and hotkeys."""

    def __init__(self, tags: Iterable[Tag]) -> None:
        self._by_id = {tag.id: tag for tag in tags}

    def __iter__(self) -> Iterator[Tag]:
        return iter(sorted(self._by_id.values(), key=self.path))

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, tag_id: object) -> bool:
        return tag_id in self._by_id

    def get(self, tag_id: str) -> Tag:
        try:
            return self._by_id[tag_id]
        except KeyError:
            raise CodebookError(f"no tag with id {tag_id!r}") from None

    def path(self, tag: Tag | str) -> str:
        """The full name, `parent/child`."""
        current = self.get(tag) if isinstance(tag, str) else tag
        names = [current.name]
        seen = {current.id}
        while current.parent is not None and current.parent in self._by_id:
            current = self._by_id[current.parent]
            if current.id in seen:  # a cycle in a hand-edited file: stop rather than loop
                break
            seen.add(current.id)
            names.append(current.name)
        return SEPARATOR.join(reversed(names))

    def find(self, path: str) -> Tag | None:
        """The tag with this full name (case-insensitive), or None."""
        wanted = SEPARATOR.join(split_tag_path(path)).casefold()
        for tag in self._by_id.values():
            if self.path(tag).casefold() == wanted:
                return tag
        return None

    def resolve(self, reference: str) -> Tag:
        """A tag by id or full name; a unique leaf name works too."""
        if reference in self._by_id:
            return self._by_id[reference]
        found = self.find(reference)
        if found is not None:
            return found
        leaf = reference.strip().casefold()
        matches = [tag for tag in self._by_id.values() if tag.name.casefold() == leaf]
        if len(matches) == 1:
            return matches[0]
        if matches:
            names = ", ".join(sorted(self.path(tag) for tag in matches))
            raise CodebookError(f"tag {reference!r} is ambiguous: {names}")
        raise CodebookError(f"no tag named {reference!r}")

    def by_hotkey(self, slot: int) -> Tag | None:
        for tag in self._by_id.values():
            if tag.hotkey == slot:
                return tag
        return None

    def children(self, tag_id: str) -> list[Tag]:
        return [tag for tag in self._by_id.values() if tag.parent == tag_id]

    def descendants(self, tag_id: str) -> set[str]:
        found: set[str] = set()
        frontier = [tag_id]
        while frontier:
            current = frontier.pop()
            for child in self.children(current):
                if child.id not in found:
                    found.add(child.id)
                    frontier.append(child.id)
        return found

    def colours(self) -> list[str]:
        return [tag.colour for tag in self._by_id.values()]
