"""Rich Text Format documents (.rtf) through striprtf: paragraphs, code pages and \\u escapes."""

from __future__ import annotations

import re
from pathlib import Path

from reader.formats.base import DocumentError, Extraction
from reader.formats.building import TextBuilder
from reader.formats.extracting import ExtractingLoader

_TITLE_GROUP = re.compile(r"\{\\title\s*((?:[^{}\\]|\\.|\\[a-z]+-?\d* ?)*)\}")


def _rtf_text(source: str) -> str:
    from striprtf.striprtf import rtf_to_text

    try:
        text: str = rtf_to_text(source, errors="strict")  # type: ignore[no-untyped-call]
    except UnicodeDecodeError:
        # A byte its code page does not define: shown as U+FFFD rather than refusing the file.
        text = rtf_to_text(source, errors="replace")  # type: ignore[no-untyped-call]
    return text


class RtfLoader(ExtractingLoader):
    """RTF from word processors (WordPad, TextEdit, Word, LibreOffice)."""

    name = "rtf"
    suffixes = (".rtf",)

    def extract_document(self, path: Path, data: bytes) -> Extraction:
        if not data.lstrip()[:5] == b"{\\rtf":
            raise DocumentError("is not an RTF document (it does not begin with {\\rtf)")
        # RTF is 7-bit: other characters are escapes (\'e9, \u1593) that striprtf decodes in
        # the document's code page; latin-1 keeps any stray 8-bit byte as it is.
        source = data.decode("latin-1")
        try:
            raw = _rtf_text(source)
            title_group = _TITLE_GROUP.search(source[:65536])
            title = _rtf_text("{\\rtf1 " + title_group.group(1) + "}") if title_group else ""
        except (ValueError, LookupError, IndexError, RecursionError) as error:
            raise DocumentError(f"is not a readable RTF document ({error})") from None
        builder = TextBuilder()
        for line in raw.split("\n"):
            builder.paragraph(line.replace("\t", " "))
        text, structure = builder.build()
        return Extraction(text=text, structure=structure, title=title.strip())
