"""Finding text in a document: plain or regular-expression queries, match lists, next/previous.

A search scans the whole canonical text once (str.find, or a compiled pattern from the `regex`
module that releases the GIL while it scans) and keeps match spans as two compact arrays of
offsets. At most `MAX_MATCHES` are kept; the count then reads "100000+". Stepping to the next or
previous match from the cursor is a binary search.

Regular expressions use the `regex` module's syntax (a superset of Python's `re`), with
MULTILINE on so `^` and `$` match at line starts and ends. Empty matches (`a*`, `^`) are skipped:
there is nothing to show or step to.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reader.core.arabic_fold import arabic_pattern
from reader.core.text import DocumentText

if TYPE_CHECKING:
    import regex  # type: ignore[import-untyped,unused-ignore]

MAX_MATCHES = 100_000
"""Matches kept per search; more are counted as "100000+"."""

SEARCH_TIMEOUT = 10.0
"""Seconds a regular expression may run before the search gives up (catastrophic patterns)."""

# How often (in matches) a long scan asks whether it has been cancelled.
_CHECK_EVERY = 2048


class SearchError(ValueError):
    """A query that cannot be searched for: an invalid regular expression."""


@dataclass(frozen=True)
class SearchQuery:
    """What to look for, and how."""

    pattern: str
    regex: bool = False
    case_sensitive: bool = False
    arabic_folding: bool = True
    """A plain Arabic query ignores harakat and tatweel and evens alef forms and final ya."""

    @property
    def is_empty(self) -> bool:
        return not self.pattern


@dataclass(frozen=True)
class SearchResult:
    """The matches of one query over one text, sorted and non-overlapping."""

    query: SearchQuery
    starts: array[int] = field(default_factory=lambda: array("q"))
    ends: array[int] = field(default_factory=lambda: array("q"))
    truncated: bool = False
    """More than MAX_MATCHES matched; only the first ones are kept."""

    def __len__(self) -> int:
        return len(self.starts)

    def span(self, index: int) -> tuple[int, int]:
        return self.starts[index], self.ends[index]

    @property
    def count_label(self) -> str:
        """The number of matches as shown to the user: "17", or "100000+" when capped."""
        return f"{len(self.starts)}+" if self.truncated else str(len(self.starts))

    def spans_between(self, start: int, end: int) -> Iterator[tuple[int, int, int]]:
        """(index, start, end) of the matches overlapping [start, end), in order."""
        index = bisect_right(self.ends, start)
        starts, ends = self.starts, self.ends
        while index < len(starts) and starts[index] < end:
            yield index, starts[index], ends[index]
            index += 1

    def index_at(self, offset: int) -> int | None:
        """The match that starts exactly at `offset`, if any."""
        index = bisect_left(self.starts, offset)
        if index < len(self.starts) and self.starts[index] == offset:
            return index
        return None


# An Arabic letter in a plain query makes the search Arabic-aware (see reader.core.arabic_fold).
_ARABIC_LETTERS = re.compile("[\u0620-\u064a\u0671-\u06d3]")


def compile_query(query: SearchQuery) -> regex.Pattern[str] | None:
    """The pattern a query needs, or None for a case-sensitive plain query (str.find serves).

    Raises SearchError with the parser's message for an invalid regular expression.
    """
    import regex  # (here, not at the top: start-up does not search)

    if query.regex:
        source = query.pattern
    elif query.arabic_folding and _ARABIC_LETTERS.search(query.pattern):
        source = arabic_pattern(query.pattern)
    elif query.case_sensitive:
        return None
    else:
        source = regex.escape(query.pattern)
    flags = regex.MULTILINE | regex.V0
    if not query.case_sensitive:
        flags |= regex.IGNORECASE
    try:
        return regex.compile(source, flags)
    except regex.error as error:
        position = getattr(error, "pos", None)
        where = f" at position {position}" if position is not None else ""
        raise SearchError(f"invalid regular expression{where}: {error.msg}") from None
    except (OverflowError, RecursionError) as error:
        raise SearchError(f"regular expression is too complex: {error}") from None


def iter_matches(
    text: DocumentText, query: SearchQuery, start: int = 0, *,
    timeout: float | None = SEARCH_TIMEOUT,
) -> Iterator[tuple[int, int]]:
    """(start, end) of each non-empty match at or after `start`, in order.

    Raises SearchError if a pattern runs longer than `timeout` seconds.
    """
    if query.is_empty:
        return
    pattern = compile_query(query)
    if pattern is None:
        needle = query.pattern
        size = len(needle)
        find = text.find
        position = find(needle, start)
        while position != -1:
            yield position, position + size
            position = find(needle, position + size)
        return
    # concurrent=True releases the GIL while scanning, so the UI thread stays responsive.
    if isinstance(text, str):
        matches = pattern.finditer(text, start, concurrent=True, timeout=timeout)
    else:  # a huge document kept on disk, searched a window at a time
        from reader.core import windowed_regex

        matches = windowed_regex.finditer(
            pattern, text, start, concurrent=True, timeout=timeout
        )
    try:
        for match in matches:
            match_start, match_end = match.span()
            if match_end > match_start:
                yield match_start, match_end
    except TimeoutError:
        raise SearchError(
            f"the search took longer than {timeout:g} s; try a simpler pattern"
        ) from None


def find_all(
    text: DocumentText,
    query: SearchQuery,
    *,
    limit: int = MAX_MATCHES,
    should_stop: Callable[[], bool] | None = None,
) -> SearchResult:
    """Every match of `query` in `text` (the first `limit` of them).

    `should_stop` is polled every few thousand matches; when it returns True the scan ends and
    the partial result is returned (a cancelled worker discards it). Raises SearchError.
    """
    # Four bytes an offset while they fit (100,000 matches: 0.8 MB rather than 1.6 MB).
    typecode = "I" if len(text) < 2**32 else "q"
    starts: array[int] = array(typecode)
    ends: array[int] = array(typecode)
    truncated = False
    for count, (match_start, match_end) in enumerate(iter_matches(text, query)):
        if count >= limit:
            truncated = True
            break
        if should_stop is not None and count % _CHECK_EVERY == _CHECK_EVERY - 1 and should_stop():
            break
        starts.append(match_start)
        ends.append(match_end)
    return SearchResult(query, starts, ends, truncated)


def next_match(result: SearchResult, offset: int, *, wrap: bool = True) -> int | None:
    """Index of the first match starting after `offset`; wraps to the first unless `wrap=False`."""
    if not result.starts:
        return None
    index = bisect_right(result.starts, offset)
    if index < len(result.starts):
        return index
    return 0 if wrap else None


def previous_match(result: SearchResult, offset: int, *, wrap: bool = True) -> int | None:
    """Index of the last match starting before `offset`; wraps to the last unless `wrap=False`."""
    if not result.starts:
        return None
    index = bisect_left(result.starts, offset) - 1
    if index >= 0:
        return index
    return len(result.starts) - 1 if wrap else None


def first_match_from(result: SearchResult, offset: int, *, wrap: bool = True) -> int | None:
    """Index of the first match starting at or after `offset` (where enter in the bar jumps)."""
    if not result.starts:
        return None
    index = bisect_left(result.starts, offset)
    if index < len(result.starts):
        return index
    return 0 if wrap else None
