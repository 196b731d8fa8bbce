"""Block-level text of an HTML-like tree (XHTML, mammoth's HTML, trafilatura's XML) fed to a
TextBuilder: one paragraph per block, headings marked with their level."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

from reader.formats.building import TextBuilder
from reader.formats.packages import local_name

if TYPE_CHECKING:
    from lxml import etree

HTML_BLOCKS = frozenset(
    "address article aside blockquote body caption dd div dl dt figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section table tbody td tfoot th thead tr "
    "ul".split()
)
# Not text a reader reads.
HTML_SKIPPED = frozenset("script style template noscript head title svg math object iframe".split())
# Where line breaks in the source are line breaks in the text.
HTML_PREFORMATTED = frozenset({"pre", "textarea"})
# In markup, a line break in the source is just whitespace; only <br/> breaks a line.
_SOURCE_WHITESPACE = re.compile(r"[\t\n\r\f\v]+")


def _source_text(text: str, preformatted: bool) -> str:
    return text if preformatted else _SOURCE_WHITESPACE.sub(" ", text)


def html_heading_level(element: etree._Element) -> int:
    """1-6 for <h1>-<h6>, else 0."""
    name = local_name(element)
    if len(name) == 2 and name[0] == "h" and name[1] in "123456":
        return int(name[1])
    return 0


def _inline_text(
    element: etree._Element,
    skipped: Collection[str],
    breaks: Collection[str] = ("br",),
    spaces: Collection[str] = (),
) -> str:
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        name = local_name(node)
        if name in skipped:
            return
        if name in breaks:
            parts.append("\n")
        elif name in spaces:
            parts.append(" ")
        if node.text and name:
            parts.append(_source_text(node.text, False))
        for child in node:
            walk(child)
            if child.tail:
                parts.append(_source_text(child.tail, False))

    walk(element)
    return "".join(parts)


def feed_blocks(
    root: etree._Element,
    builder: TextBuilder,
    *,
    blocks: Collection[str] = HTML_BLOCKS,
    skipped: Collection[str] = HTML_SKIPPED,
    heading_level: Callable[[etree._Element], int] = html_heading_level,
    breaks: Collection[str] = ("br",),
    spaces: Collection[str] = (),
) -> None:
    """Adds the text under `root` to `builder`, a paragraph per block element.

    Elements named in `breaks` are line breaks, those in `spaces` a space (ODF's text:s and
    text:tab); `heading_level` says which elements are headings (0: not one).
    """
    buffer: list[str] = []

    def flush() -> None:
        if buffer:
            builder.paragraph("".join(buffer))
            buffer.clear()

    def walk(node: etree._Element, preformatted: bool = False) -> None:
        name = local_name(node)
        if name in skipped:
            return
        preformatted = preformatted or name in HTML_PREFORMATTED
        level = heading_level(node)
        if level:
            flush()
            builder.heading(_inline_text(node, skipped, breaks, spaces), level)
            return
        is_block = name in blocks
        if is_block:
            flush()
        if name in breaks:
            buffer.append("\n")
        elif name in spaces:
            buffer.append(" ")
        if node.text and name:
            buffer.append(_source_text(node.text, preformatted))
        for child in node:
            walk(child, preformatted)
            if child.tail:
                buffer.append(_source_text(child.tail, preformatted))
        if is_block:
            flush()

    walk(root)
    flush()
