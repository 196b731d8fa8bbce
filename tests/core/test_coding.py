"""The coding logic: the passage under the cursor, stepping, layers, status text, previews."""

from __future__ import annotations

from reader.core import coding
from reader.core.codebook import Codebook
from reader.core.coding import LastUsedTags, PendingChange
from reader.core.models import Annotation, Tag
from reader.core.text import LineIndex

TEXT = "One two three.\nFour five six.\nSeven eight.\n"


def passage(ident: str, start: int, end: int, *tags: str, memo: str = "",
            created: str = "2026-01-01T00:00:00Z") -> Annotation:
    return Annotation(
        id=ident, document="d", start=start, end=end, quote=TEXT[start:end], prefix="",
        suffix="", tags=tags, memo=memo, created=created,
    )


CODEBOOK = Codebook([
    Tag(id="r", name="refugees", colour="#e69f00", hotkey=1),
    Tag(id="p", name="parent", colour="#56b4e9"),
    Tag(id="c", name="child", colour="#009e73", parent="p"),
])


def test_annotation_at_is_the_shortest_containing_the_offset() -> None:
    outer, inner = passage("o", 0, 30, "r"), passage("i", 4, 7, "c")
    assert coding.annotation_at([outer, inner], 5) == inner
    assert coding.annotation_at([outer, inner], 1) == outer
    assert coding.annotation_at([outer, inner], 30) is None  # half-open
    assert coding.annotation_at([], 3) is None


def test_equal_lengths_prefer_the_newer() -> None:
    old = passage("a", 0, 5, "r", created="2026-01-01T00:00:00Z")
    new = passage("b", 0, 5, "r", created="2026-01-02T00:00:00Z")
    assert coding.annotation_at([old, new], 2) == new
    assert coding.annotation_at([new, old], 2) == new


def test_next_and_previous_wrap_around() -> None:
    a, b, c = passage("a", 0, 3, "r"), passage("b", 15, 19, "r"), passage("c", 31, 36, "r")
    items = [c, a, b]
    assert coding.next_annotation(items, 0) == b
    assert coding.next_annotation(items, 16) == c
    assert coding.next_annotation(items, 31) == a
    assert coding.next_annotation(items, 31, wrap=False) is None
    assert coding.previous_annotation(items, 31) == b
    assert coding.previous_annotation(items, 37) == c  # after c: c
    assert coding.previous_annotation(items, 0, wrap=False) is None
    assert coding.previous_annotation(items, 0) == c
    assert coding.previous_annotation(items, 0, wrap=False) is None
    assert coding.next_annotation([], 3) is None


def test_previous_from_inside_a_passage_is_the_passage_before_it() -> None:
    a, b, c = passage("a", 0, 3, "r"), passage("b", 15, 19, "r"), passage("c", 31, 36, "r")
    items = [c, a, b]
    assert coding.previous_annotation(items, 33) == b  # inside c, not at its start
    assert coding.previous_annotation(items, 31) == b  # at c's start
    assert coding.previous_annotation(items, 16) == a
    assert coding.previous_annotation(items, 2) == c  # inside the first: wraps
    assert coding.previous_annotation(items, 2, wrap=False) is None
    # `]` then `[` comes back to the passage the cursor was in.
    following = coding.next_annotation(items, 17)
    assert following == c
    assert coding.previous_annotation(items, following.start) == b


def test_previous_among_nested_passages_leaves_the_innermost_start() -> None:
    outer, inner = passage("o", 0, 40, "r"), passage("i", 10, 20, "r")
    later = passage("l", 50, 60, "r")
    items = [outer, inner, later]
    assert coding.previous_annotation(items, 15) == outer  # in inner: the passage before it
    assert coding.previous_annotation(items, 30) == inner  # in outer only, after inner
    assert coding.previous_annotation(items, 5) == later  # in outer before inner: wraps


def test_layers_give_overlapping_passages_different_depths() -> None:
    outer = passage("o", 0, 30, "r")
    inner = passage("i", 4, 7, "c")
    overlapping = passage("x", 25, 40, "p")
    apart = passage("z", 41, 44, "r")
    depths = {layer.annotation.id: layer.depth for layer in coding.layers(
        [apart, inner, overlapping, outer])}
    assert depths == {"o": 0, "i": 1, "x": 1, "z": 0}


def test_layers_reuse_freed_depths() -> None:
    outer = passage("o", 0, 40, "r")
    first = passage("a", 1, 5, "r")
    second = passage("b", 10, 14, "r")
    nested = passage("n", 11, 12, "r")
    depths = {layer.annotation.id: layer.depth for layer in coding.layers(
        [outer, first, second, nested])}
    assert depths == {"o": 0, "a": 1, "b": 1, "n": 2}


def test_line_marks_start_and_continuation() -> None:
    index = LineIndex(TEXT)
    marks = coding.line_marks([passage("a", 4, 20, "r")], index)
    assert marks == {0: "●", 1: "│"}
    assert coding.line_marks([passage("a", 30, 36, "r")], index) == {2: "●"}


def test_tags_at_text_names_tags_innermost_first() -> None:
    outer = passage("o", 0, 30, "r")
    inner = passage("i", 4, 7, "c", "r", memo="why")
    assert coding.tags_at_text([outer, inner], 5, CODEBOOK) == (
        "parent/child, refugees + memo (2 passages)"
    )
    assert coding.tags_at_text([outer], 5, CODEBOOK) == "refugees"
    assert coding.tags_at_text([passage("m", 0, 3, memo="note")], 1, CODEBOOK) == "memo only"
    assert coding.tags_at_text([outer], 35, CODEBOOK) == ""
    assert coding.tags_at_text([passage("g", 0, 3, "gone")], 1, CODEBOOK) == "?"


def test_last_used_tags() -> None:
    memory = LastUsedTags()
    assert memory.tags == ()
    memory.remember(["r", "c", "r"])
    assert memory.tags == ("r", "c")
    memory.remember([])
    assert memory.tags == ("r", "c")
    memory.forget_missing(Codebook([Tag(id="r", name="refugees", colour="#e69f00")]))
    assert memory.tags == ("r",)


def test_apply_pending_adds_changes_and_removes_in_order() -> None:
    a, b = passage("a", 0, 3, "r"), passage("b", 15, 19, "r")
    new = passage("pending:1", 5, 9, "r")
    changes = [
        PendingChange(1, new.id, new),
        PendingChange(2, "a", None),
        PendingChange(3, "b", b.evolve(tags=("r", "c"))),
    ]
    result = coding.apply_pending((a, b), changes)
    assert [x.id for x in result] == ["pending:1", "b"]
    assert result[1].tags == ("r", "c")
    assert coding.apply_pending((a, b), []) == (a, b)
    assert coding.is_pending(new) and not coding.is_pending(a)


def test_clip() -> None:
    assert coding.clip("a  b\n c") == "a b c"
    assert coding.clip("x" * 10, 5) == "xxxx…"
