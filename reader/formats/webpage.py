"""Web pages (.html, .htm) reduced to their article with trafilatura (navigation, banners,
related links and footers left out), or the whole body's text when it finds no article."""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any

from reader.formats.base import DocumentError, Extraction
from reader.formats.blocks import HTML_SKIPPED, feed_blocks
from reader.formats.building import TextBuilder
from reader.formats.decoding import decode
from reader.formats.extracting import ExtractingLoader
from reader.formats.packages import local_name

_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE
)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_SNIFF = 4096

# trafilatura's own vocabulary for the article it found.
_ARTICLE_BLOCKS = frozenset({"p", "head", "item", "quote", "row", "code", "list", "table"})
_ARTICLE_SKIPPED = frozenset({"graphic", "comments"})
# The whole-body fallback reads what a browser shows, minus what is never text.
_BODY_SKIPPED = HTML_SKIPPED | {"button", "select", "input"}


def decode_html(data: bytes) -> tuple[str, str]:
    """The page's text, read in the charset its <meta> declares, else as reader reads text."""
    declared = _META_CHARSET.search(data[:_SNIFF])
    has_bom = data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if declared and not has_bom:
        charset = declared.group(1).decode("ascii").lower()
        try:
            return data.decode(charset), codecs.lookup(charset).name
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong declaration: detect instead
    return decode(data)


def _article_heading_level(element: Any) -> int:
    if local_name(element) != "head":
        return 0
    rend = str(element.get("rend") or "h2")
    return int(rend[1]) if len(rend) == 2 and rend[0] == "h" and rend[1] in "123456" else 2


def _found_article(body: Any) -> bool:
    """Whether trafilatura found an article, not nothing or only its own last resort (the page's
    text as one paragraph of lines, every block boundary lost)."""
    if body is None or not "".join(body.itertext()).strip():
        return False
    children = list(body)
    return not (len(children) == 1 and "\n" in "".join(children[0].itertext()))


def _headline(tree: Any) -> str:
    """The article's headline as trafilatura finds it: og:title and the like, a lone <h1>,
    else the best part of <title>."""
    from trafilatura.metadata import examine_meta, extract_title

    try:
        title = examine_meta(tree).title or extract_title(tree)
    except Exception:  # noqa: BLE001 - a page's odd metadata costs its headline, not its text
        return ""
    return str(title or "")


def _page_title(tree: Any) -> str:
    titles = tree.xpath("//title")
    return " ".join("".join(titles[0].itertext()).split()) if titles else ""


def feed_html(html_text: str, builder: TextBuilder) -> str:
    """Adds a page's article (or, failing that, its whole body) to `builder`; gives its title."""
    import trafilatura
    from lxml import html as lxml_html

    html_text = _XML_DECLARATION.sub("", html_text, count=1)
    if not html_text.strip():
        return ""
    try:
        tree = lxml_html.document_fromstring(html_text)
    except Exception as error:  # noqa: BLE001 - lxml.etree.ParserError and friends
        raise DocumentError(f"is not a readable web page ({error})") from None
    # Not with_metadata: it looks for the page's date with dateparser, which takes seconds on
    # some pages; the headline is found below without it.
    article = trafilatura.bare_extraction(
        html_text,
        with_metadata=False,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        output_format="python",
    )
    body = getattr(article, "body", None)
    if _found_article(body):
        feed_blocks(
            body,
            builder,
            blocks=_ARTICLE_BLOCKS,
            skipped=_ARTICLE_SKIPPED,
            heading_level=_article_heading_level,
            breaks=("lb",),
        )
        return _headline(tree) or _page_title(tree)
    root = tree.body if tree.find("body") is not None else tree
    feed_blocks(root, builder, skipped=_BODY_SKIPPED)
    return _page_title(tree)


class WebPageLoader(ExtractingLoader):
    """Saved web pages and HTML files."""

    name = "html"
    suffixes = (".html", ".htm", ".xhtml")

    def extract_document(self, path: Path, data: bytes) -> Extraction:
        html_text, encoding = decode_html(data)
        builder = TextBuilder()
        title = feed_html(html_text, builder)
        text, structure = builder.build()
        if not text.strip():
            raise DocumentError("is a web page with no text")
        return Extraction(text=text, structure=structure, title=title, encoding=encoding)
