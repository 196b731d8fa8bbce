"""The analysis screen: the document x tag matrix, tag co-occurrence and tag frequencies as bars.

`enter` on a cell lists its passages, `enter` on a passage opens it in its document.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Span, Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.coordinate import Coordinate
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.worker import get_current_worker

from reader.analysis.bars import bar
from reader.analysis.counts import (
    Cooccurrence,
    TagMatrix,
    cooccurrence,
    passages_cooccurring,
    passages_in_cell,
    tag_matrix,
)
from reader.analysis.model import Corpus
from reader.core.models import Annotation
from reader.core.review import shorten
from reader.core.row_geometry import visual_label
from reader.ui.review_messages import PassageRequested
from reader.ui.widgets.annotation_sidebar import store_service
from reader.ui.widgets.row_render import label_text

if TYPE_CHECKING:
    from reader.core.store import AnnotationStore

ROW_LABEL_WIDTH = 28
CELL_WIDTH = 9
"""A matrix cell: a bar of up to five cells, a space, and a count of up to three digits."""
FREQUENCY_BAR_WIDTH = 40
FIRST_ROWS = 60
"""Rows added before the first paint of a view; the rest follow a chunk a frame."""
ROWS_A_FRAME = 250

MATRIX = "matrix"
COOCCURRENCE = "cooccurrence"
FREQUENCIES = "frequencies"
VIEWS = {MATRIX: "Documents × tags", COOCCURRENCE: "Co-occurrence",
         FREQUENCIES: "Tag frequencies"}
VIEW_KEYS = {MATRIX: "m", COOCCURRENCE: "c", FREQUENCIES: "f"}


@dataclass(frozen=True)
class TableContent:
    """One view's columns ((heading, width)) and rows of cells, built off the UI thread."""

    columns: tuple[tuple[Text, int], ...]
    rows: tuple[tuple[Text, ...], ...]


@dataclass(frozen=True)
class Analysis:
    """Everything the screen shows, computed off the UI thread (co-occurrence comes second)."""

    corpus: Corpus
    matrix: TagMatrix
    tables: dict[str, TableContent]
    pairs: Cooccurrence | None = None


def bar_cell(count: int, largest: int, colour: str, width: int = CELL_WIDTH) -> Text:
    """A matrix cell: the count right-aligned after a bar in the tag's colour; a dim dot for 0."""
    if count == 0:
        return Text("·".rjust(width), style="dim")
    number = str(count)
    bar_width = max(1, width - len(number) - 1)
    drawn = bar(count, largest, bar_width)
    return Text(f"{drawn} {number}", spans=[Span(0, len(drawn), colour)])


def column_title(path: str, width: int = CELL_WIDTH) -> Text:
    """A tag's column heading, its leaf name cut to the cell (the heading below the table names
    the highlighted cell in full)."""
    leaf = path.rsplit("/", 1)[-1]
    return Text(visual_label(leaf if len(leaf) <= width else leaf[: width - 1] + "…"))


def _label(text: str) -> Text:
    return Text(visual_label(text), no_wrap=True, overflow="ellipsis")


def matrix_table(matrix: TagMatrix) -> TableContent:
    columns = [(Text("Document"), ROW_LABEL_WIDTH)]
    columns += [(column_title(path), CELL_WIDTH) for path in matrix.tag_paths]
    largest = matrix.largest
    rows = tuple(
        (_label(row.label),
         *(bar_cell(matrix.count(row.key, tag.id), largest, tag.colour) for tag in matrix.tags))
        for row in matrix.rows
    )
    return TableContent(tuple(columns), rows)


def cooccurrence_table(pairs: Cooccurrence) -> TableContent:
    columns = [(Text("Tag"), ROW_LABEL_WIDTH)]
    columns += [(column_title(path), CELL_WIDTH) for path in pairs.tag_paths]
    largest = pairs.largest_pair
    rows = []
    for tag, path in zip(pairs.tags, pairs.tag_paths, strict=True):
        cells = [_label(path)]
        for other in pairs.tags:
            count = pairs.count(tag.id, other.id)
            if other.id == tag.id:  # the tag's own passages: a number, no bar
                cells.append(Text(str(count).rjust(CELL_WIDTH), style="bold"))
            else:
                cells.append(bar_cell(count, largest, tag.colour))
        rows.append(tuple(cells))
    return TableContent(tuple(columns), tuple(rows))


def frequency_table(matrix: TagMatrix) -> TableContent:
    columns = ((Text("Tag"), ROW_LABEL_WIDTH), (Text("Passages"), FREQUENCY_BAR_WIDTH),
               (Text("Count"), 7), (Text("Documents"), 9), (Text("Characters"), 10))
    largest = max(matrix.totals.values(), default=0)
    rows = []
    for tag, path in zip(matrix.tags, matrix.tag_paths, strict=True):
        total = matrix.totals.get(tag.id, 0)
        documents = sum(1 for row in matrix.rows if matrix.count(row.key, tag.id))
        characters = sum(matrix.characters_coded(row.key, tag.id) for row in matrix.rows)
        rows.append((
            _label(path),
            Text(bar(total, largest, FREQUENCY_BAR_WIDTH), style=tag.colour),
            Text(str(total), justify="right"),
            Text(str(documents), justify="right"),
            Text(str(characters), justify="right"),
        ))
    return TableContent(columns, tuple(rows))


class AnalysisScreen(Screen[None]):
    """Counts over the whole corpus; the passages behind any number one key away."""

    DEFAULT_CSS = """
    AnalysisScreen #analysis-title { height: 1; padding: 0 1; color: $accent;
                                     background: $panel; }
    AnalysisScreen #analysis-views { height: 1; padding: 0 1; }
    AnalysisScreen #analysis-counts { height: 2fr; }
    AnalysisScreen #analysis-heading { height: 1; padding: 0 1; background: $panel; }
    AnalysisScreen #analysis-passages { height: 1fr; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="analysis.close", tooltip="Back to reading"),
        Binding("m", "show_view('matrix')", "Matrix", id="analysis.matrix",
                tooltip="Passages per document and tag"),
        Binding("c", "show_view('cooccurrence')", "Co-occurrence",
                id="analysis.cooccurrence",
                tooltip="Overlapping passages per pair of tags"),
        Binding("f", "show_view('frequencies')", "Frequencies",
                id="analysis.frequencies", tooltip="Passages per tag, as bars"),
        Binding("r", "reload", "Reload", id="analysis.reload",
                tooltip="Count again (after coding in another window)"),
        Binding("tab", "switch_focus", "Passages", id="analysis.switch-focus", show=False,
                tooltip="Between the counts and the passages listed under them"),
    ]

    class CorpusRead(Message):
        """The store's thread read the corpus."""

        def __init__(self, corpus: Corpus) -> None:
            super().__init__()
            self.corpus = corpus

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.analysis: Analysis | None = None
        self.view = MATRIX
        self.passages: list[Annotation] = []
        self.painted_at: float | None = None
        """When (`time.perf_counter`) the first frame was on the screen: what the benchmark
        times."""
        self.filled = False
        """Every row of the current view is in its table."""
        self._generation = 0  # a view switch or reload stops the previous fill
        self._pairing = False  # co-occurrence is being counted
        self._cursors: dict[str, Coordinate] = {}

    @property
    def corpus(self) -> Corpus | None:
        return self.analysis.corpus if self.analysis is not None else None

    def compose(self) -> ComposeResult:
        yield Static(Content.styled("Analysis: counting…", "bold"), id="analysis-title")
        yield Static(self._views_line(), id="analysis-views")
        # The row labels stay in view while the tag columns scroll sideways.
        yield DataTable(id="analysis-counts", cursor_type="cell", zebra_stripes=True,
                        fixed_columns=1)
        yield Static("Enter on a number lists its passages here.", id="analysis-heading")
        yield DataTable(id="analysis-passages", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.call_after_refresh(self._first_frame)
        passages = self.query_one("#analysis-passages", DataTable)
        passages.add_column("Document", key="document", width=24)
        passages.add_column("Passage", key="passage")
        self.query_one("#analysis-counts", DataTable).focus()

    @property
    def painted(self) -> bool:
        return self.painted_at is not None

    def _first_frame(self) -> None:
        self.painted_at = time.perf_counter()
        # Counting starts once the screen is up: its thread would otherwise share the
        # interpreter with the first frame and slow it down.
        self.action_reload()

    def _views_line(self) -> Content:
        parts: list[Content | str] = []
        for view, title in VIEWS.items():
            style = "bold reverse" if view == self.view else "$text-muted"
            parts += [Content.styled(f" {VIEW_KEYS[view]} {title} ", style), "  "]
        return Content.assemble(*parts)

    # ------------------------------------------------------------------ loading

    def action_reload(self) -> None:
        """Read the corpus on the store's thread, then count it on a worker thread."""
        service = store_service(self.app)
        if service is None:
            self._title("Analysis: the annotation database is not open yet; press r to retry")
            return

        def read(store: AnnotationStore) -> None:
            # Straight to the screen, not through the job's answer, which waits for the store's
            # next snapshot to be built.
            self.post_message(self.CorpusRead(Corpus.from_store(store)))

        service.submit(read)

    @on(CorpusRead)
    def _corpus_read(self, message: CorpusRead) -> None:
        self._count(message.corpus)

    # (A description of our own: Textual would otherwise repr the whole corpus, 100,000
    # passages, on the UI thread.)
    @work(thread=True, exclusive=True, group="analysis-count", description="counting")
    def _count(self, corpus: Corpus) -> None:
        # The matrix (the first view) is shown as soon as it is counted; co-occurrence, which
        # takes as long again, is counted once the matrix is in its table (see `_pair`).
        worker = get_current_worker()
        matrix = tag_matrix(corpus)
        tables = {MATRIX: matrix_table(matrix), FREQUENCIES: frequency_table(matrix)}
        if not worker.is_cancelled:
            self.app.call_from_thread(self.show, Analysis(corpus, matrix, tables))

    @work(thread=True, exclusive=True, group="analysis-pairs", description="co-occurrence")
    def _pair(self, analysis: Analysis) -> None:
        worker = get_current_worker()
        pairs = cooccurrence(analysis.corpus)
        tables = {**analysis.tables, COOCCURRENCE: cooccurrence_table(pairs)}
        if not worker.is_cancelled:
            self.app.call_from_thread(
                self.show, Analysis(analysis.corpus, analysis.matrix, tables, pairs)
            )

    def _count_pairs_if_needed(self) -> None:
        analysis = self.analysis
        if analysis is not None and analysis.pairs is None and not self._pairing:
            self._pairing = True
            self._pair(analysis)

    def _title(self, text: str) -> None:
        self.query_one("#analysis-title", Static).update(Content.styled(text, "bold"))

    def show(self, analysis: Analysis) -> None:
        """Show what was counted; the current view is drawn again if its content is new."""
        previous = self.analysis
        if previous is not None and previous.corpus is not analysis.corpus and (
            analysis.pairs is not None
        ):
            return  # co-occurrence of a corpus read before a reload
        self.analysis = analysis
        if analysis.pairs is not None or previous is None or previous.corpus is not (
            analysis.corpus
        ):
            self._pairing = False
        corpus = analysis.corpus
        tagged = sum(1 for passage in corpus.passages if passage.tags)
        documents, tags = len(corpus.documents), len(analysis.matrix.tags)
        self._title(f"Analysis: {documents} document{'s' * (documents != 1)}, "
                    f"{tagged} coded passage{'s' * (tagged != 1)}, {tags} tag{'s' * (tags != 1)}")
        current = analysis.tables.get(self.view)
        if previous is None or previous.tables.get(self.view) is not current:
            self._fill()

    def _fill(self) -> None:
        """Put the current view's rows in the table: the first at once, the rest a chunk a
        frame, so the screen answers keys while 1,000 documents go in."""
        self._generation += 1
        self.filled = False
        table: DataTable[Text] = self.query_one("#analysis-counts", DataTable)
        table.clear(columns=True)
        self.query_one("#analysis-views", Static).update(self._views_line())
        content = self.analysis.tables.get(self.view) if self.analysis else None
        if content is None:
            self._heading("Counting…")
            self._count_pairs_if_needed()
            return
        for index, (heading, width) in enumerate(content.columns):
            table.add_column(heading, key=str(index), width=width)
        table.add_rows(content.rows[:FIRST_ROWS])
        self._add_later(content, FIRST_ROWS, self._generation)

    def _add_later(self, content: TableContent, start: int, generation: int) -> None:
        if generation != self._generation:
            return  # another view (or a reload) took over the table
        table: DataTable[Text] = self.query_one("#analysis-counts", DataTable)
        if start >= len(content.rows):
            self.filled = True
            self._count_pairs_if_needed()
            kept = self._cursors.get(self.view)
            first_number = Coordinate(0, 1 if self.view != FREQUENCIES else 0)
            table.cursor_coordinate = kept if kept is not None else first_number
            return
        if start == FIRST_ROWS and table.row_count:
            table.cursor_coordinate = Coordinate(0, 1 if self.view != FREQUENCIES else 0)
        table.add_rows(content.rows[start:start + ROWS_A_FRAME])
        self.call_after_refresh(self._add_later, content, start + ROWS_A_FRAME, generation)

    # ------------------------------------------------------------------ cells and passages

    @on(DataTable.CellHighlighted, "#analysis-counts")
    def _highlighted(self, event: DataTable.CellHighlighted) -> None:
        analysis = self.analysis
        if analysis is None:
            return
        row, column = event.coordinate.row, event.coordinate.column
        if self.filled:  # (not the moves a refill makes)
            self._cursors[self.view] = event.coordinate
        matrix = analysis.matrix
        if self.view == MATRIX and 0 < column <= len(matrix.tags) and row < len(matrix.rows):
            document = matrix.rows[row]
            tag = matrix.tags[column - 1]
            count = matrix.count(document.key, tag.id)
            characters = matrix.characters_coded(document.key, tag.id)
            self._heading(f"{matrix.tag_paths[column - 1]} in {document.label}: "
                          f"{count} passage{'s' * (count != 1)}, {characters} characters coded")
        elif self.view == COOCCURRENCE and analysis.pairs is not None and 0 < column:
            pairs = analysis.pairs
            if row >= len(pairs.tags) or column > len(pairs.tags):
                return
            count = pairs.count(pairs.tags[row].id, pairs.tags[column - 1].id)
            if row == column - 1:
                self._heading(f"{pairs.tag_paths[row]}: {count} passage{'s' * (count != 1)}")
            else:
                self._heading(f"{pairs.tag_paths[row]} with {pairs.tag_paths[column - 1]}: "
                              f"{count} overlapping")
        elif self.view == FREQUENCIES and row < len(matrix.tags):
            tag = matrix.tags[row]
            total = matrix.totals.get(tag.id, 0)
            documents = sum(1 for line in matrix.rows if matrix.count(line.key, tag.id))
            self._heading(f"{matrix.tag_paths[row]}: {total} passage{'s' * (total != 1)} in "
                          f"{documents} document{'s' * (documents != 1)}")

    def _heading(self, text: str) -> None:
        self.query_one("#analysis-heading", Static).update(Content(visual_label(text)))

    @on(DataTable.CellSelected, "#analysis-counts")
    def _selected(self, event: DataTable.CellSelected) -> None:
        analysis = self.analysis
        if analysis is None:
            return
        row, column = event.coordinate.row, event.coordinate.column
        matrix = analysis.matrix
        if self.view == MATRIX and 0 < column <= len(matrix.tags) and row < len(matrix.rows):
            document = matrix.rows[row]
            tag = matrix.tags[column - 1]
            self.list_passages(passages_in_cell(analysis.corpus, document.key, tag.id),
                               f"{matrix.tag_paths[column - 1]} in {document.label}")
        elif self.view == COOCCURRENCE and analysis.pairs is not None and 0 < column:
            pairs = analysis.pairs
            if row >= len(pairs.tags) or column > len(pairs.tags):
                return
            first, second = pairs.tags[row], pairs.tags[column - 1]
            title = (pairs.tag_paths[row] if first == second
                     else f"{pairs.tag_paths[row]} with {pairs.tag_paths[column - 1]}")
            self.list_passages(passages_cooccurring(analysis.corpus, first.id, second.id),
                               title)
        elif self.view == FREQUENCIES and row < len(matrix.tags):
            tag = matrix.tags[row]
            self.list_passages(passages_cooccurring(analysis.corpus, tag.id, tag.id),
                               matrix.tag_paths[row])

    def list_passages(self, passages: list[Annotation], title: str) -> None:
        """Show these passages below the counts, and move the keyboard to them."""
        analysis = self.analysis
        titles = analysis.corpus.document_titles() if analysis is not None else {}
        self.passages = passages
        table = self.query_one("#analysis-passages", DataTable)
        table.clear()
        width = max(20, self.size.width - 24 - 6)
        for passage in passages:
            memo = f"  [{shorten(passage.memo, 40)}]" if passage.memo.strip() else ""
            table.add_row(
                Text(visual_label(titles.get(passage.document, "?")), no_wrap=True,
                     overflow="ellipsis"),
                label_text([(shorten(passage.quote, width - len(memo)), ""),
                            (memo, "italic dim")]),
            )
        count = len(passages)
        # (The keys first: a long document title is cut at the right edge.)
        self._heading(f"{count} passage{'s' * (count != 1)} (enter opens one, tab goes back): "
                      f"{title}")
        if passages:
            table.focus()

    @on(DataTable.RowSelected, "#analysis-passages")
    def _passage_selected(self, event: DataTable.RowSelected) -> None:
        if 0 <= event.cursor_row < len(self.passages):
            self.open_passage(self.passages[event.cursor_row])

    def open_passage(self, passage: Annotation) -> None:
        """Close the analysis and show the passage, selected, in its document."""
        app = self.app
        self.dismiss()
        app.post_message(PassageRequested(passage.document, passage.start, passage.end))

    # ------------------------------------------------------------------ keys

    def action_show_view(self, view: str) -> None:
        table = self.query_one("#analysis-counts", DataTable)
        if view != self.view:
            self.view = view
            self._fill()
        table.focus()

    def action_switch_focus(self) -> None:
        passages = self.query_one("#analysis-passages", DataTable)
        if passages.has_focus:
            self.query_one("#analysis-counts", DataTable).focus()
        else:
            passages.focus()

    def action_close(self) -> None:
        self.dismiss()
