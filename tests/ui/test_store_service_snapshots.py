"""The store's thread posts a snapshot after a change, and none after a job that changed nothing."""

from __future__ import annotations

import queue
from pathlib import Path
from typing import Any

from reader.core.store import AnnotationStore
from reader.ui.store_service import AnnotationService

TEXT = "Refugees in Lebanon asked about return."


class Recorder:
    """Stands in for the app: keeps every message the service posts, in order."""

    def __init__(self) -> None:
        self.messages: queue.Queue[Any] = queue.Queue()

    def post_message(self, message: Any) -> bool:
        self.messages.put(message)
        return True

    def next(self, kind: type) -> Any:
        """The next message of this kind (waiting for it, up to a generous limit); the other
        kinds met on the way are returned too, as the second item."""
        skipped = []
        while True:
            message = self.messages.get(timeout=30)
            if isinstance(message, kind):
                return message, skipped
            skipped.append(message)


def test_a_read_posts_no_snapshot_and_a_change_posts_one(db_path: Path, tmp_path: Path) -> None:
    store = AnnotationStore(db_path)
    document = store.register_document(
        path=tmp_path / "doc.txt", text=TEXT, title="doc", size=len(TEXT), encoding="utf-8",
        sha256="doc",
    ).document
    tag = store.codebook().resolve("refugees").id
    recorder = Recorder()
    service = AnnotationService(recorder, db_path, annotator="")  # type: ignore[arg-type]
    service.start()
    try:
        recorder.next(AnnotationService.Ready)
        service.submit(lambda s: s.annotations(document=document.id), on_done=lambda _: None)
        _, before_read = recorder.next(AnnotationService.JobDone)
        assert not [m for m in before_read if isinstance(m, AnnotationService.Changed)]

        service.submit(lambda s: s.add_annotation(document.id, TEXT, 0, 8, tags=[tag]),
                       label="add", on_done=lambda _: None)
        changed, _ = recorder.next(AnnotationService.Changed)
        assert changed.label == "add" and changed.snapshot.counts == {tag: 1}
    finally:
        assert service.stop()


def test_stopping_flushes_the_sessions_steps_and_marks_them_done(
    db_path: Path, tmp_path: Path
) -> None:
    from reader.core.journal import read_journal
    from reader.core.store import journal_path_for

    store = AnnotationStore(db_path)
    document = store.register_document(
        path=tmp_path / "doc.txt", text=TEXT, title="doc", size=len(TEXT), encoding="utf-8",
        sha256="doc",
    ).document
    store.checkpoint()
    tag = store.codebook().resolve("refugees").id
    recorder = Recorder()
    service = AnnotationService(recorder, db_path, annotator="")  # type: ignore[arg-type]
    service.start()
    recorder.next(AnnotationService.Ready)
    service.submit(lambda s: s.add_annotation(document.id, TEXT, 0, 8, tags=[tag]),
                   label="add", on_done=lambda _: None)
    recorder.next(AnnotationService.Changed)
    marks = lambda: ["done" in e for e in read_journal(  # noqa: E731
        journal_path_for(db_path).read_bytes()).entries]
    assert marks()[-1] is False  # written, waiting for a checkpoint

    assert service.stop()

    assert marks()[-1] is True
    assert not list(tmp_path.rglob("*.flushed"))


def test_a_closed_documents_text_is_let_go(db_path: Path, tmp_path: Path) -> None:
    # (The service kept every document registered in the session, to register it again in a
    # database put in the file's place: a huge text closed long ago kept its temporary file
    # open, or before that 45 MB of memory.)
    import gc
    import weakref

    from reader.formats.base import load_document

    paths = [tmp_path / "closed.txt", tmp_path / "open.txt"]
    for path in paths:
        path.write_text(f"{path.stem}: {TEXT}\n", "utf-8")
    recorder = Recorder()
    service = AnnotationService(recorder, db_path, annotator="")  # type: ignore[arg-type]
    service.start()
    try:
        recorder.next(AnnotationService.Ready)
        ids: list[str] = []
        closed = load_document(paths[0])
        let_go = weakref.ref(closed)
        for document in (closed, load_document(paths[1])):
            service.register(document, on_done=lambda registered: ids.append(registered.id))
            done, _ = recorder.next(AnnotationService.JobDone)
            done.callback()
        del closed, document, done
        service.watch(ids)  # (as the app does once it knows their ids)
        service.watch(ids[1:])  # the first one's pane closed
        service.submit(lambda store: None, on_done=lambda _: None)
        recorder.next(AnnotationService.JobDone)
        gc.collect()
        assert let_go() is None
    finally:
        assert service.stop()
