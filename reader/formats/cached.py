"""`load_document` with extraction done once: a PDF, Word file or e-book whose bytes and
extractor are unchanged comes from the extraction cache instead of being extracted again."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from reader.core.extraction_cache import ExtractionCache
from reader.core.filepaths import resolved_path
from reader.core.hashing import file_sha256
from reader.formats.base import (
    DocumentError,
    LoadedDocument,
    _check_regular_file,
    _ensure_builtins,
    _loader_for,
    _reading,
    clean_title,
    extractor_version,
    load_document,
    stat_signature,
)

if TYPE_CHECKING:
    from reader.formats.isolated import ExtractionLimits


def load_document_once(
    path: Path | str,
    cache: ExtractionCache,
    extract: Callable[[Path], LoadedDocument] = load_document,
    *,
    spool: bool = False,
) -> LoadedDocument:
    """Like `load_document`; for extracted formats, what was extracted from these very bytes
    by this very extractor version is reused (a file read to hash it, nothing parsed), and
    what was not is extracted by `extract` (in a child process: see `load_for_database`).

    Text and Markdown are always read afresh: reading them costs what the cache would; a
    plain text kept on disk with `spool` (see `load_document`).
    """
    _ensure_builtins()
    resolved = resolved_path(path)
    info = _check_regular_file(resolved)
    try:
        loader = _loader_for(resolved)
    except DocumentError as error:
        raise error.for_path(resolved) from None
    if getattr(loader, "extract_document", None) is None:
        document = load_document(resolved, spool=spool)
        if document.structure:  # (Markdown headings: a passage's section where it is not open)
            _keep(lambda: cache.put_structure(document.sha256, document.structure))
        return document
    extractor = extractor_version(loader.name)
    with _reading(resolved), resolved.open("rb") as stream:
        source_sha256 = file_sha256(stream)
    cached = cache.get(source_sha256, extractor)
    if cached is not None:
        return LoadedDocument(
            path=resolved,
            text=cached.text,
            encoding=cached.encoding,
            title=cached.title,
            size=info.st_size,
            format=cached.format,
            sha256=cached.text_sha256,
            structure=cached.structure,
            source_sha256=source_sha256,
            extractor=extractor,
            signature=stat_signature(info),
        )
    document = extract(resolved)
    _keep(lambda: cache.put(
        text=document.whole_text,
        structure=document.structure,
        title=clean_title(document.title),
        format=document.format,
        encoding=document.encoding,
        source_sha256=document.source_sha256,
        extractor=document.extractor,
    ))
    return document


def _keep(write: Callable[[], object]) -> None:
    """Write to the cache; a cache that cannot be written (a full disk, a read-only folder)
    costs the next open an extraction, and must not cost this one its document."""
    try:
        write()
    except OSError:
        pass


def extraction_cache_for(db: Path) -> ExtractionCache:
    """The extraction cache kept for the database at `db` (where: reader.paths)."""
    from reader.paths import extraction_cache_dir

    return ExtractionCache(extraction_cache_dir(db))


def load_for_database(
    path: Path | str,
    db: Path,
    *,
    cancelled: Callable[[], bool] = lambda: False,
    progress: Callable[[int, int], None] | None = None,
    limits: ExtractionLimits | None = None,
    spool: bool = False,
) -> LoadedDocument:
    """`load_document_once` with the cache kept beside the database `db`, extracting in a child
    process within `limits` (see reader.formats.isolated): how every open of a document
    (command line, open dialog, imports, exports) reads it. `cancelled` and `progress` are
    asked and told while an extraction runs; a plain text is kept on disk with `spool`."""
    from reader.formats.isolated import DEFAULT_LIMITS, extract_isolated

    def extract(resolved: Path) -> LoadedDocument:
        return extract_isolated(resolved, limits=limits or DEFAULT_LIMITS,
                                cancelled=cancelled, progress=progress)

    return load_document_once(path, extraction_cache_for(db), extract, spool=spool)
