"""PDF documents through pypdf: paragraphs rejoined, running headers dropped, pages mapped."""

from __future__ import annotations

import io
import logging
import re
import warnings
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from reader.core.anchors import find_quote_span
from reader.core.structure import HEADING, PAGE, Structure, StructureMark, sorted_structure
from reader.formats.base import DocumentError, Extraction
from reader.formats.building import tidy_inline
from reader.formats.extracting import ExtractingLoader
from reader.formats.progress import report as report_progress

NO_TEXT_LAYER = "has no text layer (a scan?); run OCR first, e.g. `ocrmypdf FILE out.pdf`"

# A line shorter than this share of the document's usual full line ends its paragraph: lines
# inside a paragraph run to the margin, its last line (and a heading) stops short.
_SHORT_LINE = 0.75
# Which line length counts as "full": most lines of a page of prose are full ones.
_FULL_LINE_PERCENTILE = 0.8
# A first or last line of a page repeated (digits aside) on this share of the pages, and on at
# least _RUNNING_MIN_PAGES of them, is a running header or footer.
_RUNNING_SHARE = 0.5
_RUNNING_MIN_PAGES = 3
_EDGE_LINES = 2

_ROMAN = r"[ivxlcdm]+"
# "12", "- 12 -", "Page 12", "page 3 of 40", "xiv", "12 / 40", "١٢" (Arabic-Indic digits).
_BARE_PAGE_NUMBER = re.compile(
    rf"[-–—(\[]?\s*(?:page|p\.|seite|página|صفحة)?\s*(?:\d+|{_ROMAN})"
    rf"(?:\s*(?:/|of|de|sur|von|من)\s*\d+)?\s*[-–—)\]]?",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+")
# A table of contents' entry: "4.2 Process ........ 12".
_DOT_LEADER = re.compile(r"(?:\.\s?){4,}\s*\w{1,8}$|…{2,}\s*\w{1,8}$")
_SENTENCE_END = tuple(".!?:;\"”’»)؟۔")


def _is_bare_page_number(line: str, label: str) -> bool:
    stripped = line.strip()
    return stripped == label or _BARE_PAGE_NUMBER.fullmatch(stripped) is not None


def _running_key(line: str) -> str:
    """A line with its page number left out, so "Report 2024 — 3" matches "Report 2024 — 4"."""
    return " ".join(_DIGITS.sub("#", line).casefold().split())


def drop_running_lines(pages: list[list[str]], labels: list[str]) -> list[list[str]]:
    """Pages' lines without bare page numbers and running headers and footers at their edges."""
    keys_on_pages: Counter[str] = Counter()
    # Keys of edge lines that carry their own page's number, by how many pages they do so on.
    keys_with_page_number: Counter[str] = Counter()
    for lines, label in zip(pages, labels, strict=True):
        edges = lines[:_EDGE_LINES] + lines[-_EDGE_LINES:]
        keys_on_pages.update({_running_key(line) for line in edges})
        keys_with_page_number.update(
            {_running_key(line) for line in edges if label in _DIGITS.findall(line)}
        )
    needed = max(_RUNNING_MIN_PAGES, _RUNNING_SHARE * len(pages))
    running = {key for key, count in keys_on_pages.items() if count >= needed}
    # A header that carries the page number ("Chapter 4: Functions 13") runs only through its
    # chapter, often on fewer than half the pages: its page number gives it away.
    running |= {key for key, count in keys_with_page_number.items() if count >= 2}
    kept_pages = []
    for lines, label in zip(pages, labels, strict=True):
        kept = list(lines)
        for edge in (0, -1):
            for _ in range(_EDGE_LINES):
                if not kept:
                    break
                line = kept[edge]
                if _running_key(line) in running or _is_bare_page_number(line, label):
                    del kept[edge]
                else:
                    break
        kept_pages.append(kept)
    return kept_pages


def _full_line_length(pages: list[list[str]]) -> int:
    lengths = sorted(len(line) for lines in pages for line in lines)
    if not lengths:
        return 0
    return lengths[min(len(lengths) - 1, int(len(lengths) * _FULL_LINE_PERCENTILE))]


def _ends_paragraph(line: str, full_length: int) -> bool:
    if line.endswith("-") or line.endswith("\u00ad"):
        return False
    if len(line) < _SHORT_LINE * full_length or _DOT_LEADER.search(line):
        return True
    # A full line ending a sentence may end its paragraph; only a shorter one surely does.
    return line.endswith(_SENTENCE_END) and len(line) < 0.9 * full_length


def _starts_paragraph(previous: str, line: str, full_length: int) -> bool:
    """Whether `line` begins a block though `previous` ran to the margin: a short line with no
    sentence end after a finished sentence is a heading or a caption ("4.2 Process")."""
    return (
        previous.endswith(_SENTENCE_END)
        and len(line) < _SHORT_LINE * full_length
        and not line.endswith(_SENTENCE_END)
    )


def _join(previous: str, line: str) -> tuple[str, str]:
    """How the end of `previous` and the start of `line` meet: (what to cut from `previous`'s
    end, what goes between)."""
    if previous.endswith("\u00ad"):
        return "\u00ad", ""
    if previous.endswith("-") and len(previous) > 1 and previous[-2].isalpha():
        # "con-" + "tinued" was one word; "Jean-" + "Pierre" and "anti-" + "EU" keep the hyphen.
        return ("-", "") if line[:1].islower() else ("", "")
    return "", " "


def join_pages(
    pages: list[list[str]], labels: list[str]
) -> tuple[str, tuple[StructureMark, ...]]:
    """The text of pages of lines as paragraphs, each on one line, with a page mark where each
    page's text begins (a paragraph and a hyphenated word may run across a page break)."""
    full_length = _full_line_length(pages)
    pieces: list[str] = []
    length = 0
    marks: list[StructureMark] = []
    pending_pages: list[str] = []
    in_paragraph = False
    previous_line = ""

    def append(piece: str) -> None:
        nonlocal length
        pieces.append(piece)
        length += len(piece)

    for lines, label in zip(pages, labels, strict=True):
        pending_pages.append(label)
        for line in lines:
            if in_paragraph and _starts_paragraph(previous_line, line, full_length):
                in_paragraph = False
            if in_paragraph:
                cut, between = _join(pieces[-1], line)
                if cut:
                    pieces[-1] = pieces[-1][: -len(cut)]
                    length -= len(cut)
                append(between)
            elif pieces:
                append("\n\n")
            for pending in pending_pages:
                marks.append(StructureMark(length, PAGE, pending))
            pending_pages.clear()
            append(line)
            previous_line = line
            in_paragraph = not _ends_paragraph(line, full_length)
    if pieces:
        append("\n")
    for pending in pending_pages:
        marks.append(StructureMark(length, PAGE, pending))
    return "".join(pieces), sorted_structure(marks)


OutlineEntry = tuple[int, str, int]  # page index from 0, title, level from 1


def with_outline_headings(
    text: str, structure: Structure, outline: list[OutlineEntry]
) -> Structure:
    """The structure map with the PDF's bookmarks as headings: each where its title is found
    on its page (whitespace aside), else where its page begins."""
    pages = [mark for mark in structure if mark.kind == PAGE]
    headings = []
    for page_index, title, level in outline:
        if not 0 <= page_index < len(pages):
            continue
        start = pages[page_index].offset
        end = pages[page_index + 1].offset if page_index + 1 < len(pages) else len(text)
        span = find_quote_span(text[start:end], title)
        offset = start + span[0] if span is not None else start
        headings.append(StructureMark(offset, HEADING, " ".join(title.split()), level))
    return sorted_structure([*structure, *headings])


def _outline(reader: Any) -> list[OutlineEntry]:
    """The bookmarks that lead to a page, in order, with their depth."""
    entries: list[OutlineEntry] = []

    def walk(items: list[Any], level: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
                continue
            title = str(getattr(item, "title", "") or "")
            page = reader.get_destination_page_number(item)
            if page is not None and page >= 0 and title.strip():
                entries.append((page, title, level))

    try:
        walk(reader.outline, 1)
    except Exception:  # noqa: BLE001 - a broken outline costs the headings, not the text
        return entries
    return entries


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """pypdf reports repairs of malformed files as log warnings; they must not reach the
    terminal of a command-line run (Python prints unhandled warnings to stderr)."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def _metadata_title(reader: Any) -> str:
    try:
        metadata = reader.metadata
        title = metadata.title if metadata is not None else None
    except Exception:  # a malformed /Info dictionary: fall back to the first line
        return ""
    return str(title) if title else ""


class PdfLoader(ExtractingLoader):
    """PDF text layers, read with pypdf (BSD; it bounds decompression and parsing itself)."""

    name = "pdf"
    suffixes = (".pdf",)

    def extract_document(self, path: Path, data: bytes) -> Extraction:
        if b"%PDF-" not in data[:1024]:
            raise DocumentError("is not a PDF (it does not begin like one)")
        with _quiet_pypdf():
            pages, labels, title, outline = _read_pages(data)
        if not any(pages):
            raise DocumentError(NO_TEXT_LAYER if labels else "has no pages")
        text, structure = join_pages(drop_running_lines(pages, labels), labels)
        if not text.strip():
            raise DocumentError(NO_TEXT_LAYER)
        structure = with_outline_headings(text, structure, outline)
        return Extraction(text=text, structure=structure, title=title)


# Tighter than pypdf's defaults where only text is wanted: a page of prose is some thousands of
# operators, and each parsed one costs about a hundred bytes of Python objects.
_LIMITS = {
    "stream_parsing_work_maximum_count": 1_000_000,
    "zlib_maximum_output_length": 50_000_000,
    "stream_decoding_work_maximum_length": 200_000_000,
}


def _read_pages(data: bytes) -> tuple[list[list[str]], list[str], str, list[OutlineEntry]]:
    """Each page's non-blank lines, each page's label, the metadata title and the outline."""
    from pypdf import apply_configuration
    from pypdf.errors import DependencyError, LimitReachedError

    pages: list[list[str]] = []
    try:
        with apply_configuration(None, **_LIMITS):
            return _read_pages_within_limits(data, pages)
    except DocumentError:
        raise
    except LimitReachedError as error:
        where = f"page {len(pages) + 1}"
        raise DocumentError(f"is too complex to read safely ({where}: {error})") from None
    except DependencyError as error:
        raise DocumentError(f"uses encryption reader cannot undo ({error})") from None
    except MemoryError:
        raise DocumentError("needs more memory to read than is available") from None
    except RecursionError:
        raise DocumentError("is not a readable PDF (its objects nest without end)") from None
    except Exception as error:  # noqa: BLE001 - pypdf raises many kinds on malformed files
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise DocumentError(f"is not a readable PDF ({reason[:120]})") from None


def _read_pages_within_limits(
    data: bytes, pages: list[list[str]]
) -> tuple[list[list[str]], list[str], str, list[OutlineEntry]]:
    """`_read_pages`, filling `pages` as it goes (so an error can say which page it met)."""
    from pypdf import PasswordType, PdfReader

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        raise DocumentError("is encrypted with a password; remove it first (e.g. `qpdf --decrypt`)")
    labels = [str(label) for label in reader.page_labels]
    title = _metadata_title(reader)
    total = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        report_progress(number - 1, total)
        raw = page.extract_text() or ""
        lines = [tidy_inline(line) for line in raw.splitlines()]
        pages.append([line for line in lines if line])
    return pages, labels, title, _outline(reader)
