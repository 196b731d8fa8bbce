"""The app's annotator side: the store's thread, its messages, undo and redo, export, `jump_to`.

`AnnotatorApp` sits between Textual's `App` and `ReaderApp`, so its bindings join the app's and
its `on_mount` / `on_unmount` run beside the reader's (Textual calls each class's handler).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType

from reader.core.display import printable
from reader.core.filepaths import resolved_path
from reader.ui.review_messages import PassageRequested
from reader.ui.store_feed import StoreFeed
from reader.ui.widgets.document_pane import DocumentPane

if TYPE_CHECKING:
    from reader.core.models import Document
    from reader.core.store import AnnotationStore, Step
    from reader.ui.coding_controller import CodingController
    from reader.ui.store_service import AnnotationService, StoreSnapshot


class _Travel:
    """Undo (or redo) presses waiting for the store's thread, taken as one job.

    (A plain class, not a dataclass: it is made at every start-up, where a dataclass's
    generated methods cost half a millisecond, and nothing compares or prints it.)
    """

    __slots__ = ("count", "undo")

    def __init__(self, undo: bool, count: int = 1) -> None:
        self.undo = undo
        self.count = count


class AnnotatorApp(App[None]):
    """Owns the `AnnotationService` and the `CodingController`; routes messages between them
    and the panes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "u",
            "undo",
            "Undo",
            id="coding.undo",
            tooltip="Take back the last change to passages or tags made in this window",
        ),
        Binding(
            "ctrl+r",
            "redo",
            "Redo",
            id="coding.redo",
            tooltip="Make the last undone change again",
            show=False,
        ),
        Binding(
            "ctrl+e",
            "export",
            "Export",
            id="coding.export",
            tooltip="Export passages, tags and memos to a CSV file",
        ),
    ]

    db_path: Path
    config_path: Path | None
    freeze_after_store_load: bool
    """Set when start-up froze the collector's view of its objects (see `run_tui`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.annotation_service: AnnotationService | None = None
        self.store_feed = StoreFeed(self)
        """What the review screens and widgets are given: the service and each new snapshot."""
        self.coding_controller: CodingController | None = None
        self._store_failure: str | None = None  # the database could not be opened at all
        self._save_error: str | None = None  # the last change that could not be saved
        self._changed_here = False  # a change was made: the panes say whether it is saved
        self.freeze_after_store_load = False
        # An undo or redo queued for the store's thread that further presses can still join.
        self._waiting_travel: _Travel | None = None
        self._travel_lock = threading.Lock()
        self.annotations_starting = False
        """From mount until the store's service and the coding controller exist (just after the
        first frame)."""

    # ------------------------------------------------------------------ lifecycle

    def on_mount(self) -> None:
        # The store's thread (which imports the store and reads the whole database) and the
        # coding controller start once the first frame is painted, so they do not delay it. A
        # coding key pressed before then waits for them (see `_carry_out`).
        self.annotations_starting = True
        self.call_after_refresh(self._import_then_start_annotations)

    def _import_then_start_annotations(self) -> None:
        """Import what the store and the coding controller need in a thread, then start them
        here: a key pressed right after the first frame is then handled at once, between the
        import's turns, rather than after 40 ms of importing."""

        def import_modules() -> None:
            # (The sidebar and the codebook bar, which the main screen mounts meanwhile, too.)
            import reader.config  # noqa: F401
            import reader.ui.coding_controller  # noqa: F401
            import reader.ui.store_service  # noqa: F401
            import reader.ui.widgets.annotation_sidebar  # noqa: F401
            import reader.ui.widgets.codebook_bar  # noqa: F401

            try:
                self.call_from_thread(self._start_annotations)
            except RuntimeError:  # the app stopped meanwhile: nothing to start
                pass

        threading.Thread(target=import_modules, name="annotations-import", daemon=True).start()

    def _start_annotations(self) -> None:
        from reader.config import ConfigError, Settings, load_settings
        from reader.ui.coding_controller import CodingController
        from reader.ui.store_service import AnnotationService

        self.annotations_starting = False
        if not self.is_running:
            return
        try:
            settings = load_settings(getattr(self, "config_path", None))
        except ConfigError:
            settings = Settings()  # the reader reports the bad file itself
        service = AnnotationService(self, self.db_path, annotator=settings.annotator_name)
        self.annotation_service = service
        self.store_feed.service = service
        self.store_feed.on_submit = self.change_submitted
        self.coding_controller = CodingController(
            self, service, feed=self.store_feed, on_submit=self.change_submitted
        )
        self.store_feed.annotations_shown = self.coding_controller.shown
        for pane in self.coding_controller._panes():
            self.coding_controller.pane_mounted(pane)
        service.start()

    def on_unmount(self) -> None:
        self.stop_annotation_service()

    def stop_annotation_service(self) -> bool:
        """Write every queued change, then stop the store's thread (what quitting does)."""
        service = self.annotation_service
        if service is None:
            return True
        return service.stop()

    # ------------------------------------------------------------------ the panes' messages

    @on(DocumentPane.Opened)
    def _pane_opened(self, message: DocumentPane.Opened) -> None:
        # Panes mounted before the controller existed are registered when it starts.
        if self.coding_controller is not None and message.pane.is_attached:
            self.coding_controller.pane_mounted(message.pane)

    @on(DocumentPane.Loaded)
    def _pane_loaded(self, message: DocumentPane.Loaded) -> None:
        # Registered only now: the store knows a document by the hash of its whole text, and
        # passages are anchored in it (keys pressed meanwhile waited, see CodingController).
        if self.coding_controller is not None and message.pane.is_attached:
            self.coding_controller.pane_mounted(message.pane)

    @on(DocumentPane.Closed)
    def _pane_closed(self, message: DocumentPane.Closed) -> None:
        if self.coding_controller is not None:
            self.coding_controller.pane_unmounted(message.pane)

    @on(DocumentPane.CodingRequested)
    def _coding_requested(self, request: DocumentPane.CodingRequested) -> None:
        request.stop()
        self._carry_out(request)

    def _carry_out(self, request: DocumentPane.CodingRequested) -> None:
        if self.coding_controller is None and self.annotations_starting:
            # A key in the moment between the first frame and the store's start: after it.
            self.call_after_refresh(self._carry_out, request)
            return
        if self.coding_controller is None:
            self.notify("Coding needs the annotation database.", severity="warning", timeout=3)
            return
        self.coding_controller.carry_out(request)

    # ------------------------------------------------------------------ the service's messages

    def on_annotation_service_ready(self, message: AnnotationService.Ready) -> None:
        if self.freeze_after_store_load:  # (else the first frame's freeze took them too)
            import gc

            # The store has just parsed the whole database (millions of objects for 20,000
            # annotations), kept as long as the app runs. Left to the collector, every gen-2 pass
            # walked them all: 30-120 ms stalls that landed on key presses now and then.
            gc.freeze()
        for notice in message.notices:
            self.notify(printable(notice), title="Annotations", severity="warning",
                        markup=False, timeout=12)
        self._install(message.snapshot)

    def on_annotation_service_changed(self, message: AnnotationService.Changed) -> None:
        self._install(message.snapshot)

    def on_annotation_service_notice(self, message: AnnotationService.Notice) -> None:
        self.notify(printable(message.text), title="Annotations", severity="warning",
                    markup=False, timeout=20)

    def on_annotation_service_rebound(self, message: AnnotationService.Rebound) -> None:
        if self.coding_controller is not None:
            self.coding_controller.rebind(message.document_ids)

    def on_annotation_service_job_done(self, message: AnnotationService.JobDone) -> None:
        message.callback()

    def on_annotation_service_failed(self, message: AnnotationService.Failed) -> None:
        error = printable(message.error)
        if message.fatal:
            self._store_failure = error
        elif message.label is not None:
            self._save_error = f"{message.label}: {error}"
        if message.label is not None:
            error = f"“{printable(message.label)}” was not saved: {error}"
        self.notify(
            error,
            title="Annotations not saved" if message.label or message.fatal else "Annotations",
            severity="error",
            markup=False,
            timeout=15,
        )
        self._changed_here = True
        self._show_saved_state()

    def on_annotation_service_pending(self, message: AnnotationService.Pending) -> None:
        # (A failed job's Pending comes before its Failed, so a failure stays shown until the
        # next change is sent.)
        self._show_saved_state(message.count)

    def change_submitted(self) -> None:
        """A change went to the store: the panes say "saving…" until it is written."""
        self._save_error = None
        self._changed_here = True
        self._show_saved_state()

    def _install(self, snapshot: StoreSnapshot) -> None:
        if self.coding_controller is not None:
            self.coding_controller.install(snapshot)  # (which publishes it, pending changes drawn)
        else:
            self.store_feed.publish(snapshot)

    def _show_saved_state(self, count: int | None = None) -> None:
        service = self.annotation_service
        if count is None:
            count = service.pending if service is not None else 0
        if self._store_failure is not None:
            text: str | None = f"NOT SAVED: {self._store_failure}"
        elif count > 0:
            text = "saving…"
        elif self._save_error is not None:
            text = f"NOT SAVED: {self._save_error}"
        elif self._changed_here:
            text = "saved"
        else:
            text = None
        if self.coding_controller is not None:
            self.coding_controller.saved_text = text  # for panes opened later
        for pane in self._document_panes():
            pane.set_saved_status(text)

    def _document_panes(self) -> list[DocumentPane]:
        try:
            return list(self.query(DocumentPane).results(DocumentPane))
        except Exception:
            return []

    def _submit_change(self, run: Any, label: str, on_done: Any) -> None:
        service = self.annotation_service
        if service is None:
            return
        service.submit(run, label=label, on_done=on_done)
        self.change_submitted()

    # ------------------------------------------------------------------ undo, redo, export

    def action_undo(self) -> None:
        self._travel(undo=True)

    def action_redo(self) -> None:
        self._travel(undo=False)

    def _travel(self, *, undo: bool) -> None:
        """Queue an undo (or redo). Presses made while one waits for the store's thread join
        it: a thousand presses become one job and one write, not a thousand."""
        with self._travel_lock:
            waiting = self._waiting_travel
            if waiting is not None and waiting.undo == undo:
                waiting.count += 1
                self.change_submitted()
                return
            travel = _Travel(undo)
            self._waiting_travel = travel

        def run(store: AnnotationStore) -> tuple[list[Step], str | None]:
            with self._travel_lock:
                if self._waiting_travel is travel:
                    self._waiting_travel = None
                count = travel.count
            steps, conflict = store.travel(undo=undo, count=count)
            return steps, None if conflict is None else str(conflict)

        def done(result: tuple[list[Step], str | None]) -> None:
            steps, conflict = result
            verb = "Undone" if undo else "Redone"
            if len(steps) == 1:
                self.notify(f"{verb}: {printable(steps[0].label)}", markup=False, timeout=3)
            elif steps:
                self.notify(f"{verb} {len(steps):,} changes, the last: "
                            f"{printable(steps[-1].label)}", markup=False, timeout=3)
            if conflict is not None:
                self.notify(printable(conflict), severity="warning", markup=False, timeout=8)
            elif len(steps) < travel.count:
                self.notify(f"Nothing {'more ' if steps else ''}to {'undo' if undo else 'redo'}.",
                            timeout=3)

        self._submit_change(run, "undo" if undo else "redo", done)

    def action_export(self) -> None:
        controller = self.coding_controller
        if controller is None:
            return
        from reader.core.structure import page_range
        from reader.ui.screens.export_dialog import ExportDialog, ExportRequest

        snapshot = controller.snapshot
        structures = self.annotation_service.structures if self.annotation_service else None

        def label(document: Document) -> str:
            title = document.title or Path(document.path).name
            pages = page_range(structures.structure(document.sha256)) if structures else ""
            return f"{title} ({pages})" if pages else title

        documents = sorted(
            ((document.id, label(document)) for document in snapshot.documents.values()),
            key=lambda item: item[1].casefold(),
        )
        focused = self.focused
        current = None
        for pane in self._document_panes():
            if focused is not None and focused in (pane, pane.view):
                current = pane.document_id

        def chosen(request: ExportRequest | None) -> None:
            if request is not None:
                self._export(request)

        self.push_screen(
            ExportDialog(
                documents=documents,
                codebook=snapshot.codebook,
                current_document=current,
                default_directory=Path.cwd(),
                database=self.db_path,
            ),
            chosen,
        )

    def _export(self, request: Any) -> None:
        service = self.annotation_service
        if service is None:
            return
        from reader.interop.registry import ExportOutcome, export_format

        entry = export_format(request.format)
        destination = Path(request.destination)

        def run(store: AnnotationStore) -> ExportOutcome | str:
            try:
                return entry.export(
                    store,
                    destination,
                    document_ids=request.document_ids,
                    tag_ids=request.tag_ids,
                    **request.exporter_options(),
                )
            except Exception as error:  # shown to the user, not a failed save
                return str(error) or type(error).__name__

        def done(result: ExportOutcome | str) -> None:
            if isinstance(result, str):
                self.notify(printable(result), title="Export failed", severity="error",
                            markup=False, timeout=12)
                return
            self.notify(f"Exported {result.count:,} {result.what}s to "
                        f"{printable(str(destination))}", title="Export", markup=False,
                        timeout=10)
            for warning in result.warnings:
                self.notify(printable(warning), title="Left out of the export",
                            severity="warning", markup=False, timeout=15)

        service.submit(run, on_done=done)

    # ------------------------------------------------------------------ jumping to a passage

    def jump_to(self, document_id: str, offset: int, end: int | None = None) -> None:
        """Show `offset` of a document (opening it if needed) with the keyboard in its view;
        with `end`, select [offset, end)."""
        self._jump(document_id, offset, end)

    @on(PassageRequested)
    def _passage_requested(self, message: PassageRequested) -> None:
        """A passage chosen on the review side: sidebar, tag view, analysis, corpus search."""
        self.jump_to(message.document_id, message.start, message.end)

    @work(group="jump", exclusive=True)
    async def _jump(self, document_id: str, offset: int, end: int | None) -> None:
        controller = self.coding_controller
        if controller is None:
            return
        pane = controller.pane_of(document_id)
        if pane is None:
            document = controller.snapshot.documents.get(document_id)
            if document is None:
                self.notify("That document is not in the database.", severity="warning")
                return
            open_path = getattr(self, "open_path", None)
            if open_path is None or not await open_path(Path(document.path)):
                return
            pane = next(
                (p for p in self._document_panes()
                 if resolved_path(p.document.path) == resolved_path(document.path)),
                None,
            )
            if pane is None:
                return
        else:
            self._show_pane(pane)
        pane.view.focus()
        # A large document just opened shows its start while the rest loads: where the passage
        # is, and whether its quote is still there, is known once all of it is.
        pane.view.when_complete(lambda: self._place_passage(pane, document_id, offset, end))

    def _place_passage(
        self, pane: DocumentPane, document_id: str, offset: int, end: int | None
    ) -> None:
        view = pane.view
        length = len(view.text)
        start = min(max(0, offset), length)
        if end is not None and self._adrift_at(pane, document_id, offset, end):
            end = None  # a selection there would show words the passage never quoted

        def place() -> None:
            if end is not None and end > start:
                view.select(min(end, length), start)  # the cursor at the passage's start
                view.move_cursor(start, center=True)
            else:
                view.clear_selection()
                view.move_cursor(start, center=True)

        pane.call_after_refresh(place)

    def _adrift_at(self, pane: DocumentPane, document_id: str, start: int, end: int) -> bool:
        """Whether a passage at [start, end) of the document no longer has its quote there
        (the file changed); the user is told where it was and what it quoted."""
        controller = self.coding_controller
        if controller is None:
            return False
        for annotation in controller.shown(document_id):
            if (annotation.start, annotation.end) != (start, end):
                continue
            if pane.document.text[start:end] == annotation.quote:
                return False
            quote = printable(annotation.quote[:80])
            self.notify(
                f"Its text is no longer here (the file changed): “{quote}”",
                title="Passage not found", severity="warning", markup=False, timeout=10,
            )
            return True
        return False

    def _show_pane(self, pane: DocumentPane) -> None:
        from reader.ui.widgets.workspace import DocumentTab, PaneTabs

        tab = next((a for a in pane.ancestors if isinstance(a, DocumentTab)), None)
        tabs = next((a for a in pane.ancestors if isinstance(a, PaneTabs)), None)
        if tab is not None and tabs is not None and tabs.active != tab.id:
            tabs.active = tab.id or ""
