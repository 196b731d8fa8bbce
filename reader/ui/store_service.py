"""One thread that owns the annotation store for the TUI, so the interface never waits on the disk.

Every read and write of the store happens on that thread, in the order asked. After each change,
and whenever another process (the command line, a second window) changed the database, the thread
builds an immutable `StoreSnapshot` and posts it to the app: widgets draw from snapshots only. A
job that changed nothing (a read) posts none.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from textual.message import Message

from reader.analysis.counts import RollUpTracker
from reader.core.codebook import Codebook

if TYPE_CHECKING:
    from textual.message_pump import MessagePump

    from reader.core.extraction_cache import StructureLookup
    from reader.core.models import Annotation, Document
    from reader.core.store import AnnotationStore
    from reader.formats.base import LoadedDocument

T = TypeVar("T")

POLL_SECONDS = 2.0
"""How often the file is checked for changes made by another process."""


@dataclass(frozen=True)
class StoreSnapshot:
    """What the store held after a change: the codebook, counts and the watched documents."""

    revision: int = 0
    codebook: Codebook = field(default_factory=lambda: Codebook(()))
    counts: Mapping[str, int] = field(default_factory=dict)
    """Passages per tag id carrying that very tag (what deleting the tag would touch)."""
    rolled_counts: Mapping[str, int] = field(default_factory=dict)
    """Passages per tag id with parents counting their children's passages once: what the
    codebook bar, the codebook screen, the tag view and `reader tags` show."""
    documents: Mapping[str, Document] = field(default_factory=dict)
    # Annotations of the documents open in the TUI, in document order.
    annotations: Mapping[str, tuple[Annotation, ...]] = field(default_factory=dict)

    def annotations_of(self, document_id: str | None) -> tuple[Annotation, ...]:
        if document_id is None:
            return ()
        return self.annotations.get(document_id, ())


@dataclass
class _Job(Generic[T]):
    run: Callable[[AnnotationStore], T]
    label: str | None
    on_done: Callable[[T], None] | None
    on_error: Callable[[str], None] | None
    documents: tuple[str, ...] = ()


_STOP = object()


class AnnotationService:
    """Runs store jobs on one thread and posts the results to `target` (the app) as messages."""

    class Ready(Message):
        """The store is open; `notices` are what the user must be told (a damaged file)."""

        def __init__(self, snapshot: StoreSnapshot, notices: tuple[str, ...]) -> None:
            super().__init__()
            self.snapshot = snapshot
            self.notices = notices

    class Changed(Message):
        """The store changed (here or in another process); `snapshot` is how it is now."""

        def __init__(self, snapshot: StoreSnapshot, label: str | None, external: bool) -> None:
            super().__init__()
            self.snapshot = snapshot
            self.label = label
            self.external = external

    class JobDone(Message):
        """A job finished; its callback runs on the UI thread."""

        def __init__(self, callback: Callable[[], None]) -> None:
            super().__init__()
            self.callback = callback

    class Failed(Message):
        """A job failed: `label` says which change was not saved, `error` why."""

        def __init__(self, label: str | None, error: str, fatal: bool = False) -> None:
            super().__init__()
            self.label = label
            self.error = error
            self.fatal = fatal

    class Notice(Message):
        """Something the user must be told that happened to the database while open (it was
        deleted, damaged or replaced, and what was done about it)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Rebound(Message):
        """Another database took the file's place and the open documents were registered in
        it: `document_ids` maps each one's old id to its id there."""

        def __init__(self, document_ids: Mapping[str, str]) -> None:
            super().__init__()
            self.document_ids = document_ids

    class Pending(Message):
        """How many changes are waiting to reach the disk (0: everything is saved)."""

        def __init__(self, count: int) -> None:
            super().__init__()
            self.count = count

    def __init__(self, target: MessagePump, db_path: Path, *, annotator: str) -> None:
        self._target = target
        self._db_path = db_path
        self._annotator = annotator
        self._jobs: queue.Queue[Any] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="annotation-store", daemon=True)
        self._watched: set[str] = set()
        # On the store's thread: what was registered of each open document (to register it again
        # in a database put in the file's place), and the ids it got there.
        self._loaded: dict[str, LoadedDocument] = {}
        # Registered since the watched documents were last set (the UI may not have known
        # their ids then): kept until the next time.
        self._registered_lately: set[str] = set()
        self._rebound: dict[str, str] = {}
        self._replaced_codebooks: list[Codebook] = []
        self._revision = 0
        self._roll_ups = RollUpTracker()  # (on the store's thread)
        # What the last snapshot was built from: the store's revision and the watched documents.
        self._published: tuple[int, frozenset[str]] | None = None
        self._pending = 0
        self._pending_lock = threading.Lock()
        self.snapshot = StoreSnapshot()
        self._structures: StructureLookup | None = None

    @property
    def db_path(self) -> Path:
        """The database this service keeps (its extraction cache lies beside it)."""
        return self._db_path

    @property
    def structures(self) -> StructureLookup:
        """Pages and sections of passages in any known document (see StructureLookup)."""
        if self._structures is None:
            from reader.core.extraction_cache import StructureLookup
            from reader.formats.cached import extraction_cache_for

            self._structures = StructureLookup(extraction_cache_for(self._db_path))
        return self._structures

    # ------------------------------------------------------------------ UI thread

    def start(self) -> None:
        """Start the thread (once; later calls do nothing)."""
        if self._thread.ident is None:
            self._thread.start()

    def stop(self, timeout: float = 30.0) -> bool:
        """Finish every queued change, then stop; whether it finished in time."""
        if self._thread.ident is None and not self._jobs.empty():
            self._thread.start()  # quitting before the thread was started: write what waits
        if not self._thread.is_alive():
            return True
        self._jobs.put(_STOP)
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def pending(self) -> int:
        with self._pending_lock:
            return self._pending

    def submit(
        self,
        run: Callable[[AnnotationStore], T],
        *,
        label: str | None = None,
        on_done: Callable[[T], None] | None = None,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        """Queue a job. A `label` marks it as a change (counted as pending until saved)."""
        if label is not None:
            self._count_pending(+1)
        self._jobs.put(_Job(run, label, on_done, on_error))

    def register(
        self,
        document: LoadedDocument,
        on_done: Callable[[Document], None] | None = None,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        """Record an opened document in the store and watch its annotations."""

        self.structures.remember(document.sha256, document.structure)

        def run(store: AnnotationStore) -> Document:
            registered = store.register_document(**document.registration())
            self._watched.add(registered.document.id)
            self._loaded[registered.document.id] = document
            self._registered_lately.add(registered.document.id)
            return registered.document

        self.submit(run, label=None, on_done=on_done, on_error=on_error)

    def watch(self, document_ids: Iterable[str], *, closed: Iterable[str] = ()) -> None:
        """Keep the annotations of exactly these documents in snapshots; `closed`: documents
        known to have been closed."""
        wanted = set(document_ids)
        gone = set(closed) - wanted

        def run(store: AnnotationStore) -> None:
            self._watched = {self.document_id_now(document_id) for document_id in wanted}
            # A closed document's text is let go (a huge one's temporary file with it): only
            # the open ones are registered again in another database. One registered since
            # the last call may be open with an id its pane has not been told yet.
            closed_now = {self.document_id_now(document_id) for document_id in gone}
            kept = self._watched | (self._registered_lately - closed_now)
            for document_id in [known for known in self._loaded if known not in kept]:
                del self._loaded[document_id]
            self._registered_lately.clear()

        self.submit(run)

    # ------------------------------------------------------------------ the store's thread

    def document_id_now(self, document_id: str) -> str:
        """On the store's thread: the id an open document has in the database now (another
        database may have taken the file's place since a key press captured its old id)."""
        return self._rebound.get(document_id, document_id)

    def _post(self, message: Message) -> None:
        self._target.post_message(message)

    def _count_pending(self, change: int) -> None:
        with self._pending_lock:
            self._pending += change
            count = self._pending
        if change < 0:
            self._post(self.Pending(count))

    def _run(self) -> None:
        from reader.core.store import AnnotationStore, window_origin

        try:
            store = AnnotationStore(
                self._db_path, origin=window_origin(), annotator=self._annotator
            )
        except Exception as error:  # the message says what is wrong; the app stays usable
            self._post(self.Failed(None, f"cannot open the annotation database: {error}", True))
            self._drain_after_failure()
            return
        try:
            store.ensure_identity()
        except Exception:  # (read-only, say): a write will say so; a swap is just not noticed
            pass
        self.snapshot = self._build_snapshot(store)
        self._post(self.Ready(self.snapshot, tuple(store.take_notices())))
        while True:
            try:
                job = self._jobs.get(timeout=POLL_SECONDS)
            except queue.Empty:
                self._poll(store)
                continue
            if job is _STOP:
                store.checkpoint()  # the session's steps flushed and marked done
                return
            self._execute(store, job)

    def tag_ids_now(self, store: AnnotationStore, tag_ids: Iterable[str]) -> list[str]:
        """On the store's thread, inside the change that uses them: the ids these tags have in
        the database now. A tag of a database since replaced is found there by its path (and
        created there if it is missing), so a key pressed just before is not lost."""
        found: list[str] = []
        codebook = store.codebook()
        for tag_id in tag_ids:
            tag_id = self._rebound.get(tag_id, tag_id)
            if tag_id not in codebook:
                known = next((old for old in self._replaced_codebooks if tag_id in old), None)
                if known is not None:
                    [tag], _ = store.ensure_tags([known.path(tag_id)])
                    self._rebound[tag_id] = tag.id
                    tag_id = tag.id
            found.append(tag_id)
        return found

    def _refresh(self, store: AnnotationStore) -> bool:
        """Re-read the file if it changed; follow another database put in its place."""
        if not store.refresh():
            return False
        if store.take_replaced():
            self._register_again(store)
        return True

    def _register_again(self, store: AnnotationStore) -> None:
        """Register the open documents in the database now in the file's place, so the keys
        pressed from now on (and those already queued) are saved there."""
        self._replaced_codebooks.append(self.snapshot.codebook)
        moved: dict[str, str] = {}
        for old_id, document in list(self._loaded.items()):
            if old_id not in self._watched:
                continue
            registered = store.register_document(**document.registration()).document
            del self._loaded[old_id]
            self._loaded[registered.id] = document
            if registered.id != old_id:
                moved[old_id] = registered.id
        if not moved:
            return
        for earlier, later in list(self._rebound.items()):
            self._rebound[earlier] = moved.get(later, later)
        self._rebound.update(moved)
        self._watched = {moved.get(document_id, document_id) for document_id in self._watched}
        self._post(self.Rebound(MappingProxyType(dict(moved))))

    def _poll(self, store: AnnotationStore) -> None:
        try:
            changed = self._refresh(store)
        except Exception as error:
            self._post(self.Failed(None, f"cannot re-read the annotation database: {error}"))
            return
        if changed:
            self._publish(store, label=None, external=True)

    def _execute(self, store: AnnotationStore, job: _Job[Any]) -> None:
        try:
            self._refresh(store)
            result = job.run(store)
        except Exception as error:
            if job.label is not None:
                self._count_pending(-1)
            message = str(error) or type(error).__name__
            self._post(self.Failed(job.label, message))
            if job.on_error is not None:
                on_error = job.on_error
                self._post(self.JobDone(lambda: on_error(message)))
            # A failed change may have been rolled back after others: show the truth.
            self._publish(store, label=None, external=False)
            return
        self._publish(store, label=job.label, external=False)
        if job.label is not None:
            self._count_pending(-1)
        if job.on_done is not None:
            on_done = job.on_done
            self._post(self.JobDone(lambda: on_done(result)))

    def _publish(self, store: AnnotationStore, *, label: str | None, external: bool) -> None:
        for notice in store.take_notices():
            self._post(self.Notice(notice))
        if label is None and self._published == (store.revision, frozenset(self._watched)):
            return  # a read, or a change that changed nothing: the widgets have this already
        self.snapshot = self._build_snapshot(store)
        self._post(self.Changed(self.snapshot, label, external))

    def _build_snapshot(self, store: AnnotationStore) -> StoreSnapshot:
        self._revision += 1
        documents = {document.id: document for document in store.documents()}
        annotations = {
            document_id: tuple(store.annotations(document=document_id))
            for document_id in self._watched
        }
        codebook = store.codebook()
        counts = store.annotation_counts()
        rolled = counts
        if any(tag.parent is not None for tag in codebook):
            # Only a nested codebook needs each passage's tags (to count a passage once); the
            # tracker reads just the open documents' passages after a change made here.
            rolled = self._roll_ups.counts(codebook, counts, annotations, store.annotations)
        snapshot = StoreSnapshot(
            revision=self._revision,
            codebook=codebook,
            counts=MappingProxyType(counts),
            rolled_counts=MappingProxyType(rolled),
            documents=MappingProxyType(documents),
            annotations=MappingProxyType(annotations),
        )
        # After the reads above: reading a document's file for the first time counts too.
        self._published = (store.revision, frozenset(self._watched))
        return snapshot

    def _drain_after_failure(self) -> None:
        """Without a store, answer every job with the failure, so nothing looks saved."""
        while True:
            job = self._jobs.get()
            if job is _STOP:
                return
            if job.label is not None:
                self._count_pending(-1)
                self._post(self.Failed(job.label, "the annotation database is not open"))
            if job.on_error is not None:  # (a registration waits for its answer too)
                answer = partial(job.on_error, "the annotation database is not open")
                self._post(self.JobDone(answer))
