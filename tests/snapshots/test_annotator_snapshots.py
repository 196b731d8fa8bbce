"""One deliberate screenshot of coded passages: a paragraph, a sentence inside it and a passage
overlapping its end, each in its tag's colour, the inner ones drawn over the outer, underlined."""

from __future__ import annotations

from pathlib import Path

from support import until
from textual.pilot import Pilot

from reader.core.store import AnnotationStore
from reader.formats.base import load_document
from reader.ui.app import ReaderApp

DOCS = Path(__file__).parent / "docs"


def code_field_notes(db: Path) -> None:
    document = load_document(DOCS / "field-notes.txt")
    store = AnnotationStore(db, origin="cli", annotator="snap")
    registered = store.register_document(
        path=document.path, text=document.text, title=document.title, size=document.size,
        encoding=document.encoding, sha256=document.sha256, format=document.format,
    ).document
    codebook = store.codebook()
    text = document.text

    def tag(name: str) -> str:
        found = codebook.find(name)
        assert found is not None
        return found.id

    def span(quote: str) -> tuple[int, int]:
        start = text.index(quote)
        return start, start + len(quote)

    paragraph = span(text.split("\n\n")[2])  # "Repairs. ..."
    store.add_annotation(registered.id, text, *paragraph, tags=[tag("recovery funds")])
    inner = span("The mechanic says the spare parts cost more than the committee's savings.")
    store.add_annotation(registered.id, text, *inner, tags=[tag("local governance")])
    crossing = span("another said the district has never answered a letter.\n\nFees.")
    store.add_annotation(registered.id, text, *crossing, tags=[tag("refugees")], memo="x")


def test_overlapping_passages(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "db" / "annotations.json"
    code_field_notes(db)

    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        assert isinstance(app, ReaderApp)
        await app.workers.wait_for_complete()
        await until(
            pilot,
            lambda: app.workspace.active_document is not None
            and len(app.workspace.active_document.annotations) == 3,
        )
        await pilot.press("right_square_bracket", "right_square_bracket", "w")
        await pilot.pause()
        await pilot.pause()

    app = ReaderApp([DOCS / "field-notes.txt"], db_path=db, config_path=tmp_path / "none.toml")
    app.theme = "textual-dark"
    assert snap_compare(app, terminal_size=(100, 24), run_before=run_before)
