"""Right-to-left text on a terminal: bidi levels, Arabic shaping, visual order of one row.

Most terminals draw characters left to right in the order they receive them, so the reader
reorders each row itself (mode "reader"): the Unicode Bidirectional Algorithm (UAX #9) resolves
an embedding level per character (python-bidi's pure-Python implementation: its Rust API gives no
levels and skips mirroring), the row is reordered by rule L2 cluster by cluster, so a combining
mark stays after its base (rule L3), mirrored characters in right-to-left runs are swapped
(rule L4), and Arabic letters are shaped first, in logical order (arabic-reshaper, marks kept).
Terminals that do all this themselves (VTE, Konsole, mlterm) get logical order (mode "terminal";
"off" does the same and never reorders), since reordering twice would undo it.

A row is always a slice of one logical line (wrapping happens first, in logical order); its
paragraph direction comes from the line's first strong character.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Mapping
from functools import cache, lru_cache
from typing import Any, Literal

from reader.core.lazy_regex import LazyPattern
from reader.core.text import DocumentText

BidiSetting = Literal["auto", "reader", "terminal", "off"]
BidiMode = Literal["reader", "terminal", "off"]
BIDI_SETTINGS: tuple[BidiSetting, ...] = ("auto", "reader", "terminal", "off")

# Code points of right-to-left scripts (Hebrew, Arabic, Syriac, Thaana, NKo, their presentation
# forms and supplements): a row without any of them in a left-to-right paragraph needs no work.
_RTL = LazyPattern(
    "[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefe\U00010800-\U00010fff\U0001e800-\U0001efff]",
    stdlib=True,
)
_ASCII_LETTER = LazyPattern("[A-Za-z]", stdlib=True)
_FIRST_STRONG = LazyPattern(r"[\p{Bidi_Class=L}\p{Bidi_Class=R}\p{Bidi_Class=AL}]")
_ARABIC_LETTER = LazyPattern(
    "[\u0620-\u064a\u066e-\u06d3\u06d5\u06fa-\u06ff\u0750-\u077f]", stdlib=True
)

_LAM_ALEF_LIGATURES = range(0xFEF5, 0xFEFD)

_ENCODED_AT_MOST = 16 * 1024
"""Longer spans are not copied to be encoded (see `has_rtl`): `_RTL` scans them in place."""


def has_rtl(text: DocumentText, start: int = 0, end: int | None = None) -> bool:
    """Whether `text[start:end]` holds any character of a right-to-left script."""
    end = len(text) if end is None else end
    if isinstance(text, str):  # (a spooled text is searched a window at a time)
        if text.isascii():
            return False
        # Most rows and titles that are not ASCII are Latin letters, curly quotes, dashes and
        # ellipses, all in cp1252, where no right-to-left letter is: answered without `_RTL`,
        # whose class takes half a millisecond to compile. (Not for long spans: no copies.)
        if end - start <= _ENCODED_AT_MOST:
            try:
                text[start:end].encode("cp1252")
            except UnicodeEncodeError:
                pass
            else:
                return False
    return _RTL.search(text, start, end) is not None


def paragraph_is_rtl(text: str, start: int = 0, end: int | None = None) -> bool:
    """Whether the paragraph `text[start:end]` is right-to-left (rules P2, P3: its first
    strong character is R or AL; none at all means left-to-right)."""
    end = len(text) if end is None else end
    return has_rtl(text, start, end) and paragraph_direction(text, start, end) is True


def paragraph_direction(
    text: DocumentText, start: int = 0, end: int | None = None
) -> bool | None:
    """True for a right-to-left paragraph, False for left-to-right, None when it has no strong
    character at all (a blank line, a line of numbers: the caller may follow its neighbours)."""
    end = len(text) if end is None else end
    if start >= end:
        return None
    if not has_rtl(text, start, end):
        # Nothing right-to-left: left-to-right if anything is strong. An ASCII letter settles
        # it without the Unicode-property pattern (and the `regex` import an English text
        # never needs).
        if _ASCII_LETTER.search(text, start, end) is not None:
            return False
    found = _FIRST_STRONG.search(text, start, end)
    if found is None:
        return None
    return unicodedata.bidirectional(found.group()) in ("R", "AL")


def resolve_mode(setting: str, environ: Mapping[str, str] | None = None) -> BidiMode:
    """The mode a setting means here: "auto" is "terminal" in a terminal known to reorder and
    shape by itself (GNOME Terminal and other VTE ones, Konsole, mlterm), else "reader".

    Inside tmux or screen the outer terminal cannot be trusted to see paragraphs (the
    multiplexer redraws cells), so "auto" reorders there even when VTE's variables leaked in.
    """
    if setting in ("reader", "terminal", "off"):
        return setting  # type: ignore[return-value]
    env = os.environ if environ is None else environ
    if env.get("TMUX") or env.get("STY"):
        return "reader"
    if env.get("VTE_VERSION") or env.get("KONSOLE_VERSION") or env.get("MLTERM"):
        return "terminal"
    return "reader"


_display_mode: BidiMode = "reader"


def display_mode() -> BidiMode:
    """The mode this process draws with (one terminal: set once from the config, or the
    palette), used by every view and label created after it is set."""
    return _display_mode


def set_display_mode(mode: BidiMode) -> None:
    """Draw with `mode` from now on (see `display_mode`)."""
    global _display_mode
    _display_mode = mode


# ---------------------------------------------------------------------------- levels


def embedding_levels(display: str, rtl: bool) -> list[int]:
    """The resolved level of each code point of `display` (rules X1-I2 and L1), in a paragraph
    of direction `rtl`. `display` is already printable (no explicit embeddings are left)."""
    from bidi import algorithm

    storage: dict[str, Any] = algorithm.get_empty_storage()
    base = 1 if rtl else 0
    storage["base_level"] = base
    storage["base_dir"] = "R" if rtl else "L"
    algorithm.get_embedding_levels(display, storage)
    algorithm.explicit_embed_and_overrides(storage)
    algorithm.resolve_weak_types(storage)
    _resolve_bracket_pairs(storage["chars"], "R" if rtl else "L")
    algorithm.resolve_neutral_types(storage, False)
    algorithm.resolve_implicit_levels(storage, False)
    chars = storage["chars"]
    levels = [char["level"] for char in chars]
    kinds = [char["orig"] for char in chars]
    if len(chars) != len(display):
        # Rule X9 took out the boundary neutrals (ZWJ, ZWNJ, a soft hyphen, ...): put each back
        # at the level of what precedes it (UAX #9, 5.2), so the levels stay one per code point.
        levels, kinds = _with_removed(display, levels, kinds, base)
    # L1: separators, and whitespace before them or at the end of the row, take the
    # paragraph's level (a space hanging after a wrapped row stays at the row's far end).
    trailing = True
    for index in range(len(levels) - 1, -1, -1):
        kind = kinds[index]
        if kind in ("S", "B"):
            levels[index] = base
            trailing = True
        elif trailing and kind in ("WS", "BN"):
            levels[index] = base
        else:
            trailing = False
    return levels


def _with_removed(
    display: str, levels: list[int], kinds: list[str], base: int
) -> tuple[list[int], list[str]]:
    """`levels` and `kinds` of the code points X9 kept, with the removed ones put back."""
    from bidi.algorithm import X9_REMOVED

    all_levels: list[int] = []
    all_kinds: list[str] = []
    kept = iter(zip(levels, kinds, strict=True))
    for character in display:
        kind = unicodedata.bidirectional(character)
        if kind in X9_REMOVED:
            all_levels.append(all_levels[-1] if all_levels else base)
            all_kinds.append(kind)
        else:
            level, kept_kind = next(kept)
            all_levels.append(level)
            all_kinds.append(kept_kind)
    return all_levels, all_kinds


# Paired brackets (Bidi_Paired_Bracket of BidiBrackets.txt, the common ones): opener -> closer.
_BRACKET_PAIRS = dict(zip("([{⁅⁽₍〈⟨⟦⦃〈《「『【〔（［｛",
                          ")]}⁆⁾₎〉⟩⟧⦄〉》」』】〕）］｝", strict=True))
_CLOSERS = {closer: opener for opener, closer in _BRACKET_PAIRS.items()}


def _strong(kind: str) -> str | None:
    """A type as N0 sees it: L, or R (numbers count as R), or None for a neutral."""
    if kind == "L":
        return "L"
    if kind in ("R", "AL", "EN", "AN"):
        return "R"
    return None


def _resolve_bracket_pairs(chars: list[dict[str, Any]], paragraph: str) -> None:
    """Rule N0 (missing from python-bidi): a pair of brackets takes the direction of what it
    encloses, so "(12)" in an Arabic sentence stays one unit with both brackets mirrored."""
    stack: list[tuple[str, int]] = []
    pairs: list[tuple[int, int]] = []
    for index, char in enumerate(chars):
        if char["type"] != "ON":
            continue
        character = char["ch"]
        if character in _BRACKET_PAIRS:
            if len(stack) == 63:  # BD16: too deep, stop looking for pairs
                break
            stack.append((_BRACKET_PAIRS[character], index))
        elif character in _CLOSERS:
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth][0] == character:
                    pairs.append((stack[depth][1], index))
                    del stack[depth:]
                    break
    for opener, closer in sorted(pairs):
        embedding = "R" if chars[opener]["level"] % 2 else "L"
        inside = {_strong(chars[index]["type"]) for index in range(opener + 1, closer)}
        if embedding in inside:
            direction = embedding
        elif inside - {None}:
            before = paragraph
            for index in range(opener - 1, -1, -1):
                found = _strong(chars[index]["type"])
                if found is not None:
                    before = found
                    break
            direction = before if before != embedding else embedding
        else:
            continue
        chars[opener]["type"] = chars[closer]["type"] = direction


def visual_order(levels: list[int]) -> list[int]:
    """Indices of `levels` in the order they are drawn, left to right (rule L2)."""
    order = list(range(len(levels)))
    if not levels:
        return order
    highest = max(levels)
    lowest_odd = min((level for level in levels if level % 2), default=highest + 1)
    for level in range(highest, lowest_odd - 1, -1):
        index = 0
        count = len(order)
        while index < count:
            if levels[order[index]] >= level:
                run_end = index
                while run_end < count and levels[order[run_end]] >= level:
                    run_end += 1
                order[index:run_end] = order[index:run_end][::-1]
                index = run_end
            else:
                index += 1
    return order


def mirrored(character: str) -> str:
    """The mirror image of a bracket or other mirrored character (rule L4), else itself."""
    if not unicodedata.mirrored(character):
        return character
    return _mirror_table().get(character, character)


@cache
def _mirror_table() -> dict[str, str]:
    from bidi.mirror import MIRRORED

    return dict(MIRRORED)


@cache
def mirror_map() -> dict[str, str]:
    """Each mirrored character and its mirror image: `mirror_map().get(c, c) == mirrored(c)`
    for one character, in one look-up (a row of Arabic asks for every one of its letters)."""
    return {
        character: image
        for character, image in _mirror_table().items()
        if unicodedata.mirrored(character)
    }


# ---------------------------------------------------------------------------- shaping


@cache
def _reshaper() -> Any:
    from arabic_reshaper import ArabicReshaper

    # Marks (harakat, shadda) are part of what the reader reads: keep them.
    # The one ligature of several letters on by default (الله as one glyph) would tie four
    # letters to one cell; lam-alef, the ligature every Arabic reader expects, stays.
    reshaper = ArabicReshaper(
        configuration={"delete_harakat": False, "arabic ligature allah": False}
    )
    # reshape() asks its configparser section for six booleans on every call, two thirds of
    # the time of shaping a word: answer from a table read once (the settings never change).
    reshaper.configuration = _FrozenSection(reshaper.configuration)
    return reshaper


class _FrozenSection:
    """The values of a configparser section, read once; what ArabicReshaper.reshape asks."""

    def __init__(self, section: Any) -> None:
        self._values = {key: section.get(key) for key in section}
        self._booleans: dict[str, bool] = {}
        for key in section:
            try:
                self._booleans[key] = section.getboolean(key)
            except ValueError:  # not a yes/no setting (the language)
                continue

    # (configparser's keys are case-insensitive: the reshaper asks "ARABIC LIGATURE ...".)
    def get(self, key: str, fallback: Any = None) -> Any:
        return self._values.get(key.lower(), fallback)

    def getboolean(self, key: str, fallback: Any = None) -> Any:
        return self._booleans.get(key.lower(), fallback)


def has_arabic_letters(text: str) -> bool:
    """Whether `text` holds a letter that Arabic shaping would join."""
    return _ARABIC_LETTER.search(text) is not None


# A run of Arabic-script code points (letters, marks, tatweel, joiners): shaping never joins
# across anything else, so each run is shaped on its own, and a word is shaped once however
# often it occurs.
_ARABIC_RUN = LazyPattern("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\u200c\u200d]+",
                          stdlib=True)


def shaped_row(display: str) -> list[tuple[int, int, str]]:
    """The units (see `shaped_units`) of every Arabic word of `display` whose shaping changed
    something; a word the shaper's output cannot be matched to stays unshaped."""
    units: list[tuple[int, int, str]] = []
    for run in _ARABIC_RUN.finditer(display):
        word_units = _shaped_word(run.group())
        if word_units is None:
            continue
        offset = run.start()
        units.extend((offset + start, offset + end, shaped) for start, end, shaped in word_units)
    return units


@lru_cache(maxsize=65536)
def _shaped_word(word: str) -> tuple[tuple[int, int, str], ...] | None:
    units = shaped_units(word)
    if units is None:
        return None
    return tuple(unit for unit in units if unit[1] - unit[0] > 1 or unit[2] != word[unit[0]])


def only_rtl_levels(display: str) -> bool:
    """Whether every code point of `display` resolves to level 1 in a right-to-left paragraph:
    true when nothing is left-to-right or a number (then the row is simply reversed)."""
    return _NOT_RTL_RUN.search(display) is None


_NOT_RTL_RUN = LazyPattern(r"[\p{Bidi_Class=L}\p{Bidi_Class=EN}\p{Bidi_Class=AN}\t]")


def shaped_units(display: str) -> list[tuple[int, int, str]] | None:
    """Arabic letters in their joined forms, as (start, end, shaped) per unit of `display`.

    A unit is one code point, except lam followed by alef (with any marks between), drawn as one
    ligature, with the lam's marks after it. None if the shaper's output cannot be matched to
    the input (then the text is drawn unshaped rather than with misplaced characters).
    """
    shaped = _reshaper().reshape(display)
    units: list[tuple[int, int, str]] = []
    source = 0
    target = 0
    length = len(display)
    while source < length:
        if target >= len(shaped):
            return None
        produced = shaped[target]
        if ord(produced) in _LAM_ALEF_LIGATURES and display[source] == "\u0644":
            alef = source + 1
            while alef < length and unicodedata.combining(display[alef]):
                alef += 1
            marks = alef - source - 1
            if alef >= length:
                return None
            units.append((source, alef + 1, shaped[target : target + 1 + marks]))
            source = alef + 1
            target += 1 + marks
            continue
        units.append((source, source + 1, produced))
        source += 1
        target += 1
    if target != len(shaped):
        return None
    return units


def inside_ligature(text: DocumentText, offset: int) -> bool:
    """Whether `offset` falls inside a lam-alef ligature (at its alef): no edge may go there."""
    if offset <= 0 or offset >= len(text) or text[offset] not in "\u0627\u0622\u0623\u0625":
        return False
    before = offset - 1
    while before > 0 and unicodedata.combining(text[before]):
        before -= 1
    return text[before] == "\u0644" and before < offset
