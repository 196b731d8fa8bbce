"""Keyword in context across the corpus: every hit of a search in every document, with the text
around it, its line, and its page where the document has pages.

Plain or regular-expression queries, case-insensitive unless asked, Arabic-aware: vowel marks and
tatweel are optional and alef and ya forms match each other (see `reader.core.arabic_fold`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from reader.core.arabic_fold import (
    fold_arabic,
    fold_with_origins,
    has_arabic,
    original_span,
)
from reader.core.models import Document
from reader.core.search import SEARCH_TIMEOUT, SearchError, SearchQuery, iter_matches

DEFAULT_CONTEXT = 40
"""Characters of context shown on each side of a hit."""
MAX_HITS = 100_000
"""Hits kept per corpus search; more are reported as truncated."""

TextSource = Callable[[Document], str]
"""Reads a document's canonical text (raises `DocumentError` when it cannot)."""


def load_text(document: Document) -> str:
    """The document's canonical text, read from its file."""
    from reader.formats.base import load_document

    return load_document(Path(document.path)).whole_text


def texts_for_database(db: Path) -> TextSource:
    """Documents' texts as every open for the database at `db` reads them: through its
    extraction cache, so a PDF or Word file is not extracted again for each search."""
    from reader.formats.cached import load_for_database

    return lambda document: load_for_database(Path(document.path), db).whole_text


PageSource = Callable[[Document, int], str]
"""The page label at an offset of a document ("212", "xviii"), or "" where it has no pages."""


def pages_for_database(db: Path) -> PageSource:
    """Pages from the structure maps kept beside the database at `db`."""
    from reader.core.extraction_cache import StructureLookup
    from reader.formats.cached import extraction_cache_for

    lookup = StructureLookup(extraction_cache_for(db))
    return lambda document, offset: lookup.page(document.sha256, offset)


@dataclass(frozen=True)
class KwicHit:
    """One hit: where it is, and the text on either side of it (on one line)."""

    document: Document
    start: int
    end: int
    line: int
    left: str
    match: str
    right: str
    page: str | None = None
    """The page label ("212", "xviii") for documents that have pages; lines every one has."""

    @property
    def location(self) -> str:
        """Where the hit is, as a reader would cite it: "p. 4" or "line 12"."""
        return f"p. {self.page}" if self.page is not None else f"line {self.line}"


@dataclass(frozen=True)
class KwicResult:
    """The hits of a corpus search, and the documents that could not be read."""

    hits: tuple[KwicHit, ...]
    unreadable: tuple[tuple[Document, str], ...] = ()
    truncated: bool = False
    documents_searched: int = 0

    @property
    def documents_with_hits(self) -> int:
        return len({hit.document.id for hit in self.hits})

    def summary(self) -> str:
        """"6 hits in 4 of 7 documents": what was found where, for a heading or status line."""
        count = len(self.hits)
        more = "+" if self.truncated else ""
        searched = self.documents_searched
        return (f"{count}{more} hit{'s' * (count != 1)} in {self.documents_with_hits} of "
                f"{searched} document{'s' * (searched != 1)}")


Matcher = Callable[[str], Iterator[tuple[int, int]]]


def compile_matcher(query: SearchQuery, *, timeout: float = SEARCH_TIMEOUT) -> Matcher:
    """A function giving the (start, end) of each match of `query` in a text, Arabic-aware.

    Raises SearchError at once for an invalid regular expression.
    """
    if query.is_empty:
        raise SearchError("the search is empty")
    if not query.regex:
        # The in-document search's own matching, Arabic-aware as it is (str.find when case
        # matters and the query has no Arabic).
        return lambda text: iter_matches(text, query, timeout=timeout)
    if has_arabic(query.pattern):
        folded_query = SearchQuery(fold_arabic(query.pattern), regex=True,
                                   case_sensitive=query.case_sensitive)
        direct = _regex_matcher(folded_query, timeout)

        def folded_matches(text: str) -> Iterator[tuple[int, int]]:
            if not has_arabic(text):
                yield from direct(text)
                return
            folded, origins = fold_with_origins(text)
            for start, end in direct(folded):
                yield original_span(origins, start, end)

        return folded_matches
    return _regex_matcher(query, timeout)


def _regex_matcher(query: SearchQuery, timeout: float) -> Matcher:
    # Compiling once here reports a bad pattern before any document is read.
    list(iter_matches("", query, timeout=timeout))
    return lambda text: iter_matches(text, query, timeout=timeout)


def _context(text: str, start: int, end: int, width: int) -> tuple[str, str]:
    left = text[max(0, start - width):start]
    right = text[end:end + width]
    # Line breaks and tabs as single spaces, keeping a space that touches the hit.
    left_shown = " ".join(left.split())
    if left[-1:].isspace() and left_shown:
        left_shown += " "
    right_shown = " ".join(right.split())
    if right[:1].isspace() and right_shown:
        right_shown = " " + right_shown
    return left_shown, right_shown


def document_hits(
    document: Document,
    text: str,
    matcher: Matcher,
    *,
    context: int = DEFAULT_CONTEXT,
    limit: int = MAX_HITS,
    page_of: PageSource | None = None,
) -> Iterator[KwicHit]:
    """The hits in one document's text, in order (at most `limit`), with their page where
    `page_of` knows one."""
    line = 1
    counted_to = 0
    for number, (start, end) in enumerate(matcher(text)):
        if number >= limit:
            return
        line += text.count("\n", counted_to, start)
        counted_to = start
        left, right = _context(text, start, end, context)
        page = page_of(document, start) if page_of is not None else ""
        yield KwicHit(document, start, end, line, left, text[start:end], right, page or None)


@dataclass
class _Collected:
    hits: list[KwicHit] = field(default_factory=list)
    unreadable: list[tuple[Document, str]] = field(default_factory=list)


def search_corpus(
    documents: Iterable[Document],
    query: SearchQuery,
    *,
    text_of: TextSource = load_text,
    context: int = DEFAULT_CONTEXT,
    limit: int = MAX_HITS,
    should_stop: Callable[[], bool] | None = None,
    page_of: PageSource | None = None,
) -> KwicResult:
    """Every hit of `query` in `documents`, document by document.

    A document whose file cannot be read is listed in `unreadable` with the reason, and the
    search goes on. `should_stop` is asked between documents (a cancelled worker); the hits so
    far are returned. Raises SearchError for an invalid pattern.
    """
    from reader.formats.base import DocumentError

    matcher = compile_matcher(query)
    collected = _Collected()
    searched = 0
    truncated = False
    for document in documents:
        if should_stop is not None and should_stop():
            break
        try:
            text = text_of(document)
        except (DocumentError, OSError) as error:
            collected.unreadable.append((document, str(error)))
            continue
        searched += 1
        room = limit - len(collected.hits)
        collected.hits.extend(document_hits(document, text, matcher, context=context,
                                            limit=room + 1, page_of=page_of))
        if len(collected.hits) > limit:
            del collected.hits[limit:]
            truncated = True
            break
    return KwicResult(tuple(collected.hits), tuple(collected.unreadable), truncated, searched)

