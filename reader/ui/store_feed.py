"""The annotation store as the review widgets receive it: each new snapshot pushed, never polled."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from textual.signal import Signal

if TYPE_CHECKING:
    from textual.app import App
    from textual.dom import DOMNode

    from reader.core.models import Annotation
    from reader.ui.store_service import AnnotationService, StoreSnapshot


class StoreFeed:
    """The app's store service, its newest snapshot, and a signal carrying each new one.

    The app publishes every snapshot its service posts (`Ready`, `Changed`: changes made here,
    and those made in another window or by the command line, which the service notices by its
    own poll of the file), and again whenever changes still on their way to the store are
    drawn, so a widget that `follow`s the feed shows what the document panes show.
    """

    def __init__(self, owner: DOMNode) -> None:
        self.service: AnnotationService | None = None
        self.snapshot: StoreSnapshot | None = None
        self.published: Signal[StoreSnapshot] = Signal(owner, "store-snapshot")
        self.annotations_shown: Callable[[str | None], Sequence[Annotation]] | None = None
        """The passages of a document with the pending changes drawn over them, if the app
        codes documents (its coding controller's `shown`)."""
        self.on_submit: Callable[[], None] | None = None
        """Told of each change a screen sends to the service (the panes then say "saving…")."""

    def submitted(self) -> None:
        """A screen sent a change to the service."""
        if self.on_submit is not None:
            self.on_submit()

    def publish(self, snapshot: StoreSnapshot) -> None:
        self.snapshot = snapshot
        self.published.publish(snapshot)

    def follow(self, node: DOMNode, show: Callable[[StoreSnapshot], object]) -> None:
        """Call `show` (on `node`'s message loop) with every snapshot published from now on,
        and at once with the newest one if there is one. Ends when `node` is removed."""
        self.published.subscribe(node, show)
        if self.snapshot is not None:
            show(self.snapshot)

    def annotations_of(
        self, snapshot: StoreSnapshot, document_id: str | None
    ) -> tuple[Annotation, ...]:
        """A document's passages, with changes still on their way to the store if any."""
        if self.annotations_shown is not None:
            return tuple(self.annotations_shown(document_id))
        return snapshot.annotations_of(document_id)


@runtime_checkable
class StoreHost(Protocol):
    """An app whose screens and widgets show the annotation store."""

    store_feed: StoreFeed


def store_feed(app: App[Any]) -> StoreFeed | None:
    """The app's feed, or None in an app that has no annotation store."""
    return app.store_feed if isinstance(app, StoreHost) else None
