"""Keyword in context across documents, auto-coding and reports, over a real store and files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reader.analysis.autocode import (
    UNIT_PARAGRAPH,
    UNIT_SENTENCE,
    CachedTexts,
    apply_autocoding,
    plan_autocoding,
    widen,
)
from reader.analysis.kwic import compile_matcher, load_text, search_corpus
from reader.analysis.model import Corpus
from reader.analysis.report import build_report, line_locator, render_html, render_markdown
from reader.core.arabic_fold import arabic_pattern, fold_with_origins, original_span
from reader.core.search import SearchError, SearchQuery
from reader.core.store import AnnotationStore
from reader.formats.base import load_document

ENGLISH = ("Families of detainees met the envoy. Roumieh prison is full.\n"
           "\n"
           "Refugees in Lebanon asked about ROUMIEH. Nobody answered.\n")
ARABIC = "ذهب إلى المَدْرَسَة ثم الى مـدرسـة أخرى. قال علي شيئا على الطريق.\n"


@pytest.fixture
def store(tmp_path: Path) -> AnnotationStore:
    store = AnnotationStore(tmp_path / "db.json", annotator="tester")
    for name, text in (("english.txt", ENGLISH), ("arabic.txt", ARABIC)):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        loaded = load_document(path)
        store.register_document(path=loaded.path, text=loaded.text, title=path.stem,
                                size=loaded.size, encoding=loaded.encoding, sha256=loaded.sha256)
    return store


def spans(query: SearchQuery, text: str) -> list[str]:
    return [text[start:end] for start, end in compile_matcher(query)(text)]


def test_plain_search_is_case_insensitive_unless_asked() -> None:
    assert spans(SearchQuery("roumieh"), ENGLISH) == ["Roumieh", "ROUMIEH"]
    assert spans(SearchQuery("Roumieh", case_sensitive=True), ENGLISH) == ["Roumieh"]
    assert spans(SearchQuery(r"R\w+h\b", regex=True, case_sensitive=True), ENGLISH) == [
        "Roumieh"]


def test_a_regular_expression_and_a_bad_one() -> None:
    assert spans(SearchQuery(r"\bre\w+", regex=True), ENGLISH) == ["Refugees"]
    with pytest.raises(SearchError, match="invalid regular expression"):
        compile_matcher(SearchQuery("(unclosed", regex=True))


def test_arabic_search_ignores_marks_and_tatweel_and_evens_alef_and_ya() -> None:
    # Vowelled and stretched spellings; spans are in the original text.
    assert spans(SearchQuery("مدرسة"), ARABIC) == ["مَدْرَسَة", "مـدرسـة"]
    # Alef with hamza below and bare alef; ya and alef maqsura.
    assert spans(SearchQuery("الى"), ARABIC) == ["إلى", "الى"]
    assert spans(SearchQuery("على"), ARABIC) == ["علي", "على"]
    # Marks typed in the query are not required in the text.
    assert spans(SearchQuery("مَدرسة"), ARABIC) == ["مَدْرَسَة", "مـدرسـة"]
    # A regular expression is matched on the folded text and mapped back.
    assert spans(SearchQuery("مدرس.", regex=True), ARABIC) == ["مَدْرَسَة", "مـدرسـة"]


def test_folding_keeps_the_way_back_to_original_offsets() -> None:
    folded, origins = fold_with_origins("مَدْرَسَة")
    assert folded == "مدرسة"
    assert original_span(origins, 1, 3) == (2, 5)
    # A pattern for text without Arabic is the text, escaped (marks optional only around letters).
    assert re.fullmatch(arabic_pattern("Roumieh (prison)"), "Roumieh (prison)")
    assert not re.fullmatch(arabic_pattern("Roumieh (prison)"), "Roumieh prison")


def test_keyword_in_context_across_documents(store: AnnotationStore) -> None:
    result = search_corpus(store.documents(), SearchQuery("roumieh"), context=12)
    assert [(hit.document.title, hit.line, hit.match) for hit in result.hits] == [
        ("english", 1, "Roumieh"), ("english", 3, "ROUMIEH")]
    first = result.hits[0]
    assert (first.left, first.right) == ("the envoy. ", " prison is f")
    assert first.location == "line 1"
    assert result.documents_searched == 2 and result.unreadable == ()
    # Two hits in one document of the two searched, not "in 2 documents".
    assert result.summary() == "2 hits in 1 of 2 documents"


def test_a_missing_file_is_reported_and_the_search_goes_on(store: AnnotationStore) -> None:
    english = next(d for d in store.documents() if d.title == "english")
    Path(english.path).unlink()
    result = search_corpus(store.documents(), SearchQuery("الى"))
    assert [hit.match for hit in result.hits] == ["إلى", "الى"]
    assert [(document.title, "no such file" in reason)
            for document, reason in result.unreadable] == [("english", True)]


def test_search_stops_when_asked(store: AnnotationStore) -> None:
    result = search_corpus(store.documents(), SearchQuery("e"), should_stop=lambda: True)
    assert result.hits == () and result.documents_searched == 0


def test_the_hit_limit_truncates(store: AnnotationStore) -> None:
    result = search_corpus(store.documents(), SearchQuery("e"), limit=3)
    assert len(result.hits) == 3 and result.truncated


def test_widening_to_sentence_and_paragraph() -> None:
    start = ENGLISH.index("Roumieh")
    end = start + len("Roumieh")
    assert ENGLISH[slice(*widen(ENGLISH, start, end, UNIT_SENTENCE))] == "Roumieh prison is full."
    paragraph = widen(ENGLISH, start, end, UNIT_PARAGRAPH)
    assert ENGLISH[slice(*paragraph)] == ENGLISH.split("\n\n")[0].strip()


def test_autocoding_skips_coded_hits_merges_one_sentence_and_is_one_undo_step(
    store: AnnotationStore,
) -> None:
    english = next(d for d in store.documents() if d.title == "english")
    tag = store.create_tag("place/prison")
    # The second ROUMIEH is already inside a passage with the tag.
    start = ENGLISH.index("Refugees")
    store.add_annotation(english.id, ENGLISH, start, ENGLISH.index(" Nobody"), tags=[tag.id])
    texts = CachedTexts(load_text)
    hits = search_corpus(store.documents(), SearchQuery(r"roumieh|prison", regex=True),
                         text_of=texts).hits
    assert len(hits) == 3
    candidates = plan_autocoding(hits, tag.id, store.annotations(), texts, unit=UNIT_SENTENCE)
    # "Roumieh" and "prison" lie in one sentence: one passage.
    assert [c.quote for c in candidates] == ["Roumieh prison is full."]
    before = len(store.annotations())
    added = apply_autocoding(store, candidates, tag.id, texts, label="auto-code 1 passage")
    assert [a.quote for a in added] == ["Roumieh prison is full."]
    assert len(store.annotations()) == before + 1
    # Planned again, nothing is left to code.
    assert plan_autocoding(hits, tag.id, store.annotations(), texts, unit=UNIT_SENTENCE) == []
    step = store.undo()
    assert step is not None and step.label == "auto-code 1 passage"
    assert len(store.annotations()) == before


def test_autocoding_several_documents_is_one_step(store: AnnotationStore) -> None:
    tag = store.create_tag("school")
    texts = CachedTexts(load_text)
    hits = search_corpus(store.documents(), SearchQuery("الى|مدرسة|envoy", regex=True),
                         text_of=texts).hits
    candidates = plan_autocoding(hits, tag.id, (), texts)
    assert len(candidates) == 5
    apply_autocoding(store, candidates, tag.id, texts, label="auto-code")
    assert len(store.annotations(tag=tag.id)) == 5
    store.undo()
    assert store.annotations(tag=tag.id) == []


def test_the_report_groups_by_tag_then_document_with_lines_memos_and_annotators(
    store: AnnotationStore,
) -> None:
    english, arabic = sorted(store.documents(), key=lambda d: d.title != "english")
    place = store.create_tag("place")
    prison = store.create_tag("place/prison")
    second_line = ENGLISH.index("Refugees")
    store.add_annotation(english.id, ENGLISH, second_line, len(ENGLISH) - 1, tags=[prison.id],
                         memo="asks *twice*")
    store.add_annotation(english.id, ENGLISH, 0, 36, tags=[prison.id, place.id])
    store.add_annotation(arabic.id, ARABIC, 4, 7, tags=[place.id])
    sections = build_report(Corpus.from_store(store), line_locator(load_text))
    assert [(s.tag_path, s.count) for s in sections] == [("place", 2), ("place/prison", 2)]
    assert [g.document.title for g in sections[0].groups] == ["arabic", "english"]
    markdown = render_markdown(sections)
    assert "## place/prison (2 passages)" in markdown
    assert "> Families of detainees met the envoy." in markdown
    # The quote across a line break stays on one line; a memo's markup is escaped.
    assert ("> Refugees in Lebanon asked about ROUMIEH. Nobody answered." in markdown)
    assert "> Memo: asks \\*twice\\*" in markdown
    assert "> — english, line 3, coded by tester" in markdown
    assert "> — arabic, line 1, coded by tester" in markdown
    only = build_report(Corpus.from_store(store), line_locator(load_text),
                        tag_ids={prison.id}, document_ids={english.id})
    assert [s.tag_path for s in only] == ["place/prison"]
    page = render_html(sections)
    assert "<h2>place/prison (2 passages)</h2>" in page
    assert "<p><em>Memo:</em> asks *twice*</p>" in page


def test_the_html_report_escapes_markup_and_a_moved_passage_has_no_line(
    store: AnnotationStore,
) -> None:
    english = next(d for d in store.documents() if d.title == "english")
    tag = store.create_tag("<b>tag</b>")
    store.add_annotation(english.id, ENGLISH, 0, 8, tags=[tag.id],
                         memo="<script>alert(1)</script> & more")
    Path(english.path).write_text("Changed entirely.\n", encoding="utf-8")
    sections = build_report(Corpus.from_store(store), line_locator(load_text))
    page = render_html(sections)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page
    assert "<h2>&lt;b&gt;tag&lt;/b&gt; (1 passage)</h2>" in page
    assert "position unknown" in page  # the quote is no longer where it was
    markdown = render_markdown(sections)
    assert "## \\<b\\>tag\\</b\\> (1 passage)" in markdown


def test_an_empty_report_says_so() -> None:
    from reader.analysis.report import render_markdown as markdown

    assert "No coded passages match." in markdown([])


@pytest.mark.parametrize(("text", "escaped"), [
    ("### Displaced people", "\\### Displaced people"),
    ("- Cross-border deliveries", "\\- Cross-border deliveries"),
    ("12. The group", "12\\. The group"),
    ("a *b* _c_ `d` [e](f) <g>", "a \\*b\\* \\_c\\_ \\`d\\` \\[e\\](f) \\<g\\>"),
    ("line one\nline two", "line one line two"),
    ("C# and 3.5 percent - fine", "C# and 3.5 percent - fine"),
])
def test_markdown_escaping(text: str, escaped: str) -> None:
    from reader.analysis.report import markdown_escape

    assert markdown_escape(text) == escaped
