"""W3C Web Annotation import: annotations (a collection, a page, a list or one) placed by position,
or re-anchored by quote when the position no longer fits the text.

Each annotation's target names its source: a `file://` URI is that file (registered as a
document when reader does not know it yet); any other URI is matched to a known document by its
last path segment (file name or title). Where the `TextPositionSelector` still frames the
`TextQuoteSelector`'s `exact`, that is the place; otherwise the quote is looked for exactly (with
its prefix and suffix deciding between occurrences, as for an edited document), then fuzzily
(`fuzzy_quote_span`), and the score is reported. Annotations that cannot be placed are named.

`TextualBody`s with purpose `tagging` become tags (their value a tag path), those with purpose
`commenting` (or `describing`, or a `bodyValue`) the memo; `creator`, `created` and `modified`
are kept. The import is one undoable step; an annotation's id decides its passage's id, so the
same file imported twice adds nothing.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from reader.core.anchors import AnchorError, fuzzy_quote_span, make_anchor, relocate
from reader.core.codebook import CodebookError, next_colour
from reader.core.models import Annotation, Document, utc_now
from reader.core.store import AnnotationStore
from reader.formats.base import DocumentError
from reader.formats.cached import load_for_database
from reader.interop.common import GUID_NAMESPACE, KnownPassages, iso_datetime, stable_guid
from reader.interop.outcomes import ExchangeError

MAX_BYTES = 256 * 1024 * 1024
_TAGGING = {"tagging", "classifying", "identifying"}
_MEMO = {"commenting", "describing", "questioning", "replying", "editing", "assessing"}


class W3cImportError(ExchangeError):
    """A file that cannot be read as W3C Web Annotations; str() is one line naming it."""


@dataclass
class W3cImportReport:
    """What a Web Annotation import did: added, already there, re-anchored, not placed."""

    added: int = 0
    known: int = 0
    reanchored: list[str] = field(default_factory=list)  # "quote: how (score)"
    unplaced: list[str] = field(default_factory=list)  # "id or quote: why"
    created_tags: list[str] = field(default_factory=list)
    registered: list[str] = field(default_factory=list)  # documents added from file URIs
    warnings: list[str] = field(default_factory=list)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _types(item: dict[str, Any]) -> set[str]:
    return {str(value) for value in _as_list(item.get("type", item.get("@type")))}


def annotations_in(document: Any) -> Iterator[dict[str, Any]]:
    """Every annotation of a collection (its embedded pages), a page, a list or one annotation."""
    if isinstance(document, list):
        for item in document:
            yield from annotations_in(item)
        return
    if not isinstance(document, dict):
        return
    kinds = _types(document)
    if "Annotation" in kinds or ("target" in document and not kinds & {
            "AnnotationCollection", "AnnotationPage"}):
        yield document
        return
    if "items" in document:
        yield from annotations_in(document["items"])
    page = document.get("first")
    seen: set[int] = set()
    while isinstance(page, dict) and id(page) not in seen:
        seen.add(id(page))
        yield from annotations_in(page.get("items", []))
        page = page.get("next")
    if isinstance(page, str):
        raise W3cImportError(f"its annotations are on a page elsewhere ({page}); reader reads "
                             "nothing from the network: save the pages and import those")
    if isinstance(document.get("rows"), list):  # Hypothesis's search API
        yield from annotations_in(document["rows"])


@dataclass(frozen=True)
class _Target:
    source: str
    exact: str | None
    prefix: str
    suffix: str
    start: int | None
    end: int | None


def _target(annotation: dict[str, Any]) -> _Target | None:
    for target in _as_list(annotation.get("target")):
        if isinstance(target, str):
            return _Target(target, None, "", "", None, None)
        if not isinstance(target, dict):
            continue
        source = target.get("source") or target.get("id") or ""
        exact: str | None = None
        prefix = suffix = ""
        start = end = None
        for selector in _as_list(target.get("selector")):
            if not isinstance(selector, dict):
                continue
            kinds = _types(selector)
            if "TextQuoteSelector" in kinds and isinstance(selector.get("exact"), str):
                exact = selector["exact"]
                prefix, suffix = (str(selector[key]) if isinstance(selector.get(key), str) else ""
                                  for key in ("prefix", "suffix"))
            elif "TextPositionSelector" in kinds:
                first, last = selector.get("start"), selector.get("end")
                if isinstance(first, int) and isinstance(last, int):
                    start, end = first, last
        if isinstance(source, str):
            return _Target(source, exact, prefix, suffix, start, end)
    return None


def _bodies(annotation: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(tag paths, memo pieces) of an annotation's bodies."""
    tags: list[str] = []
    memos: list[str] = []
    motivation = {str(m) for m in _as_list(annotation.get("motivation"))}
    if isinstance(annotation.get("bodyValue"), str):
        memos.append(annotation["bodyValue"])
    for body in _as_list(annotation.get("body")):
        if isinstance(body, str):
            continue  # a URI: a resource elsewhere, nothing to read here
        if not isinstance(body, dict) or not isinstance(body.get("value"), str):
            continue
        purposes = {str(p) for p in _as_list(body.get("purpose"))} or motivation
        value = body["value"].strip()
        if not value:
            continue
        if purposes & _TAGGING:
            tags.append(value)
        elif purposes & _MEMO or not purposes:
            memos.append(value)
    return tags, memos


def _creator(annotation: dict[str, Any]) -> str:
    for creator in _as_list(annotation.get("creator")):
        if isinstance(creator, str) and not urlsplit(creator).scheme:
            return creator
        if isinstance(creator, dict):
            for key in ("name", "nickname", "email"):
                if isinstance(creator.get(key), str) and creator[key].strip():
                    return str(creator[key]).strip()
    return ""


class _Documents:
    """The document and current text behind each source URI, registered when it is a file."""

    def __init__(self, store: AnnotationStore, report: W3cImportReport) -> None:
        self.store = store
        self.report = report
        self.found: dict[str, tuple[Document, str] | str] = {}

    def __call__(self, source: str) -> tuple[Document, str] | str:
        if source not in self.found:
            self.found[source] = self._look_up(source)
        return self.found[source]

    def _look_up(self, source: str) -> tuple[Document, str] | str:
        parts = urlsplit(source)
        document: Document | None = None
        path: Path | None = None
        if parts.scheme == "file":
            path = Path(url2pathname(unquote(parts.path)))
            document = self.store.document_by_path(path) if path.is_absolute() else None
        if document is None:
            name = PurePosixPath(unquote(parts.path)).name.casefold()
            if name:
                matches = [d for d in self.store.documents()
                           if Path(d.path).name.casefold() == name or d.title.casefold() == name]
                if len(matches) == 1:
                    document = matches[0]
        if document is None and path is not None and path.is_file():
            try:
                loaded = load_for_database(path, self.store.path)
            except DocumentError as error:
                return f"its source cannot be read ({error})"
            document = self.store.register_document(**loaded.registration()).document
            self.report.registered.append(str(loaded.path))
            return document, loaded.whole_text
        if document is None:
            return f"its source {source!r} is no document reader knows (add it first)"
        try:
            return document, load_for_database(document.path, self.store.path).whole_text
        except DocumentError as error:
            return f"its document cannot be read ({error})"


def _place(text: str, target: _Target) -> tuple[int, int, str] | str:
    """(start, end, how it was found: "" when its position held) or why it was not placed."""
    start, end, exact = target.start, target.end, target.exact
    if start is not None and end is not None and 0 <= start < end <= len(text) and (
            exact is None or text[start:end] == exact):
        return start, end, ""
    if not exact:
        return "its position is outside the text and it has no quote"
    found = relocate(text, start or 0, end or 0, exact, target.prefix, target.suffix)
    if found is not None:
        return found[0], found[1], "by its quote (score 1.00)"
    fuzzy = fuzzy_quote_span(text, exact, target.prefix, target.suffix, hint=start)
    if fuzzy is not None:
        return fuzzy.start, fuzzy.end, f"by a similar quote (score {fuzzy.score:.2f})"
    return "its quote is not in the text, nor anything alike"


def _label(annotation: dict[str, Any], target: _Target | None) -> str:
    if target is not None and target.exact:
        quote = " ".join(target.exact.split())
        return repr(quote if len(quote) <= 40 else quote[:39] + "…")
    return str(annotation.get("id", "an annotation without id"))


def _passage_id(annotation_id: str) -> str:
    return str(uuid.uuid5(GUID_NAMESPACE, "\x1f".join(("w3c annotation", annotation_id))))


def import_w3c(store: AnnotationStore, source: Path) -> W3cImportReport:
    """Import the file's annotations as passages, in one undoable step."""
    try:
        size = source.stat().st_size
        if size > MAX_BYTES:
            raise W3cImportError(f"{source.name}: {size:,} bytes is too large to import")
        data = json.loads(source.read_bytes())
    except OSError as error:
        raise W3cImportError(f"{source}: {error.strerror or error}") from None
    except (ValueError, RecursionError) as error:
        raise W3cImportError(f"{source.name}: not JSON ({str(error).splitlines()[0]})") from None
    try:
        annotations = list(annotations_in(data))
    except W3cImportError as error:
        raise W3cImportError(f"{source.name}: {error}") from None
    if not annotations:
        raise W3cImportError(f"{source.name}: holds no Web Annotations")
    report = W3cImportReport()
    known = {key for a in store.annotations()
             for key in (a.id, "urn:uuid:" + stable_guid("annotation", a.id).lower())}
    with store.batch(f"import annotations {source.name}"):
        documents = _Documents(store, report)
        passages = KnownPassages(store)
        for annotation in annotations:
            _import_one(store, annotation, documents, known, passages, report)
    return report


def _import_one(store: AnnotationStore, annotation: dict[str, Any], documents: _Documents,
                known: set[str], passages: KnownPassages, report: W3cImportReport) -> None:
    target = _target(annotation)
    label = _label(annotation, target)
    given_id = str(annotation.get("id", "")) or json.dumps(annotation, sort_keys=True)
    passage_id = _passage_id(given_id)
    if given_id in known or passage_id in known:
        report.known += 1
        return
    if target is None:
        report.unplaced.append(f"{label}: it has no target")
        return
    tag_paths, memos = _bodies(annotation)
    if not tag_paths and not memos:
        report.unplaced.append(f"{label}: it has neither a tag nor a comment")
        return
    found = documents(target.source)
    if isinstance(found, str):
        report.unplaced.append(f"{label}: {found}")
        return
    document, text = found
    placed = _place(text, target)
    if isinstance(placed, str):
        report.unplaced.append(f"{label}: {placed}")
        return
    try:
        anchor = make_anchor(text, placed[0], placed[1])
    except AnchorError as error:
        report.unplaced.append(f"{label}: {error}")
        return
    if placed[2]:
        report.reanchored.append(f"{label} in {document.title!r}, placed {placed[2]}")
    tags: list[str] = []
    for path in tag_paths:
        codebook = store.codebook()
        tag = codebook.find(path)
        if tag is None:
            try:
                tag = store.create_tag(path, colour=next_colour(codebook.colours()))
            except CodebookError as error:
                report.warnings.append(f"{label}: tag {path!r} left out ({error})")
                continue
            after = store.codebook()
            report.created_tags += [after.path(made) for made in after if made.id not in codebook]
        tags.append(tag.id)
    memo = "\n\n".join(dict.fromkeys(memos))
    if not tags and not memo:
        report.unplaced.append(f"{label}: none of its tags could be made")
        return
    created = iso_datetime(str(annotation.get("created", ""))) or utc_now()
    modified = iso_datetime(str(annotation.get("modified", ""))) or created
    passage = Annotation(
        id=passage_id, document=document.id, start=anchor.start, end=anchor.end,
        quote=anchor.quote, prefix=anchor.prefix, suffix=anchor.suffix, tags=tuple(tags),
        memo=memo, annotator=_creator(annotation) or store.annotator, created=created,
        updated=modified)
    if not passages.add(passage):
        report.known += 1
        return
    store.put_annotation(passage)
    report.added += 1

