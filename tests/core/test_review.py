"""Reviewing: sidebar filters, tag-view rows and their context line, codebook order."""

from __future__ import annotations

from reader.core.codebook import Codebook
from reader.core.models import Annotation, Document, Tag
from reader.core.review import (
    ELLIPSIS,
    SidebarFilter,
    bar_entries,
    codebook_entries,
    context_line,
    document_for_path,
    filter_annotations,
    fold,
    parent_choices,
    shorten,
    tag_and_descendants,
    tag_paths,
    tag_view_rows,
)


def doc(doc_id: str, title: str, path: str | None = None) -> Document:
    return Document(
        id=doc_id, path=path or f"/docs/{doc_id}.txt", title=title, size=1,
        encoding="utf-8", sha256=doc_id,
    )


def note(
    ann_id: str,
    document: str,
    start: int,
    quote: str,
    *,
    tags: tuple[str, ...] = ("t1",),
    memo: str = "",
    prefix: str = "",
    suffix: str = "",
) -> Annotation:
    return Annotation(
        id=ann_id, document=document, start=start, end=start + len(quote), quote=quote,
        prefix=prefix, suffix=suffix, tags=tags, memo=memo,
    )


def tag(tag_id: str, name: str, parent: str | None = None, hotkey: int | None = None) -> Tag:
    return Tag(id=tag_id, name=name, colour="#e69f00", parent=parent, hotkey=hotkey)


# ---------------------------------------------------------------------------- text helpers


def test_shorten_cuts_at_a_word_and_joins_lines() -> None:
    assert shorten("one\ntwo   three", 50) == "one two three"
    assert shorten("alpha beta gamma delta", 12) == "alpha beta" + ELLIPSIS
    assert len(shorten("x" * 40, 10)) == 10
    assert shorten("anything", 0) == ""


def test_fold_ignores_case_and_optional_arabic_marks() -> None:
    assert fold("ÉCOLE") == fold("école")
    assert fold("مَدْرَسَة") == fold("مدرسة")
    assert fold("مـدرسـة") == fold("مدرسة")
    assert fold("أمل") == fold("امل")


# ---------------------------------------------------------------------------- context line


def test_context_line_puts_the_quote_between_its_context() -> None:
    annotation = note(
        "a", "d", 10, "the camp", prefix="They went back to\n", suffix=" last winter.\nThen"
    )
    line = context_line(annotation, width=80)
    assert line.quote == "the camp"
    assert line.before == "They went back to "
    assert line.after == " last winter. Then"
    assert "\n" not in line.plain


def test_context_line_fits_the_width_and_marks_cuts() -> None:
    annotation = note(
        "a", "d", 500, "quoted words",
        prefix="word " * 40, suffix=" more" * 40,
    )
    line = context_line(annotation, width=40)
    assert len(line.plain) <= 40
    assert line.before.startswith(ELLIPSIS)
    assert line.after.endswith(ELLIPSIS)
    assert line.quote == "quoted words"


def test_context_line_gives_unused_room_to_the_other_side() -> None:
    annotation = note("a", "d", 0, "Opening", prefix="", suffix=" words" * 30)
    line = context_line(annotation, width=60)
    assert line.before == ""
    assert len(line.after) > 40


def test_context_line_shortens_a_long_quote() -> None:
    annotation = note("a", "d", 0, "long " * 100, prefix="before ", suffix=" after")
    line = context_line(annotation, width=60)
    assert line.quote.endswith(ELLIPSIS)
    assert len(line.plain) <= 60


def test_context_line_joins_words_without_space_when_the_text_did() -> None:
    annotation = note("a", "d", 3, "mid", prefix="pre", suffix="post")
    assert context_line(annotation).plain == "premidpost"


# ---------------------------------------------------------------------------- tag view


def test_tag_view_rows_sorted_by_document_title_then_position() -> None:
    documents = {"d1": doc("d1", "Zeta interview"), "d2": doc("d2", "alpha notes")}
    annotations = [
        note("a1", "d1", 5, "zeta early"),
        note("a2", "d2", 90, "alpha late"),
        note("a3", "d1", 1, "zeta first"),
        note("a4", "d2", 3, "alpha first"),
        note("a5", "d2", 7, "other tag", tags=("t2",)),
    ]
    rows = tag_view_rows(annotations, documents, {"t1"})
    assert [row.annotation.id for row in rows] == ["a4", "a2", "a3", "a1"]
    assert [row.document_title for row in rows] == [
        "alpha notes", "alpha notes", "Zeta interview", "Zeta interview",
    ]
    assert rows[0].document_id == "d2" and rows[0].start == 3


def test_tag_view_rows_keep_same_titles_apart_and_list_each_passage_once() -> None:
    documents = [doc("d1", "Notes", "/b/notes.txt"), doc("d2", "Notes", "/a/notes.txt")]
    annotations = [
        note("a1", "d1", 0, "b one"),
        note("a2", "d2", 50, "a two"),
        note("a3", "d2", 10, "a one", tags=("t1", "t2")),
        note("a3", "d2", 10, "a one", tags=("t1", "t2")),
        note("a4", "gone", 0, "orphan"),
    ]
    rows = tag_view_rows(annotations, documents, {"t1", "t2"})
    assert [row.annotation.id for row in rows] == ["a4", "a3", "a2", "a1"]
    assert rows[0].document_title == "(unknown document)"


def test_tag_and_descendants_follows_nesting() -> None:
    codebook = Codebook([tag("p", "parent"), tag("c", "child", "p"), tag("g", "grand", "c"),
                         tag("o", "other")])
    assert tag_and_descendants(codebook, "p") == {"p", "c", "g"}
    assert tag_and_descendants(codebook, "c") == {"c", "g"}
    assert {t.id for t in parent_choices(codebook, "p")} == {"o"}


# ---------------------------------------------------------------------------- sidebar


ANNOTATIONS = [
    note("a1", "d", 0, "Families returned to Homs", tags=("t1",), memo="Check the DATE"),
    note("a2", "d", 40, "Aid was blocked", tags=("t2",)),
    note("a3", "d", 80, "عادت العائلات إلى المَدْرَسَة", tags=("t1", "t2"), memo="عودة"),
    note("a4", "d", 120, "Only a memo", tags=(), memo="families mentioned again"),
]


def ids(annotations: list[Annotation]) -> list[str]:
    return [annotation.id for annotation in annotations]


def test_sidebar_filter_by_tag() -> None:
    assert ids(filter_annotations(ANNOTATIONS, SidebarFilter(frozenset({"t2"})))) == ["a2", "a3"]
    assert ids(filter_annotations(ANNOTATIONS, SidebarFilter())) == ["a1", "a2", "a3", "a4"]


def test_sidebar_filter_by_text_in_quotes_and_memos_ignoring_case() -> None:
    assert ids(filter_annotations(ANNOTATIONS, SidebarFilter(text="FAMILIES"))) == ["a1", "a4"]
    assert ids(filter_annotations(ANNOTATIONS, SidebarFilter(text="the date"))) == ["a1"]
    assert ids(filter_annotations(ANNOTATIONS, SidebarFilter(text="  "))) == ids(ANNOTATIONS)


def test_sidebar_filter_by_arabic_text_with_or_without_marks() -> None:
    assert ids(filter_annotations(ANNOTATIONS, SidebarFilter(text="المدرسة"))) == ["a3"]
    assert ids(filter_annotations(ANNOTATIONS, SidebarFilter(text="الى"))) == ["a3"]
    assert ids(filter_annotations(ANNOTATIONS, SidebarFilter(text="عودة"))) == ["a3"]


def test_sidebar_filter_by_tag_and_text_together() -> None:
    selection = SidebarFilter(frozenset({"t1"}), "families")
    assert ids(filter_annotations(ANNOTATIONS, selection)) == ["a1"]


def test_tag_paths_skip_unknown_ids() -> None:
    codebook = Codebook([tag("p", "parent"), tag("c", "child", "p")])
    annotation = note("a", "d", 0, "x", tags=("c", "missing", "p"))
    assert tag_paths(annotation, codebook) == ["parent/child", "parent"]


# ---------------------------------------------------------------------------- codebook rows


def test_codebook_entries_in_tree_order_with_depth_and_counts() -> None:
    codebook = Codebook([
        tag("b", "beta"), tag("a", "alpha"), tag("a2", "zed", "a"), tag("a1", "Also", "a"),
        tag("ab", "alpha b"),
    ])
    entries = codebook_entries(codebook, {"a": 2, "a1": 1})
    assert [(e.path, e.depth, e.count) for e in entries] == [
        ("alpha", 0, 2), ("alpha/Also", 1, 1), ("alpha/zed", 1, 0), ("alpha b", 0, 0),
        ("beta", 0, 0),
    ]


def test_codebook_entries_survive_a_cycle_of_parents() -> None:
    codebook = Codebook([tag("x", "x", "y"), tag("y", "y", "x")])
    assert sorted(e.tag.id for e in codebook_entries(codebook, {})) == ["x", "y"]


def test_bar_entries_put_hotkeys_first_in_slot_order() -> None:
    codebook = Codebook([tag("a", "a", hotkey=2), tag("b", "b"), tag("c", "c", hotkey=1)])
    assert [e.tag.id for e in bar_entries(codebook, {})] == ["c", "a", "b"]


def test_document_for_path_checks_aliases() -> None:
    moved = Document(
        id="m", path="/new.txt", title="t", size=1, encoding="utf-8", sha256="s",
        aliases=("/old.txt",),
    )
    assert document_for_path({"m": moved}, "/old.txt") is moved
    assert document_for_path([moved], "/new.txt") is moved
    assert document_for_path([moved], "/other.txt") is None


def test_context_line_cuts_context_at_words() -> None:
    annotation = note(
        "a", "d", 200, "quote", prefix="alpha beta gamma delta epsilon ",
        suffix=" zeta eta theta iota kappa",
    )
    line = context_line(annotation, width=30)
    assert line.before.startswith(ELLIPSIS) and line.before[1:].split()[0] in {
        "beta", "gamma", "delta", "epsilon"}
    assert line.after.endswith(ELLIPSIS)
    assert line.after[:-1].split()[-1] in {"zeta", "eta", "theta", "iota"}


def test_context_line_leaves_out_a_side_too_short_to_say_anything() -> None:
    annotation = note("a", "d", 200, "q" * 30, prefix="words " * 10, suffix=". More words here")
    line = context_line(annotation, width=40)
    assert len(line.plain) <= 40
    assert line.before == "" or len(line.before) >= 8
    assert line.after == "" or len(line.after) >= 8


def test_fold_takes_final_ya_and_alef_maqsura_alike() -> None:
    assert fold("إلى") == fold("الي")
    assert fold("مشى") == fold("مشي")
