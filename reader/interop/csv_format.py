"""CSV export and import of annotations: one row per annotation and tag, Taguette's columns first.

The file opens with Taguette's columns and meanings (`id`, `document` = the document's title,
`tag` = the full tag path, `content` = the passage) and adds what a lossless round trip needs.
Export followed by import into a fresh database followed by export gives the same bytes.

Guard (OWASP "CSV injection", and spreadsheets' conversions): a cell a spreadsheet would run as a
formula (one starting with `=`, `+`, `-`, `@`, a tab or a carriage return) or read as a number,
date, time, percentage or truth value and write back changed when the file is saved (`0123`,
`1e5`, `1/2`, `3:04`, `true`; plain whole numbers such as offsets are kept as they are) is written
with a leading `'`. LibreOffice Calc opens a CSV cell starting with `'` as that very text and
saves it back as it was (tests/interop run it); a spreadsheet that takes the `'` as its mark for
text instead, as typing does, saves the bare text, which import reads as the same. To keep this
exactly reversible, a cell that already starts with one or more `'` followed by such text gets
one more `'`. Import decides cell by cell: a cell starting with `'` followed by such text loses
one `'`; any other cell is taken as it is (one starting with a formula character was typed in a
spreadsheet, or comes from a file written with `formula_guard=False`). A raw file's cell that
itself starts with `'` followed by such text is indistinguishable from a guarded one and loses
one `'`, except the content, which the document's text decides when it is there.

The `tags` cell joins the passage's tag paths with "; ", a ";" inside a name escaped as `\\;`
(see `tags_cell`); cells written before that escape are read as described in `_read_tags_cell`.

Import is one undoable step and all-or-nothing. Rows are grouped by `id`:
- an id the store lacks becomes a new annotation with the file's id, times and annotator. When
  the document's text is at hand its offsets are checked: the content must be the text there if
  the row gives that text's sha256, and no edge may split a grapheme cluster;
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
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain, islice, repeat
from pathlib import Path
from typing import TextIO

from reader.core.anchors import AnchorError, make_anchor, quote_still_at
from reader.core.codebook import CodebookError, split_tag_path
from reader.core.collector import collector_paused
from reader.core.durable import atomic_write_bytes
from reader.core.filepaths import resolved_path
from reader.core.models import Annotation, Document, utc_now
from reader.core.read_model import ReadModel
from reader.core.store import AnnotationStore, StoreError, own_file_role
from reader.core.structure import Structure, page_at, section_at
from reader.core.text import LineIndex
from reader.formats.base import DocumentError, LoadedDocument
from reader.formats.cached import extraction_cache_for, load_for_database

COLUMNS: tuple[str, ...] = (
    "id", "document", "tag", "content",
    "tags", "memo", "start", "end", "line", "prefix", "suffix",
    "path", "sha256", "annotator", "created", "updated", "page", "section",
)
# Columns whose cells repeat from row to row (a document's or a tag's): each value is written
# once (a memo of them stays as small as the corpus's documents and tags).
_REPEATING_COLUMNS = tuple(
    name in {"document", "tag", "tags", "path", "sha256", "annotator", "page", "section"}
    for name in COLUMNS
)
# Written by exports, not needed by imports: files from before they existed import as before.
OPTIONAL_COLUMNS = frozenset({"page", "section"})
# Characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_TRIGGERS = frozenset("=+-@\t\r")
GUARD = "'"
# Text a spreadsheet opening the file would read as a number, date, time, percentage, currency
# amount or truth value, and write back changed when the file is saved ("0123" -> "123",
# "1e5" -> "1.00E+05", "1/2" -> "01/02/26", "true" -> "TRUE", " 12" -> "12"). Deliberately
# broad: a cell guarded without need only shows its "'", one left unguarded is rewritten.
# Each pattern is matched in time linear in the cell's length (no two unbounded repeats can trade
# characters), so a 1 MB memo costs no more than reading it.
_NUMBER_LIKE = re.compile(r"[\s\d.,:/'’()%$€£¥eE+-]+")  # with a digit: 1e5, 0123, 1/2, 3:04
_TIME_OF_DAY = re.compile(r"(?i)[ap]\.?m?\.?\Z")  # the "pm" of 3:04 pm
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DATE_WITH_MONTH_NAME = re.compile(
    rf"(?i)\s*(?:\d{{1,4}}[\s/.,-]*)?{_MONTH}[\s/.,'-]*\d{{1,4}}\s*"  # Jan 2, SEPT2, May-26
    rf"|(?i:\s*\d{{1,4}}[\s/.,-]*{_MONTH}\s*)"  # 12 March
)
_TRUTH_VALUE = re.compile(r"(?i)\s*(?:true|false|wahr|falsch|vrai|faux|verdadero|falso|vero)\s*")
# Text no check above accepts: two runs of letters, each with a letter other than "e", apart
# (not joined by "."). A date or truth value has one run of letters; a number's letters are "e"
# and the "p.m." of its time of day. One linear match at the start of a cell, which for prose,
# ids and the like (nearly every quote, memo and context cell of an export) ends within a few
# characters. Possessive, so nothing is ever tried twice.
_TWO_RUNS = r"(?i:[^a-df-z]*+[a-df-z][a-z.]*+[^a-z.][^a-df-z]*+[a-df-z])"
# Every cell `guard_cell` may change, and more: a guard, a formula trigger or a line break first,
# or text without two such runs.
_GUARD_CANDIDATE = re.compile(
    "[" + re.escape("".join(sorted(FORMULA_TRIGGERS | {GUARD, "\n"}))) + "]"
    + f"|(?!{_TWO_RUNS})"
)
# Whole numbers every spreadsheet writes back as they were (offsets and line numbers).
_PLAIN_WHOLE_NUMBER = re.compile(r"0|[1-9][0-9]{0,14}")
TAGS_SEPARATOR = "; "  # between the paths of the `tags` cell (see `tags_cell`)
ESCAPE = "\\"
BOM = "\ufeff"

_WHOLE_NUMBER = re.compile(r"[0-9]+")
_NEEDS_QUOTES = re.compile(r'[",\r\n]')
# At most this many ";"-separated pieces are tried as one tag name, and at most this many ways
# of joining them, when reading a `tags` cell written before ";" was escaped.
_MAX_PIECES = 8
_MAX_JOININGS = 1000


class CsvFormatError(ValueError):
    """A CSV file that cannot be read or imported, or an export that cannot be written."""


# ---------------------------------------------------------------------------- formula guard


def guard_cell(value: str) -> str:
    """`value` made safe to open in a spreadsheet, reversibly (see `unguard_cell`)."""
    # lstrip is a no-op on a cell not starting with a quote.
    if _needs_guard(value.lstrip(GUARD)):
        return GUARD + value
    return value


def unguard_cell(value: str) -> str:
    """The text `guard_cell` was given."""
    if value.startswith(GUARD) and _needs_guard(value.lstrip(GUARD)):
        return value[1:]
    return value


def _needs_guard(value: str) -> bool:
    """Whether a spreadsheet would run `value` as a formula or convert it to a value."""
    # A leading line break is guarded too: spreadsheets save a "\r" in a cell as "\n", and
    # the guard of a cell starting with "\r" must still be recognised afterwards.
    if value[:1] in FORMULA_TRIGGERS or value[:1] == "\n":
        return True
    return _spreadsheet_would_convert(value) and _PLAIN_WHOLE_NUMBER.fullmatch(value) is None


def _spreadsheet_would_convert(value: str) -> bool:
    """Whether a spreadsheet opening a CSV may read `value` as a number, date, time, percentage,
    currency amount or truth value (see `_NUMBER_LIKE` and the patterns after it)."""
    if _DATE_WITH_MONTH_NAME.fullmatch(value) or _TRUTH_VALUE.fullmatch(value):
        return True
    number = value.rstrip()
    tail = number[-4:]
    time_of_day = _TIME_OF_DAY.search(tail)
    if time_of_day:
        number = number[: len(number) - len(tail) + time_of_day.start()]
    return _NUMBER_LIKE.fullmatch(number) is not None and any(c.isdigit() for c in number)


# ---------------------------------------------------------------------------- the tags cell


def tags_cell(paths: Sequence[str]) -> str:
    """The `tags` cell of these tag paths: `; `-separated, with a ";" inside a name written `\\;`.

    A "\\" is written `\\\\` where it would otherwise read as an escape (before ";", "\\" or at
    the end of a name), so any other "\\" in a name stays as it is.
    """
    return TAGS_SEPARATOR.join(_escape_path(path) for path in paths)


def _escape_path(path: str) -> str:
    escaped: list[str] = []
    for index, character in enumerate(path):
        if character == ";":
            escaped.append(ESCAPE + ";")
        elif character == ESCAPE and path[index + 1 : index + 2] in ("", ";", ESCAPE):
            escaped.append(ESCAPE + ESCAPE)
        else:
            escaped.append(character)
    return "".join(escaped)


def _tags_cell_pieces(cell: str) -> tuple[list[str], bool]:
    """The text between the unescaped ";" of a `tags` cell, escapes resolved, and whether the cell
    had an escaped ";" (then it was written by `tags_cell`)."""
    pieces: list[str] = []
    current: list[str] = []
    escaped_separator = False
    index = 0
    while index < len(cell):
        character = cell[index]
        following = cell[index + 1 : index + 2]
        if character == ESCAPE and following in (";", ESCAPE):
            current.append(following)
            escaped_separator |= following == ";"
            index += 2
            continue
        if character == ";":
            pieces.append("".join(current))
            current = []
        else:
            current.append(character)
        index += 1
    pieces.append("".join(current))
    return pieces, escaped_separator


def _legacy_tags_cell(paths: Sequence[str]) -> str:
    """The `tags` cell as versions before escaping wrote it."""
    return TAGS_SEPARATOR.join(paths)


def _joinings(pieces: list[str], known: set[str]) -> Iterator[list[str]]:
    """Ways to read `pieces` as tag names, joining neighbours with ";" only into a known name;
    the plain split first."""
    if not pieces:
        yield []
        return
    for length in range(1, min(len(pieces), _MAX_PIECES) + 1):
        name = ";".join(pieces[:length])
        if length > 1 and _folded_path(name) not in known:
            continue
        for rest in _joinings(pieces[length:], known):
            yield [name, *rest]


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
    writer = _CsvWriter(excel=excel, formula_guard=formula_guard)
    written = 0

    def texts() -> Iterator[str]:
        # Written as read, document by document: the export holds one document's rows.
        nonlocal written
        yield writer.header()
        for rows in _document_rows(store.read_model(), document_ids, tag_ids, db=store.path):
            written += len(rows)
            yield writer.text(rows)

    with collector_paused():
        if isinstance(destination, Path):
            try:
                atomic_write_bytes(destination, (text.encode("utf-8") for text in texts()))
            except UnicodeEncodeError:
                raise CsvFormatError(
                    f"cannot write {destination}: a cell holds text that is not valid Unicode"
                ) from None
            except OSError as error:
                reason = error.strerror or str(error)
                raise CsvFormatError(f"cannot write {destination}: {reason}") from None
        else:
            for text in texts():
                destination.write(text)
            destination.flush()
    return written


def _document_rows(
    model: ReadModel,
    document_ids: Sequence[str] | None,
    tag_ids: Sequence[str] | None,
    *,
    db: Path,
) -> Iterator[list[list[str]]]:
    """The rows of each document in turn: one document's passages are in memory at a time (and
    one document's text, for lines and pages, read through the cache beside the database `db`)."""
    codebook = model.codebook
    wanted_documents = set(document_ids) if document_ids is not None else None
    wanted_tags: set[str] | None = None
    if tag_ids is not None:
        wanted_tags = set(tag_ids)
        for tag_id in tag_ids:
            if tag_id in codebook:
                wanted_tags |= codebook.descendants(tag_id)
    ordered = sorted(
        (d for d in model.documents if wanted_documents is None or d.id in wanted_documents),
        key=lambda d: (d.title.casefold(), d.title, d.path),
    )
    # A corpus has a few combinations of tags over its many passages: each is written once.
    cells_of_tags: dict[tuple[str, ...], tuple[list[tuple[str, str]], str]] = {}
    for document, passages in (
        (group.document, group.passages) for group in model.stream([d.id for d in ordered])
    ):
        lines = _LineNumbers(db)  # this document's text, let go when the next one comes
        rows: list[list[str]] = []
        for annotation in sorted(passages, key=lambda a: (a.start, a.end, a.id)):
            cells = cells_of_tags.get(annotation.tags)
            if cells is None:
                tagged = [(tag_id, codebook.path(tag_id)) for tag_id in annotation.tags
                          if tag_id in codebook]
                cells = cells_of_tags[annotation.tags] = (
                    tagged, tags_cell([path for _, path in tagged])
                )
            tagged, all_paths = cells
            for tag_id, path in tagged or [("", "")]:
                if wanted_tags is not None and tag_id not in wanted_tags:
                    continue
                rows.append([
                    annotation.id, document.title, path, annotation.quote,
                    all_paths, annotation.memo, str(annotation.start), str(annotation.end),
                    lines.line(document, annotation.start), annotation.prefix,
                    annotation.suffix, document.path, document.sha256, annotation.annotator,
                    annotation.created, annotation.updated,
                    *lines.page_and_section(document, annotation.start),
                ])
        yield rows


class _LineNumbers:
    """1-based line numbers of offsets, from each document's file when it is still the same,
    and pages and sections, from the file or else from the structure map kept when it was
    opened (see reader.core.extraction_cache)."""

    def __init__(self, db: Path) -> None:
        self._db = db
        self._indexes: dict[str, LineIndex | None] = {}
        self._structures: dict[str, Structure] = {}

    def _read(self, document: Document) -> None:
        loaded = _load_if_same(document, self._db)
        self._indexes[document.id] = LineIndex(loaded.whole_text) if loaded else None
        if loaded is not None:
            self._structures[document.id] = loaded.structure
        else:
            kept = extraction_cache_for(self._db).structure(document.sha256)
            self._structures[document.id] = kept or ()

    def page_and_section(self, document: Document, offset: int) -> tuple[str, str]:
        """The `page` and `section` cells of a passage starting at `offset`."""
        if not document.id:
            return "", ""
        if document.id not in self._indexes:
            self._read(document)
        structure = self._structures[document.id]
        return page_at(structure, offset) or "", section_at(structure, offset)

    def line(self, document: Document, offset: int) -> str:
        if not document.id:
            return ""
        if document.id not in self._indexes:
            self._read(document)
        index = self._indexes[document.id]
        if index is None:
            return ""
        try:
            return str(index.line_of(offset) + 1)
        except ValueError:  # an offset past the end: a passage waiting to be re-anchored
            return ""


def _load(path: str, db: Path) -> LoadedDocument | None:
    try:
        return load_for_database(Path(path), db)
    except (DocumentError, OSError, ValueError):
        return None


def _load_if_same(document: Document, db: Path) -> LoadedDocument | None:
    """The document's file, if it is there and still has the content the store knows."""
    if not document.path or not document.sha256:
        return None
    loaded = _load(document.path, db)
    if loaded is None or loaded.sha256 != document.sha256:
        return None
    return loaded


class _CsvWriter:
    """Writes rows as RFC 4180 lines, each cell guarded first (see `guard_cell`) if asked: a cell
    holding a comma, a quote or a line break of either kind is quoted (its quotes doubled); any
    other cell is written as it is. `excel` starts the text with a BOM and ends lines with CRLF.

    Python's csv module writes the same, except that it quotes a cell with a line break only
    when that character is in the line terminator (so a lone CR in a memo could split a row of
    a file ending lines with LF), and it is slower: writing was a quarter of an export's time.
    """

    def __init__(self, *, excel: bool, formula_guard: bool) -> None:
        self.excel = excel
        self.terminator = "\r\n" if excel else "\n"
        self.formula_guard = formula_guard
        # Titles, paths, tag paths, offsets and times repeat row after row: each is written
        # once (the guard's patterns were two thirds of a 100,000-passage export). The cells
        # of the other columns (quotes, context, memos, ids) are nearly all ruled out by one
        # pattern.
        self._written: dict[str, str] = {}

    def header(self) -> str:
        return (BOM if self.excel else "") + ",".join(COLUMNS) + self.terminator

    def text(self, rows: Iterable[Sequence[str]]) -> str:
        known = self._written.get
        text_of, remembered, terminator = self._text_of, self._remembered, self.terminator
        return "".join([
            ",".join([(text if (text := known(cell)) is not None else remembered(cell))
                      if repeats else text_of(cell)
                      for cell, repeats in zip(row, chain(_REPEATING_COLUMNS, repeat(False)),
                                               strict=False)]) + terminator
            if len(row) != 1 or row[0] else '""' + terminator  # an empty line reads as no row
            for row in rows
        ])

    def _text_of(self, cell: str) -> str:
        if self.formula_guard and _GUARD_CANDIDATE.match(cell) and (
            not _PLAIN_WHOLE_NUMBER.fullmatch(cell)  # (offsets: never guarded)
        ):
            cell = guard_cell(cell)
        return '"' + cell.replace('"', '""') + '"' if _NEEDS_QUOTES.search(cell) else cell

    def _remembered(self, cell: str) -> str:
        text = self._written[cell] = self._text_of(cell)
        return text


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


@dataclass(slots=True)
class _Row:
    """One row of the file. Not frozen: `tags` is filled in once the rows of its id are known
    (in place, since copying a hundred thousand rows to fill in one field costs seconds)."""

    number: int  # as a spreadsheet numbers it: the header is row 1
    id: str
    document: str
    tag: str
    content: str
    # The content cell as the file has it: a raw export's content may start with "'" and a
    # formula character, which reads as a guarded cell; the document's text tells them apart.
    written_content: str
    tags_cell: str
    memo: str
    # The memo cell as the file has it: in an export made before number-like text was guarded,
    # a memo such as "'80-'90" was written as it is, and reads as guarded now.
    written_memo: str
    start: int
    end: int
    prefix: str
    suffix: str
    path: str
    sha256: str
    annotator: str
    created: str
    updated: str
    tags: tuple[str, ...] = ()  # the paths of `tags_cell`, read once the id's rows are known


def import_csv(store: AnnotationStore, source: Path) -> CsvImportReport:
    """Import a CSV written by `export_csv` (or edited in a spreadsheet) as one undoable step."""
    with collector_paused():
        return _import_csv(store, source)


def _import_csv(store: AnnotationStore, source: Path) -> CsvImportReport:
    header, records = _read_table(source)
    rows, tag_paths = _parse_rows(header, records)
    codebook = store.codebook()
    known = tag_paths | {codebook.path(tag).casefold() for tag in codebook}
    stored = {annotation.id: [codebook.path(tag) for tag in annotation.tags if tag in codebook]
              for annotation in store.annotations()}
    groups: dict[str, list[_Row]] = {}
    for row in rows:
        groups.setdefault(row.id, []).append(row)
    read_cells: dict[tuple[object, ...], tuple[str, ...]] = {}
    groups = {annotation_id: _with_tags(group, stored.get(annotation_id), known, read_cells)
              for annotation_id, group in groups.items()}
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
    _allow_fields_as_long_as(len(text))
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
                    if any(map(str.strip, record))]


_FIELD_LIMIT_LOCK = threading.Lock()


def _allow_fields_as_long_as(length: int) -> None:
    """Raise the csv module's field size limit (131,072 by default) to `length` if it is lower.

    The limit guards memory against a runaway field, but the whole file is already in memory and
    no field can be longer than it, so a limit of the file's length costs nothing and lets a long
    passage or memo, which export writes, be read back. The limit is process-wide: it is only
    ever raised, never lowered, so a read running in another thread cannot lose its allowance.
    """
    with _FIELD_LIMIT_LOCK:
        if csv.field_size_limit() < length:
            csv.field_size_limit(length)


def _parse_rows(
    header: list[str], records: list[tuple[int, list[str]]]
) -> tuple[list[_Row], set[str]]:
    """The rows, their `tags` cells not read yet, and the casefolded paths of their `tag` cells."""
    duplicated = sorted({name for name in header if name and header.count(name) > 1})
    if duplicated:
        raise CsvFormatError("the header repeats the column(s) " + ", ".join(duplicated))
    missing = [name for name in COLUMNS if name not in header and name not in OPTIONAL_COLUMNS]
    if missing:
        raise CsvFormatError("the CSV lacks the column(s) " + ", ".join(missing)
                             + " (expected: " + ", ".join(COLUMNS) + ")")
    for number, record in records:
        if len(record) != len(header):
            raise CsvFormatError(
                f"row {number} has {len(record)} cells but the header has {len(header)}"
            )
    position = {name: header.index(name) for name in COLUMNS if name in header}
    tag_paths: set[str] = set()
    cells: list[tuple[int, dict[str, str], dict[str, str]]] = []
    for number, record in records:
        written = {name: record[index] for name, index in position.items()}
        # Each cell on its own: a cell starting with a formula character (typed in a
        # spreadsheet, or from a raw export) says nothing about how the others were written.
        values = dict(written)
        for name, value in written.items():
            if value[:1] == GUARD:  # only such a cell can be guarded
                values[name] = unguard_cell(value)
        cells.append((number, values, written))
        if values["tag"].strip():
            tag_paths.add(_clean_path(values["tag"], number, "tag").casefold())
    rows = [_parse_row(number, values, written) for number, values, written in cells]
    return rows, tag_paths


def _parse_row(number: int, values: dict[str, str], written: dict[str, str]) -> _Row:
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
    return _Row(
        number=number, id=annotation_id, document=values["document"], tag=tag,
        content=values["content"], written_content=written["content"],
        tags_cell=values["tags"], memo=values["memo"], written_memo=written["memo"],
        start=start, end=end,
        prefix=values["prefix"], suffix=values["suffix"], path=values["path"].strip(),
        sha256=values["sha256"].strip().lower(), annotator=values["annotator"],
        created=values["created"].strip(), updated=values["updated"].strip(),
    )


def _shown(value: str, limit: int = 40) -> str:
    """`value` quoted for a one-line message: shortened, with line breaks and controls escaped."""
    return repr(value if len(value) <= limit else value[:limit] + "…")


def _whole_number(value: str, name: str, number: int) -> int:
    if not _WHOLE_NUMBER.fullmatch(value.strip()):
        raise CsvFormatError(
            f"row {number}: {name} must be a whole number, not {_shown(value, 20)}"
        )
    return int(value.strip())


def _clean_path(path: str, number: int, column: str) -> str:
    try:
        return "/".join(split_tag_path(path))
    except CodebookError as error:
        raise CsvFormatError(f"row {number}, column {column}: {error}") from None


def _with_tags(
    rows: list[_Row], stored: list[str] | None, known: set[str],
    read_cells: dict[tuple[object, ...], tuple[str, ...]],
) -> list[_Row]:
    """The rows of one annotation with their `tags` cells read (`stored`: its tag paths in the
    store, None if it is new; `known`: every tag path the file or the codebook has;
    `read_cells`: the cells read so far in this import, by what their reading depends on,
    since a corpus repeats a few cells over its hundred thousand rows)."""
    tag_cells = frozenset(row.tag.casefold() for row in rows if row.tag)
    for row in rows:
        key = (row.tags_cell, tag_cells, None if stored is None else tuple(stored))
        tags = read_cells.get(key)
        if tags is None:
            tags = read_cells[key] = _read_tags_cell(row, tag_cells, stored, known)
        row.tags = tags
    return rows


def _read_tags_cell(
    row: _Row, tag_cells: frozenset[str], stored: list[str] | None, known: set[str]
) -> tuple[str, ...]:
    """The tag paths of a row's `tags` cell.

    A cell as an export of the stored tags wrote it, by this version or an earlier one, is those
    tags. A cell with an escaped ";" was written by `tags_cell` and splits at every other ";".
    Files written before escaping have names with a bare ";" (and hand-typed cells may use ";"
    without a space): pieces are joined into a known name only where that gives the annotation's
    `tag` cells (which hold one full path each), so tags `a` and `b` are never read as `a; b`.
    """
    cell = row.tags_cell
    named = known | tag_cells

    def path_of(name: str) -> str:
        path = _clean_path(name, row.number, "tags")
        # A guarded tag cell pasted into the tags cell ("refugees; '+plus"): the guard is not
        # part of the name, and no tag is created from it when the unguarded name is known.
        unguarded = unguard_cell(path)
        if path.casefold() not in named and unguarded.casefold() in named:
            return unguarded
        return path

    def clean(names: Iterable[str]) -> tuple[str, ...]:
        return tuple(path_of(name) for name in names if name.strip())

    if stored is not None and cell in (tags_cell(stored), _legacy_tags_cell(stored)):
        return tuple(stored)
    pieces, escaped = _tags_cell_pieces(cell)
    if not escaped:
        covering: list[str] | None = None
        for names in islice(_joinings(pieces, named), _MAX_JOININGS):
            folded = {_folded_path(name) for name in names if name.strip()}
            if folded == tag_cells:
                return clean(names)
            if covering is None and tag_cells <= folded:
                covering = names
        if covering is not None:
            return clean(covering)
    return clean(pieces)


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
    return _folded(tags) in candidates and any(_same_memo(row, memo) for row in rows)


def _lines(text: str) -> str:
    """`text` with every line break a "\n", to compare cells a spreadsheet may have resaved."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _same_memo(row: _Row, memo: str) -> bool:
    """Whether the row's memo cell gives `memo`: read as guarded, or as written (an export from
    before number-like text was guarded), with line breaks of any kind."""
    return _lines(memo) in (_lines(row.memo), _lines(row.written_memo))


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
        self._resolved: dict[str, str] = {}
        self._existing: dict[str, bool] = {}
        self._tag_id_of: dict[str, str] = {}

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
        content = first.content
        if text is not None:
            if first.written_content != content and quote_still_at(
                text, first.start, first.end, first.written_content
            ):
                content = first.written_content
            moved = self._moved_in(text, document, rows, content)
        elif first.sha256 and document.sha256 and first.sha256 != document.sha256:
            moved = True
        else:
            moved = len(first.content) != first.end - first.start
        now = utc_now()
        annotation = Annotation(
            id=first.id, document=document.id, start=first.start, end=first.end,
            quote=content, prefix=first.prefix, suffix=first.suffix,
            tags=tuple(dict.fromkeys(self._tag_ids(tags))), memo=memo,
            annotator=first.annotator, created=first.created or now,
            updated=first.updated or now, needs_reanchor=moved,
        )
        self.store.put_annotation(annotation)
        self.report.added += 1
        if moved:
            self.report.needs_reanchor.append(annotation.id)
        if not self._exists(document.path):
            missing = self.report.missing_documents
            missing[document.path] = missing.get(document.path, 0) + 1

    def _exists(self, path: str) -> bool:
        # Once per document: its hundred rows name the same file.
        exists = self._existing.get(path)
        if exists is None:
            exists = self._existing[path] = Path(path).exists()
        return exists

    @staticmethod
    def _moved_in(text: str, document: Document, rows: list[_Row], content: str) -> bool:
        """Whether the rows' passage (`content`) is no longer at its offsets in `text`.

        Refuses a span no passage can have: one that splits a grapheme cluster (as `reader add`
        does), or, when the rows give this very text's sha256 (so the offsets were taken in
        it), one whose content is not the text at those offsets.
        """
        first = rows[0]
        same_text = first.sha256 == document.sha256
        if not same_text and not quote_still_at(text, first.start, first.end, content):
            return True
        try:
            anchor = make_anchor(text, first.start, first.end)
        except AnchorError as error:
            raise CsvFormatError(
                f"{_rows_named(rows)}: {error} in {_shown(document.title)}"
            ) from None
        if anchor.quote != content:
            raise CsvFormatError(
                f"{_rows_named(rows)}: the content is not the text of {_shown(document.title)} "
                f"at {first.start}-{first.end} (which reads {_shown(anchor.quote)}), though the "
                "sha256 is that text's; correct start and end, or the content"
            )
        return False

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
        # Spreadsheets store every line break in a cell as one kind ("\r" becomes "\n" in
        # LibreOffice): a memo differing only in its line breaks was not edited.
        edits = [row for row in rows if not _same_memo(row, stored)]
        self._refuse_conflicts(edits, lambda row: _lines(row.memo), "memo")
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
            # The codebook changes during an import only through this method, so a path found
            # once keeps its id.
            known = self._tag_id_of.get(path)
            if known is not None:
                ids.append(known)
                continue
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
            self._tag_id_of[path] = tag.id
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
        # Once per path cell's text: resolving follows links on disk, and the rows of one
        # document (a hundred, say) name the same file.
        resolved = self._resolved.get(path)
        if resolved is None:
            candidate = Path(path).expanduser()
            if not candidate.is_absolute():
                candidate = self.base / candidate
            resolved = self._resolved[path] = str(resolved_path(candidate))
        return resolved

    def _find_or_create(self, row: _Row, resolved: str) -> tuple[Document, str | None]:
        store = self.store
        if row.sha256:
            for document in store.documents_with_content(row.sha256)[:1]:
                return document, self._current_text(document)
        if resolved:
            known = store.document_by_path(resolved)
            if known is not None:
                return known, self._current_text(known)
        if not resolved:
            raise CsvFormatError(
                f"row {row.number}: no known document has sha256 {row.sha256 or '(empty)'} "
                "and the path cell is empty"
            )
        loaded = _load(resolved, store.path)
        if loaded is not None:
            for document in store.documents_with_content(loaded.sha256)[:1]:
                return document, loaded.whole_text  # the file now has content we know
            document = Document(
                id=store.new_document_id(), path=resolved, title=row.document or loaded.title,
                size=loaded.size, encoding=loaded.encoding, sha256=loaded.sha256,
                format=loaded.format, source_sha256=loaded.source_sha256,
                extractor=loaded.extractor,
            )
            # Not register_document: it writes at once, outside this import's step, and an
            # import must be one step that a failure leaves undone.
            store.update_document(document)
            self.report.registered_documents.append(resolved)
            return document, loaded.whole_text
        document = Document(
            id=store.new_document_id(), path=resolved,
            title=row.document or Path(resolved).name, size=0, encoding="unknown",
            sha256=row.sha256,
        )
        store.update_document(document)
        return document, None

    def _current_text(self, document: Document) -> str | None:
        if document.id not in self._current_texts:
            loaded = _load_if_same(document, self.store.path)
            self._current_texts[document.id] = loaded.whole_text if loaded else None
        return self._current_texts[document.id]
