"""The analysis screen: the document x tag matrix, tag co-occurrence and tag frequencies as bars.

`enter` on a cell lists its passages, `enter` on a passage opens it in its document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.coordinate import Coordinate
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static, TabbedContent, TabPane

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
from reader.core.display import printable
from reader.core.models import Annotation
from reader.core.review import shorten
from reader.ui.widgets.annotation_sidebar import jump_to_passage, store_service

if TYPE_CHECKING:
    from reader.core.store import AnnotationStore

ROW_LABEL_WIDTH = 28
CELL_WIDTH = 9
"""A matrix cell: a bar of up to five cells, a space, and a count of up to three digits."""
FREQUENCY_BAR_WIDTH = 40
MATRIX_TAB = "analysis-matrix-tab"
COOCCURRENCE_TAB = "analysis-cooccurrence-tab"
FREQUENCY_TAB = "analysis-frequency-tab"


@dataclass(frozen=True)
class Analysis:
    """Everything the screen shows, computed off the UI thread."""

    corpus: Corpus
    matrix: TagMatrix
    pairs: Cooccurrence


def bar_cell(count: int, largest: int, colour: str, width: int = CELL_WIDTH) -> Text:
    """A matrix cell: the count right-aligned after a bar in the tag's colour; a dim dot for 0."""
    if count == 0:
        return Text("·".rjust(width), style="dim")
    number = str(count)
    bar_width = max(1, width - len(number) - 1)
    return Text.assemble((bar(count, largest, bar_width), colour), " ", number)


def column_title(path: str, width: int = CELL_WIDTH) -> Text:
    """A tag's column heading, its leaf name cut to the cell (the heading below the table names
    the highlighted cell in full)."""
    leaf = path.rsplit("/", 1)[-1]
    return Text(printable(leaf if len(leaf) <= width else leaf[: width - 1] + "…"))


class AnalysisScreen(Screen[None]):
    """Counts over the whole corpus; the passages behind any number one key away."""

    DEFAULT_CSS = """
    AnalysisScreen #analysis-title { height: 1; padding: 0 1; color: $accent;
                                     background: $panel; }
    AnalysisScreen TabbedContent { height: 2fr; }
    AnalysisScreen TabPane { padding: 0; }
    AnalysisScreen DataTable { height: 1fr; }
    AnalysisScreen #analysis-heading { height: 1; padding: 0 1; background: $panel; }
    AnalysisScreen #analysis-passages { height: 1fr; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="analysis.close", tooltip="Back to reading"),
        Binding("m", "show_tab('analysis-matrix-tab')", "Matrix", id="analysis.matrix",
                tooltip="Passages per document and tag"),
        Binding("c", "show_tab('analysis-cooccurrence-tab')", "Co-occurrence",
                id="analysis.cooccurrence",
                tooltip="Overlapping passages per pair of tags"),
        Binding("f", "show_tab('analysis-frequency-tab')", "Frequencies",
                id="analysis.frequencies", tooltip="Passages per tag, as bars"),
        Binding("r", "reload", "Reload", id="analysis.reload",
                tooltip="Count again (after coding in another window)"),
        Binding("tab", "switch_focus", "Passages", id="analysis.switch-focus", show=False,
                tooltip="Between the counts and the passages listed under them"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.analysis: Analysis | None = None
        self.passages: list[Annotation] = []
        self.painted = False
        """The first frame is on the screen (what the benchmark times)."""

    @property
    def corpus(self) -> Corpus | None:
        return self.analysis.corpus if self.analysis is not None else None

    def compose(self) -> ComposeResult:
        yield Static(Content.styled("Analysis: counting…", "bold"), id="analysis-title")
        with TabbedContent(initial=MATRIX_TAB):
            with TabPane("Documents × tags", id=MATRIX_TAB):
                # The row labels stay in view while the tag columns scroll sideways.
                yield DataTable(id="analysis-matrix", cursor_type="cell", zebra_stripes=True,
                                fixed_columns=1)
            with TabPane("Co-occurrence", id=COOCCURRENCE_TAB):
                yield DataTable(id="analysis-cooccurrence", cursor_type="cell", fixed_columns=1)
            with TabPane("Tag frequencies", id=FREQUENCY_TAB):
                yield DataTable(id="analysis-frequencies", cursor_type="row")
        yield Static("Enter on a number lists its passages here.", id="analysis-heading")
        yield DataTable(id="analysis-passages", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.call_after_refresh(self._first_frame)
        passages = self.query_one("#analysis-passages", DataTable)
        passages.add_column("Document", key="document", width=24)
        passages.add_column("Passage", key="passage")
        self.query_one("#analysis-matrix", DataTable).focus()
        self.action_reload()

    def _first_frame(self) -> None:
        self.painted = True

    # ------------------------------------------------------------------ loading

    def action_reload(self) -> None:
        """Read the corpus on the store's thread, then count it on a worker thread."""
        service = store_service(self.app)
        if service is None:
            self._title("Analysis: the annotation database is not open yet; press r to retry")
            return

        def read(store: AnnotationStore) -> Corpus:
            return Corpus.from_store(store)

        def count(corpus: Corpus) -> None:
            self._count(corpus)

        service.submit(read, on_done=count)

    @work(thread=True, exclusive=True, group="analysis-count")
    def _count(self, corpus: Corpus) -> None:
        analysis = Analysis(corpus, tag_matrix(corpus), cooccurrence(corpus))
        self.app.call_from_thread(self.show, analysis)

    def _title(self, text: str) -> None:
        self.query_one("#analysis-title", Static).update(Content.styled(text, "bold"))

    def show(self, analysis: Analysis) -> None:
        """Fill the three tables (keeping the cursors where they were)."""
        self.analysis = analysis
        corpus = analysis.corpus
        tagged = sum(1 for passage in corpus.passages if passage.tags)
        self._title(f"Analysis: {len(corpus.documents)} documents, {tagged} coded passages, "
                    f"{len(analysis.matrix.tags)} tags")
        self._fill_matrix(analysis.matrix)
        self._fill_cooccurrence(analysis.pairs)
        self._fill_frequencies(analysis)

    def _refill(self, table: DataTable[Text]) -> Coordinate:
        kept = table.cursor_coordinate
        table.clear(columns=True)
        return kept

    def _fill_matrix(self, matrix: TagMatrix) -> None:
        table: DataTable[Text] = self.query_one("#analysis-matrix", DataTable)
        kept = self._refill(table)
        table.add_column("Document", key="", width=ROW_LABEL_WIDTH)
        for tag, path in zip(matrix.tags, matrix.tag_paths, strict=True):
            table.add_column(column_title(path), key=tag.id, width=CELL_WIDTH)
        largest = matrix.largest
        table.add_rows(
            [
                Text(printable(row.label), no_wrap=True, overflow="ellipsis"),
                *(bar_cell(matrix.count(row.key, tag.id), largest, tag.colour)
                  for tag in matrix.tags),
            ]
            for row in matrix.rows
        )
        # (Row keys would cost a dict entry each on 1,000 rows; the row index finds the row.)
        table.cursor_coordinate = kept if kept.column else Coordinate(kept.row, 1)

    def _fill_cooccurrence(self, pairs: Cooccurrence) -> None:
        table: DataTable[Text] = self.query_one("#analysis-cooccurrence", DataTable)
        kept = self._refill(table)
        table.add_column("Tag", key="", width=ROW_LABEL_WIDTH)
        for tag, path in zip(pairs.tags, pairs.tag_paths, strict=True):
            table.add_column(column_title(path), key=tag.id, width=CELL_WIDTH)
        largest = pairs.largest_pair
        for tag, path in zip(pairs.tags, pairs.tag_paths, strict=True):
            cells = []
            for other in pairs.tags:
                count = pairs.count(tag.id, other.id)
                if other.id == tag.id:  # the tag's own passages: a number, no bar
                    cells.append(Text(str(count).rjust(CELL_WIDTH), style="bold"))
                else:
                    cells.append(bar_cell(count, largest, tag.colour))
            table.add_row(Text(printable(path), no_wrap=True, overflow="ellipsis"), *cells,
                          key=tag.id)
        table.cursor_coordinate = kept if kept.column else Coordinate(kept.row, 1)

    def _fill_frequencies(self, analysis: Analysis) -> None:
        table: DataTable[Text] = self.query_one("#analysis-frequencies", DataTable)
        kept = self._refill(table)
        matrix = analysis.matrix
        table.add_column("Tag", key="tag", width=ROW_LABEL_WIDTH)
        table.add_column("Passages", key="bar", width=FREQUENCY_BAR_WIDTH)
        table.add_column("Count", key="count", width=7)
        table.add_column("Documents", key="documents", width=9)
        table.add_column("Characters", key="characters", width=10)
        largest = max(matrix.totals.values(), default=0)
        for tag, path in zip(matrix.tags, matrix.tag_paths, strict=True):
            total = matrix.totals.get(tag.id, 0)
            documents = sum(1 for row in matrix.rows if matrix.count(row.key, tag.id))
            characters = sum(matrix.characters_coded(row.key, tag.id) for row in matrix.rows)
            table.add_row(
                Text(printable(path), no_wrap=True, overflow="ellipsis"),
                Text(bar(total, largest, FREQUENCY_BAR_WIDTH), style=tag.colour),
                Text(str(total), justify="right"),
                Text(str(documents), justify="right"),
                Text(str(characters), justify="right"),
                key=tag.id,
            )
        table.cursor_coordinate = kept

    # ------------------------------------------------------------------ cells and passages

    @on(DataTable.CellHighlighted, "#analysis-matrix")
    def _matrix_highlighted(self, event: DataTable.CellHighlighted) -> None:
        analysis = self.analysis
        if analysis is None or not 0 < event.coordinate.column <= len(analysis.matrix.tags):
            return
        matrix = analysis.matrix
        row = matrix.rows[event.coordinate.row]
        tag = matrix.tags[event.coordinate.column - 1]
        count = matrix.count(row.key, tag.id)
        characters = matrix.characters_coded(row.key, tag.id)
        self._heading(f"{matrix.tag_paths[event.coordinate.column - 1]} in {row.label}: "
                      f"{count} passage{'s' * (count != 1)}, {characters} characters coded")

    @on(DataTable.CellHighlighted, "#analysis-cooccurrence")
    def _pair_highlighted(self, event: DataTable.CellHighlighted) -> None:
        analysis = self.analysis
        if analysis is None or not 0 < event.coordinate.column <= len(analysis.pairs.tags):
            return
        pairs = analysis.pairs
        first, second = event.coordinate.row, event.coordinate.column - 1
        count = pairs.count(pairs.tags[first].id, pairs.tags[second].id)
        if first == second:
            self._heading(f"{pairs.tag_paths[first]}: {count} passage{'s' * (count != 1)}")
        else:
            self._heading(f"{pairs.tag_paths[first]} with {pairs.tag_paths[second]}: {count} "
                          "overlapping")

    @on(DataTable.RowHighlighted, "#analysis-frequencies")
    def _frequency_highlighted(self, event: DataTable.RowHighlighted) -> None:
        analysis = self.analysis
        if analysis is None or not 0 <= event.cursor_row < len(analysis.matrix.tags):
            return
        matrix = analysis.matrix
        tag = matrix.tags[event.cursor_row]
        total = matrix.totals.get(tag.id, 0)
        documents = sum(1 for row in matrix.rows if matrix.count(row.key, tag.id))
        self._heading(f"{matrix.tag_paths[event.cursor_row]}: {total} "
                      f"passage{'s' * (total != 1)} in {documents} "
                      f"document{'s' * (documents != 1)}")

    def _heading(self, text: str) -> None:
        self.query_one("#analysis-heading", Static).update(Content(printable(text)))

    @on(DataTable.CellSelected, "#analysis-matrix")
    def _matrix_cell(self, event: DataTable.CellSelected) -> None:
        analysis = self.analysis
        if analysis is None or event.coordinate.column == 0:
            return
        row = analysis.matrix.rows[event.coordinate.row]
        tag = analysis.matrix.tags[event.coordinate.column - 1]
        path = analysis.matrix.tag_paths[event.coordinate.column - 1]
        self.list_passages(passages_in_cell(analysis.corpus, row.key, tag.id),
                           f"{path} in {row.label}")

    @on(DataTable.CellSelected, "#analysis-cooccurrence")
    def _pair_cell(self, event: DataTable.CellSelected) -> None:
        analysis = self.analysis
        if analysis is None or event.coordinate.column == 0:
            return
        pairs = analysis.pairs
        first = event.coordinate.row
        second = event.coordinate.column - 1
        title = (pairs.tag_paths[first] if first == second
                 else f"{pairs.tag_paths[first]} with {pairs.tag_paths[second]}")
        self.list_passages(
            passages_cooccurring(analysis.corpus, pairs.tags[first].id, pairs.tags[second].id),
            title,
        )

    @on(DataTable.RowSelected, "#analysis-frequencies")
    def _frequency_row(self, event: DataTable.RowSelected) -> None:
        analysis = self.analysis
        if analysis is None:
            return
        tag = analysis.matrix.tags[event.cursor_row]
        self.list_passages(passages_cooccurring(analysis.corpus, tag.id, tag.id),
                           analysis.matrix.tag_paths[event.cursor_row])

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
                Text(printable(titles.get(passage.document, "?")), no_wrap=True,
                     overflow="ellipsis"),
                Text.assemble(printable(shorten(passage.quote, width - len(memo))),
                              (printable(memo), "italic dim"), no_wrap=True),
            )
        count = len(passages)
        self._heading(f"{count} passage{'s' * (count != 1)}: {title} "
                      "(enter opens one, tab goes back)")
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
        app.run_worker(jump_to_passage(app, passage.document, passage.start, passage.end),
                       group="review-jump")

    # ------------------------------------------------------------------ keys

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        table_id = {MATRIX_TAB: "#analysis-matrix", COOCCURRENCE_TAB: "#analysis-cooccurrence",
                    FREQUENCY_TAB: "#analysis-frequencies"}[tab]
        self.query_one(table_id, DataTable).focus()

    def action_switch_focus(self) -> None:
        passages = self.query_one("#analysis-passages", DataTable)
        if passages.has_focus:
            self.action_show_tab(self.query_one(TabbedContent).active or MATRIX_TAB)
        else:
            passages.focus()

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        pane = event.pane
        if pane is not None:
            for table in pane.query(DataTable):
                table.focus()

    def action_close(self) -> None:
        self.dismiss()
