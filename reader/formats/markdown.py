"""Markdown documents (.md, .markdown): the raw source is the text, so offsets are the file's."""

from __future__ import annotations

import re
from pathlib import Path
from typing import BinaryIO

from reader.core.lazy_regex import LazyPattern
from reader.core.structure import HEADING, Structure, StructureMark
from reader.formats.decoding import decode, decode_head, decode_stream
from reader.formats.text import first_nonblank_line

_TITLE_SCAN_LINES = 2000

_ATX = LazyPattern(r" {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*", stdlib=True)
_SETEXT_UNDERLINE = LazyPattern(r" {0,3}(?:=+|-+)[ \t]*", stdlib=True)
_FENCE = LazyPattern(r" {0,3}(`{3,}|~{3,})", stdlib=True)
_FRONT_MATTER_TITLE = LazyPattern(r"title:[ \t]*(['\"]?)(.*?)\1[ \t]*", re.IGNORECASE, stdlib=True)
# Inline markup that should not show in a title: links keep their text, emphasis and code
# marks go.
_LINK = LazyPattern(r"!?\[([^\]]*)\]\([^)]*\)", stdlib=True)
_EMPHASIS = LazyPattern(r"\*\*|__|(?<!\w)[*_]|[*_](?!\w)|`", stdlib=True)


def _plain(title: str) -> str:
    plain: str = _EMPHASIS.sub("", _LINK.sub(r"\1", title))
    return plain.strip()


def markdown_title(text: str) -> str:
    """The first heading (ATX `# Title` or setext underlined), else the first non-blank line.

    YAML front matter is skipped (its `title:` is used if present) and so are fenced code
    blocks, where a `#` line is a comment, not a heading.
    """
    lines = text.split("\n", _TITLE_SCAN_LINES)[:_TITLE_SCAN_LINES]
    index = 0
    if lines and lines[0].strip() == "---":
        for end in range(1, len(lines)):
            if lines[end].strip() in ("---", "..."):
                for line in lines[1:end]:
                    found = _FRONT_MATTER_TITLE.fullmatch(line.strip())
                    if found and found.group(2).strip():
                        return _plain(found.group(2))
                index = end + 1
                break
    fence: str | None = None
    previous = ""
    for line in lines[index:]:
        opener = _FENCE.match(line)
        if fence is not None:
            if opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence):
                fence = None
            previous = ""
            continue
        if opener:
            fence = opener.group(1)
            previous = ""
            continue
        atx = _ATX.fullmatch(line)
        if atx and atx.group(1):
            return _plain(atx.group(1))
        if previous.strip() and _SETEXT_UNDERLINE.fullmatch(line):
            return _plain(previous)
        previous = line
    return _plain(first_nonblank_line(text))


# Lines that may open or close a fence or be a heading; every other line is skipped in C, so a
# 22 MB file costs one regex scan, not a Python loop over its lines.
_HEADING_CANDIDATE = LazyPattern(
    r"^ {0,3}(?:#{1,6}(?:[ \t][^\n]*)?|`{3,}[^\n]*|~{3,}[^\n]*|=+[ \t]*|-+[ \t]*)$",
    re.MULTILINE,
    stdlib=True,
)


def _front_matter_end(text: str) -> int:
    """Where YAML front matter ("---" ... "---" at the top) ends, or 0 without it."""
    if not text.startswith("---"):
        return 0
    first_break = text.find("\n")
    if first_break < 0 or text[:first_break].strip() != "---":
        return 0
    position = first_break + 1
    while position < len(text):
        line_end = text.find("\n", position)
        line_end = len(text) if line_end < 0 else line_end
        if text[position:line_end].strip() in ("---", "..."):
            return line_end
        position = line_end + 1
    return 0


def markdown_headings(text: str) -> Structure:
    """The ATX (`## Returns`) and setext (underlined) headings of Markdown source, as structure
    marks at the start of their line; fenced code and front matter are skipped."""
    marks: list[StructureMark] = []
    fence: str | None = None
    for candidate in _HEADING_CANDIDATE.finditer(text, _front_matter_end(text)):
        line = candidate.group()
        opener = _FENCE.match(line)
        if fence is not None:
            if opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence):
                fence = None
            continue
        if opener:
            fence = opener.group(1)
            continue
        atx = _ATX.fullmatch(line)
        if atx:
            if atx.group(1) and _plain(atx.group(1)):
                level = len(line.lstrip(" ")) - len(line.lstrip(" ").lstrip("#"))
                marks.append(StructureMark(candidate.start(), HEADING, _plain(atx.group(1)), level))
            continue
        # A setext underline: the line above, if it is text, is the heading.
        start = candidate.start()
        if start == 0:
            continue
        previous_start = text.rfind("\n", 0, start - 1) + 1
        previous = text[previous_start : start - 1]
        if previous.strip() and not _HEADING_CANDIDATE.fullmatch(previous) and _plain(previous):
            level = 1 if line.strip().startswith("=") else 2
            marks.append(StructureMark(previous_start, HEADING, _plain(previous), level))
    return tuple(marks)


class MarkdownLoader:
    """Markdown source, kept as written; the title is its first heading."""

    name = "markdown"
    suffixes = (".md", ".markdown")

    def extract(self, path: Path, data: bytes) -> tuple[str, str]:
        return decode(data)

    def extract_stream(self, path: Path, stream: BinaryIO) -> tuple[str, str]:
        return decode_stream(stream, canonical=True)

    def extract_head(self, path: Path, data: bytes) -> tuple[str, str] | None:
        return decode_head(data)

    def title(self, path: Path, text: str) -> str:
        return markdown_title(text)

    def structure(self, text: str) -> Structure:
        return markdown_headings(text)
