"""The codebook: tags with names, colours, hierarchy (`parent/child`) and hotkey slots."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

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

_HEX = re.compile(r"#[0-9a-f]{6}")
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
    return list(_cleaned_parts(path))


@lru_cache(maxsize=4096)
def _cleaned_parts(path: str) -> tuple[str, ...]:
    # Cached: an import reads the same few paths in every one of its rows (a bad path raises
    # each time, and is not cached).
    return tuple(clean_tag_name(part) for part in path.split(SEPARATOR))


# Colours beyond the palette are chosen in OKLab, where distance follows what the eye sees.
# Lightness stays in the palette's band (about 0.55 to 0.8), readable on dark and light themes
# alike; the chroma is as high as sRGB allows up to _CHROMA, so no colour turns grey.
_LIGHTNESS_LEVELS = (0.68, 0.58, 0.77)
_CHROMA = 0.15
_MINIMUM_CHROMA = 0.07
_GOLDEN_ANGLE = 137.50776405003785
_CANDIDATES = 480


def _to_linear(channel: float) -> float:
    if channel <= 0.04045:
        return channel / 12.92
    return float(((channel + 0.055) / 1.055) ** 2.4)


def _from_linear(channel: float) -> float:
    if channel <= 0.0031308:
        return 12.92 * channel
    return float(1.055 * channel ** (1 / 2.4) - 0.055)


def oklab(colour: str) -> tuple[float, float, float]:
    """A `#rrggbb` colour as OKLab (L, a, b)."""
    red, green, blue = (_to_linear(int(colour[i : i + 2], 16) / 255) for i in (1, 3, 5))
    long = (0.4122214708 * red + 0.5363325363 * green + 0.0514459929 * blue) ** (1 / 3)
    medium = (0.2119034982 * red + 0.6806995451 * green + 0.1073970566 * blue) ** (1 / 3)
    short = (0.0883024619 * red + 0.2817188376 * green + 0.6299787005 * blue) ** (1 / 3)
    return (
        0.2104542553 * long + 0.7936177850 * medium - 0.0040720468 * short,
        1.9779984951 * long - 2.4285922050 * medium + 0.4505937099 * short,
        0.0259040371 * long + 0.7827717662 * medium - 0.8086757660 * short,
    )


def _oklch_to_rgb(lightness: float, chroma: float, hue: float) -> tuple[float, ...]:
    a = chroma * math.cos(math.radians(hue))
    b = chroma * math.sin(math.radians(hue))
    long = (lightness + 0.3963377774 * a + 0.2158037573 * b) ** 3
    medium = (lightness - 0.1055613458 * a - 0.0638541728 * b) ** 3
    short = (lightness - 0.0894841775 * a - 1.2914855480 * b) ** 3
    return (
        4.0767416621 * long - 3.3077115913 * medium + 0.2309699292 * short,
        -1.2684380046 * long + 2.6097574011 * medium - 0.3413193965 * short,
        -0.0041960863 * long - 0.7034186147 * medium + 1.7076147010 * short,
    )


def _oklch_colour(lightness: float, hue: float) -> str:
    """`#rrggbb` at this lightness and hue, with the most chroma up to _CHROMA sRGB can show."""
    chroma = _CHROMA
    while True:
        linear = _oklch_to_rgb(lightness, chroma, hue)
        if all(-1e-9 <= channel <= 1 + 1e-9 for channel in linear) or chroma <= 0:
            break
        chroma -= 0.005
    channels = (round(255 * _from_linear(min(max(c, 0.0), 1.0))) for c in linear)
    return "#" + "".join(f"{channel:02x}" for channel in channels)


@lru_cache(maxsize=1)
def _candidates() -> tuple[tuple[str, tuple[float, float, float]], ...]:
    """Colours to choose from beyond the palette: golden-angle hue steps, lightness in turn."""
    found: dict[str, tuple[float, float, float]] = {}
    for step in range(_CANDIDATES):
        lightness = _LIGHTNESS_LEVELS[step % len(_LIGHTNESS_LEVELS)]
        colour = _oklch_colour(lightness, (step * _GOLDEN_ANGLE) % 360)
        lab = oklab(colour)
        if math.hypot(lab[1], lab[2]) >= _MINIMUM_CHROMA:
            found.setdefault(colour, lab)
    return tuple(found.items())


def colour_distance(first: str, second: str) -> float:
    """How different two colours look: Euclidean distance in OKLab (0.02 is barely visible)."""
    return math.dist(oklab(first), oklab(second))


def next_colour(used: Iterable[str]) -> str:
    """A colour for a new tag: the first palette colour not in use, then generated ones.

    Once the palette is used up, the colour is the one farthest (in OKLab) from every colour
    in use, so each new tag looks as different as possible from all the others.
    """
    used_set = {colour.lower() for colour in used}
    for colour in PALETTE:
        if colour not in used_set:
            return colour
    in_use = [oklab(colour) for colour in used_set if _HEX.fullmatch(colour)]
    best, best_distance = "", -1.0
    for colour, lab in _candidates():
        if colour in used_set:
            continue
        distance = min(math.dist(lab, other) for other in in_use) if in_use else math.inf
        if distance > best_distance:
            best, best_distance = colour, distance
    # More tags than candidates: the colours repeat (no eye tells 500 colours apart anyway).
    return best or _candidates()[len(used_set) % len(_candidates())][0]


def valid_colour(colour: str) -> str:
    """A `#rrggbb` colour in lower case; anything else is refused."""
    value = colour.strip().lower()
    if not _HEX.fullmatch(value):
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
