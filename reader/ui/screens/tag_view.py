"""The tag view: every passage with a tag across all documents, with its title and context."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.events import Resize
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, OptionList, Static
from textual.widgets.option_list import Option

from reader.core.review import (
    TagViewRow,
    codebook_entries,
    one_line,
    tag_and_descendants,
    tag_view_rows,
)
from reader.core.row_geometry import visual_label
from reader.core.structure import page_range
from reader.ui.review_messages import PassageRequested
from reader.ui.store_feed import store_feed
from reader.ui.widgets.annotation_sidebar import (
    store_service,
    store_snapshot,
    tag_label,
)
from reader.ui.widgets.footer import COMPACT_FOOTER_BELOW
from reader.ui.widgets.row_render import label_text

if TYPE_CHECKING:
    from reader.core.models import Document
    from reader.core.store import AnnotationStore
    from reader.ui.store_service import StoreSnapshot


PAGE_COLUMN = 5
"""Cells of the page column ("212", "xviii")."""


def snapshot_content(snapshot: StoreSnapshot) -> object:
    """What the tag view depends on in a snapshot, comparable across revisions.

    Every job, reads included, makes a new revision; comparing content instead keeps the view
    from reloading (and so reading again) in a loop.
    """
    return (
        tuple(snapshot.codebook),
        tuple(sorted(snapshot.rolled_counts.items())),
        tuple(snapshot.documents.items()),
        tuple(sorted(snapshot.annotations.items())),
    )


def passage_lines(row: TagViewRow, width: int) -> list[tuple[str, str]]:
    """The passage in full and then its memo, as (line, style) wrapped to `width` cells.

    Wrapped here, in logical order, rather than by the table: each line can then be drawn on
    its own (right-to-left text is put in visual order line by line, not across the wrap).
    """
    annotation = row.annotation
    lines = [(line, "bold") for line in textwrap.wrap(one_line(annotation.quote), width)]
    if annotation.memo.strip():
        lines += [(line, "italic dim")
                  for line in textwrap.wrap(f"Memo: {one_line(annotation.memo)}", width)]
    return lines or [("", "")]


def passage_cell(row: TagViewRow, width: int) -> Text:
    """The passage in full, wrapped to its column, and its memo on the lines under it (each
    line in visual order)."""
    return Text("\n", no_wrap=True, overflow="ellipsis").join(
        label_text([(line, style)]) for line, style in passage_lines(row, width)
    )


DOCUMENT_WIDTH = 20


class TagViewScreen(Screen[None]):
    """Tags on the left; the passages of the highlighted tag (and its nested tags) on the right."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape,q",
            "close",
            "Close",
            id="tag-view.close",
            tooltip="Back to reading",
        ),
    ]

    class RowsLoaded(Message):
        """The store thread read the passages of `tag_id`."""

        def __init__(self, tag_id: str, rows: list[TagViewRow]) -> None:
            super().__init__()
            self.tag_id = tag_id
            self.rows = rows

    def __init__(self, tag_id: str | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.tag_id = tag_id
        self.rows: list[TagViewRow] = []
        self._content: object = None
        self._tags_drawn: object = None
        self._columns_width = 0
        self._columns_paged = False

    def compose(self) -> ComposeResult:
        yield Static(Content.styled("Tag view", "bold"), id="tag-view-title")
        with Horizontal(id="tag-view-body"):
            yield OptionList(id="tag-view-tags")
            with Vertical(id="tag-view-right"):
                yield Static("", id="tag-view-heading")
                table: DataTable[Text] = DataTable(
                    id="tag-view-passages", cursor_type="row", zebra_stripes=True
                )
                yield table
        yield Footer()

    def on_mount(self) -> None:
        self._add_columns(paged=False)
        feed = store_feed(self.app)
        if feed is not None:
            feed.follow(self, self.show_snapshot)
        self.query_one("#tag-view-tags", OptionList).focus()

    # ------------------------------------------------------------------ following the store

    def show_snapshot(self, snapshot: StoreSnapshot) -> None:
        """Each new snapshot of the store (`StoreFeed.follow`): redrawn if its content changed."""
        content = snapshot_content(snapshot)
        if content == self._content:
            return
        self._content = content
        self.show_tags(snapshot)
        if self.tag_id is not None:
            self.load(self.tag_id)

    def show_tags(self, snapshot: StoreSnapshot) -> None:
        """List the codebook with counts, keeping the highlighted tag."""
        entries = codebook_entries(snapshot.codebook, snapshot.rolled_counts)
        key = tuple((entry.tag, entry.count, entry.depth) for entry in entries)
        if key == self._tags_drawn:
            return
        self._tags_drawn = key
        tags = self.query_one("#tag-view-tags", OptionList)
        tags.set_options(
            Option(
                Content.assemble(
                    "  " * entry.depth,
                    tag_label(entry.tag.name, entry.tag.colour),
                    Content.styled(f" {entry.count}", "$text-muted"),
                ),
                id=entry.tag.id,
            )
            for entry in entries
        )
        ids = [entry.tag.id for entry in entries]
        if self.tag_id not in ids:
            with_passages = [entry.tag.id for entry in entries if entry.count]
            choices = with_passages or ids
            self.tag_id = choices[0] if choices else None
        if self.tag_id is not None:
            with tags.prevent(OptionList.OptionHighlighted):
                tags.highlighted = ids.index(self.tag_id)
        else:
            self._show_rows([])

    def load(self, tag_id: str) -> None:
        """Read the tag's passages (and those of tags nested in it) on the store's thread."""
        service = store_service(self.app)
        if service is None:
            return
        # What the passage column gets: the screen less the tag list, the document column, the
        # cells' padding and a scrollbar (and the page column, where a document has pages).
        width = self._passage_width(paged=False)
        structures = service.structures

        def page_of(document: Document, offset: int) -> str:
            return structures.page(document.sha256, offset)

        def run(store: AnnotationStore) -> None:
            codebook = store.codebook()
            if tag_id not in codebook:
                self.post_message(self.RowsLoaded(tag_id, []))
                return
            wanted = tag_and_descendants(codebook, tag_id)
            documents = {document.id: document for document in store.documents()}
            paged = any(page_range(structures.structure(document.sha256))
                        for document in documents.values())
            rows = tag_view_rows(store.annotations(), documents, wanted,
                                 width=max(24, width - PAGE_COLUMN - 2) if paged else width,
                                 page_of=page_of if paged else None)
            self.post_message(self.RowsLoaded(tag_id, rows))

        service.submit(run)

    @on(RowsLoaded)
    def _rows_loaded(self, event: RowsLoaded) -> None:
        if event.tag_id == self.tag_id:
            self._show_rows(event.rows)

    def _show_rows(self, rows: list[TagViewRow]) -> None:
        table = self.query_one("#tag-view-passages", DataTable)
        keep = None
        if table.row_count and 0 <= table.cursor_row < len(self.rows):
            keep = self.rows[table.cursor_row].annotation.id
        self.rows = rows
        # The page column only where a passage has a page: plain texts keep the room.
        paged = any(row.page for row in rows)
        if (self._passage_width(paged), paged) != (self._columns_width, self._columns_paged):
            table.clear(columns=True)
            self._add_columns(paged)
        else:
            table.clear()
        for row in rows:
            cell = passage_cell(row, self._columns_width)
            cells = [Text(visual_label(row.document_title), no_wrap=True, overflow="ellipsis"),
                     cell]
            if paged:
                cells.append(Text(visual_label(row.page), no_wrap=True, overflow="ellipsis"))
            table.add_row(*cells, key=row.annotation.id, height=len(cell.plain.split("\n")))
        ids = [row.annotation.id for row in rows]
        if keep in ids:
            table.move_cursor(row=ids.index(keep))
        self._update_heading()

    def _passage_width(self, paged: bool) -> int:
        """What the passage column gets: the screen less the tag list, the document column,
        the cells' padding and a scrollbar (and the page column, where passages have pages)."""
        tags_width = self.query_one("#tag-view-tags").outer_size.width or 32
        screen_width = self.size.width or self.app.size.width
        width = max(24, screen_width - tags_width - DOCUMENT_WIDTH - 8)
        return max(24, width - PAGE_COLUMN - 2) if paged else width

    def _add_columns(self, paged: bool) -> None:
        table = self.query_one("#tag-view-passages", DataTable)
        self._columns_width, self._columns_paged = self._passage_width(paged), paged
        table.add_column("Document", key="document", width=DOCUMENT_WIDTH)
        # A set width, so a long passage wraps onto more lines of its row.
        table.add_column("Passage", key="passage", width=self._columns_width)
        if paged:
            table.add_column("Page", key="page", width=PAGE_COLUMN)

    def _update_heading(self) -> None:
        heading = self.query_one("#tag-view-heading", Static)
        snapshot = store_snapshot(self.app)
        if self.tag_id is None or snapshot is None or self.tag_id not in snapshot.codebook:
            heading.update(Content("No tags yet."))
            return
        codebook = snapshot.codebook
        tag = codebook.get(self.tag_id)
        documents = len({row.document_id for row in self.rows})
        passages = len(self.rows)
        nested = " and the tags in it" if codebook.children(tag.id) else ""
        summary = (
            f"{passages} passage{'s' * (passages != 1)} in "
            f"{documents} document{'s' * (documents != 1)}"
            if passages
            else "no passages yet"
        )
        heading.update(
            Content.assemble(
                tag_label(codebook.path(tag), tag.colour),
                Content(nested),
                Content.styled(f"  {summary}", "$text-muted"),
            )
        )

    # ------------------------------------------------------------------ keys and events

    @on(OptionList.OptionHighlighted, "#tag-view-tags")
    def _tag_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_id is not None and event.option_id != self.tag_id:
            self.tag_id = event.option_id
            self.load(event.option_id)

    @on(OptionList.OptionSelected, "#tag-view-tags")
    def _tag_selected(self, _event: OptionList.OptionSelected) -> None:
        self.action_focus_passages()

    @on(DataTable.RowSelected, "#tag-view-passages")
    def _passage_selected(self, event: DataTable.RowSelected) -> None:
        for row in self.rows:
            if row.annotation.id == event.row_key.value:
                self.open_passage(row)
                return

    def open_passage(self, row: TagViewRow) -> None:
        """Close the tag view and show the passage in its document."""
        app = self.app
        self.dismiss()
        app.post_message(PassageRequested(row.document_id, row.start, row.annotation.end))

    def on_resize(self, event: Resize) -> None:
        # Closer keys on a narrow terminal, so more of them fit in the footer.
        self.query_one(Footer).compact = event.size.width < COMPACT_FOOTER_BELOW
        if self.rows and self._passage_width(self._columns_paged) != self._columns_width:
            self._show_rows(self.rows)  # wrapped again to the new width

    def action_close(self) -> None:
        self.dismiss()

    def action_focus_tags(self) -> None:
        self.query_one("#tag-view-tags", OptionList).focus()

    def action_focus_passages(self) -> None:
        self.query_one("#tag-view-passages", DataTable).focus()
