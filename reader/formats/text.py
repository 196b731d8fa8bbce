"""Plain text documents (.txt, .text, and unknown suffixes that look like text)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from reader.formats.decoding import decode, decode_head, decode_stream

if TYPE_CHECKING:
    from reader.core.spooled_text import SpoolWriter

# The title is looked for only near the top: a 22 MB file of blank lines must not be scanned.
_TITLE_SCAN = 64 * 1024


def first_nonblank_line(text: str, limit: int = _TITLE_SCAN) -> str:
    """The first line with something other than whitespace in the first `limit` characters."""
    for line in text[:limit].split("\n"):
        if line.strip():
            return line.strip()
    return ""


class TextLoader:
    """Plain text: the title is the first non-blank line."""

    name = "text"
    suffixes = (".txt", ".text")

    def extract(self, path: Path, data: bytes) -> tuple[str, str]:
        return decode(data)

    def extract_stream(self, path: Path, stream: BinaryIO) -> tuple[str, str]:
        return decode_stream(stream, canonical=True)

    def extract_spooled(self, path: Path, stream: BinaryIO, spool: SpoolWriter) -> str:
        return decode_stream(stream, canonical=True, spool=spool)[1]

    def extract_head(self, path: Path, data: bytes) -> tuple[str, str] | None:
        return decode_head(data)

    def title(self, path: Path, text: str) -> str:
        return first_nonblank_line(text)
