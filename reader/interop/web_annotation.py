"""W3C Web Annotation export: an AnnotationCollection whose first page holds every passage.

Each passage is an `Annotation` targeting its document with a `TextQuoteSelector` (the exact
quote with up to 32 characters of context either side, as stored) and a `TextPositionSelector`
(code points of the canonical text, end exclusive, the model's own convention). Its tags are
`TextualBody`s with purpose `tagging` (the full tag path as value), its memo one with purpose
`commenting`. A passage waiting for re-anchoring keeps only its quote selector: its stored
position no longer points at the quote, and the quote is what finds it again.

Every annotation carries the `@context` too, so each one stays a valid Web Annotation when a
consumer takes it out of the page. Ids are `urn:uuid:`s derived from our ids, so exporting twice
names everything the same. The source is the document's `file://` URI, or with `source_base` the
document's path relative to the exported documents' common folder, under that URL.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import IO, Any
from urllib.parse import quote, urlsplit

from reader.core.models import Annotation, Document
from reader.core.store import AnnotationStore
from reader.interop.common import Selection, iso_datetime, select, stable_guid, write_output
from reader.interop.outcomes import ExportError, ExportOutcome

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
MEDIA_TYPE = "application/ld+json"
PROFILE = 'application/ld+json;profile="http://www.w3.org/ns/anno.jsonld"'


def _urn(kind: str, *parts: str) -> str:
    return "urn:uuid:" + stable_guid(kind, *parts).lower()


def check_source_base(base: str) -> str:
    """`base` if it is an absolute URL a source can go under; an ExportError otherwise."""
    parts = urlsplit(base)
    if not parts.scheme or not (parts.netloc or parts.scheme == "file") or any(
        character.isspace() for character in base
    ):
        raise ExportError(f"--source-base must be an absolute URL such as "
                          f"https://example.org/corpus/, not {base!r}")
    return base if base.endswith("/") else base + "/"


class _Sources:
    """Each document's source URI: its file URI, or its place under the base URL."""

    def __init__(self, documents: Sequence[Document], base: str | None) -> None:
        self.base = check_source_base(base) if base is not None else None
        folders = [os.path.dirname(document.path) for document in documents if document.path]
        self.root = os.path.commonpath(folders) if folders else ""

    def uri(self, document: Document) -> str:
        path = document.path or document.title
        if self.base is None:
            return Path(path).as_uri() if os.path.isabs(path) else "file:" + quote(path)
        relative = os.path.relpath(path, self.root) if self.root else os.path.basename(path)
        return self.base + quote(PurePosixPath(*Path(relative).parts).as_posix())


def _agent(name: str) -> dict[str, str]:
    return {"id": _urn("user", name), "type": "Person", "name": name}


def annotation_json(annotation: Annotation, tag_paths: Sequence[str], source: str
                    ) -> dict[str, Any]:
    """One passage as a Web Annotation."""
    body: list[dict[str, str]] = [
        {"type": "TextualBody", "purpose": "tagging", "value": path, "format": "text/plain"}
        for path in tag_paths
    ]
    if annotation.memo:
        body.append({"type": "TextualBody", "purpose": "commenting", "value": annotation.memo,
                     "format": "text/plain"})
    quote_selector: dict[str, Any] = {"type": "TextQuoteSelector", "exact": annotation.quote}
    if annotation.prefix:
        quote_selector["prefix"] = annotation.prefix
    if annotation.suffix:
        quote_selector["suffix"] = annotation.suffix
    selectors: list[dict[str, Any]] = [quote_selector]
    if not annotation.needs_reanchor:
        selectors.append({"type": "TextPositionSelector", "start": annotation.start,
                          "end": annotation.end})
    record: dict[str, Any] = {
        "@context": CONTEXT,
        "id": _urn("annotation", annotation.id),
        "type": "Annotation",
        "motivation": "tagging" if tag_paths else "commenting",
    }
    if annotation.annotator:
        record["creator"] = _agent(annotation.annotator)
    for key, value in (("created", annotation.created), ("modified", annotation.updated)):
        moment = iso_datetime(value)
        if moment is not None:
            record[key] = moment
    record["body"] = body
    record["target"] = {"type": "SpecificResource", "source": source,
                        "selector": selectors}
    return record


def collection_json(selection: Selection, source_base: str | None = None,
                    label: str = "reader annotations") -> dict[str, Any]:
    """The AnnotationCollection of the selection, every annotation on its first page."""
    sources = _Sources(selection.documents, source_base)
    documents = {document.id: document for document in selection.documents}
    codebook = selection.codebook
    items = [
        annotation_json(annotation, [codebook.path(tag) for tag in tags],
                        sources.uri(documents[annotation.document]))
        for annotation, tags in selection.passages
    ]
    identity = "\x1f".join(annotation.id for annotation, _tags in selection.passages)
    collection_id = _urn("collection", identity)
    return {
        "@context": CONTEXT,
        "id": collection_id,
        "type": "AnnotationCollection",
        "label": label,
        "total": len(items),
        "first": {
            "id": _urn("page", identity),
            "type": "AnnotationPage",
            # An object, as in the model's own page example, so the page read on its own (the
            # W3C suite's page assertions) still says which collection it belongs to.
            "partOf": {"id": collection_id, "label": label, "total": len(items)},
            "startIndex": 0,
            "items": items,
        },
    }


def export_w3c(
    store: AnnotationStore,
    destination: Path | IO[str],
    *,
    document_ids: Sequence[str] | None = None,
    tag_ids: Sequence[str] | None = None,
    source_base: str | None = None,
) -> ExportOutcome:
    """Write the chosen passages (all by default) as a W3C Web Annotation collection."""
    selection = select(store, document_ids, tag_ids)
    collection = collection_json(selection, source_base,
                                 label=f"reader annotations ({store.path.stem})")
    if not collection["total"]:
        del collection["first"]  # the model: no first page in a collection without items
    text = json.dumps(collection, ensure_ascii=False, indent=2) + "\n"
    write_output(destination, text.encode("utf-8"), binary=False,
                 store_path=store.path)
    astray = sum(annotation.needs_reanchor for annotation, _tags in selection.passages)
    warnings = ((f"{astray} passage(s) waiting for re-anchoring carry their quote only, "
                 "no position",) if astray else ())
    return ExportOutcome(len(collection.get("first", {}).get("items", [])), "annotation",
                         warnings)
