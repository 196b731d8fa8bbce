"""The corpus search screen: every hit in every document, in context, as you type; auto-coding.

`enter` opens a hit; auto-coding proposes the hits one by one, and nothing is written before every
one is decided.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static
from textual.worker import get_current_worker

from reader.analysis.autocode import (
    UNIT_MATCH,
    UNITS,
    CachedTexts,
    Candidate,
    apply_autocoding,
    autocoding_label,
    plan_autocoding,
)
from reader.analysis.kwic import (
    KwicHit,
    KwicResult,
    PageSource,
    load_text,
    search_corpus,
    texts_for_database,
)
from reader.core.display import printable
from reader.core.models import Annotation, Document
from reader.core.review import shorten
from reader.core.row_geometry import visual_label
from reader.core.search import SearchError, SearchQuery
from reader.ui.review_messages import PassageRequested
from reader.ui.screens.tag_picker import TagPicker, TagPickerResult
from reader.ui.store_feed import store_feed
from reader.ui.widgets.annotation_sidebar import (
    store_service,
    store_snapshot,
)
from reader.ui.widgets.row_render import label_text

if TYPE_CHECKING:
    from reader.core.store import AnnotationStore

SHOWN_HITS = 5_000
"""Hits listed at most (all of them are coded by auto-coding)."""
CONTEXT_WIDTH = 40

ACCEPTED = "accepted"
REJECTED = "rejected"


@dataclass
class Review:
    """An auto-coding run being reviewed: what each proposed passage was decided to be."""

    tag_id: str  # "" for a tag to be created with the passages (`new_colour`)
    tag_path: str
    unit: str
    candidates: list[Candidate]
    decisions: list[str | None] = field(default_factory=list)
    new_colour: str | None = None

    def __post_init__(self) -> None:
        self.decisions = [None] * len(self.candidates)

    @property
    def undecided(self) -> int:
        return self.decisions.count(None)

    @property
    def accepted(self) -> list[Candidate]:
        return [c for c, d in zip(self.candidates, self.decisions, strict=True) if d == ACCEPTED]

    def next_undecided(self, after: int) -> int | None:
        count = len(self.decisions)
        for step in range(1, count + 1):
            index: int = (after + step) % count
            if self.decisions[index] is None:
                return index
        return None


class QueryInput(Input):
    """The search field (its own class, so its keys are the search screen's)."""


class CorpusSearchScreen(Screen[None]):
    """A search field over a keyword-in-context list of hits across every document."""

    DEFAULT_CSS = """
    CorpusSearchScreen #corpus-title { height: 1; padding: 0 1; color: $accent;
                                       background: $panel; }
    CorpusSearchScreen #corpus-status { height: 1; padding: 0 1; color: $text-muted; }
    CorpusSearchScreen #corpus-status.-error { color: $error; }
    CorpusSearchScreen #corpus-hits { height: 1fr; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Close", id="corpus-search.close",
                tooltip="Back to reading (while reviewing: stop, writing nothing)"),
        Binding("ctrl+r", "toggle_regex", "Regex", id="corpus-search.regex",
                tooltip="Plain text or a regular expression"),
        Binding("ctrl+t", "toggle_case", "Case", id="corpus-search.case",
                tooltip="Ignore case (default) or match it"),
        Binding("ctrl+l", "code_hits", "Code hits", id="corpus-search.code",
                tooltip="Code the hits with a tag: choose it, then accept or reject each one"),
        Binding("ctrl+g", "cycle_unit", "Unit", id="corpus-search.unit",
                tooltip="Code the match itself, its sentence or its paragraph"),
        Binding("y", "decide('accepted')", "Accept", id="corpus-search.accept",
                tooltip="Code this passage (while reviewing)"),
        Binding("n", "decide('rejected')", "Reject", id="corpus-search.reject",
                tooltip="Leave this passage uncoded (while reviewing)"),
        Binding("a", "accept_remaining", "Accept all", id="corpus-search.accept-all",
                tooltip="Code every passage not yet decided (while reviewing)"),
        Binding("slash", "focus_query", "Search", id="corpus-search.focus", show=False,
                tooltip="Back to the search field"),
    ]

    def __init__(self, query: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.initial_query = query
        self.regex = False
        self.case_sensitive = False
        self.unit = UNIT_MATCH
        self.result: KwicResult | None = None
        self.review: Review | None = None
        self.searching = False
        self.texts = CachedTexts(load_text)
        self.page_of: PageSource | None = None

    @property
    def hits(self) -> tuple[KwicHit, ...]:
        return self.result.hits if self.result is not None else ()

    def compose(self) -> ComposeResult:
        yield Static(Content.styled("Search all documents", "bold"), id="corpus-title")
        yield QueryInput(self.initial_query, placeholder="a word, a phrase or (ctrl+r) a "
                         "regular expression", id="corpus-query")
        yield Static("", id="corpus-status")
        yield DataTable(id="corpus-hits", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        service = store_service(self.app)
        if service is not None:
            # Texts and pages as the rest of the app reads them: from the extraction cache.
            self.texts = CachedTexts(texts_for_database(service.db_path))
            structures = service.structures
            self.page_of = lambda document, offset: structures.page(document.sha256, offset)
        self._hit_columns()
        self.query_one(QueryInput).focus()
        self._status()
        if self.initial_query:
            self.search()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        reviewing = self.review is not None
        # The review's keys show only while reviewing; the search's only while searching.
        if action in ("decide", "accept_remaining"):
            return reviewing
        if action in ("code_hits", "toggle_regex", "toggle_case", "cycle_unit"):
            return not reviewing
        return True

    # ------------------------------------------------------------------ searching

    @on(Input.Changed, "#corpus-query")
    def _query_changed(self, _event: Input.Changed) -> None:
        if self.review is None:
            self.search()

    @on(Input.Submitted, "#corpus-query")
    def _query_submitted(self, _event: Input.Submitted) -> None:
        if self.hits:
            self.query_one("#corpus-hits", DataTable).focus()

    def current_query(self) -> SearchQuery:
        return SearchQuery(self.query_one(QueryInput).value, regex=self.regex,
                           case_sensitive=self.case_sensitive)

    def documents(self) -> list[Document]:
        snapshot = store_snapshot(self.app)
        if snapshot is None:
            return []
        return sorted(snapshot.documents.values(), key=lambda d: (d.title.casefold(), d.path))

    def search(self) -> None:
        """Search again for what the field holds; an older search still running is cancelled."""
        query = self.current_query()
        if query.is_empty:
            self.workers.cancel_group(self, "corpus-search")
            self.searching = False
            self._show_result(query, KwicResult(()))
            return
        self.searching = True
        self._status()
        self._search(query, self.documents())

    # (Descriptions of our own: Textual would otherwise repr every argument, a thousand
    # documents, on the UI thread at each key press.)
    @work(thread=True, exclusive=True, group="corpus-search", description="corpus search")
    def _search(self, query: SearchQuery, documents: list[Document]) -> None:
        worker = get_current_worker()
        try:
            result = search_corpus(documents, query, text_of=self.texts,
                                   context=CONTEXT_WIDTH, page_of=self.page_of,
                                   should_stop=lambda: worker.is_cancelled)
        except SearchError as error:
            if not worker.is_cancelled:
                self.app.call_from_thread(self._show_error, query, str(error))
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show_result, query, result)

    def _show_error(self, query: SearchQuery, error: str) -> None:
        if query != self.current_query():
            return
        self.searching = False
        self.result = None
        self.query_one("#corpus-hits", DataTable).clear()
        self._status(error, error=True)

    def _show_result(self, query: SearchQuery, result: KwicResult) -> None:
        if query != self.current_query() or self.review is not None:
            return  # typed on since: a newer search is coming
        self.searching = False
        self.result = result
        table = self.query_one("#corpus-hits", DataTable)
        table.clear()
        for hit in result.hits[:SHOWN_HITS]:
            table.add_row(*self._hit_cells(hit))
        self._status()

    def _hit_columns(self) -> None:
        table = self.query_one("#corpus-hits", DataTable)
        table.clear(columns=True)
        table.add_column("Document", key="document", width=20)
        table.add_column("Where", key="line", width=9)
        table.add_column("Hit in context", key="context")

    @staticmethod
    def _hit_cells(hit: KwicHit) -> tuple[Text, Text, Text]:
        left = hit.left[-CONTEXT_WIDTH:].rjust(CONTEXT_WIDTH)
        return (
            Text(visual_label(hit.document.title), no_wrap=True, overflow="ellipsis"),
            Text(hit.location, justify="right"),
            # In visual order, so an Arabic hit reads right to left with its context.
            label_text([(left, "dim"), (hit.match, "bold reverse"), (hit.right, "dim")]),
        )

    def _status(self, text: str | None = None, *, error: bool = False) -> None:
        status = self.query_one("#corpus-status", Static)
        status.set_class(error, "-error")
        if text is None:
            text = self._status_text()
        status.update(Content(visual_label(text)))

    def _status_text(self) -> str:
        options = (f"{'regular expression' if self.regex else 'plain text'}, "
                   f"{'matching case' if self.case_sensitive else 'ignoring case'}, "
                   f"coding the {self.unit}")
        review = self.review
        if review is not None:
            accepted = len(review.accepted)
            return (f"Coding with {review.tag_path} (the {review.unit}): "
                    f"{review.undecided} of {len(review.candidates)} to decide, {accepted} "
                    "accepted (nothing is written until all are decided; escape stops)")
        if self.searching:
            return f"Searching… ({options})"
        result = self.result
        if result is None or not self.query_one(QueryInput).value:
            return f"Type to search every document ({options})"
        shown = f", the first {SHOWN_HITS} listed" if len(result.hits) > SHOWN_HITS else ""
        skipped = (f"; {len(result.unreadable)} document(s) could not be read"
                   if result.unreadable else "")
        return f"{result.summary()}{shown}{skipped} ({options})"

    # ------------------------------------------------------------------ opening a hit

    @on(DataTable.RowSelected, "#corpus-hits")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        if self.review is not None:
            candidate = self.review.candidates[event.cursor_row]
            self.open_at(candidate.document.id, candidate.start, candidate.end)
        elif 0 <= event.cursor_row < len(self.hits):
            hit = self.hits[event.cursor_row]
            self.open_at(hit.document.id, hit.start, hit.end)

    def open_at(self, document_id: str, start: int, end: int) -> None:
        """Close the search and show [start, end) selected in its document."""
        app = self.app
        self.dismiss()
        app.post_message(PassageRequested(document_id, start, end))

    # ------------------------------------------------------------------ options

    def action_toggle_regex(self) -> None:
        self.regex = not self.regex
        self.search()

    def action_toggle_case(self) -> None:
        self.case_sensitive = not self.case_sensitive
        self.search()

    def action_cycle_unit(self) -> None:
        self.unit = UNITS[(UNITS.index(self.unit) + 1) % len(UNITS)]
        self._status()

    def action_focus_query(self) -> None:
        if self.review is None:
            self.query_one(QueryInput).focus()

    def action_back(self) -> None:
        if self.review is not None:
            self.end_review("Stopped: nothing was coded.")
        else:
            self.dismiss()

    # ------------------------------------------------------------------ auto-coding

    def action_code_hits(self) -> None:
        snapshot = store_snapshot(self.app)
        if snapshot is None or self.searching:
            return
        if not self.hits:
            self.notify("Nothing to code: search for something first.", severity="warning")
            return
        codebook = snapshot.codebook
        count = len(self.hits)

        def chosen(result: TagPickerResult | None) -> None:
            if result is None:
                return
            # One tag per run: the review proposes passages for it (the first one chosen).
            picked = [codebook.path(tag_id) for tag_id in result.tag_ids if tag_id in codebook]
            picked += [new.path for new in result.new_tags]
            if len(picked) > 1:
                self.notify(f"Auto-coding codes with one tag at a time: {picked[0]}.",
                            markup=False)
            known = [tag_id for tag_id in result.tag_ids if tag_id in codebook]
            if known:
                self.start_review(known[0], codebook.path(known[0]))
            elif result.new_tags:
                new = result.new_tags[0]
                self.start_review("", new.path, new_colour=new.colour)

        self.app.push_screen(
            TagPicker(codebook, counts=snapshot.rolled_counts,
                      title=f"Code {count} hit{'s' * (count != 1)} with"),
            chosen,
        )

    def start_review(self, tag_id: str, tag_path: str, *, new_colour: str | None = None) -> None:
        """Read the tag's passages (to skip hits they cover), then propose the rest. A tag not
        made yet (`tag_id` "", `new_colour` given) has no passages: every hit is proposed, and
        the tag is made with the passages accepted."""
        if not tag_id:
            self._plan(tag_id, tag_path, [], new_colour)
            return
        service = store_service(self.app)
        if service is None:
            return
        hit_documents = {hit.document.id for hit in self.hits}

        def read(store: AnnotationStore) -> list[Annotation]:
            return [a for a in store.annotations(tag=tag_id) if a.document in hit_documents]

        def plan(existing: list[Annotation]) -> None:
            self._plan(tag_id, tag_path, existing)

        service.submit(read, on_done=plan)

    @work(thread=True, exclusive=True, group="corpus-plan", description="planning auto-coding")
    def _plan(self, tag_id: str, tag_path: str, existing: list[Annotation],
              new_colour: str | None = None) -> None:
        candidates = plan_autocoding(self.hits, tag_id, existing, self.texts, unit=self.unit)
        self.app.call_from_thread(self._show_review, Review(tag_id, tag_path, self.unit,
                                                            candidates, new_colour=new_colour))

    def _show_review(self, review: Review) -> None:
        skipped = len(self.hits) - len(review.candidates)
        if not review.candidates:
            self.notify(f"Every hit is already coded with {review.tag_path}.")
            return
        if skipped:
            self.notify(f"{skipped} hit(s) skipped: already coded with {review.tag_path}, or "
                        f"in one {review.unit} with another hit.")
        self.review = review
        self.query_one(QueryInput).disabled = True
        table = self.query_one("#corpus-hits", DataTable)
        table.clear(columns=True)
        table.add_column("", key="decision", width=1)
        table.add_column("Document", key="document", width=20)
        table.add_column("Where", key="line", width=9)
        table.add_column("Passage to code", key="passage")
        for index, candidate in enumerate(review.candidates):
            table.add_row(*self._candidate_cells(candidate, None), key=str(index))
        table.move_cursor(row=0)
        table.focus()
        self._status()
        self.refresh_bindings()

    def _candidate_cells(self, candidate: Candidate, decision: str | None) -> list[Text]:
        mark = {ACCEPTED: Text("✓", style="bold green"), REJECTED: Text("✗", style="red"),
                None: Text("·", style="dim")}[decision]
        hit = candidate.hit
        quote = visual_label(shorten(candidate.quote, 400))
        return [
            mark,
            Text(visual_label(candidate.document.title), no_wrap=True, overflow="ellipsis"),
            Text(hit.location, justify="right"),
            Text(quote, style="strike dim" if decision == REJECTED else "", no_wrap=True,
                 overflow="ellipsis"),
        ]

    def action_decide(self, decision: str) -> None:
        review = self.review
        if review is None:
            return
        table = self.query_one("#corpus-hits", DataTable)
        index = table.cursor_row
        if not 0 <= index < len(review.candidates):
            return
        self._set_decision(index, decision)
        following = review.next_undecided(index)
        if following is None:
            self.finish_review()
        else:
            table.move_cursor(row=following)
            self._status()

    def action_accept_remaining(self) -> None:
        review = self.review
        if review is None:
            return
        for index, decision in enumerate(review.decisions):
            if decision is None:
                self._set_decision(index, ACCEPTED)
        self.finish_review()

    def _set_decision(self, index: int, decision: str) -> None:
        review = self.review
        assert review is not None
        review.decisions[index] = decision
        table = self.query_one("#corpus-hits", DataTable)
        cells = self._candidate_cells(review.candidates[index], decision)
        for column, cell in zip(("decision", "document", "line", "passage"), cells, strict=True):
            table.update_cell(str(index), column, cell)

    def finish_review(self) -> None:
        """Every passage is decided: write the accepted ones, as one undo step."""
        review = self.review
        if review is None:
            return
        accepted = review.accepted
        if not accepted:
            self.end_review("Nothing was coded: every passage was rejected.")
            return
        service = store_service(self.app)
        if service is None:
            self.end_review("The annotation database is not open: nothing was coded.")
            return
        label = autocoding_label(len(accepted), review.tag_path)
        texts = self.texts
        tag_id, tag_path, new_colour = review.tag_id, review.tag_path, review.new_colour

        def write(store: AnnotationStore) -> int:
            with store.batch(label):  # a new tag and its passages: one undo step
                made = tag_id or store.create_tag(tag_path, colour=new_colour).id
                return len(apply_autocoding(store, accepted, made, texts, label=label))

        def written(count: int) -> None:
            self.notify(f"Coded {count} passage{'s' * (count != 1)} with "
                        f"{printable(review.tag_path)}; u undoes all of them.", markup=False)

        service.submit(write, label=label, on_done=written)
        feed = store_feed(self.app)
        if feed is not None:
            feed.submitted()
        self.end_review(None)

    def end_review(self, message: str | None) -> None:
        """Back to the hits list."""
        self.review = None
        if message:
            self.notify(message)
        query = self.query_one(QueryInput)
        query.disabled = False
        self._hit_columns()
        if self.result is not None:
            self._show_result(self.current_query(), self.result)
        self.query_one("#corpus-hits", DataTable).focus()
        self._status()
        self.refresh_bindings()
