"""The loaded-document record, loader errors, the loader registry and `load_document`."""

from __future__ import annotations

import errno
import functools
import hashlib
import importlib
import os
import re
import stat
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple, Protocol, cast, runtime_checkable

from reader.core.filepaths import resolved_path
from reader.core.hashing import text_sha256
from reader.core.lazy_regex import LazyPattern
from reader.core.spooled_text import SpooledText, SpoolError, SpoolWriter
from reader.core.structure import Structure
from reader.core.text import DocumentText, canonicalize

# The errors live in their own module so loaders can raise them without importing the registry
# below, which imports the built-in loaders.
from reader.formats.errors import BinaryDocumentError as BinaryDocumentError
from reader.formats.errors import DocumentError as DocumentError
from reader.formats.errors import DocumentNotFoundError as DocumentNotFoundError
from reader.formats.errors import DocumentPermissionError as DocumentPermissionError
from reader.formats.errors import NotADocumentError as NotADocumentError
from reader.formats.errors import UndecodableDocumentError as UndecodableDocumentError
from reader.formats.errors import UnsupportedFormatError as UnsupportedFormatError
from reader.formats.errors import display_path as display_path

TITLE_LIMIT = 80
# How much of a spooled text its loader is shown to find the title: its first lines.
_TITLE_SCAN_CHARS = 64 * 1024


@dataclass(frozen=True)
class LoadedDocument:
    """A document read from disk: its canonical text and what we know about the file."""

    path: Path  # absolute and resolved
    # Canonical: offsets everywhere index into it. A str, or for a huge text read to be shown
    # (`load_document(..., spool=True)`) a SpooledText, kept on disk rather than in memory.
    text: DocumentText = field(repr=False)
    encoding: str  # how the bytes were decoded: "utf-8", "utf-8-sig", "utf-16", "cp1256", ...
    title: str
    size: int  # bytes on disk
    format: str  # the loader's name: "text" or "markdown"
    # Of the canonical text as UTF-8, so a re-encoded or CRLF-converted copy has the same hash.
    sha256: str
    # Where pages and headings begin, in text order (see reader.core.structure).
    structure: Structure = field(default=(), repr=False)
    # For formats that are extracted (PDF, DOCX, ...): the file's bytes' SHA-256 and what
    # extracted them ("pdf: pypdf 7.1.1; reader 0.1.0"); "" for text read as it is.
    source_sha256: str = ""
    extractor: str = ""
    # The file's (modification time in ns, size, inode) as found just before it was read: a
    # different signature later means the file was rewritten after this text was read.
    signature: tuple[int, int, int] | None = field(default=None, compare=False, repr=False)

    @property
    def whole_text(self) -> str:
        """The text as a str: what a command, an import or an export reads. Only the reader's
        view asks `load_document` to spool a text, so this holds for every other load."""
        if isinstance(self.text, str):
            return self.text
        raise TypeError(f"{self.path}: its text is spooled (load it without `spool`)")

    def registration(self) -> dict[str, Any]:
        """What the store records of it: `store.register_document(**loaded.registration())`."""
        return {
            "path": self.path, "text": self.text, "title": self.title, "size": self.size,
            "encoding": self.encoding, "sha256": self.sha256, "format": self.format,
            "source_sha256": self.source_sha256, "extractor": self.extractor,
        }


@dataclass(frozen=True)
class DocumentHead:
    """The start of a large text document, read so its first screens show while the rest is
    read (see `read_head`). Not a document yet: it has no hash, so it cannot be registered,
    and offsets past its end are not known.

    Its text is a prefix of the whole document's canonical text ending at a line end (unless
    the rest turns out to be in another encoding: whoever gets the whole text checks).
    """

    path: Path  # absolute and resolved
    text: str = field(repr=False)
    encoding: str
    title: str
    size: int  # bytes on disk, all of them
    format: str
    bytes_read: int  # of `size`
    structure: Structure = field(default=(), repr=False)
    signature: tuple[int, int, int] | None = field(default=None, compare=False, repr=False)


def stat_signature(info: os.stat_result) -> tuple[int, int, int]:
    """What changes when a file is rewritten: modification time, size and inode."""
    return info.st_mtime_ns, info.st_size, info.st_ino


class Extraction(NamedTuple):
    """What a loader of a non-text format found: canonical text and its structure map (built
    with reader.formats.building.TextBuilder), and a title from the document's metadata.

    (A NamedTuple, not a frozen dataclass: the class is made at every start-up, where a
    dataclass's generated methods cost half a millisecond.)
    """

    text: str
    structure: Structure = ()
    title: str = ""  # "" when the document names none: the first line is used instead
    encoding: str = ""  # the text encoding the format declared, where there is one


# --- loaders ------------------------------------------------------------------------------


class Loader(Protocol):
    """Turns a file's bytes into text, and the text into a title.

    Loaders take bytes, not text, so formats that are not plain text (DOCX, PDF, EPUB) fit the
    same interface. `load_document` canonicalises whatever `extract` returns, so every loader
    gets the same line endings and BOM handling.
    """

    @property
    def name(self) -> str:
        """The format's name, stored as `LoadedDocument.format`."""
        ...

    @property
    def suffixes(self) -> Sequence[str]:
        """Lower-case file suffixes with the dot, e.g. (".md", ".markdown")."""
        ...

    def extract(self, path: Path, data: bytes) -> tuple[str, str]:
        """The document's text (not yet canonical) and the encoding it was read with.

        Raises a DocumentError subclass (without a path; the caller adds it) when it cannot.
        """
        ...

    def title(self, path: Path, text: str) -> str:
        """A title found in the canonical text, or "" to fall back to the file name."""
        ...


class DocumentLoader(Loader, Protocol):
    """A loader of a format that is not plain text (PDF, DOCX, EPUB, ...): it gives text,
    structure and a title at once. `load_document` prefers `extract_document` to `extract`."""

    def extract_document(self, path: Path, data: bytes) -> Extraction:
        """The document's canonical text, structure map and metadata title.

        Raises a DocumentError subclass (without a path; the caller adds it) when it cannot.
        """
        ...


class StructuredTextLoader(Loader, Protocol):
    """A text format with structure in the text itself (Markdown headings)."""

    def structure(self, text: str) -> Structure:
        """The structure map of the canonical text."""
        ...


class StreamingLoader(Loader, Protocol):
    """A loader that can also read a large file a chunk at a time (plain text can: a 22 MB
    file's bytes then never sit in memory beside its text). `load_document` uses it for files
    bigger than `STREAM_FROM`."""

    def extract_stream(self, path: Path, stream: BinaryIO) -> tuple[str, str]:
        """Like `extract` on the bytes of `stream`, an open file read from its start, but the
        text is canonical already (`reader.core.text.Canonicalizer` fed as it is decoded, so a
        CRLF text is not held twice either)."""
        ...


@runtime_checkable
class SpoolingLoader(StreamingLoader, Protocol):
    """A streaming loader that can write the canonical text to a `SpoolWriter` instead of
    returning it (plain text: a huge file is then never held in memory)."""

    def extract_spooled(self, path: Path, stream: BinaryIO, spool: SpoolWriter) -> str:
        """Like `extract_stream`, the text fed to `spool`; returns the encoding."""
        ...


@runtime_checkable
class HeadLoader(StreamingLoader, Protocol):
    """A streaming loader that can also say how a file's text begins from its first bytes, so
    a large file shows before it is read whole (see `read_head`)."""

    def extract_head(self, path: Path, data: bytes) -> tuple[str, str] | None:
        """The canonical text `extract_stream` of the whole file will begin with, from its
        first bytes `data`, and the encoding; None when the start alone cannot tell."""
        ...


_loaders: list[Loader] = []
_by_suffix: dict[str, Loader] = {}
_fallback: Loader | None = None
_builtins_registered = False

# Suffixes we know are not text, so the message can say so instead of sniffing the bytes.
_KNOWN_UNSUPPORTED = {
    ".doc": "Old Word (.doc; save it as .docx)",
    ".odp": "OpenDocument presentation",
    ".ods": "OpenDocument spreadsheet",
    ".xlsx": "Excel",
    ".pptx": "PowerPoint",
    ".mobi": "Kindle",
    ".png": "PNG image",
    ".jpg": "JPEG image",
    ".jpeg": "JPEG image",
    ".gif": "GIF image",
    ".zip": "zip archive",
    ".gz": "gzip archive",
}


def register(loader: Loader, *, fallback: bool = False) -> None:
    """Add a loader for its suffixes; the fallback one also tries files with unknown suffixes.

    A loader registered later wins a suffix it shares with an earlier one, built-ins included.
    """
    global _fallback
    _ensure_builtins()
    _loaders.append(loader)
    for suffix in loader.suffixes:
        _by_suffix[suffix.lower()] = loader
    if fallback:
        _fallback = loader


def _ensure_builtins() -> None:
    global _builtins_registered
    if _builtins_registered:
        return
    _builtins_registered = True
    # Imported here, not at the top: the loaders import this module for its errors.
    from reader.formats.markdown import MarkdownLoader
    from reader.formats.text import TextLoader

    register(TextLoader(), fallback=True)
    register(MarkdownLoader())
    for name, suffixes, module, class_name in _DEFERRED_LOADERS:
        register(_DeferredLoader(name, suffixes, module, class_name))


# Loaders of formats that are not text: their modules (and the libraries they import: email,
# zipfile, lxml, pypdf, ...) load when a file of theirs is first opened, not at start-up.
_DEFERRED_LOADERS = (
    ("pdf", (".pdf",), "reader.formats.pdf", "PdfLoader"),
    ("docx", (".docx",), "reader.formats.docx", "DocxLoader"),
    ("odt", (".odt",), "reader.formats.odt", "OdtLoader"),
    ("epub", (".epub",), "reader.formats.epub", "EpubLoader"),
    ("rtf", (".rtf",), "reader.formats.rtf", "RtfLoader"),
    ("html", (".html", ".htm", ".xhtml"), "reader.formats.webpage", "WebPageLoader"),
    ("email", (".eml",), "reader.formats.email_message", "EmailLoader"),
)
# The libraries whose version decides each extracted format's text (besides reader's own
# rules: joining lines, dropping running headers, ...).
_EXTRACTING_LIBRARIES = {
    "pdf": ("pypdf",),
    "docx": ("mammoth", "lxml"),
    "odt": ("lxml",),
    "epub": ("lxml",),
    "rtf": ("striprtf",),
    "html": ("trafilatura", "lxml"),
    "email": ("trafilatura", "lxml"),
}


def warm_up_extractors() -> None:
    """Import every extracting loader and the libraries it reads with: what a spare extraction
    process does while it waits (see reader.formats.isolated), so an extraction starts at once."""
    _ensure_builtins()
    for name, _suffixes, module, class_name in _DEFERRED_LOADERS:
        _import_loader(module, class_name)
        for library in _EXTRACTING_LIBRARIES.get(name, ()):
            importlib.import_module(library)


@functools.cache
def extractor_version(format_name: str) -> str:
    """What extracts a format, with versions: "pdf: pypdf 7.1.1; reader 0.1.0". A different
    answer means the same bytes may give a different text."""
    from importlib.metadata import PackageNotFoundError, version

    import reader

    parts = []
    for library in _EXTRACTING_LIBRARIES.get(format_name, ()):
        try:
            parts.append(f"{library} {version(library)}")
        except PackageNotFoundError:
            parts.append(f"{library} unknown")
    parts.append(f"reader {reader.__version__}")
    return f"{format_name}: " + "; ".join(parts)


class _DeferredLoader(NamedTuple):
    """A built-in DocumentLoader that imports its module the first time it extracts.

    (A NamedTuple, not a frozen dataclass: the class is made at every start-up, where a
    dataclass's generated methods cost half a millisecond.)
    """

    name: str
    suffixes: tuple[str, ...]
    module: str
    class_name: str

    def _loader(self) -> DocumentLoader:
        return _import_loader(self.module, self.class_name)

    def extract(self, path: Path, data: bytes) -> tuple[str, str]:
        return self._loader().extract(path, data)

    def title(self, path: Path, text: str) -> str:
        return self._loader().title(path, text)

    def extract_document(self, path: Path, data: bytes) -> Extraction:
        return self._loader().extract_document(path, data)


@functools.cache
def _import_loader(module: str, class_name: str) -> DocumentLoader:
    loader: DocumentLoader = getattr(importlib.import_module(module), class_name)()
    return loader


def supported_suffixes() -> tuple[str, ...]:
    """The suffixes some loader claims, sorted."""
    _ensure_builtins()
    return tuple(sorted(_by_suffix))


def is_supported(path: Path | str) -> bool:
    """Whether a file's suffix has a loader, or it has no suffix (README, LICENSE).

    `load_document` also tries other unknown suffixes by looking at the bytes; this is the
    cheap check for listing files.
    """
    _ensure_builtins()
    suffix = Path(path).suffix.lower()
    return suffix in _by_suffix or suffix == ""


def _loader_for(path: Path) -> Loader:
    suffix = path.suffix.lower()
    loader = _by_suffix.get(suffix)
    if loader is not None:
        return loader
    if suffix in _KNOWN_UNSUPPORTED or _fallback is None:
        kind = _KNOWN_UNSUPPORTED.get(suffix, f"{suffix} files")
        known = ", ".join(supported_suffixes())
        raise UnsupportedFormatError(f"{kind} documents are not supported (reader opens {known})")
    return _fallback


_LINK_LOOP = "is a loop of symbolic links, not a document"


def _check_regular_file(path: Path) -> os.stat_result:
    try:
        info = path.stat()
    except FileNotFoundError:
        raise DocumentNotFoundError("no such file", path) from None
    except PermissionError:
        raise DocumentPermissionError("permission denied", path) from None
    except NotADirectoryError:
        raise DocumentNotFoundError("no such file (a parent is not a folder)", path) from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise NotADocumentError(_LINK_LOOP, path) from None
        raise DocumentError(f"cannot open: {error.strerror or error}", path) from None
    mode = info.st_mode
    # Checked before opening: reading a FIFO would block, and a device may never end.
    if stat.S_ISDIR(mode):
        raise NotADocumentError("is a folder, not a document", path)
    if stat.S_ISFIFO(mode):
        raise NotADocumentError("is a named pipe, not a document", path)
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        raise NotADocumentError("is a device, not a document", path)
    if not stat.S_ISREG(mode):
        raise NotADocumentError("is not a regular file", path)
    return info


def _read_bytes(path: Path) -> bytes:
    with _reading(path):
        return path.read_bytes()


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    """Turns an error opening or reading `path` into a DocumentError naming it."""
    try:
        yield
    except FileNotFoundError:
        raise DocumentNotFoundError("no such file", path) from None
    except PermissionError:
        raise DocumentPermissionError("permission denied", path) from None
    except IsADirectoryError:
        raise NotADocumentError("is a folder, not a document", path) from None
    except OSError as error:
        if error.errno == errno.ELOOP:  # the link was made into a loop after the check
            raise NotADocumentError(_LINK_LOOP, path) from None
        raise DocumentError(f"cannot read: {error.strerror or error}", path) from None


# (Both compiled on first use: the common title, all printable, needs neither, and compiling
# them was half a millisecond of the reader's start-up, which reads the first document's title.)
# Whole ANSI/VT sequences go, not just their ESC: "\x1b]0;pwned\x07" must not leave "]0;pwned".
_ESCAPE_SEQUENCE = LazyPattern(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[PX^_][^\x1b]*(?:\x1b\\)?|.)?"
    r"|\x9b[0-?]*[ -/]*[@-~]|\x9d[^\x07\x9c]*[\x07\x9c]?",
    re.DOTALL,
    stdlib=True,
)
# Controls, and bidirectional overrides that could make a title read differently than it is.
_TITLE_NOISE = LazyPattern(
    "[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]", stdlib=True
)


def clean_title(raw: str) -> str:
    """A title as one tidy line: no escape sequences or control characters, at most 80 chars."""
    if raw.isprintable():  # no escape, control or override (all "other" characters) to take out
        title = " ".join(raw.split())
    else:
        title = " ".join(_ESCAPE_SEQUENCE.sub("", raw).split())  # tabs and line breaks: spaces
        title = " ".join(_TITLE_NOISE.sub("", title).split())
    if len(title) > TITLE_LIMIT:
        title = title[: TITLE_LIMIT - 1].rstrip() + "…"
    return title


def load_document(
    path: Path | str,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    spool: bool = False,
) -> LoadedDocument:
    """Read a document from disk into canonical text plus metadata.

    A large text is read a chunk at a time, telling `progress` (bytes read, bytes in all)
    after each, and stopped with a DocumentError once `cancelled` says so. With `spool`, a
    plain text comes back as a SpooledText (see reader.core.spooled_text): for a huge text
    to be read on screen, which then costs its indexes rather than its characters in memory.
    Raises a DocumentError subclass with a one-line message naming the file.
    """
    _ensure_builtins()
    resolved = resolved_path(path)
    info = _check_regular_file(resolved)
    try:
        loader = _loader_for(resolved)
        extract_document = getattr(loader, "extract_document", None)
        source_sha256 = extractor = ""
        text: DocumentText
        if extract_document is not None:
            extraction, size, source_sha256 = _extract_document(
                extract_document, resolved, info.st_size
            )
            text, encoding, structure = extraction.text, extraction.encoding, extraction.structure
            metadata_title = clean_title(extraction.title)
            extractor = extractor_version(loader.name)
        elif spool and isinstance(loader, SpoolingLoader):
            text, encoding, size = _extract_spooled(
                loader, resolved, info.st_size, progress=progress, cancelled=cancelled
            )
            structure = ()
            metadata_title = ""
        else:
            text, encoding, size = _extract(
                loader, resolved, info.st_size, progress=progress, cancelled=cancelled
            )
            text_structure = getattr(loader, "structure", None)
            structure = () if text_structure is None else text_structure(text)
            metadata_title = ""
    except DocumentError as error:
        if error.path is None:
            raise error.for_path(resolved) from None
        raise
    # (A spooled text's title is looked for in its first lines, as a text's always is.)
    title_text = text if isinstance(text, str) else text[:_TITLE_SCAN_CHARS]
    title = (
        metadata_title or clean_title(loader.title(resolved, title_text))
        or clean_title(resolved.name)
    )
    return LoadedDocument(
        path=resolved,
        text=text,
        encoding=encoding,
        title=title or "untitled",
        size=size,
        format=loader.name,
        sha256=text.sha256 if isinstance(text, SpooledText) else text_sha256(text),
        structure=structure,
        source_sha256=source_sha256,
        extractor=extractor,
        signature=stat_signature(info),
    )


# A PDF, Word or EPUB file bigger than this is refused before it is read: extraction holds its
# bytes and what they inflate to in memory.
MAX_DOCUMENT_BYTES = 256 << 20


def _extract_document(
    extract_document: Callable[[Path, bytes], Extraction], path: Path, size: int
) -> tuple[Extraction, int, str]:
    """What the loader extracted, how many bytes it read, and their SHA-256."""
    if size > MAX_DOCUMENT_BYTES:
        raise DocumentError(
            f"is too large to open ({size >> 20} MB; at most {MAX_DOCUMENT_BYTES >> 20} MB)"
        )
    data = _read_bytes(path)
    if not data:
        raise DocumentError("is empty (0 bytes)")
    source_sha256 = hashlib.sha256(data).hexdigest()
    extraction = extract_document(path, data)
    return extraction, len(data), source_sha256


# Files bigger than this (1 MiB) go to a streaming loader a chunk at a time.
STREAM_FROM = 1 << 20


def _extract(
    loader: Loader,
    path: Path,
    size: int,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> tuple[str, str, int]:
    """The canonical text, the encoding the loader read it with, and how many bytes it read.

    A large file goes to a loader that can stream it; a small one is read whole (one read; in
    chunks of a megabyte it would be one chunk anyway), and so is any file for a loader that
    needs all the bytes at once.
    """
    extract_stream = getattr(loader, "extract_stream", None)
    if extract_stream is None or size <= STREAM_FROM:
        data = _read_bytes(path)
        raw_text, encoding = loader.extract(path, data)
        size = len(data)
        del data  # not beside the text while it is made canonical
        return canonicalize(raw_text), encoding, size
    with _reported_stream(path, size, progress, cancelled) as stream:
        text, encoding = extract_stream(path, stream)
        return text, encoding, stream.tell()


def _extract_spooled(
    loader: SpoolingLoader,
    path: Path,
    size: int,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> tuple[DocumentText, str, int]:
    """Like `_extract`, the text spooled to a private temporary file (see SpooledText); held
    in memory after all when no temporary file can be written (none allowed, or a full disk)."""
    writer = _spool_writer()
    if writer is None:
        return _extract(loader, path, size, progress=progress, cancelled=cancelled)
    try:
        with _reported_stream(path, size, progress, cancelled) as stream:
            encoding = loader.extract_spooled(path, stream, writer)
            return writer.finish(), encoding, stream.tell()
    except SpoolError:
        writer.discard()
        return _extract(loader, path, size, progress=progress, cancelled=cancelled)
    except BaseException:
        writer.discard()
        raise


def _spool_writer() -> SpoolWriter | None:
    """A writer into the user's cache folder, else the system's temporary folder, else None."""
    from reader.paths import spool_dir

    try:
        directory = spool_dir()
        directory.mkdir(parents=True, exist_ok=True)
        return SpoolWriter(str(directory))
    except OSError:
        pass
    try:
        return SpoolWriter()
    except OSError:
        return None


@contextmanager
def _reported_stream(
    path: Path,
    size: int,
    progress: Callable[[int, int], None] | None,
    cancelled: Callable[[], bool] | None,
) -> Iterator[BinaryIO]:
    """`path` open for a streaming loader, its reading reported (see _ReportingStream)."""
    with _reading(path), path.open("rb") as file:
        yield cast(BinaryIO, _ReportingStream(file, size, progress, cancelled))


class _ReportingStream:
    """A file read for a streaming loader, telling how far the reading has come after each
    read and stopping it when asked to (a document closed before it was read whole)."""

    def __init__(
        self,
        file: BinaryIO,
        size: int,
        progress: Callable[[int, int], None] | None,
        cancelled: Callable[[], bool] | None,
    ) -> None:
        self._file = file
        self._size = size
        self._progress = progress
        self._cancelled = cancelled

    def read(self, size: int | None = -1) -> bytes:
        if self._cancelled is not None and self._cancelled():
            raise DocumentError("opening cancelled")
        data = self._file.read(-1 if size is None else size)
        if self._progress is not None:
            self._progress(self._file.tell(), max(self._size, self._file.tell()))
        return data

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()


# Files bigger than this are shown from their first `HEAD_BYTES` while the rest is read: a
# screen needs a few kilobytes, and reading, decoding and indexing 22 MB before the first
# frame costs a quarter of a second. (64 KB is a thousand lines or so, more than anyone pages
# through in the fraction of a second the rest takes; 256 KB cost the first frame a
# millisecond more to read and index.)
HEAD_FROM = 4 << 20
HEAD_BYTES = 64 << 10


def read_head(path: Path | str, limit: int | None = None) -> DocumentHead | None:
    """The first lines of a large text document (see `DocumentHead`), read from its first
    `limit` bytes (default `HEAD_BYTES`); None when the document is small, is not a text its
    loader can tell the start of, or cannot be read: `load_document` then reads it (or says
    why it cannot).
    """
    _ensure_builtins()
    limit = HEAD_BYTES if limit is None else limit
    try:
        resolved = resolved_path(path)
        info = _check_regular_file(resolved)
        if info.st_size <= HEAD_FROM:
            return None
        loader = _loader_for(resolved)
        if not isinstance(loader, HeadLoader):
            return None
        with _reading(resolved), resolved.open("rb") as stream:
            data = stream.read(limit)
    except DocumentError:
        return None
    extracted = loader.extract_head(resolved, data)
    if extracted is None:
        return None
    text, encoding = extracted
    # Complete lines only: each line shown is the whole line, and has the same number as in
    # the whole text.
    text = text[: max(0, text.rfind("\n"))]
    if not text:
        return None
    text_structure = getattr(loader, "structure", None)
    title = clean_title(loader.title(resolved, text)) or clean_title(resolved.name)
    return DocumentHead(
        path=resolved,
        text=text,
        encoding=encoding,
        title=title or "untitled",
        size=info.st_size,
        format=loader.name,
        bytes_read=len(data),
        structure=() if text_structure is None else text_structure(text),
        signature=stat_signature(info),
    )
