"""Reviewing coded passages: sidebar filtering, tag-view rows with a line of context, codebook rows.

Pure functions over records and the codebook, no Textual and no store: the sidebar, the tag view
and the codebook screen draw what these return.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from reader.core.codebook import Codebook
from reader.core.models import Annotation, Document, Tag

ELLIPSIS = "\u2026"

# Arabic marks that writers add or leave out at will: harakat, tanwin, shadda, sukun, superscript
# alef, Quranic annotation signs, and the tatweel that only stretches a word. A search for
# "مدرسة" should find "مَدْرَسَة" and "مـدرسـة".
_ARABIC_OPTIONAL = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
# Hamza-carrying and madda alefs are written as plain alef as often as not, and a final ya as
# alef maqsura (Egyptian usage): both are evened.
_ARABIC_ALEF = str.maketrans({"\u0622": "\u0627", "\u0623": "\u0627", "\u0625": "\u0627",
                              "\u0671": "\u0627", "\u0649": "\u064a"})


def fold(text: str) -> str:
    """`text` for matching: case-folded, compatibility-normalised, Arabic marks and alefs evened.

    Not for display: it may change lengths.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = _ARABIC_OPTIONAL.sub("", folded)
    return folded.translate(_ARABIC_ALEF)


def one_line(text: str) -> str:
    """`text` with every run of whitespace (line breaks too) as one space, trimmed."""
    return " ".join(text.split())


def shorten(text: str, limit: int) -> str:
    """`text` on one line, at most `limit` characters, cut at a word with an ellipsis if long."""
    line = one_line(text)
    if limit <= 0:
        return ""
    if len(line) <= limit:
        return line
    if limit == 1:
        return ELLIPSIS
    cut = line[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def _tail(text: str, limit: int) -> str:
    """At most the last `limit` characters of one-line `text`: whole words after an ellipsis."""
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    if limit == 1:
        return ELLIPSIS
    cut = text[len(text) - (limit - 1) :]
    space = cut.find(" ")
    if 0 <= space < len(cut) - 1:
        cut = cut[space + 1 :]
    return ELLIPSIS + cut.lstrip()


def _head(text: str, limit: int) -> str:
    """At most the first `limit` characters of one-line `text`: whole words, then an ellipsis."""
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    if limit == 1:
        return ELLIPSIS
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > 0:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


@dataclass(frozen=True)
class ContextLine:
    """A passage on one line: some text before it, the quote itself, some text after it."""

    before: str
    quote: str
    after: str

    @property
    def plain(self) -> str:
        return self.before + self.quote + self.after


_MIN_SIDE = 8
"""Shorter context than this on one side is left out (unless it is all there is)."""


def context_line(annotation: Annotation, width: int = 100) -> ContextLine:
    """The annotation's quote with as much of its stored context as fits in `width` characters.

    Built from the prefix and suffix kept with the annotation, so no document is read. Line breaks
    become spaces; the quote gets at most two thirds of the width and the rest is shared evenly,
    the side with less text giving its share to the other.
    """
    width = max(width, 8)
    quote = shorten(annotation.quote, max(1, (width * 2) // 3))
    before_text = one_line(annotation.prefix)
    after_text = one_line(annotation.suffix)
    # Keep the spaces that separated the quote from its context.
    before_sep = " " if before_text and annotation.prefix[-1:].isspace() else ""
    after_sep = " " if after_text and annotation.suffix[:1].isspace() else ""
    room = max(0, width - len(quote))
    before_room = room // 2
    after_room = room - before_room
    before_need = len(before_text) + len(before_sep)
    after_need = len(after_text) + len(after_sep)
    if before_need < before_room:
        after_room += before_room - before_need
        before_room = before_need
    elif after_need < after_room:
        before_room += after_room - after_need
        after_room = after_need
    before = _tail(before_text, before_room - len(before_sep))
    after = _head(after_text, after_room - len(after_sep))
    # A lone ellipsis or a word's last letters say nothing: leave that side out.
    if len(before) < min(len(before_text), _MIN_SIDE):
        before = ""
    if len(after) < min(len(after_text), _MIN_SIDE):
        after = ""
    return ContextLine(
        before + (before_sep if before else ""),
        quote,
        (after_sep if after else "") + after,
    )


# ---------------------------------------------------------------------------- the sidebar


@dataclass(frozen=True)
class SidebarFilter:
    """What the sidebar shows: passages with any of `tag_ids` (None: any) containing `text`.

    `text` is matched in quotes and memos, ignoring case and optional Arabic marks.
    """

    tag_ids: frozenset[str] | None = None
    text: str = ""

    @property
    def active(self) -> bool:
        return self.tag_ids is not None or bool(self.text.strip())

    def matches(self, annotation: Annotation) -> bool:
        if self.tag_ids is not None and not self.tag_ids.intersection(annotation.tags):
            return False
        wanted = fold(one_line(self.text))
        if not wanted:
            return True
        return wanted in fold(one_line(annotation.quote)) or wanted in fold(
            one_line(annotation.memo)
        )


def filter_annotations(
    annotations: Iterable[Annotation], selection: SidebarFilter
) -> list[Annotation]:
    """The annotations `selection` lets through, in the order given."""
    if not selection.active:
        return list(annotations)
    return [annotation for annotation in annotations if selection.matches(annotation)]


def tag_and_descendants(codebook: Codebook, tag_id: str) -> frozenset[str]:
    """The tag and every tag nested under it: a passage coded with a child counts for its parent."""
    return frozenset({tag_id, *codebook.descendants(tag_id)})


def tag_paths(annotation: Annotation, codebook: Codebook) -> list[str]:
    """The full names of the annotation's tags, in its order; ids the codebook lacks are skipped."""
    return [codebook.path(tag_id) for tag_id in annotation.tags if tag_id in codebook]


# ---------------------------------------------------------------------------- the tag view


@dataclass(frozen=True)
class TagViewRow:
    """One passage of the tag view: its document's title and a line of context."""

    annotation: Annotation
    document_title: str
    document_path: str
    context: ContextLine
    page: str = ""  # the page it starts on, where its document has pages

    @property
    def document_id(self) -> str:
        return self.annotation.document

    @property
    def start(self) -> int:
        return self.annotation.start


UNKNOWN_DOCUMENT = "(unknown document)"


def tag_view_rows(
    annotations: Iterable[Annotation],
    documents: Mapping[str, Document] | Iterable[Document],
    tag_ids: Iterable[str] | None = None,
    *,
    width: int = 100,
    page_of: Callable[[Document, int], str] | None = None,
) -> list[TagViewRow]:
    """Passages with any of `tag_ids` (all if None), sorted by document title, then position.

    Documents with the same title are kept apart by path; each passage appears once.
    `page_of(document, offset)` gives a passage's page label, if given.
    """
    by_id = (
        dict(documents) if isinstance(documents, Mapping)
        else {document.id: document for document in documents}
    )
    wanted = None if tag_ids is None else frozenset(tag_ids)
    rows: list[TagViewRow] = []
    seen: set[str] = set()
    for annotation in annotations:
        if annotation.id in seen:
            continue
        if wanted is not None and not wanted.intersection(annotation.tags):
            continue
        seen.add(annotation.id)
        document = by_id.get(annotation.document)
        title = document.title if document is not None else UNKNOWN_DOCUMENT
        path = document.path if document is not None else ""
        page = page_of(document, annotation.start) if document and page_of else ""
        rows.append(TagViewRow(annotation, title, path, context_line(annotation, width), page))
    rows.sort(
        key=lambda row: (
            row.document_title.casefold(), row.document_path, row.document_id,
            row.annotation.start, row.annotation.end, row.annotation.created, row.annotation.id,
        )
    )
    return rows


# ---------------------------------------------------------------------------- the codebook


@dataclass(frozen=True)
class CodebookEntry:
    """A tag as listed: its full name, how deep it is nested and how many passages it has."""

    tag: Tag
    path: str
    depth: int
    count: int


def codebook_entries(codebook: Codebook, counts: Mapping[str, int]) -> list[CodebookEntry]:
    """Every tag in tree order: each parent followed by its children, siblings by name.

    A tag whose parent is missing (a hand-edited file) is listed at the top level.
    """
    tags = list(codebook)
    known = {tag.id for tag in tags}
    children: dict[str | None, list[Tag]] = {}
    for tag in tags:
        parent = tag.parent if tag.parent in known and tag.parent != tag.id else None
        children.setdefault(parent, []).append(tag)
    for siblings in children.values():
        siblings.sort(key=lambda tag: (tag.name.casefold(), tag.name, tag.id))
    entries: list[CodebookEntry] = []
    placed: set[str] = set()

    def visit(parent: str | None, depth: int) -> None:
        for tag in children.get(parent, ()):
            if tag.id in placed:  # a cycle: list each tag once
                continue
            placed.add(tag.id)
            entries.append(CodebookEntry(tag, codebook.path(tag), depth, counts.get(tag.id, 0)))
            visit(tag.id, depth + 1)

    visit(None, 0)
    # Tags only reachable through a cycle of parents.
    for tag in sorted(tags, key=lambda tag: codebook.path(tag).casefold()):
        if tag.id not in placed:
            placed.add(tag.id)
            entries.append(CodebookEntry(tag, codebook.path(tag), 0, counts.get(tag.id, 0)))
    return entries


def bar_entries(codebook: Codebook, counts: Mapping[str, int]) -> list[CodebookEntry]:
    """Tags for the codebook bar: those with hotkeys in slot order, then the rest in tree order."""
    entries = codebook_entries(codebook, counts)
    with_keys = sorted(
        (entry for entry in entries if entry.tag.hotkey is not None),
        key=lambda entry: entry.tag.hotkey or 0,
    )
    return with_keys + [entry for entry in entries if entry.tag.hotkey is None]


def parent_choices(codebook: Codebook, tag_id: str) -> list[Tag]:
    """Tags that `tag_id` may be nested under: any but itself and its descendants."""
    excluded = tag_and_descendants(codebook, tag_id)
    return [tag for tag in codebook if tag.id not in excluded]


def merge_choices(codebook: Codebook, tag_id: str) -> list[Tag]:
    """Tags that `tag_id` may be merged into: any but itself and its descendants."""
    return parent_choices(codebook, tag_id)


def document_for_path(
    documents: Mapping[str, Document] | Sequence[Document], path: str
) -> Document | None:
    """The document at `path` (an absolute, resolved path) or one it was also seen at."""
    values = documents.values() if isinstance(documents, Mapping) else documents
    for document in values:
        if document.path == path:
            return document
    for document in values:
        if path in document.aliases:
            return document
    return None
