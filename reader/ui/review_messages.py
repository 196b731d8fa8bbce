"""What the review widgets and screens ask of the app: show a passage in its document."""

from __future__ import annotations

from textual.message import Message


class PassageRequested(Message):
    """Show [start, end) of a document, selected, with the keyboard in its view (opening the
    document if no pane shows it): a passage chosen in the annotation sidebar, the tag view, the
    analysis screen or a corpus search. Without `end`, only the cursor moves to `start`.

    The app handles it; a screen that closes itself first posts it to the app directly.
    """

    def __init__(self, document_id: str, start: int, end: int | None = None) -> None:
        super().__init__()
        self.document_id = document_id
        self.start = start
        self.end = end
