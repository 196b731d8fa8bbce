"""Tests of sentence and paragraph boundaries."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.core import segments
from reader.core.segments import (
    iter_sentences,
    next_paragraph_start,
    next_sentence_start,
    paragraph_span,
    previous_paragraph_start,
    previous_sentence_start,
    sentence_span,
)


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in iter_sentences(text, 0, len(text))]


def paragraphs(text: str) -> list[str]:
    found = []
    offset = 0
    while offset < len(text):
        start, end = paragraph_span(text, offset)
        if start == end or (found and text[start:end] == found[-1]):
            break
        found.append(text[start:end])
        offset = next_paragraph_start(text, start)
    return found


class TestSentences:
    def test_abbreviations_do_not_end_sentences(self) -> None:
        text = "The U.N. envoy met Dr. Haddad on 3 May. Refugees in Lebanon were discussed."
        assert sentences(text) == [
            "The U.N. envoy met Dr. Haddad on 3 May.",
            "Refugees in Lebanon were discussed.",
        ]

    def test_resolution_2254(self) -> None:
        text = (
            "Recalling its resolutions 2042 (2012), 2043 (2012) and 2118 (2013), the Security "
            "Council, in Res. 2254 (2015), endorsed the Vienna Statements of 30 Oct. 2015 and "
            "14 Nov. 2015. It requests the Secretary-General, through his good offices and the "
            "efforts of his Special Envoy for Syria, to convene representatives of the Syrian "
            "government and opposition to engage in formal negotiations on a political "
            "transition process on an urgent basis, with a target of early January 2016 for the "
            "initiation of talks. The U.S. Secretary of State, Mr. Kerry, and Prof. J. Smith "
            "spoke, e.g. about No. 4 of the statement, i.e. the ceasefire, at 2.5 p.m. in "
            "St. Petersburg."
        )
        assert sentences(text) == [
            text[: text.index(" It requests")],
            text[text.index("It requests") : text.index(" The U.S.")],
            text[text.index("The U.S.") :],
        ]

    def test_arabic_question_and_full_stop(self) -> None:
        text = "هل عاد اللاجئون إلى سوريا؟ لا، لم يعودوا بعد. الوضع صعب؛ لكن الأمل قائم۔ انتهى"
        assert sentences(text) == [
            "هل عاد اللاجئون إلى سوريا؟",
            "لا، لم يعودوا بعد.",
            "الوضع صعب؛",  # the Arabic semicolon ends a sentence (#13)
            "لكن الأمل قائم۔",
            "انتهى",
        ]

    def test_the_arabic_semicolon_moves_by_sentence(self) -> None:
        text = "طالبت العائلات بالحقيقة؛ ولم تتلقَّ جوابًا؟ بعد"
        second = text.index("ولم")
        third = text.index("بعد")
        assert segments.next_sentence_start(text, 0) == second
        assert segments.next_sentence_start(text, second) == third
        assert segments.previous_sentence_start(text, third - 1) == second
        assert sentence_span(text, 3) == (0, second - 1)

    def test_closing_quotes_and_brackets_stay_with_their_sentence(self) -> None:
        text = (
            'He said, "We will return." Then he left. “Why?” she asked. '
            "(It was late.) « Bien sûr. » Done!"
        )
        assert sentences(text) == [
            'He said, "We will return."',
            "Then he left.",
            "“Why?” she asked.",  # lowercase after the question: the sentence goes on
            "(It was late.)",
            "« Bien sûr. »",
            "Done!",
        ]

    def test_other_abbreviations_and_numbers(self) -> None:
        text = (
            "Mrs. Ali and Ms. Khoury visited, etc. and more. Prices rose by 2.5 percent. "
            "See Vol. 2, p. 14. It ended... Then silence. Was it over?! Yes."
        )
        assert sentences(text) == [
            "Mrs. Ali and Ms. Khoury visited, etc. and more.",
            "Prices rose by 2.5 percent.",
            "See Vol. 2, p. 14.",
            "It ended...",
            "Then silence.",
            "Was it over?!",
            "Yes.",
        ]

    def test_list_items_and_headings_are_their_own_sentences(self) -> None:
        text = (
            "# 1. Introduction. Scope\n"
            "Intro text without a full stop\n"
            "- first point\n"
            "- second point. It has two sentences.\n"
            "  A wrapped line of the second point\n"
            "1. numbered item\n"
            "2) another"
        )
        assert sentences(text) == [
            "# 1. Introduction. Scope",
            "Intro text without a full stop",
            "- first point",
            "- second point.",
            "It has two sentences.",
            "A wrapped line of the second point",
            "1. numbered item",
            "2) another",
        ]

    def test_a_paragraph_end_ends_a_sentence(self) -> None:
        text = "No full stop here\n\nNext paragraph\nwraps here. Last one"
        assert sentences(text) == [
            "No full stop here",
            "Next paragraph\nwraps here.",
            "Last one",
        ]

    def test_span_between_sentences_is_the_next_or_at_the_end_the_previous(self) -> None:
        text = "  One here.   Two there.  \n\n  "
        one, two = (2, 11), (14, 24)
        assert sentence_span(text, 0) == one
        assert sentence_span(text, 5) == one
        assert sentence_span(text, 11) == two  # the space after "One here."
        assert sentence_span(text, 13) == two
        assert sentence_span(text, 24) == two
        assert sentence_span(text, len(text)) == two

    def test_motions(self) -> None:
        text = "One. Two.\n\nThree. Four."
        starts = [0, 5, 11, 18]
        assert [next_sentence_start(text, o) for o in (0, 3, 5, 9, 10, 11, 18)] == [
            5,
            5,
            11,
            11,
            11,
            18,
            len(text),
        ]
        assert [previous_sentence_start(text, o) for o in (0, 3, 5, 10, 11, 18, 20)] == [
            0,
            0,
            0,
            5,
            5,
            11,
            18,
        ]
        assert [start for start, _ in iter_sentences(text, 0, len(text))] == starts

    def test_iter_sentences_gives_those_overlapping_the_range(self) -> None:
        text = "One. Two. Three. Four."
        assert list(iter_sentences(text, 6, 12)) == [(5, 9), (10, 16)]
        assert list(iter_sentences(text, 4, 5)) == []  # only whitespace and the boundary
        assert list(iter_sentences(text, 3, 3)) == []
        with pytest.raises(ValueError):
            list(iter_sentences(text, 5, 4))

    def test_empty_and_blank_texts(self) -> None:
        assert sentence_span("", 0) == (0, 0)
        assert sentence_span(" \n \n", 2) == (2, 2)
        assert next_sentence_start("", 0) == 0
        assert previous_sentence_start(" \n", 2) == 0
        assert list(iter_sentences("  ", 0, 2)) == []

    def test_bad_offsets_raise(self) -> None:
        for function in (sentence_span, next_sentence_start, previous_sentence_start):
            with pytest.raises(ValueError):
                function("abc", 4)
            with pytest.raises(ValueError):
                function("abc", -1)


class TestParagraphs:
    def test_blank_and_whitespace_only_lines_separate_paragraphs(self) -> None:
        text = "First line\nsecond line\n\n  Next one\n \t \nLast"
        assert paragraphs(text) == ["First line\nsecond line", "Next one", "Last"]

    def test_list_items_and_headings_are_their_own_paragraphs(self) -> None:
        # The blank line makes this a text of blank-line blocks (with none, lines are paragraphs).
        text = "# Title\nIntro\n\n- one\n- two\n  wrapped\n## Part\n* three\n10. ten\nplain"
        assert paragraphs(text) == [
            "# Title",
            "Intro",
            "- one",
            "- two\n  wrapped",
            "## Part",
            "* three",
            "10. ten\nplain",  # a line after a list item continues it (Markdown's lazy lines)
        ]

    def test_span_between_paragraphs_is_the_next_or_at_the_end_the_previous(self) -> None:
        text = "\n\nAlpha beta\n\n\nGamma\n\n"
        assert paragraph_span(text, 0) == (2, 12)
        assert paragraph_span(text, 13) == (15, 20)
        assert paragraph_span(text, len(text)) == (15, 20)
        assert paragraph_span("  \n ", 1) == (1, 1)

    def test_motions(self) -> None:
        text = "One\ntwo\n\nThree\n\n\nFour"
        # starts: 0, 9, 17
        assert [next_paragraph_start(text, o) for o in (0, 5, 8, 9, 16, 17)] == [
            9,
            9,
            9,
            17,
            17,
            len(text),
        ]
        assert [previous_paragraph_start(text, o) for o in (0, 5, 9, 12, 15, 17, 20)] == [
            0,
            0,
            0,
            9,
            9,
            9,
            17,
        ]
        assert next_paragraph_start("", 0) == 0
        assert previous_paragraph_start("", 0) == 0


PRESS_RELEASE = (
    "Donors pledge $2.1 billion for early recovery\n"
    "GENEVA, 4 March - Donors meeting in Geneva today pledged $2.1 billion for early recovery "
    "in the region, the Chair announced at the close of the conference. The pledges cover "
    "housing, water and schools.\n"
    "The Special Envoy welcomed the commitments and urged donors to disburse quickly, noting "
    "that the winter had left many displaced families without adequate shelter or heating.\n"
    "Aid agencies said access remained the main obstacle, with convoys delayed for weeks at "
    "checkpoints and warehouses in the north running low on fuel and medical supplies.\n"
    "For more information, contact the press office."
)


class TestParagraphsOnePerLine:
    """Web copy keeps one paragraph per line, with no blank line (or hardly any) between."""

    def lines(self, text: str) -> list[str]:
        return [line.strip() for line in text.split("\n") if line.strip()]

    def test_without_blank_lines_every_line_is_a_paragraph(self) -> None:
        assert segments.lines_are_paragraphs(PRESS_RELEASE)
        assert paragraphs(PRESS_RELEASE) == self.lines(PRESS_RELEASE)

    def test_p_selects_the_line_and_braces_move_by_line(self) -> None:
        text = PRESS_RELEASE
        second = text.index("GENEVA")
        third = text.index("The Special Envoy")
        inside = text.index("pledged")
        assert paragraph_span(text, inside) == (second, third - 1)
        assert next_paragraph_start(text, inside) == third
        assert next_paragraph_start(text, 0) == second
        assert previous_paragraph_start(text, inside) == second
        assert previous_paragraph_start(text, second) == 0

    def test_a_blank_line_after_the_title_does_not_make_the_rest_one_paragraph(self) -> None:
        text = PRESS_RELEASE.replace("\n", "\n\n", 1)
        assert segments.lines_are_paragraphs(text)
        assert paragraphs(text) == self.lines(PRESS_RELEASE)

    def test_short_lines_without_blank_lines_are_paragraphs_too(self) -> None:
        text = "Q: Where were you?\nA: In the camp.\nQ: For how long?"
        assert paragraphs(text) == text.split("\n")
        assert next_paragraph_start(text, 0) == text.index("A:")

    def test_hard_wrapped_prose_keeps_blank_line_blocks(self) -> None:
        blocks = [f"Hard-wrapped paragraph {n} of a book\nwhose short lines go on." for n in "123"]
        text = "\n\n".join(blocks)
        assert not segments.lines_are_paragraphs(text)
        assert paragraphs(text) == blocks

    def test_blank_line_separated_web_copy_is_unchanged(self) -> None:
        text = PRESS_RELEASE.replace("\n", "\n\n")
        assert not segments.lines_are_paragraphs(text)
        assert paragraphs(text) == self.lines(PRESS_RELEASE)


FRAGMENTS = [
    "a",
    "The",
    "U.S.",
    "Dr.",
    "x.",
    "No.",
    "5",
    "2.5",
    "Hello.",
    "why?",
    '"Yes."',
    "end!",
    "…",
    "سوريا؟",
    "بعد.",
    "؛",
    "- ",
    "# ",
    "1. ",
    "e.g.",
    "J.",
    "(ok.)",
    "👨\u200d👩\u200d👧",
    " ",
    "  ",
    "\n",
    "\n\n",
    " \n",
    "\t",
]
texts = st.lists(
    st.tuples(st.sampled_from(FRAGMENTS), st.sampled_from([" ", "", "\n"])), max_size=25
).map(lambda parts: "".join(a + b for a, b in parts))


def check_consistency(text: str) -> None:
    spans = list(iter_sentences(text, 0, len(text)))
    for (_, end), (next_start, _) in zip(spans, spans[1:], strict=False):
        assert end <= next_start
    for start, end in spans:
        assert start < end
        assert not text[start].isspace() and not text[end - 1].isspace()
        assert sentence_span(text, start) == (start, end)
        assert sentence_span(text, end - 1) == (start, end)
    starts = [start for start, _ in spans]
    for offset in range(len(text) + 1):
        assert next_sentence_start(text, offset) == min(
            (s for s in starts if s > offset), default=len(text)
        )
        assert previous_sentence_start(text, offset) == max(
            (s for s in starts if s < offset), default=0
        )
        if spans:
            assert sentence_span(text, offset) in spans
    paragraph_starts = []
    offset = 0
    while offset < len(text):
        start, end = paragraph_span(text, offset)
        if start == end or (paragraph_starts and start <= paragraph_starts[-1]):
            break
        paragraph_starts.append(start)
        assert all(
            any(start <= s and e <= end for s, e in spans) for s, e in spans if start <= s < end
        )
        offset = next_paragraph_start(text, start)
    for offset in range(len(text) + 1):
        assert next_paragraph_start(text, offset) == min(
            (s for s in paragraph_starts if s > offset), default=len(text)
        )
        assert previous_paragraph_start(text, offset) == max(
            (s for s in paragraph_starts if s < offset), default=0
        )


@settings(max_examples=150)
@given(texts)
def test_spans_and_motions_agree(text: str) -> None:
    check_consistency(text)


@settings(max_examples=60)
@given(texts)
def test_spans_and_motions_agree_with_tiny_scan_limits(text: str) -> None:
    # The cuts that keep pathological texts fast must not make queries disagree either.
    chunk, scan = segments._CHUNK, segments._PARAGRAPH_SCAN
    segments._CHUNK, segments._PARAGRAPH_SCAN = 7, 23
    try:
        check_consistency(text)
    finally:
        segments._CHUNK, segments._PARAGRAPH_SCAN = chunk, scan


@pytest.mark.parametrize(
    "text",
    [
        ("word " * 9 + "and. ") * 20_000,  # a 1 MB line of many sentences
        "a. b. c. d. " * 80_000,  # a 1 MB line of rejected sentence ends
        "x" * 1_000_000,  # a 1 MB line with no space at all
        "A line of verse without a blank line\n" * 30_000,  # one 1 MB paragraph
    ],
    ids=["sentences", "rejected-ends", "no-spaces", "no-blank-lines"],
)
def test_queries_stay_local_on_pathological_texts(text: str) -> None:
    started = time.perf_counter()
    for offset in range(0, len(text), len(text) // 10):
        start, end = sentence_span(text, offset)
        assert start <= end
        assert start <= next_sentence_start(text, offset) or start > offset
        previous_sentence_start(text, offset)
        paragraph_span(text, offset)
        next_paragraph_start(text, offset)
        previous_paragraph_start(text, offset)
    # Local queries take milliseconds here; one that walked the whole 1 MB text in Python would
    # take minutes. The bound catches only that, with room for a machine shared with other jobs.
    assert time.perf_counter() - started < 10.0


def test_a_huge_texts_paragraph_style_is_read_from_its_start(monkeypatch) -> None:
    # Paragraphs one per line (no blank line), then a long tail of the same: the start decides,
    # and the tail is not counted (a 20 MB text took over a second).
    head = "A long line of a web page copied as one paragraph, as such pages are. " * 3 + "\n"
    text = head * (segments._STYLE_SAMPLE // len(head) + 10)
    assert len(text) > segments._STYLE_SAMPLE
    counted: list[int] = []
    real_count = segments._count

    def counting(pattern, part, end):
        counted.append(end)
        return real_count(pattern, part, end)

    monkeypatch.setattr(segments, "_count", counting)
    assert segments.lines_are_paragraphs(text)
    assert counted and max(counted) <= segments._STYLE_SAMPLE
    assert segments.paragraph_span(text, len(text) - 5)[0] == len(text) - len(head)
