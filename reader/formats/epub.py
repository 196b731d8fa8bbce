"""EPUB e-books (.epub) read with zipfile and lxml: chapters in spine order, headings mapped,
the title from the package metadata (EbookLib would do it but is AGPL)."""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from reader.formats.base import DocumentError, Extraction
from reader.formats.blocks import feed_blocks
from reader.formats.building import TextBuilder
from reader.formats.extracting import ExtractingLoader
from reader.formats.packages import local_name, open_package, parse_xml, read_member

KIND = "an EPUB e-book"
_CONTAINER = "META-INF/container.xml"
_CHAPTER_TYPES = ("application/xhtml+xml", "text/html", "application/x-dtbook+xml")


def _children(root: Any, name: str) -> list[Any]:
    return [element for element in root.iter() if local_name(element) == name]


def _package_path(package: zipfile.ZipFile) -> str:
    container = parse_xml(read_member(package, _CONTAINER, KIND), KIND)
    for rootfile in _children(container, "rootfile"):
        full_path = rootfile.get("full-path")
        if full_path:
            return str(full_path)
    raise DocumentError(f"is not {KIND} ({_CONTAINER} names no package file)")


def spine_chapters(package: zipfile.ZipFile) -> tuple[list[str], str]:
    """The chapter files in reading (spine) order, and the book's title."""
    opf_path = _package_path(package)
    opf = parse_xml(read_member(package, opf_path, KIND), KIND)
    base = posixpath.dirname(opf_path)
    manifest = {
        item.get("id"): item
        for item in _children(opf, "item")
        if item.get("id") and item.get("href")
    }
    chapters = []
    for itemref in _children(opf, "itemref"):
        item = manifest.get(itemref.get("idref"))
        if item is None or item.get("media-type") not in _CHAPTER_TYPES:
            continue
        href = unquote(str(item.get("href")).partition("#")[0])
        chapters.append(posixpath.normpath(posixpath.join(base, href)))
    titles = ["".join(element.itertext()).strip() for element in _children(opf, "title")]
    return chapters, next((title for title in titles if title), "")


class EpubLoader(ExtractingLoader):
    """EPUB 2 and 3 e-books."""

    name = "epub"
    suffixes = (".epub",)

    def extract_document(self, path: Path, data: bytes) -> Extraction:
        package = open_package(data, KIND)
        if _CONTAINER not in package.namelist():
            raise DocumentError(f"is not {KIND} (it has no {_CONTAINER!r})")
        chapters, title = spine_chapters(package)
        if not chapters:
            raise DocumentError(f"is not {KIND} (its spine lists no chapters)")
        builder = TextBuilder()
        for chapter in chapters:
            chapter_xml = read_member(package, chapter, KIND)
            root = parse_xml(chapter_xml, KIND, recover=True, html_entities=True)
            body = next((e for e in root.iter() if local_name(e) == "body"), root)
            feed_blocks(body, builder)
        text, structure = builder.build()
        return Extraction(text=text, structure=structure, title=title, encoding="utf-8")
