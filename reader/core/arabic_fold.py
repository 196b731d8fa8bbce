"""Arabic-aware matching: harakat and tatweel optional, alef forms and ya/alef maqsura as one.

Writers add or leave out vowel marks at will, stretch words with tatweel, and write hamza-carrying
alefs and final ya both ways; a search for "مدرسة" should find "مَدْرَسَة" and "مـدرسـة", and
"الى" should find "إلى". Two tools, both keeping offsets into the original text:

- `arabic_pattern(needle)`: a regular-expression source matching `needle` with every Arabic
  letter tolerant of the variations. Runs on the original text, so a match's span is the span in
  the document, with no mapping back; it is how a plain search becomes Arabic-aware.
- `fold_with_origins(text)`: the text with marks removed and letters evened, plus the index in
  `text` of each folded character, for a regular expression written by the user (which cannot be
  rewritten letter by letter): it is matched on the folded text and mapped back.
"""

from __future__ import annotations

import re
from array import array

OPTIONAL_MARKS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed\u0640"
"""Harakat, tanwin, shadda, sukun, superscript alef, Quranic signs and tatweel (a range list for
a character class)."""

_MARK = re.compile(f"[{OPTIONAL_MARKS}]")
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")

ALEF_FORMS = "\u0627\u0622\u0623\u0625\u0671"
"""Alef, alef with madda, with hamza above, with hamza below, wasla."""
YA_FORMS = "\u064a\u0649"
"""Ya and alef maqsura (dotless ya), written for one another at the end of a word."""

_EVEN = str.maketrans({**{form: "\u0627" for form in ALEF_FORMS[1:]}, "\u0649": "\u064a"})
_CLASS_OF = {"\u0627": f"[{ALEF_FORMS}]", "\u064a": f"[{YA_FORMS}]"}


def has_arabic(text: str) -> bool:
    """Whether `text` holds any Arabic-script character (the cheap test before folding)."""
    return _ARABIC.search(text) is not None


def fold_arabic(text: str) -> str:
    """`text` with optional marks removed and alef and ya forms evened (lengths may shrink)."""
    return _MARK.sub("", text).translate(_EVEN)


def arabic_pattern(needle: str) -> str:
    """A regular expression finding `needle` whatever harakat, tatweel, alef forms and final
    ya the text uses (marks typed in `needle` are optional too)."""
    optional = f"[{OPTIONAL_MARKS}]*"
    parts = [_CLASS_OF.get(character) or re.escape(character)
             for character in fold_arabic(needle)]
    # Marks may sit between any two letters, and after the last one (so a match covers them and
    # never ends inside a letter's cluster).
    return optional.join(parts) + optional if parts else re.escape(needle)


def fold_with_origins(text: str) -> tuple[str, array[int]]:
    """`fold_arabic(text)` and, for each of its characters, its index in `text`.

    The index one past the end maps to len(text), so a match's end maps back too.
    """
    origins: array[int] = array("q")
    pieces: list[str] = []
    position = 0
    for mark in _MARK.finditer(text):
        start = mark.start()
        if start > position:
            pieces.append(text[position:start])
            origins.extend(range(position, start))
        position = mark.end()
    pieces.append(text[position:])
    origins.extend(range(position, len(text)))
    origins.append(len(text))
    return "".join(pieces).translate(_EVEN), origins


def original_span(origins: array[int], start: int, end: int) -> tuple[int, int]:
    """The span in the original text of the folded span [start, end) (end > start)."""
    return origins[start], origins[end - 1] + 1
