"""Fuzzy matching for pickers: a typed query against names, scored and ranked, no Textual.

A query matches a candidate when its characters appear in the candidate in order (a
subsequence), ignoring case, accents and Arabic vowel marks. Whitespace in the query splits it
into terms that must match in order, and a term that starts at a word start ("rec fun" in
"recovery funds") scores as such. Among the ways a query can match, the best scoring is taken:

- each matched character scores `MATCH`;
- a character at a word start (the candidate's start, or after a space, `/`, `-`, `_`, `.`, or a
  lower-to-upper case change) scores `WORD_START` more, and the first character of a query term
  there scores it twice;
- a character right after the previous match scores `CONTIGUOUS` more;
- a first character at the candidate's very start scores `PREFIX` more;
- each gap between two matches costs its length, at most `GAP_CAP`.

So "ref" ranks "refugees" (one contiguous prefix run) above "recovery funds", and "rf" ranks
"recovery funds" (both initials) above "refugees".
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

MATCH = 1
WORD_START = 6
CONTIGUOUS = 6
PREFIX = 10
GAP_CAP = 3

_SEPARATORS = frozenset(" /-_.:,;()[]\t")
_TATWEEL = "\u0640"  # Arabic elongation: typography, not a letter
_NONE = -(10**9)


@dataclass(frozen=True)
class FuzzyMatch:
    """How a query matched: its score and the candidate's matched character indices."""

    score: int
    positions: tuple[int, ...]


def _fold(character: str) -> str:
    """A character as matching sees it: case-folded, without accents or vowel marks."""
    decomposed = unicodedata.normalize("NFKD", character.casefold())
    return "".join(
        part
        for part in decomposed
        if unicodedata.category(part) != "Mn" and part != _TATWEEL
    )


def _folded(text: str) -> tuple[str, list[int]]:
    """`text` folded, with the index in `text` each folded character came from."""
    characters: list[str] = []
    origins: list[int] = []
    for index, character in enumerate(text):
        for part in _fold(character):
            characters.append(part)
            origins.append(index)
    return "".join(characters), origins


def _word_starts(text: str, origins: Sequence[int]) -> list[bool]:
    starts: list[bool] = []
    for position, origin in enumerate(origins):
        if position > 0 and origins[position - 1] == origin:
            starts.append(False)  # the second part of one decomposed character
            continue
        if origin == 0:
            starts.append(True)
            continue
        before, here = text[origin - 1], text[origin]
        starts.append(
            before in _SEPARATORS
            or before.isspace()
            or (before.islower() and here.isupper())
            or (not before.isalnum() and here.isalnum())
        )
    return starts


def fuzzy_match(query: str, candidate: str) -> FuzzyMatch | None:
    """The best way `query` matches `candidate`, or None when it is not a subsequence.

    An empty (or blank) query matches everything with score 0 and no positions.
    """
    terms = query.split()
    pattern_chars: list[str] = []
    term_start: list[bool] = []
    for term in terms:
        folded_term, _origins = _folded(term)
        for index, character in enumerate(folded_term):
            pattern_chars.append(character)
            term_start.append(index == 0)
    if not pattern_chars:
        return FuzzyMatch(0, ())
    text, origins = _folded(candidate)
    n, m = len(pattern_chars), len(text)
    if n > m:
        return None
    # Quick refusal before the dynamic programme: is it a subsequence at all?
    at = 0
    for character in pattern_chars:
        at = text.find(character, at)
        if at < 0:
            return None
        at += 1
    starts = _word_starts(candidate, origins)

    # score[i][j]: best score of pattern[:i + 1] with pattern[i] matched at text[j]. A gap of
    # GAP_CAP or more costs the same, so those predecessors are kept as one running best.
    score = [[_NONE] * m for _ in range(n)]
    back = [[-1] * m for _ in range(n)]
    for i in range(n):
        previous = score[i - 1] if i > 0 else None
        far_best, far_at = _NONE, -1  # best previous[k] with k <= j - 1 - GAP_CAP
        for j in range(i, m - (n - 1 - i)):
            if previous is not None:
                k = j - 1 - GAP_CAP
                if k >= 0 and previous[k] > far_best:
                    far_best, far_at = previous[k], k
            if text[j] != pattern_chars[i]:
                continue
            gain = MATCH
            if starts[j]:
                gain += WORD_START * (2 if term_start[i] else 1)
            if previous is None:
                score[i][j] = gain + (PREFIX if j == 0 else -min(j, GAP_CAP))
                continue
            best, best_at = _NONE, -1
            if far_best > _NONE:
                best, best_at = far_best - GAP_CAP, far_at
            for k in range(max(0, j - GAP_CAP), j - 1):  # gaps of 1 .. GAP_CAP - 1
                if previous[k] > _NONE and previous[k] - (j - 1 - k) > best:
                    best, best_at = previous[k] - (j - 1 - k), k
            if previous[j - 1] > _NONE and previous[j - 1] + CONTIGUOUS >= best:
                best, best_at = previous[j - 1] + CONTIGUOUS, j - 1
            if best_at < 0:
                continue
            score[i][j] = best + gain
            back[i][j] = best_at
    last = score[n - 1]
    end = max(range(m), key=lambda j: (last[j], -j))
    if last[end] == _NONE:
        return None
    positions = [end]
    for i in range(n - 1, 0, -1):
        positions.append(back[i][positions[-1]])
    positions.reverse()
    original = tuple(sorted({origins[p] for p in positions}))
    return FuzzyMatch(last[end], original)


def fuzzy_score(query: str, candidate: str) -> int | None:
    """How well `query` matches `candidate` (higher is better), or None when it does not."""
    found = fuzzy_match(query, candidate)
    return None if found is None else found.score


def fuzzy_filter(query: str, items: Iterable[T], key: Callable[[T], str]) -> list[T]:
    """The items whose `key` matches `query`, best first; ties keep their order.

    A blank query keeps every item in its original order.
    """
    listed = list(items)
    if not query.strip():
        return listed
    scored: list[tuple[int, int, T]] = []
    for index, item in enumerate(listed):
        found = fuzzy_score(query, key(item))
        if found is not None:
            scored.append((-found, index, item))
    scored.sort(key=lambda entry: (entry[0], entry[1]))
    return [item for _score, _index, item in scored]
