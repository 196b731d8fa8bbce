"""OpenDocument text (.odt) read with zipfile and lxml: paragraphs, headings (by element or by
heading style), tracked deletions dropped, the title from meta.xml."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from reader.formats.base import Extraction
from reader.formats.blocks import feed_blocks
from reader.formats.building import TextBuilder
from reader.formats.extracting import ExtractingLoader
from reader.formats.packages import (
    local_name,
    open_package,
    parse_xml,
    part_title,
    read_member,
)

KIND = "an OpenDocument text"
_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_HEADING_STYLE_NAME = re.compile(r"Heading_20_([1-9])|Heading ([1-9])")

_BLOCKS = frozenset({"p", "h", "list-item", "table-row", "table-cell", "note-body"})
# Tracked deletions live in text:tracked-changes; the rest is not text a reader reads.
_SKIPPED = frozenset(
    {"tracked-changes", "annotation", "sequence-decls", "note-citation", "forms", "frame"}
)


def _heading_levels(*roots: Any) -> dict[str, int]:
    """Paragraph style name -> heading level, following each style's parents (LibreOffice
    often writes a heading as a text:p in an automatic style whose parent is "Heading 2")."""
    parents: dict[str, str] = {}
    levels: dict[str, int] = {}
    for root in roots:
        for style in root.iter(f"{{{_STYLE}}}style"):
            name = style.get(f"{{{_STYLE}}}name", "")
            parent = style.get(f"{{{_STYLE}}}parent-style-name")
            if parent:
                parents[name] = parent
            outline = style.get(f"{{{_STYLE}}}default-outline-level")
            named = _HEADING_STYLE_NAME.fullmatch(name)
            if outline and outline.isdigit():
                levels[name] = int(outline)
            elif named:
                levels[name] = int(named.group(1) or named.group(2))
    resolved: dict[str, int] = {}
    for name in set(parents) | set(levels):
        seen: set[str] = set()
        current: str | None = name
        while current is not None and current not in seen and current not in levels:
            seen.add(current)
            current = parents.get(current)
        if current is not None and current in levels:
            resolved[name] = levels[current]
    return resolved


def _move_notes_to_the_end(body: Any) -> None:
    """Footnotes and endnotes leave a "[1]" where they are cited and follow the text as
    paragraphs of their own, instead of breaking their sentence in two."""
    notes = list(body.iter(f"{{{_TEXT}}}note"))
    for note in notes:
        citation = "".join(
            "".join(child.itertext()) for child in note if local_name(child) == "note-citation"
        ).strip()
        marker = f"[{citation}]" if citation else "[*]"
        note_body = next((child for child in note if local_name(child) == "note-body"), None)
        replacement = note.makeelement(f"{{{_TEXT}}}span", {})
        replacement.text = marker
        replacement.tail = note.tail
        parent = note.getparent()
        if parent is None:
            continue
        parent.replace(note, replacement)
        paragraphs = [] if note_body is None else list(note_body)
        if not paragraphs:
            continue
        paragraphs[0].text = f"{marker} {paragraphs[0].text or ''}"
        for paragraph in paragraphs:
            paragraph.tail = None
            body.append(paragraph)


class OdtLoader(ExtractingLoader):
    """OpenDocument text from LibreOffice, Google Docs or Word's "Save as .odt"."""

    name = "odt"
    suffixes = (".odt",)

    def extract_document(self, path: Path, data: bytes) -> Extraction:
        package = open_package(data, KIND)
        content = parse_xml(read_member(package, "content.xml", KIND), KIND)
        roots = [content]
        if "styles.xml" in package.namelist():
            roots.append(parse_xml(read_member(package, "styles.xml", KIND), KIND))
        style_levels = _heading_levels(*roots)

        def heading_level(element: Any) -> int:
            name = local_name(element)
            if name == "h":
                level = element.get(f"{{{_TEXT}}}outline-level", "1")
                return int(level) if level.isdigit() and int(level) > 0 else 1
            if name == "p":
                return style_levels.get(element.get(f"{{{_TEXT}}}style-name", ""), 0)
            return 0

        builder = TextBuilder()
        body = next((e for e in content.iter() if local_name(e) == "text"), None)
        if body is not None:
            _move_notes_to_the_end(body)
            feed_blocks(
                body,
                builder,
                blocks=_BLOCKS,
                skipped=_SKIPPED,
                heading_level=heading_level,
                breaks=("line-break",),
                spaces=("s", "tab"),
            )
        text, structure = builder.build()
        title = part_title(package, "meta.xml", KIND)
        return Extraction(text=text, structure=structure, title=title, encoding="utf-8")
