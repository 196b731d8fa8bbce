"""`ExtractingLoader`: what every loader of a non-text format (PDF, DOCX, ...) shares."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path

from reader.formats.base import Extraction
from reader.formats.text import first_nonblank_line


class ExtractingLoader(ABC):
    """A loader whose `extract_document` gives text, structure map and metadata title at once;
    the plain `Loader` calls (text and encoding, a title from the text) are answered from it."""

    name: str
    suffixes: Sequence[str]

    @abstractmethod
    def extract_document(self, path: Path, data: bytes) -> Extraction:
        """The document's canonical text, structure map and metadata title.

        Raises a DocumentError subclass (without a path; the caller adds it) when it cannot.
        """

    def extract(self, path: Path, data: bytes) -> tuple[str, str]:
        extraction = self.extract_document(path, data)
        return extraction.text, extraction.encoding

    def title(self, path: Path, text: str) -> str:
        return first_nonblank_line(text)
