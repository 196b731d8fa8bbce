"""A passage survives a re-extraction that wraps its lines differently."""

from __future__ import annotations

from pathlib import Path

from reader.core.anchors import make_anchor, relocate
from reader.core.hashing import text_sha256
from reader.core.store import AnnotationStore

WRAPPED = ("Page one.\n\nThe families asked about the old\nmarket and the road to the "
           "border. Nobody answered them.\n")
JOINED = ("Page one.\n\nThe families asked about the old market and the road to the\n"
          "border. Nobody answered them.\n")


def test_a_quote_whose_line_breaks_moved_is_found_with_the_new_whitespace() -> None:
    start = WRAPPED.index("the old")
    end = WRAPPED.index(" Nobody")
    anchor = make_anchor(WRAPPED, start, end)
    found = relocate(JOINED, anchor.start, anchor.end, anchor.quote, anchor.prefix, anchor.suffix)
    assert found is not None
    assert JOINED[found[0] : found[1]] == "the old market and the road to the\nborder."


def test_a_short_quote_with_new_whitespace_still_needs_its_context() -> None:
    text = "old\nmarket. Elsewhere: old market."
    anchor = make_anchor(text, 0, len("old\nmarket"))
    unrelated = "Nothing here. An old market appears, but in other words entirely."
    assert relocate(unrelated, anchor.start, anchor.end, anchor.quote, anchor.prefix,
                    anchor.suffix) is None


def test_the_store_carries_a_passage_across_a_rewrapped_version(tmp_path: Path) -> None:
    store = AnnotationStore(tmp_path / "db.json", annotator="tester")
    path = tmp_path / "report.pdf"
    def register(text: str):
        return store.register_document(path=path, text=text, title="Report", size=1,
                                       encoding="utf-8", sha256=text_sha256(text))
    document = register(WRAPPED).document
    start, end = WRAPPED.index("the old"), WRAPPED.index(" Nobody")
    passage = store.add_annotation(document.id, WRAPPED, start, end, memo="the market")
    result = register(JOINED)
    assert result.outcome == "changed" and result.needs_reanchor == ()
    kept = store.get_annotation(passage.id)
    assert not kept.needs_reanchor
    assert JOINED[kept.start : kept.end] == kept.quote
    assert " ".join(kept.quote.split()) == " ".join(WRAPPED[start:end].split())
