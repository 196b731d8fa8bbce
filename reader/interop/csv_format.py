"""CSV export and import of annotations: one row per annotation and tag, Taguette's columns first.

The file opens with Taguette's columns and meanings (`id`, `document` = the document's title,
`tag` = the full tag path, `content` = the passage) and adds what a lossless round trip needs.
Export followed by import into a fresh database followed by export gives the same bytes.

Formula guard (OWASP "CSV injection"): a cell a spreadsheet would run as a formula (one starting
with `=`, `+`, `-`, `@`, a tab or a carriage return) is written with a leading `'`. To keep this
exactly reversible, a cell that already starts with one or more `'` followed by such a character
gets one more `'`. Import takes the guard off again, except in a file written without it
(`formula_guard=False`, or edited by hand): a guarded file never has a cell starting with a
formula character, so a file that has one is read as raw and left as it is. A raw file in which no
cell starts with a formula character but some cell starts with `'` followed by one (say `'=x`) is
indistinguishable from a guarded file and loses one `'` on import.

Import is one undoable step and all-or-nothing. Rows are grouped by `id`:
- an id the store lacks becomes a new annotation with the file's id, times and annotator;
- an id the store has, with the `updated` time the file has, is compared on its tags and memo,
  the only two things a spreadsheet edit changes (position, quote and context stay as the store
  has them). An edited `tags` cell is an edit; so is a `tag` cell naming a tag the annotation
  lacks, or a blanked `tag` cell, in which case the annotation gets exactly the non-empty `tag`
  cells of its rows. Deleted rows never remove anything (a `--tag` filtered export has rows for
  some tags only), so edit a filtered export through its `tags` cells. Two rows of one id
  carrying different edits are refused.
- an id the store has with another `updated` time changed after the export (in reader, or by an
  earlier import of this very file). It is skipped; if the file's rows do not agree with it, it
  is listed as stale: reader's newer version is kept, never overwritten by an older export. This
  is also what makes re-importing an edited file change nothing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from reader.core.anchors import quote_still_at
from reader.core.codebook import CodebookError, split_tag_path
from reader.core.durable import atomic_write_bytes
from reader.core.models import Annotation, Document, utc_now
from reader.core.store import AnnotationStore, StoreError, own_file_role
from reader.core.text import LineIndex
from reader.formats.base import DocumentError, LoadedDocument, load_document

COLUMNS: tuple[str, ...] = (
    "id", "document", "tag", "content",
    "tags", "memo", "start", "end", "line", "prefix", "suffix",
    "path", "sha256", "annotator", "created", "updated",
)
# Characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_TRIGGERS = frozenset("=+-@\t\r")
GUARD = "'"
TAGS_SEPARATOR = "; "  # between the paths of the `tags` cell; import splits at ";"
BOM = "\ufeff"

_WHOLE_NUMBER = re.compile(r"[0-9]+")
# At most this many ";"-separated pieces are tried as one tag name.
_MAX_PIECES = 8


class CsvFormatError(ValueError):
    """A CSV file that cannot be read or imported, or an export that cannot be written."""


# ---------------------------------------------------------------------------- formula guard


def guard_cell(value: str) -> str:
    """`value` made safe to open in a spreadsheet, reversibly (see `unguard_cell`)."""
    # lstrip is a no-op on a cell not starting with a quote, and "" (an empty cell, or one of
    # quotes only) is not a trigger.
    if value.lstrip(GUARD)[:1] in FORMULA_TRIGGERS:
        return GUARD + value
    return value


def unguard_cell(value: str) -> str:
    """The text `guard_cell` was given."""
    if value.startswith(GUARD) and value.lstrip(GUARD)[:1] in FORMULA_TRIGGERS:
        return value[1:]
    return value


def _is_trigger_start(value: str) -> bool:
    return value[:1] in FORMULA_TRIGGERS


# ---------------------------------------------------------------------------- export


def export_csv(
    store: AnnotationStore,
    destination: Path | TextIO,
    *,
    document_ids: Sequence[str] | None = None,
    tag_ids: Sequence[str] | None = None,
    excel: bool = False,
    formula_guard: bool = True,
) -> int:
    """Write the annotations as CSV to a file (atomically) or a text stream; rows written.

    `document_ids` keeps those documents only; `tag_ids` keeps rows whose tag is one of those or a
    descendant of one. `excel` adds a UTF-8 BOM and CRLF row ends (for Excel's double click);
    `formula_guard=False` writes cells exactly as they are (for pandas and scripts).
    """
    if isinstance(destination, Path) and (role := own_file_role(destination, store.path)):
        # The next open would find CSV where JSON belongs and restore an older copy.
        raise CsvFormatError(f"cannot write the export to {destination}: it is {role}; "
                             "choose another file")
    rows = _export_rows(store, document_ids, tag_ids)
    text = _format_csv(rows, excel=excel, formula_guard=formula_guard)
    if isinstance(destination, Path):
        try:
            atomic_write_bytes(destination, text.encode("utf-8"))
        except UnicodeEncodeError:
            raise CsvFormatError(
                f"cannot write {destination}: a cell holds text that is not valid Unicode"
            ) from None
        except OSError as error:
            reason = error.strerror or str(error)
            raise CsvFormatError(f"cannot write {destination}: {reason}") from None
    else:
        destination.write(text)
        destination.flush()
    return len(rows)


def _export_rows(
    store: AnnotationStore,
    document_ids: Sequence[str] | None,
    tag_ids: Sequence[str] | None,
) -> list[list[str]]:
    codebook = store.codebook()
    documents = {document.id: document for document in store.documents()}
    wanted_documents = set(document_ids) if document_ids is not None else None
    wanted_tags: set[str] | None = None
    if tag_ids is not None:
        wanted_tags = set(tag_ids)
        for tag_id in tag_ids:
            if tag_id in codebook:
                wanted_tags |= codebook.descendants(tag_id)
    orphan = Document(id="", path="", title="", size=0, encoding="unknown", sha256="")

    annotations = [
        annotation for annotation in store.annotations()
        if wanted_documents is None or annotation.document in wanted_documents
    ]

    def order(annotation: Annotation) -> tuple[str, str, str, int, int, str]:
        document = documents.get(annotation.document, orphan)
        return (document.title.casefold(), document.title, document.path,
                annotation.start, annotation.end, annotation.id)

    annotations.sort(key=order)
    lines = _LineNumbers()
    rows: list[list[str]] = []
    for annotation in annotations:
        document = documents.get(annotation.document, orphan)
        tagged = [(tag_id, codebook.path(tag_id)) for tag_id in annotation.tags
                  if tag_id in codebook]
        all_paths = TAGS_SEPARATOR.join(path for _, path in tagged)
        for tag_id, path in tagged or [("", "")]:
            if wanted_tags is not None and tag_id not in wanted_tags:
                continue
            rows.append([
                annotation.id, document.title, path, annotation.quote,
                all_paths, annotation.memo, str(annotation.start), str(annotation.end),
                lines.line(document, annotation.start), annotation.prefix, annotation.suffix,
                document.path, document.sha256, annotation.annotator,
                annotation.created, annotation.updated,
            ])
    return rows


class _LineNumbers:
    """1-based line numbers of offsets, from each document's file when it is still the same."""

    def __init__(self) -> None:
        self._indexes: dict[str, LineIndex | None] = {}

    def line(self, document: Document, offset: int) -> str:
        if not document.id:
            return ""
        if document.id not in self._indexes:
            loaded = _load_if_same(document)
            self._indexes[document.id] = LineIndex(loaded.text) if loaded else None
        index = self._indexes[document.id]
        if index is None:
            return ""
        try:
            return str(index.line_of(offset) + 1)
        except ValueError:  # an offset past the end: a passage waiting to be re-anchored
            return ""


def _load(path: str) -> LoadedDocument | None:
    try:
        return load_document(Path(path))
    except (DocumentError, OSError, ValueError):
        return None


def _load_if_same(document: Document) -> LoadedDocument | None:
    """The document's file, if it is there and still has the content the store knows."""
    if not document.path or not document.sha256:
        return None
    loaded = _load(document.path)
    if loaded is None or loaded.sha256 != document.sha256:
        return None
    return loaded


def _format_csv(rows: Iterable[Sequence[str]], *, excel: bool, formula_guard: bool) -> str:
    """RFC 4180 text: header and rows, quoting only where needed."""
    terminator = "\r\n" if excel else "\n"
    # Python's csv module quotes a cell containing "\r" or "\n" only if that character is in the
    # line terminator; writing each row with "\r\n" and swapping the ending keeps every cell with
    # either character quoted, so a lone CR in a memo cannot split a row.
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    out = [BOM] if excel else []
    for row in [list(COLUMNS), *([guard_cell(cell) for cell in row] if formula_guard else row
                                 for row in rows)]:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(row)
        out.append(buffer.getvalue()[:-2] + terminator)
    return "".join(out)


# ---------------------------------------------------------------------------- import


@dataclass
class CsvImportReport:
    """What an import did."""

    added: int = 0
    updated: int = 0
    skipped: int = 0
    # Full paths of tags the codebook lacked, in the order they were created.
    created_tags: list[str] = field(default_factory=list)
    # Paths of documents loaded from their files and registered.
    registered_documents: list[str] = field(default_factory=list)
    # Paths of documents whose file is missing -> annotations added to them (kept with quotes).
    missing_documents: dict[str, int] = field(default_factory=dict)
    # Ids of added annotations whose quote is not at its offsets in the document's current text.
    needs_reanchor: list[str] = field(default_factory=list)
    # Ids of annotations changed in reader since the export whose rows differ: kept as they are
    # (counted in `skipped`).
    stale: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    number: int  # as a spreadsheet numbers it: the header is row 1
    id: str
    document: str
    tag: str
    content: str
    tags: tuple[str, ...]
    memo: str
    start: int
    end: int
    prefix: str
    suffix: str
    path: str
    sha256: str
    annotator: str
    created: str
    updated: str


def import_csv(store: AnnotationStore, source: Path) -> CsvImportReport:
    """Import a CSV written by `export_csv` (or edited in a spreadsheet) as one undoable step."""
    header, records = _read_table(source)
    codebook = store.codebook()
    rows = _parse_rows(header, records, {codebook.path(tag).casefold() for tag in codebook})
    groups: dict[str, list[_Row]] = {}
    for row in rows:
        groups.setdefault(row.id, []).append(row)
    importer = _Importer(store, source.parent)
    with store.batch(f"import {source.name}"):
        importer.run(groups)
    return importer.report


def _read_table(source: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    try:
        raw = source.read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        raise CsvFormatError(f"cannot read {source}: {reason}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CsvFormatError(
            f"{source.name} is not UTF-8 text (byte {error.start}); save it as “CSV UTF-8”"
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    try:
        for number, record in enumerate(reader, start=1):
            records.append((number, record))
    except csv.Error as error:
        raise CsvFormatError(
            f"{source.name} is not valid CSV near line {reader.line_num}: {error}"
        ) from None
    if not records:
        raise CsvFormatError(f"{source.name} is empty: expected a header row with {COLUMNS[0]}, …")
    header = [name.strip() for name in records[0][1]]
    return header, [(number, record) for number, record in records[1:]
                    if any(cell.strip() for cell in record)]


def _parse_rows(
    header: list[str], records: list[tuple[int, list[str]]], known_paths: set[str]
) -> list[_Row]:
    duplicated = sorted({name for name in header if name and header.count(name) > 1})
    if duplicated:
        raise CsvFormatError("the header repeats the column(s) " + ", ".join(duplicated))
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise CsvFormatError("the CSV lacks the column(s) " + ", ".join(missing)
                             + " (expected: " + ", ".join(COLUMNS) + ")")
    for number, record in records:
        if len(record) != len(header):
            raise CsvFormatError(
                f"row {number} has {len(record)} cells but the header has {len(header)}"
            )
    # A guarded file has no cell starting with a formula character: if one does, the file was
    # written raw (or typed by hand) and its cells are taken as they are.
    guarded = not any(_is_trigger_start(cell) for _, record in records for cell in record)
    position = {name: header.index(name) for name in COLUMNS}
    # Every tag path the file or the codebook knows, to split a `tags` cell whose tag names
    # themselves contain "; ".
    known = set(known_paths)
    cells: list[tuple[int, dict[str, str]]] = []
    for number, record in records:
        values = {name: record[position[name]] for name in COLUMNS}
        if guarded:
            values = {name: unguard_cell(value) for name, value in values.items()}
        cells.append((number, values))
        if values["tag"].strip():
            known.add(_clean_path(values["tag"], number, "tag").casefold())
    return [_parse_row(number, values, known) for number, values in cells]


def _parse_row(number: int, values: dict[str, str], known: set[str]) -> _Row:
    annotation_id = values["id"].strip()
    if not annotation_id:
        raise CsvFormatError(f"row {number}: the id is empty")
    start = _whole_number(values["start"], "start", number)
    end = _whole_number(values["end"], "end", number)
    if end <= start:
        raise CsvFormatError(f"row {number}: end ({end}) must be greater than start ({start})")
    if values["content"] == "":
        raise CsvFormatError(f"row {number}: content (the passage's text) is empty")
    tag = _clean_path(values["tag"], number, "tag") if values["tag"].strip() else ""
    tags = tuple(_clean_path(path, number, "tags")
                 for path in _split_tags(values["tags"], known))
    return _Row(
        number=number, id=annotation_id, document=values["document"], tag=tag,
        content=values["content"], tags=tags, memo=values["memo"], start=start, end=end,
        prefix=values["prefix"], suffix=values["suffix"], path=values["path"].strip(),
        sha256=values["sha256"].strip().lower(), annotator=values["annotator"],
        created=values["created"].strip(), updated=values["updated"].strip(),
    )


def _whole_number(value: str, name: str, number: int) -> int:
    if not _WHOLE_NUMBER.fullmatch(value.strip()):
        shown = value if len(value) <= 20 else value[:20] + "…"
        raise CsvFormatError(f"row {number}: {name} must be a whole number, not {shown!r}")
    return int(value.strip())


def _clean_path(path: str, number: int, column: str) -> str:
    try:
        return "/".join(split_tag_path(path))
    except CodebookError as error:
        raise CsvFormatError(f"row {number}, column {column}: {error}") from None


def _split_tags(cell: str, known: set[str]) -> list[str]:
    """The paths of a `tags` cell, split at ";" except where the joined text names a known tag
    (tag names may themselves contain ";")."""
    pieces = cell.split(";")
    paths: list[str] = []
    index = 0
    while index < len(pieces):
        end = index + 1
        for longer in range(min(len(pieces), index + _MAX_PIECES), index + 1, -1):
            if _folded_path(";".join(pieces[index:longer])) in known:
                end = longer
                break
        joined = ";".join(pieces[index:end]).strip()
        if joined:
            paths.append(joined)
        index = end
    return paths


def _folded_path(path: str) -> str | None:
    try:
        return "/".join(split_tag_path(path)).casefold()
    except CodebookError:
        return None


def _folded(paths: Iterable[str]) -> tuple[str, ...]:
    return tuple(path.casefold() for path in paths)


def _tag_cells(rows: Iterable[_Row]) -> list[str]:
    return list(dict.fromkeys(row.tag for row in rows if row.tag))


def _agree(rows: list[_Row], tags: list[str], memo: str) -> bool:
    """Whether some row gives these tags and some row this memo (as after importing the rows)."""
    candidates = {_folded(row.tags) for row in rows} | {_folded(_tag_cells(rows))}
    return _folded(tags) in candidates and any(row.memo == memo for row in rows)


def _rows_named(rows: Iterable[_Row]) -> str:
    numbers = sorted({row.number for row in rows})
    if len(numbers) == 1:
        return f"row {numbers[0]}"
    return "rows " + ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"


class _Importer:
    """Applies grouped rows to the store; runs inside the import's batch."""

    def __init__(self, store: AnnotationStore, base: Path) -> None:
        self.store = store
        self.base = base
        self.report = CsvImportReport()
        self._documents: dict[tuple[str, str, str], tuple[Document, str | None]] = {}
        self._current_texts: dict[str, str | None] = {}

    def run(self, groups: dict[str, list[_Row]]) -> None:
        existing = {annotation.id: annotation for annotation in self.store.annotations()}
        for annotation_id, rows in groups.items():
            try:
                self._import(rows, existing.get(annotation_id))
            except (StoreError, CodebookError) as error:
                raise CsvFormatError(f"{_rows_named(rows)}: {error}") from None

    def _import(self, rows: list[_Row], existing: Annotation | None) -> None:
        if existing is None:
            self._add(rows)
            return
        codebook = self.store.codebook()
        stored = [codebook.path(tag_id) for tag_id in existing.tags if tag_id in codebook]
        exported = rows[0].updated
        if exported and exported != existing.updated:
            self.report.skipped += 1
            if not _agree(rows, stored, existing.memo):
                self.report.stale.append(existing.id)
            return
        tags = self._tags(rows, stored)
        memo = self._memo(rows, existing.memo)
        if _folded(tags) == _folded(stored) and memo == existing.memo:
            self.report.skipped += 1
            return
        if not tags and not memo.strip():
            raise CsvFormatError(
                f"{_rows_named(rows)}: annotation {existing.id} would have neither a tag nor a "
                "memo left; delete it in reader instead"
            )
        self.store.put_annotation(existing.evolve(
            tags=tuple(dict.fromkeys(self._tag_ids(tags))), memo=memo, updated=utc_now(),
        ))
        self.report.updated += 1

    def _add(self, rows: list[_Row]) -> None:
        first = rows[0]
        for name in ("document", "content", "start", "end", "prefix", "suffix", "path", "sha256"):
            differing = [row for row in rows if getattr(row, name) != getattr(first, name)]
            if differing:
                raise CsvFormatError(
                    f"{_rows_named([first, *differing])}: annotation {first.id} has different "
                    f"{name} cells; a new annotation's rows must agree"
                )
        tags = self._tags(rows, None)
        memo = self._memo(rows, None)
        if not tags and not memo.strip():
            raise CsvFormatError(f"{_rows_named(rows)}: annotation {first.id} has neither a tag "
                                 "nor a memo")
        document, text = self._document(first)
        if text is not None:
            moved = not quote_still_at(text, first.start, first.end, first.content)
        elif first.sha256 and document.sha256 and first.sha256 != document.sha256:
            moved = True
        else:
            moved = len(first.content) != first.end - first.start
        now = utc_now()
        annotation = Annotation(
            id=first.id, document=document.id, start=first.start, end=first.end,
            quote=first.content, prefix=first.prefix, suffix=first.suffix,
            tags=tuple(dict.fromkeys(self._tag_ids(tags))), memo=memo,
            annotator=first.annotator, created=first.created or now,
            updated=first.updated or now, needs_reanchor=moved,
        )
        self.store.put_annotation(annotation)
        self.report.added += 1
        if moved:
            self.report.needs_reanchor.append(annotation.id)
        if not Path(document.path).exists():
            missing = self.report.missing_documents
            missing[document.path] = missing.get(document.path, 0) + 1

    # -------------------------------------------------------------- tags and memo

    def _tags(self, rows: list[_Row], stored: list[str] | None) -> list[str]:
        """The tag paths the rows give the annotation (`stored`: what it has, None if new)."""
        if stored is None:
            first = rows[0]
            differing = [row for row in rows if _folded(row.tags) != _folded(first.tags)]
            if differing:
                raise CsvFormatError(
                    f"{_rows_named([first, *differing])}: annotation {first.id} has different "
                    "tags cells"
                )
            base = list(first.tags)
            from_tags_cell: list[str] | None = None
            cell_edits: list[_Row] = []
        else:
            base = stored
            cell_edits = [row for row in rows if _folded(row.tags) != _folded(stored)]
            self._refuse_conflicts(cell_edits, lambda row: _folded(row.tags), "tags")
            from_tags_cell = list(cell_edits[0].tags) if cell_edits else None
        in_base = set(_folded(base))
        tag_edits = [row for row in rows if (row.tag.casefold() not in in_base if row.tag
                                             else bool(base))]
        from_tag_cells = _tag_cells(rows) if tag_edits else None
        if from_tags_cell is not None and from_tag_cells is not None and (
            set(_folded(from_tags_cell)) != set(_folded(from_tag_cells))
        ):
            raise CsvFormatError(
                f"{_rows_named([*cell_edits, *tag_edits])}: annotation {rows[0].id} has a tags "
                "cell and tag cells edited differently; edit one or make them agree"
            )
        if from_tags_cell is not None:
            return from_tags_cell
        if from_tag_cells is not None:
            return from_tag_cells
        return base

    def _memo(self, rows: list[_Row], stored: str | None) -> str:
        if stored is None:  # a new annotation: its rows must agree
            self._refuse_conflicts(rows, lambda row: row.memo, "memo")
            return rows[0].memo
        edits = [row for row in rows if row.memo != stored]
        self._refuse_conflicts(edits, lambda row: row.memo, "memo")
        return edits[0].memo if edits else stored

    @staticmethod
    def _refuse_conflicts(
        edits: list[_Row], key: Callable[[_Row], object], column: str
    ) -> None:
        if len({key(row) for row in edits}) > 1:
            raise CsvFormatError(
                f"{_rows_named(edits)}: annotation {edits[0].id} has different {column} cells "
                "(conflicting edits); make them agree"
            )

    def _tag_ids(self, paths: list[str]) -> list[str]:
        ids: list[str] = []
        for path in paths:
            tag = self.store.codebook().find(path)
            if tag is None:
                if "/" in path:
                    found, created = self.store.ensure_tags([path])
                    tag = found[0]
                else:
                    # ensure_tags would take a unique tag of that leaf name at any depth; a path
                    # without "/" in our CSV is a top-level tag.
                    tag = self.store.create_tag(path)
                    created = [tag]
                codebook = self.store.codebook()
                self.report.created_tags.extend(codebook.path(new) for new in created)
            ids.append(tag.id)
        return ids

    # -------------------------------------------------------------- documents

    def _document(self, row: _Row) -> tuple[Document, str | None]:
        """The row's document and, when it was loaded, its text."""
        resolved = self._resolve(row.path) if row.path else ""
        key = (row.sha256, resolved, row.document)
        if key not in self._documents:
            self._documents[key] = self._find_or_create(row, resolved)
        return self._documents[key]

    def _resolve(self, path: str) -> str:
        candidate = Path(path).expanduser()
        if not candidate.is_absolute():
            candidate = self.base / candidate
        return str(candidate.resolve())

    def _find_or_create(self, row: _Row, resolved: str) -> tuple[Document, str | None]:
        store = self.store
        if row.sha256:
            for document in store.documents():
                if document.sha256 == row.sha256:
                    return document, None
        if resolved:
            known = store.document_by_path(resolved)
            if known is not None:
                return known, self._current_text(known)
        if not resolved:
            raise CsvFormatError(
                f"row {row.number}: no known document has sha256 {row.sha256 or '(empty)'} "
                "and the path cell is empty"
            )
        loaded = _load(resolved)
        if loaded is not None:
            for document in store.documents():
                if document.sha256 == loaded.sha256:  # the file now has content we know
                    return document, loaded.text
            document = Document(
                id=store.new_document_id(), path=resolved, title=row.document or loaded.title,
                size=loaded.size, encoding=loaded.encoding, sha256=loaded.sha256,
                format=loaded.format,
            )
            # Not register_document: it writes at once, outside this import's step, and an
            # import must be one step that a failure leaves undone.
            store.update_document(document)
            self.report.registered_documents.append(resolved)
            return document, loaded.text
        document = Document(
            id=store.new_document_id(), path=resolved,
            title=row.document or Path(resolved).name, size=0, encoding="unknown",
            sha256=row.sha256,
        )
        store.update_document(document)
        return document, None

    def _current_text(self, document: Document) -> str | None:
        if document.id not in self._current_texts:
            loaded = _load_if_same(document)
            self._current_texts[document.id] = loaded.text if loaded else None
        return self._current_texts[document.id]
