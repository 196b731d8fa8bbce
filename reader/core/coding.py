"""Coding logic without any interface: the passage under the cursor, stepping, layers, previews.

Everything here works on tuples of `Annotation` in document order (as snapshots hold them), so the
TUI can ask "what is under the cursor" or "how deep is this passage drawn" without the store.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reader.core.anchors import quote_still_at
from reader.core.codebook import Codebook
from reader.core.models import Annotation
from reader.core.text import DocumentText, LineIndex

PENDING_PREFIX = "pending:"
"""Id prefix of an annotation shown before the store has given it its real id."""


def _length(annotation: Annotation) -> int:
    return annotation.end - annotation.start


def annotations_at(annotations: Iterable[Annotation], offset: int) -> list[Annotation]:
    """The annotations containing `offset` (start <= offset < end), shortest first."""
    found = [a for a in annotations if a.start <= offset < a.end]
    # Equal lengths: the newer one first, since it is the one just made.
    found.sort(key=lambda a: (_length(a), _reverse(a.created), a.start))
    return found


def _reverse(stamp: str) -> tuple[int, ...]:
    return tuple(-ord(character) for character in stamp)


def annotation_at(annotations: Iterable[Annotation], offset: int) -> Annotation | None:
    """The shortest annotation containing `offset`: the one keys act on."""
    found = annotations_at(annotations, offset)
    return found[0] if found else None


def in_place(annotations: Iterable[Annotation], text: DocumentText) -> tuple[Annotation, ...]:
    """The annotations whose quote is at their offsets in `text`.

    Only these are drawn and acted on: a passage whose document changed under it (before it was
    carried over, or when it could not be) would otherwise sit on words it never quoted.
    """
    return tuple(a for a in annotations if quote_still_at(text, a.start, a.end, a.quote))


def next_annotation(
    annotations: Sequence[Annotation], offset: int, *, wrap: bool = True
) -> Annotation | None:
    """The first annotation starting after `offset` (by start, then end); wraps to the first."""
    ordered = sorted(annotations, key=lambda a: (a.start, a.end))
    starts = [a.start for a in ordered]
    index = bisect_right(starts, offset)
    if index < len(ordered):
        return ordered[index]
    return ordered[0] if wrap and ordered else None


def previous_annotation(
    annotations: Sequence[Annotation], offset: int, *, wrap: bool = True
) -> Annotation | None:
    """The last annotation starting before `offset`, other than the one the cursor is in;
    wraps to the last.

    Going to the start of the passage the cursor is already in is not going to the previous
    passage: `[` skips it (and any passage starting there too), to the passage `]` came from,
    so `[` after `]` goes back where the cursor was. Among nested passages the cursor is in
    the one that starts last.
    """
    ordered = sorted(annotations, key=lambda a: (a.start, a.end))
    starts = [a.start for a in ordered]
    current = max((a.start for a in ordered if a.start <= offset < a.end), default=None)
    index = bisect_left(starts, offset)
    while index > 0 and starts[index - 1] == current:
        index -= 1
    if index > 0:
        return ordered[index - 1]
    return ordered[-1] if wrap and ordered else None


@dataclass(frozen=True)
class Layer:
    """An annotation and the depth it is drawn at: 0 for the outermost, 1 over it, ..."""

    annotation: Annotation
    depth: int


def layers(annotations: Iterable[Annotation]) -> list[Layer]:
    """Depths so that overlapping annotations never share one: longer first at a start.

    A passage inside (or overlapping the end of) another gets a deeper layer, drawn over the other
    with a different look; passages that do not overlap all stay at depth 0.
    """
    ordered = sorted(annotations, key=lambda a: (a.start, -a.end, a.created))
    open_: list[tuple[int, int]] = []  # (end, depth) of annotations still open
    free: list[int] = []  # depths no open annotation uses, as a heap
    deepest = 0
    result: list[Layer] = []
    for annotation in ordered:
        while open_ and open_[0][0] <= annotation.start:
            _end, depth = heapq.heappop(open_)
            heapq.heappush(free, depth)
        if free:
            depth = heapq.heappop(free)
        else:
            depth = deepest
            deepest += 1
        heapq.heappush(open_, (annotation.end, depth))
        result.append(Layer(annotation, depth))
    return result


def line_marks(annotations: Iterable[Annotation], index: LineIndex) -> dict[int, str]:
    """Gutter marks: "●" on a line where an annotation starts, "│" on lines it continues on."""
    marks: dict[int, str] = {}
    for annotation in annotations:
        first = index.to_line_col(annotation.start)[0]
        last = index.to_line_col(max(annotation.start, annotation.end - 1))[0]
        marks[first] = "●"
        for line in range(first + 1, last + 1):
            marks.setdefault(line, "│")
    return marks


def tag_names(annotation: Annotation, codebook: Codebook) -> list[str]:
    """The annotation's tags as codebook paths (an unknown id is shown as "?")."""
    names = []
    for tag_id in annotation.tags:
        try:
            names.append(codebook.path(tag_id))
        except Exception:  # a tag deleted by another process since the snapshot
            names.append("?")
    return names


def tags_at_text(annotations: Iterable[Annotation], offset: int, codebook: Codebook) -> str:
    """What the status line says about the cursor: its tags, innermost first, and memos.

    "refugees, economy + memo" — so a passage's codes can be read without seeing colour. More
    than one passage at the cursor adds "(2 passages)".
    """
    found = annotations_at(annotations, offset)
    if not found:
        return ""
    names: list[str] = []
    for annotation in found:
        for name in tag_names(annotation, codebook):
            if name not in names:
                names.append(name)
    text = ", ".join(names) if names else "memo only"
    if found[0].memo.strip() and names:
        text += " + memo"
    if len(found) > 1:
        text += f" ({len(found)} passages)"
    return text


class LastUsedTags:
    """The tags most recently applied, for `.` (apply the same again)."""

    def __init__(self) -> None:
        self._tags: tuple[str, ...] = ()

    def remember(self, tag_ids: Sequence[str]) -> None:
        if tag_ids:
            self._tags = tuple(dict.fromkeys(tag_ids))

    @property
    def tags(self) -> tuple[str, ...]:
        return self._tags

    def forget_missing(self, codebook: Codebook) -> None:
        """Drop tags that no longer exist (deleted or merged)."""
        self._tags = tuple(tag for tag in self._tags if tag in codebook)


@dataclass(frozen=True)
class PendingChange:
    """A change sent to the store and shown before the store answers.

    `after` replaces the annotation with `annotation_id` (a new one when no such id is shown);
    None removes it.
    """

    token: int
    annotation_id: str
    after: Annotation | None


def apply_pending(
    annotations: Sequence[Annotation], changes: Iterable[PendingChange]
) -> tuple[Annotation, ...]:
    """The annotations as they will be once the changes are saved, in document order."""
    by_id = {annotation.id: annotation for annotation in annotations}
    touched = False
    for change in changes:
        touched = True
        if change.after is None:
            by_id.pop(change.annotation_id, None)
        else:
            by_id[change.annotation_id] = change.after
    if not touched:
        return tuple(annotations)
    return tuple(sorted(by_id.values(), key=lambda a: (a.start, a.end, a.created)))


def is_pending(annotation: Annotation) -> bool:
    return annotation.id.startswith(PENDING_PREFIX)


def clip(text: str, limit: int = 200) -> str:
    """A passage shortened for a dialog's context line."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
