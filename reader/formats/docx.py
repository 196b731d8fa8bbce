"""Word documents (.docx) through mammoth: tracked insertions kept, deletions dropped, headings
mapped, the title from the document's properties."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

from reader.formats.base import DocumentError, Extraction
from reader.formats.blocks import feed_blocks
from reader.formats.building import TextBuilder
from reader.formats.extracting import ExtractingLoader
from reader.formats.packages import open_package, part_title, read_member

KIND = "a Word document"
_MAIN_PART = "word/document.xml"
# Word never writes a DTD; one in a part can only be an entity attack (billion laughs, or an
# external entity naming a local file), and mammoth parses with the standard library's
# minidom, so such a part is refused before mammoth sees it.
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


def _check_xml_parts(package: zipfile.ZipFile) -> None:
    for member in package.infolist():
        if member.filename.endswith((".xml", ".rels")):
            if _DOCTYPE.search(read_member(package, member.filename, KIND)):
                raise DocumentError(
                    f"is not {KIND} reader can open safely "
                    f"({member.filename!r} declares XML entities)"
                )


def _tidy_notes(fragment: Any) -> None:
    """mammoth's footnotes and endnotes, listed after the text, begin with their "[1]" (as
    cited in the text) and lose the "↑" link back to where they are cited."""
    for link in fragment.xpath(
        './/a[starts-with(@href, "#footnote-ref-") or starts-with(@href, "#endnote-ref-")]'
    ):
        link.drop_tree()  # its tail stays
    for item in fragment.xpath(
        './/li[starts-with(@id, "footnote-") or starts-with(@id, "endnote-")]'
    ):
        marker = f"[{item.get('id').rpartition('-')[2]}] "
        first = item[0] if len(item) and item[0].tag == "p" else item
        first.text = marker + (first.text or "")


def _ignore_image(image: object) -> dict[str, str]:
    # mammoth would inline each image as base64: work and memory for nothing shown.
    return {}


class DocxLoader(ExtractingLoader):
    """Word (OOXML) documents, read with mammoth (BSD), which keeps tracked insertions and
    content controls that python-docx silently drops."""

    name = "docx"
    suffixes = (".docx",)

    def extract_document(self, path: Path, data: bytes) -> Extraction:
        import mammoth
        from lxml import html

        package = open_package(data, KIND)
        if _MAIN_PART not in package.namelist():
            raise DocumentError(f"is not {KIND} (it has no {_MAIN_PART!r}; another format?)")
        _check_xml_parts(package)
        title = part_title(package, "docProps/core.xml", KIND)
        try:
            result = mammoth.convert_to_html(
                io.BytesIO(data), convert_image=mammoth.images.img_element(_ignore_image)
            )
        except DocumentError:
            raise
        except Exception as error:  # noqa: BLE001 - mammoth raises many kinds on bad parts
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise DocumentError(f"is damaged: not readable as {KIND} ({reason[:120]})") from None
        builder = TextBuilder()
        if result.value.strip():
            fragment = html.fragment_fromstring(result.value, create_parent="div")
            _tidy_notes(fragment)
            feed_blocks(fragment, builder)
        text, structure = builder.build()
        return Extraction(text=text, structure=structure, title=title, encoding="utf-8")
