"""Reports: coded passages grouped by tag, then by document, as Markdown or HTML for a paper.

Each quote is written in full on one line (line breaks inside it become spaces), with its
document, where it is (page where the document has pages, else line), memo and annotator.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from reader.analysis.counts import tag_order
from reader.analysis.kwic import TextSource
from reader.analysis.model import ReadModel
from reader.core.models import Annotation, Document

FORMATS = ("md", "html")


@dataclass(frozen=True)
class Location:
    """Where a passage is: its line, and its page when the document has pages."""

    line: int | None
    page: str | None = None
    """A page label ("212", "xviii"), for documents that have pages."""

    @property
    def label(self) -> str:
        if self.page is not None:
            return f"p. {self.page}"
        if self.line is not None:
            return f"line {self.line}"
        return "position unknown"


Locator = Callable[[Document, Annotation], Location]
"""Says where a passage is in its document (a structure map can add pages here)."""


def line_locator(
    text_of: TextSource, page_of: Callable[[Document, int], str] | None = None
) -> Locator:
    """Locates passages by line (and page, where `page_of` knows one), reading each document's
    text once; a document that cannot be read gives "position unknown" rather than stopping the
    report."""
    from reader.formats.base import DocumentError

    texts: dict[str, str | None] = {}

    def locate(document: Document, passage: Annotation) -> Location:
        if document.id not in texts:
            try:
                texts[document.id] = text_of(document)
            except (DocumentError, OSError):
                texts[document.id] = None
        text = texts[document.id]
        if text is None or passage.needs_reanchor or text[passage.start:passage.end] != (
            passage.quote
        ):
            return Location(None)
        page = page_of(document, passage.start) if page_of is not None else ""
        return Location(text.count("\n", 0, passage.start) + 1, page or None)

    return locate


@dataclass(frozen=True)
class ReportEntry:
    passage: Annotation
    location: Location


@dataclass(frozen=True)
class DocumentGroup:
    document: Document
    entries: tuple[ReportEntry, ...]


@dataclass(frozen=True)
class ReportSection:
    """One tag's passages, by document."""

    tag_path: str
    groups: tuple[DocumentGroup, ...]

    @property
    def count(self) -> int:
        return sum(len(group.entries) for group in self.groups)


def build_report(
    model: ReadModel,
    locate: Locator,
    *,
    tag_ids: Collection[str] | None = None,
    document_ids: Collection[str] | None = None,
) -> list[ReportSection]:
    """Sections in codebook order, one per tag with passages (of `tag_ids` if given), each
    passage under every tag it carries; documents in the model's order, passages by position."""
    codebook = model.codebook
    documents = [d for d in model.documents if document_ids is None or d.id in document_ids]
    order = {document.id: index for index, document in enumerate(documents)}
    by_tag: dict[str, list[Annotation]] = {}
    for passage in model.passages:
        if passage.document not in order:
            continue
        for tag_id in passage.tags:
            if tag_id in codebook and (tag_ids is None or tag_id in tag_ids):
                by_tag.setdefault(tag_id, []).append(passage)
    sections = []
    for tag in tag_order(codebook):
        passages = by_tag.get(tag.id)
        if not passages:
            continue
        passages.sort(key=lambda p: (order[p.document], p.start, p.end, p.id))
        groups: list[DocumentGroup] = []
        for passage in passages:
            document = documents[order[passage.document]]
            entry = ReportEntry(passage, locate(document, passage))
            if groups and groups[-1].document.id == document.id:
                groups[-1] = DocumentGroup(document, (*groups[-1].entries, entry))
            else:
                groups.append(DocumentGroup(document, (entry,)))
        sections.append(ReportSection(codebook.path(tag), tuple(groups)))
    return sections


def one_line(text: str) -> str:
    return " ".join(text.split())


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>])")
_NUMBERED = re.compile(r"\d+[.)]")


def markdown_escape(text: str) -> str:
    """`text` as literal Markdown on one line: inline markup characters are backslash-escaped,
    and so is a start that would make a heading or a list item."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", one_line(text))
    if escaped.startswith(("#", "- ", "+ ")):
        return "\\" + escaped
    numbered = _NUMBERED.match(escaped)
    if numbered:  # "12. " or "12) " starts a numbered list: escape its dot or bracket
        mark = numbered.end() - 1
        return escaped[:mark] + "\\" + escaped[mark:]
    return escaped


def _passages_word(count: int) -> str:
    return f"{count} passage{'s' * (count != 1)}"


def _details(entry: ReportEntry, title: str) -> list[str]:
    details = [title, entry.location.label]
    if entry.passage.annotator:
        details.append(f"coded by {entry.passage.annotator}")
    return details


def render_markdown(sections: Sequence[ReportSection], title: str = "Coded passages") -> str:
    lines = [f"# {markdown_escape(title)}", ""]
    if not sections:
        lines += ["No coded passages match.", ""]
    for section in sections:
        lines += [f"## {markdown_escape(section.tag_path)} ({_passages_word(section.count)})", ""]
        for group in section.groups:
            lines += [f"### {markdown_escape(group.document.title)}", ""]
            for entry in group.entries:
                details = ", ".join(markdown_escape(part) for part in
                                    _details(entry, group.document.title))
                lines.append(f"> {markdown_escape(entry.passage.quote)}")
                lines.append(">")
                lines.append(f"> — {details}")
                if entry.passage.memo.strip():
                    lines.append(">")
                    lines.append(f"> Memo: {markdown_escape(entry.passage.memo)}")
                lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def render_html(sections: Sequence[ReportSection], title: str = "Coded passages") -> str:
    escape = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html><head><meta charset="utf-8">',
        f"<title>{escape(one_line(title))}</title>",
        "</head><body>",
        f"<h1>{escape(one_line(title))}</h1>",
    ]
    if not sections:
        out.append("<p>No coded passages match.</p>")
    for section in sections:
        out.append(f"<h2>{escape(section.tag_path)} ({_passages_word(section.count)})</h2>")
        for group in section.groups:
            out.append(f"<h3>{escape(one_line(group.document.title))}</h3>")
            for entry in group.entries:
                details = ", ".join(escape(one_line(part)) for part in
                                    _details(entry, group.document.title))
                out.append('<blockquote dir="auto">')
                out.append(f"<p>{escape(one_line(entry.passage.quote))}</p>")
                out.append(f"<footer>— {details}</footer>")
                if entry.passage.memo.strip():
                    out.append(f"<p><em>Memo:</em> {escape(one_line(entry.passage.memo))}</p>")
                out.append("</blockquote>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


RENDERERS: dict[str, Callable[[Sequence[ReportSection], str], str]] = {
    "md": render_markdown,
    "html": render_html,
}
