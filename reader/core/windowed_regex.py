"""Regular expressions over a text that is not a str (a `SpooledText`), a window at a time.

A compiled pattern takes only a str (or bytes). The reader's patterns (words, sentences,
grapheme clusters, a search) look at a few characters around where they match, so over a
spooled text each call is given the stretch it needs as a str, the offsets handed back shifted
to the whole text's.

The results are those of the same call on the whole text as a str, for every match shorter
than `MARGIN` characters with lookbehinds shorter than `CONTEXT` characters: a call bounded by
`pos` and `endpos` close together reads exactly that range (and `CONTEXT` before it), and a
longer scan reads windows that overlap by `MARGIN`, trusting a match only when it ends that far
before a window's cut (a match reaching into the margin is looked at again in the next window,
or in a larger one). A match longer than that (a user's `[\\s\\S]*` over a 22 MB text) may be
missed or cut short: the price of not holding the text whole. So may a reversed (`(?r)`)
search over a long range whose pattern looks at the text's end (`$`, `\\Z`, a lookahead): its
windows end where the previous one began. The reader's own reversed patterns do not look there.

A `timeout` (the `regex` module's) bounds the whole call, every window together, as it bounds
one call over a str.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

# Characters before `pos` given to each call: what lookbehinds and "^" may look at.
CONTEXT = 256
# A match is trusted when it ends at least this far before the window's cut.
MARGIN = 16 * 1024
# The first window of a scan, in characters past `pos`; each further window is larger.
FIRST_WINDOW = 64 * 1024
LARGEST_WINDOW = 256 * 1024
# A call with `pos` and `endpos` at most this far apart reads that range at once.
EXACT_RANGE = 256 * 1024

# regex's REVERSE flag (the stdlib's re has no such flag, and never sets this bit).
_REVERSE = 0x400

_clock = time.monotonic


class ShiftedMatch:
    """A match found in a window, with its offsets in the whole text."""

    __slots__ = ("_match", "_shift")

    def __init__(self, match: Any, shift: int) -> None:
        self._match = match
        self._shift = shift

    def __repr__(self) -> str:
        return f"<match span={self.span()} {self._match.group()!r}>"

    def start(self, group: int | str = 0) -> int:
        position: int = self._match.start(group)
        return position if position == -1 else position + self._shift

    def end(self, group: int | str = 0) -> int:
        position: int = self._match.end(group)
        return position if position == -1 else position + self._shift

    def span(self, group: int | str = 0) -> tuple[int, int]:
        return self.start(group), self.end(group)

    def group(self, *groups: int | str) -> Any:
        return self._match.group(*groups)

    def groups(self, default: Any = None) -> tuple[Any, ...]:
        return self._match.groups(default)  # type: ignore[no-any-return]

    def groupdict(self, default: Any = None) -> dict[str, Any]:
        return self._match.groupdict(default)  # type: ignore[no-any-return]

    def __getitem__(self, group: int | str) -> Any:
        return self._match[group]

    @property
    def lastindex(self) -> int | None:
        return self._match.lastindex  # type: ignore[no-any-return]

    @property
    def lastgroup(self) -> str | None:
        return self._match.lastgroup  # type: ignore[no-any-return]


def _bounds(text: Any, pos: int | None, endpos: int | None) -> tuple[int, int]:
    length = len(text)
    low = 0 if pos is None else min(max(pos, 0), length)
    high = length if endpos is None else min(max(endpos, 0), length)
    return low, max(low, high)


class _Budget:
    """A call's `timeout` shared by its windows: each is given what is left of it (and
    TimeoutError is raised, as `regex` raises it, once nothing is)."""

    __slots__ = ("_options", "_deadline")

    def __init__(self, options: dict[str, Any]) -> None:
        self._options = options
        timeout = options.get("timeout")
        self._deadline = None if timeout is None else _clock() + timeout

    def __call__(self) -> dict[str, Any]:
        """The options for the next window's call."""
        if self._deadline is None:
            return self._options
        left = self._deadline - _clock()
        if left <= 0:
            raise TimeoutError("regex timed out")
        return {**self._options, "timeout": left}

    def pause(self) -> Callable[[], None]:
        """Stop counting (while the caller has a match, as a str's scan does not count that
        time); the function returned starts again."""
        paused = _clock()

        def resume() -> None:
            if self._deadline is not None:
                self._deadline += _clock() - paused

        return resume


def _exact(
    method: str, pattern: Any, text: Any, low: int, high: int, **options: Any
) -> ShiftedMatch | None:
    start = max(0, low - CONTEXT)
    found = getattr(pattern, method)(text[start:high], low - start, **options)
    return None if found is None else ShiftedMatch(found, start)


def search(pattern: Any, text: Any, pos: int | None = None, endpos: int | None = None,
           **options: Any) -> ShiftedMatch | None:
    low, high = _bounds(text, pos, endpos)
    if high - low <= EXACT_RANGE:
        return _exact("search", pattern, text, low, high, **options)
    if pattern.flags & _REVERSE:
        return _search_backwards(pattern, text, low, high, **options)
    return next(finditer(pattern, text, low, high, **options), None)


def match(pattern: Any, text: Any, pos: int | None = None, endpos: int | None = None,
          **options: Any) -> ShiftedMatch | None:
    low, high = _bounds(text, pos, endpos)
    if high - low <= EXACT_RANGE:
        return _exact("match", pattern, text, low, high, **options)
    size = FIRST_WINDOW
    budget = _Budget(options)
    while pattern.flags & _REVERSE:  # anchored at `high`, matching backwards
        floor = max(low, high - size)
        found = _exact("match", pattern, text, floor, high, **budget())
        if floor == low or found is None or found.start() >= floor + MARGIN:
            return found
        size *= 4
    while True:
        cut = min(high, low + size)
        found = _exact("match", pattern, text, low, cut, **budget())
        if cut == high or (found is not None and found.end() <= cut - MARGIN):
            return found
        if found is None:
            return None  # (a match longer than the window: see the module)
        size *= 4


def fullmatch(pattern: Any, text: Any, pos: int | None = None, endpos: int | None = None,
              **options: Any) -> ShiftedMatch | None:
    low, high = _bounds(text, pos, endpos)
    return _exact("fullmatch", pattern, text, low, high, **options)


def finditer(pattern: Any, text: Any, pos: int | None = None, endpos: int | None = None,
             **options: Any) -> Iterator[ShiftedMatch]:
    """Every match from `pos` to `endpos`, in order, as the pattern's finditer gives them."""
    low, high = _bounds(text, pos, endpos)
    if pattern.flags & _REVERSE:
        # (Nothing reads a spooled text's matches backwards in bulk: done in one piece.)
        start = max(0, low - CONTEXT)
        for found in pattern.finditer(text[start:high], low - start, **options):
            yield ShiftedMatch(found, start)
        return
    position, size = low, FIRST_WINDOW
    last_span: tuple[int, int] | None = None
    budget = _Budget(options)
    while True:
        cut = min(high, position + size)
        final = cut == high
        start = max(0, position - CONTEXT)
        trusted_end = cut if final else cut - MARGIN
        resume: int | None = None
        for found in pattern.finditer(text[start:cut], position - start, **budget()):
            shifted = ShiftedMatch(found, start)
            span = shifted.span()
            if span[1] > trusted_end:
                resume = span[0]
                break
            if span != last_span:  # (an empty match where the last window's ended)
                last_span = span
                resume_counting = budget.pause()
                yield shifted
                resume_counting()
        if final:
            return
        following = cut - MARGIN if resume is None else min(resume, cut - MARGIN)
        if following <= position:
            size *= 4  # a match from here reaches into the margin: look further at once
            continue
        position, size = following, min(size * 2, LARGEST_WINDOW)


def _search_backwards(pattern: Any, text: Any, low: int, high: int,
                      **options: Any) -> ShiftedMatch | None:
    """A reversed pattern's search: the match nearest `high`, windows moving back from it."""
    limit, size = high, FIRST_WINDOW
    budget = _Budget(options)
    while True:
        floor = max(low, limit - size)
        found = _exact("search", pattern, text, floor, limit, **budget())
        # (A match nearer `high` than this one would have been found by an earlier window:
        # each overlaps the next by `MARGIN`. One that begins near the window's start may go
        # on before it.)
        if floor == low or (found is not None and found.start() >= floor + MARGIN):
            return found
        if found is not None:
            size *= 4  # the same end, a longer window
            continue
        limit, size = floor + MARGIN, min(size * 2, LARGEST_WINDOW)
