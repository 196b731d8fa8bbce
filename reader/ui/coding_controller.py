"""The coding flow of the TUI: tag, memo, adjust and delete passages through the store's thread.

A change is drawn at once as a *pending* change over the last snapshot, sent to the
`AnnotationService`, and dropped from the pending list once the snapshot that contains it (or
the failure that refused it) arrives, so what is on screen never waits for the disk and never
claims more than the store holds for longer than the job takes.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from reader.core import coding, motions
from reader.core.coding import PENDING_PREFIX, LastUsedTags, PendingChange
from reader.core.display import printable
from reader.core.models import Annotation, Document, utc_now
from reader.ui.store_service import AnnotationService, StoreSnapshot

if TYPE_CHECKING:
    from textual.app import App

    from reader.core.store import AnnotationStore
    from reader.ui.store_feed import StoreFeed
    from reader.ui.widgets.document_pane import DocumentPane
    from reader.ui.widgets.document_view import DocumentView


_PAINT_WAIT = 0.1
"""Longest a change waits for its preview to be painted before it is written."""


class CodingController:
    """What the coding keys of every document pane do; owned by the app."""

    def __init__(
        self,
        app: App[Any],
        service: AnnotationService,
        *,
        feed: StoreFeed | None = None,
        on_submit: Callable[[], None] | None = None,
    ) -> None:
        self.app = app
        self.service = service
        self.feed = feed
        self._on_submit = on_submit
        self.snapshot = StoreSnapshot()
        self.last_tags = LastUsedTags()
        self._tokens = itertools.count(1)
        self._pending: dict[str, dict[int, PendingChange]] = {}
        self._finished: set[int] = set()  # filled on the store's thread
        self._finished_lock = threading.Lock()
        self._real_ids: dict[str, str] = {}  # pending id -> id given by the store
        self._document_ids: dict[str, str] = {}  # path of an open document -> its store id
        self._registering: set[str] = set()
        # Keys pressed before a document was known to the store, replayed once it is (by path).
        self._waiting: dict[str, list[tuple[DocumentPane, Callable[[], None]]]] = {}
        self._last_watched: set[str] | None = None  # the documents last sent to `watch`
        self.saved_text: str | None = None
        """What the status lines say about saving ("saved", "NOT SAVED: ..."), for new panes."""

    # ------------------------------------------------------------------ what is shown

    def shown(self, document_id: str | None) -> tuple[Annotation, ...]:
        """The document's annotations as the snapshot has them, with pending changes applied."""
        if document_id is None:
            return ()
        annotations = self.snapshot.annotations_of(document_id)
        pending = self._pending.get(document_id)
        if not pending:
            return annotations
        return coding.apply_pending(annotations, pending.values())

    def install(self, snapshot: StoreSnapshot) -> None:
        """A new snapshot: drop the pending changes it settled, then redraw every pane."""
        self.snapshot = snapshot
        with self._finished_lock:
            finished, self._finished = self._finished, set()
        for document_id in list(self._pending):
            changes = self._pending[document_id]
            for token in finished & changes.keys():
                del changes[token]
            for token, change in list(changes.items()):
                # A later change to a passage that was pending: it has its stored id now.
                real = self._real_ids.get(change.annotation_id)
                if real is not None:
                    after = change.after.evolve(id=real) if change.after is not None else None
                    changes[token] = PendingChange(change.token, real, after)
            if not changes:
                del self._pending[document_id]
        self.last_tags.forget_missing(snapshot.codebook)
        self.redraw()

    def redraw(self, document_id: str | None = None) -> None:
        """Draw the passages (pending changes over the snapshot) in the panes, and publish them
        to the review widgets that follow the store."""
        for pane in self._panes():
            if pane.document_id is not None and document_id in (None, pane.document_id):
                pane.show_annotations(self.shown(pane.document_id), self.snapshot.codebook)
        if self.feed is not None:
            self.feed.publish(self.snapshot)

    def _panes(self) -> list[DocumentPane]:
        from reader.ui.widgets.document_pane import DocumentPane

        try:
            return list(self.app.query(DocumentPane).results(DocumentPane))
        except Exception:  # no screen while starting or quitting
            return []

    # ------------------------------------------------------------------ documents

    def pane_mounted(self, pane: DocumentPane) -> None:
        """Register the pane's document in the store (once per file) and show its passages;
        a pane still reading its document registers it once it is read (`DocumentPane.Loaded`
        calls this again)."""
        if self.saved_text is not None:
            pane.set_saved_status(self.saved_text)
        document = pane.loaded_document
        if document is None:
            return
        path = str(pane.document.path)
        known = self._document_ids.get(path)
        if known is not None:
            pane.document_id = known
            pane.show_annotations(self.shown(known), self.snapshot.codebook)
            # A document moved to another pane: its old pane may unmount before or after.
            self.app.call_after_refresh(self._rewatch)
            self._replay_waiting(path)  # (keys pressed while this pane read its document)
            return
        if path in self._registering:
            return
        self._registering.add(path)

        def registered(document: Document) -> None:
            self._registering.discard(path)
            self._document_ids[path] = document.id
            for other in self._panes():
                # (A second pane still reading the same file takes the id once it has read it.)
                if str(other.document.path) == path and not other.still_loading:
                    other.document_id = document.id
                    other.show_annotations(self.shown(document.id), self.snapshot.codebook)
                    other.refresh_bindings()
            if self._last_watched is not None and document.id not in self._last_watched:
                # A pane that left meanwhile (the old version of a reloaded file) set the
                # watched documents without this one, whose id was not known yet.
                self._rewatch()
            self._replay_waiting(path)

        def failed(_error: str) -> None:
            # (The store says why, once.) Keys that waited are answered: not open.
            self._registering.discard(path)
            self._replay_waiting(path)

        self.service.register(document, registered, failed)

    def forget_document(self, path: str) -> None:
        """The file at `path` changed: the next pane to show it registers its new text (the
        store then carries passages over to the new text, or marks them)."""
        self._document_ids.pop(path, None)

    def pane_unmounted(self, pane: DocumentPane) -> None:
        """Stop watching documents no pane shows any more, once the panes have settled (a
        document moving between panes is unmounted in one and mounted in the other)."""
        self.app.call_after_refresh(self._rewatch)

    def _rewatch(self) -> None:
        open_ids = {
            pane.document_id
            for pane in self._panes()
            if pane.document_id is not None and pane.is_attached
        }
        closed = set(self._document_ids.values()) - open_ids
        self.service.watch(open_ids, closed=closed)
        self._last_watched = open_ids
        for path, document_id in list(self._document_ids.items()):
            if document_id not in open_ids:
                del self._document_ids[path]

    def rebind(self, document_ids: Mapping[str, str]) -> None:
        """Another database took the file's place: the open documents have these ids in it."""
        for pane in self._panes():
            if pane.document_id is not None and pane.document_id in document_ids:
                pane.document_id = document_ids[pane.document_id]
        for path, document_id in list(self._document_ids.items()):
            self._document_ids[path] = document_ids.get(document_id, document_id)
        for old_id, new_id in document_ids.items():
            if old_id in self._pending:
                self._pending.setdefault(new_id, {}).update(self._pending.pop(old_id))
        self.redraw()

    def pane_of(self, document_id: str) -> DocumentPane | None:
        for pane in self._panes():
            if pane.document_id == document_id:
                return pane
        return None

    # ------------------------------------------------------------------ sending changes

    def real_id(self, annotation_id: str) -> str:
        """On the store's thread: the stored id of an annotation that was pending when asked."""
        return self._real_ids.get(annotation_id, annotation_id)

    def change(
        self,
        document_id: str,
        run: Callable[[AnnotationStore], Any],
        *,
        label: str,
        preview: Sequence[tuple[str, Annotation | None]] = (),
        on_done: Callable[[Any], None] | None = None,
    ) -> int:
        """Send a change to the store, drawing `preview` ((annotation id, new state)) at once."""
        token = next(self._tokens)
        if preview:
            changes = self._pending.setdefault(document_id, {})
            for offset, (annotation_id, after) in enumerate(preview):
                changes[token * 1000 + offset] = PendingChange(token, annotation_id, after)

        painted = threading.Event()
        if preview:
            self.app.call_after_refresh(painted.set)
        else:
            painted.set()

        def job(store: AnnotationStore) -> Any:
            # Writing a big database holds the interpreter for tens of milliseconds: let the
            # preview reach the screen first.
            painted.wait(_PAINT_WAIT)
            try:
                with store.batch(label):  # undo names the step as the user knows it
                    return run(store)
            finally:
                with self._finished_lock:
                    self._finished.update(token * 1000 + n for n in range(len(preview)))

        self.service.submit(job, label=label, on_done=on_done)
        if preview:
            self.redraw(document_id)
        if self._on_submit is not None:
            self._on_submit()
        return token

    def _new_pending(
        self, pane: DocumentPane, start: int, end: int, tags: Sequence[str], memo: str
    ) -> Annotation:
        now = utc_now()
        text = pane.document.text
        return Annotation(
            id=f"{PENDING_PREFIX}{next(self._tokens)}",
            document=pane.document_id or "",
            start=start,
            end=end,
            quote=text[start:end],
            prefix="",
            suffix="",
            tags=tuple(dict.fromkeys(tags)),
            memo=memo,
            created=now,
            updated=now,
        )

    def add(
        self,
        pane: DocumentPane,
        start: int,
        end: int,
        *,
        tags: Sequence[str] = (),
        memo: str = "",
        label: str = "tag passage",
    ) -> None:
        """Code [start, end) of the pane's document; the cursor stays inside the new passage."""
        document_id = pane.document_id
        if document_id is None:
            return
        pending = self._new_pending(pane, start, end, tags, memo)
        text = pane.document.text

        def run(store: AnnotationStore) -> Annotation:
            made = store.add_annotation(
                self.service.document_id_now(document_id), text, start, end,
                tags=self.service.tag_ids_now(store, tags), memo=memo,
            )
            self._real_ids[pending.id] = made.id
            return made

        view = pane.view
        view.clear_selection()
        inside = motions.previous_character(text, end) if end > start else start
        view.move_cursor(max(start, inside))
        self.change(document_id, run, label=label, preview=[(pending.id, pending)])
        if tags:
            self.last_tags.remember(tags)

    def update(
        self,
        pane: DocumentPane,
        annotation: Annotation,
        *,
        tags: Sequence[str] | None = None,
        memo: str | None = None,
        span: tuple[int, int] | None = None,
        label: str = "edit annotation",
    ) -> None:
        """Change an annotation; one left with neither tags nor memo goes."""
        document_id = pane.document_id
        if document_id is None:
            return
        after = annotation
        if tags is not None:
            after = after.evolve(tags=tuple(dict.fromkeys(tags)))
        if memo is not None:
            after = after.evolve(memo=memo)
        text = pane.document.text
        if span is not None:
            after = after.evolve(start=span[0], end=span[1], quote=text[span[0] : span[1]])
        kept: Annotation | None = after if after.tags or after.memo.strip() else None
        annotation_id = annotation.id

        def run(store: AnnotationStore) -> Annotation | None:
            return store.update_annotation(
                self.real_id(annotation_id),
                tags=None if tags is None else self.service.tag_ids_now(store, tags),
                memo=memo,
                span=None if span is None else (text, span[0], span[1]),
                label=label,
            )

        self.change(document_id, run, label=label, preview=[(annotation_id, kept)])

    def delete(self, pane: DocumentPane, annotation: Annotation) -> None:
        document_id = pane.document_id
        if document_id is None:
            return
        annotation_id = annotation.id

        def run(store: AnnotationStore) -> None:
            store.delete_annotation(self.real_id(annotation_id))

        self.change(document_id, run, label="delete passage", preview=[(annotation_id, None)])
        self.app.notify(f"Deleted: {self._key_for('coding.undo', 'u')} to undo", timeout=4)

    def _key_for(self, binding_id: str, default: str) -> str:
        """The key that runs the binding `binding_id` now (the user's keymap may move it)."""
        for active in self.app.active_bindings.values():
            if active.binding.id == binding_id:
                return self.app.get_key_display(active.binding)
        return default

    # ------------------------------------------------------------------ the keys

    def _wait_for_registration(self, pane: DocumentPane, retry: Callable[[], None]) -> bool:
        """True if the pane's document is still being looked up in the store: `retry` then
        runs once it is known (or the store failed), so a key pressed while the database
        opens is not lost. It acts on the selection (or cursor) as it was when pressed."""
        path = str(pane.document.path)
        if not pane.still_loading and (
            pane.document_id is not None or path not in self._registering
        ):
            return False
        if pane.still_loading:
            # Offsets and quotes are of the whole text, and the store knows a document by its
            # hash: the key is carried out once the document is read (the status line shows
            # how far that is).
            pane.notify_still_loading()
        # The pane posted the request once the motions pressed before the key had moved the
        # cursor (see `DocumentPane._request`): the view is as the key saw it now, not once
        # the keys pressed after it have run.
        view = pane.view
        selection, cursor = view.selection, view.cursor_offset

        def replay() -> None:
            if selection is not None:
                view.select(*selection)
            else:
                view.clear_selection()
                view.move_cursor(cursor)
            retry()

        self._waiting.setdefault(path, []).append((pane, replay))
        return True

    def _replay_waiting(self, path: str) -> None:
        for waiting_pane, replay in self._waiting.pop(path, []):
            if waiting_pane.is_attached:
                replay()

    def _ready(self, pane: DocumentPane, retry: Callable[[], None]) -> bool:
        if pane.check_file():
            # Coding the old text would store offsets and quotes of words the file no longer
            # holds: the document is reloaded first (see ReaderApp), and the user looks again.
            self.app.notify(
                f"{printable(pane.document.path.name)} changed on disk: it is being reloaded. "
                "Check the text, then code again.",
                severity="warning",
                markup=False,
                timeout=6,
            )
            return False
        if self._wait_for_registration(pane, retry):
            return False
        if pane.document_id is None:
            self.app.notify(
                "The annotation database is not open yet (or could not be opened).",
                severity="warning",
                timeout=4,
            )
            return False
        return True

    def _under_cursor(self, pane: DocumentPane) -> Annotation | None:
        placed = coding.in_place(self.shown(pane.document_id), pane.document.text)
        return coding.annotation_at(placed, pane.view.cursor_offset)

    def _nothing_to_act_on(self) -> None:
        self.app.notify(
            "Select a passage first (v, s or p), or put the cursor in a coded one.",
            severity="warning",
            timeout=4,
        )

    def tag_slot(self, pane: DocumentPane, slot: int) -> None:
        """Digits: tag the selection, or toggle the tag on the passage under the cursor."""
        if not self._ready(pane, lambda: self.tag_slot(pane, slot)):
            return
        tag = self.snapshot.codebook.by_hotkey(slot)
        if tag is None:
            self.app.notify(f"No tag has the key {slot} yet.", severity="warning", timeout=4)
            return
        selection = pane.view.selection
        if selection is not None:
            self.add(pane, *selection, tags=[tag.id], label=f"tag {tag.name}")
            return
        annotation = self._under_cursor(pane)
        if annotation is None:
            self._nothing_to_act_on()
            return
        if tag.id in annotation.tags:
            tags = tuple(t for t in annotation.tags if t != tag.id)
            label = f"untag {tag.name}"
        else:
            tags = (*annotation.tags, tag.id)
            label = f"tag {tag.name}"
            self.last_tags.remember([tag.id])
        self.update(pane, annotation, tags=tags, label=label)

    def repeat_tags(self, pane: DocumentPane) -> None:
        """`.`: the last tags again, on the selection or the passage under the cursor."""
        if not self._ready(pane, lambda: self.repeat_tags(pane)):
            return
        tags = self.last_tags.tags
        if not tags:
            self.app.notify("No tag used yet.", severity="warning", timeout=4)
            return
        selection = pane.view.selection
        if selection is not None:
            self.add(pane, *selection, tags=tags, label="tag passage")
            return
        annotation = self._under_cursor(pane)
        if annotation is None:
            self._nothing_to_act_on()
            return
        merged = tuple(dict.fromkeys((*annotation.tags, *tags)))
        if merged != annotation.tags:
            self.update(pane, annotation, tags=merged, label="tag passage")

    def pick_tags(self, pane: DocumentPane) -> None:
        """`t`: the tag picker for the selection or the passage under the cursor."""
        if not self._ready(pane, lambda: self.pick_tags(pane)):
            return
        from reader.ui.screens.tag_picker import TagPicker, TagPickerResult

        selection = pane.view.selection
        annotation = None if selection is not None else self._under_cursor(pane)
        if selection is None and annotation is None:
            self._nothing_to_act_on()
            return
        applied = frozenset(annotation.tags) if annotation is not None else frozenset()
        if selection is not None:
            span = selection
        else:
            assert annotation is not None
            span = (annotation.start, annotation.end)
        title = "Tag: " + coding.clip(pane.document.text[span[0] : span[1]], 60)

        def chosen(result: TagPickerResult | None) -> None:
            if result is not None:
                self._apply_picked(pane, selection, annotation, result)

        self.app.push_screen(
            TagPicker(
                self.snapshot.codebook, applied=applied, counts=self.snapshot.rolled_counts,
                title=title,
            ),
            chosen,
        )

    def _apply_picked(
        self,
        pane: DocumentPane,
        selection: tuple[int, int] | None,
        annotation: Annotation | None,
        result: Any,
    ) -> None:
        document_id = pane.document_id
        if document_id is None:
            return
        tag_ids = tuple(result.tag_ids)
        new_tags = tuple(result.new_tags)
        if selection is not None and not tag_ids and not new_tags:
            return  # nothing chosen for a new passage
        text = pane.document.text
        annotation_id = annotation.id if annotation is not None else None
        pending: Annotation | None = None
        if selection is not None:
            pending = self._new_pending(pane, *selection, tag_ids, "")
        names = ", ".join(tag.path for tag in new_tags)
        label = "tag passage" + (f" (new tag {names})" if names else "")

        def run(store: AnnotationStore) -> Annotation | None:
            with store.batch(label):
                ids = self.service.tag_ids_now(store, tag_ids)
                for new in new_tags:
                    ids.append(store.create_tag(new.path, colour=new.colour).id)
                if annotation_id is not None:
                    return store.update_annotation(
                        self.real_id(annotation_id), tags=ids, label=label
                    )
                assert selection is not None and pending is not None
                made = store.add_annotation(
                    self.service.document_id_now(document_id), text, *selection, tags=ids
                )
                self._real_ids[pending.id] = made.id
                return made

        preview: list[tuple[str, Annotation | None]] = []
        if pending is not None:
            preview.append((pending.id, pending))
            view = pane.view
            view.clear_selection()
            start, end = pending.start, pending.end
            view.move_cursor(max(start, motions.previous_character(text, end)))
        elif annotation is not None and not new_tags:
            kept = annotation.evolve(tags=tag_ids)
            preview.append((annotation.id, kept if tag_ids or kept.memo.strip() else None))
        if tag_ids:
            self.last_tags.remember(tag_ids)

        def remember_new(made: Annotation | None) -> None:
            if made is not None and made.tags:
                self.last_tags.remember(made.tags)

        self.change(document_id, run, label=label, preview=preview, on_done=remember_new)

    def memo(self, pane: DocumentPane) -> None:
        """`m`: the memo of the passage under the cursor, or a memo-only passage for a selection."""
        if not self._ready(pane, lambda: self.memo(pane)):
            return
        from reader.ui.screens.memo_editor import MemoEditor

        selection = pane.view.selection
        annotation = None if selection is not None else self._under_cursor(pane)
        if selection is None and annotation is None:
            self._nothing_to_act_on()
            return
        if annotation is not None:
            context = annotation.quote
            memo = annotation.memo
        else:
            assert selection is not None
            context = pane.document.text[selection[0] : selection[1]]
            memo = ""

        def written(text: str | None) -> None:
            if text is None or text == memo:
                return
            if annotation is not None:
                self.update(pane, annotation, memo=text, label="edit memo")
            elif selection is not None and text.strip():
                self.add(pane, *selection, memo=text, label="memo")

        self.app.push_screen(MemoEditor(memo, context=coding.clip(context, 400)), written)

    def start_adjusting(self, pane: DocumentPane) -> None:
        """`r`: the passage under the cursor becomes the selection, to widen or narrow it."""
        if not self._ready(pane, lambda: self.start_adjusting(pane)):
            return
        annotation = self._under_cursor(pane)
        if annotation is None:
            self.app.notify(
                "Put the cursor in a coded passage to adjust it.", severity="warning", timeout=4
            )
            return
        pane.begin_adjusting(annotation)

    def save_adjusted(self, pane: DocumentPane, annotation: Annotation) -> None:
        selection = pane.view.selection
        pane.end_adjusting()
        if selection is None or selection == (annotation.start, annotation.end):
            return
        self.update(pane, annotation, span=selection, label="adjust passage")
        pane.view.move_cursor(selection[0])

    def delete_under_cursor(self, pane: DocumentPane) -> None:
        if not self._ready(pane, lambda: self.delete_under_cursor(pane)):
            return
        annotation = self._under_cursor(pane)
        if annotation is None:
            self.app.notify("No coded passage under the cursor.", severity="warning", timeout=4)
            return
        self.delete(pane, annotation)

    def copy(self, pane: DocumentPane) -> None:
        """`y`: the selection's text, or the passage under the cursor, to the clipboard."""
        selection = pane.view.selection
        if selection is not None:
            text = pane.document.text[selection[0] : selection[1]]
        else:
            annotation = self._under_cursor(pane) if pane.document_id else None
            if annotation is None:
                self._nothing_to_act_on()
                return
            text = pane.document.text[annotation.start : annotation.end]
        self.app.copy_to_clipboard(text)
        self.app.notify(f"Copied {len(text):,} characters.", timeout=3)

    def step(self, pane: DocumentPane, *, forward: bool) -> None:
        """`]` / `[`: the cursor to the next or previous passage (wrapping around)."""
        if self._wait_for_registration(pane, lambda: self.step(pane, forward=forward)):
            return
        annotations = coding.in_place(self.shown(pane.document_id), pane.document.text)
        if not annotations:
            self.app.notify("No coded passages in this document.", timeout=3)
            return
        offset = pane.view.cursor_offset
        if forward:
            target = coding.next_annotation(annotations, offset)
        else:
            target = coding.previous_annotation(annotations, offset)
        if target is not None:
            pane.view.move_cursor(target.start, center=True)

    # ------------------------------------------------------------------ the panes' requests

    def carry_out(self, request: DocumentPane.CodingRequested) -> None:
        """Do what a pane's coding key asked for (the pane posts; the app hands it here), on
        the selection and cursor the key was pressed on.

        Keys pressed after it may have been handled first: the request travels up to the app
        as a message, behind them. The view is then put back as the key saw it for the request,
        and the later keys get their cursor back after it; a selection they only extended was
        the one the request coded, so it goes.
        """
        view = request.pane.view
        pressed = (request.anchor, request.cursor)
        later = (view.selection_anchor, view.cursor_offset)
        if later == pressed:
            self._carry_out(request)
            return
        _place(view, *pressed)
        self._carry_out(request)
        anchor, cursor = later
        if anchor == request.anchor and view.selection_anchor is None:
            anchor = None
        _place(view, anchor, cursor)

    def _carry_out(self, request: DocumentPane.CodingRequested) -> None:
        from reader.ui.widgets.document_pane import DocumentPane

        pane = request.pane
        match request:
            case DocumentPane.TagRequested(slot=slot):
                self.tag_slot(pane, slot)
            case DocumentPane.TagPickRequested():
                self.pick_tags(pane)
            case DocumentPane.RepeatTagsRequested():
                self.repeat_tags(pane)
            case DocumentPane.MemoRequested():
                self.memo(pane)
            case DocumentPane.AdjustRequested():
                self.start_adjusting(pane)
            case DocumentPane.AdjustedSaveRequested(annotation=annotation):
                self.save_adjusted(pane, annotation)
            case DocumentPane.DeleteRequested():
                self.delete_under_cursor(pane)
            case DocumentPane.CopyRequested():
                self.copy(pane)
            case DocumentPane.StepRequested(forward=forward):
                self.step(pane, forward=forward)
            case _:
                raise TypeError(f"no coding request {type(request).__name__}")


def _place(view: DocumentView, anchor: int | None, cursor: int) -> None:
    """Put the view's selection anchor (None: no selection) and cursor where they were."""
    if anchor is None:
        view.clear_selection()
        view.move_cursor(cursor)
    else:
        view.select(anchor, cursor)
