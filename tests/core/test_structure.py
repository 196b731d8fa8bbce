"""Tests of the structure map lookups: the page and the section path at an offset."""

from __future__ import annotations

from reader.core.structure import (
    HEADING,
    PAGE,
    StructureMark,
    page_at,
    place_text,
    section_at,
    section_path_at,
    sorted_structure,
)

STRUCTURE = sorted_structure(
    [
        StructureMark(0, PAGE, "i"),
        StructureMark(0, HEADING, "Preface", 1),
        StructureMark(50, PAGE, "1"),
        StructureMark(50, HEADING, "Chapter 1", 1),
        StructureMark(80, HEADING, "Arrivals", 2),
        StructureMark(120, PAGE, "2"),
        StructureMark(130, HEADING, "Chapter 2", 1),
        StructureMark(140, HEADING, "Returns", 2),
        StructureMark(160, HEADING, "Late returns", 3),
        StructureMark(190, HEADING, "Departures", 2),
    ]
)


def test_page_at_gives_the_printed_label_of_the_page_an_offset_is_on() -> None:
    assert page_at(STRUCTURE, 0) == "i"
    assert page_at(STRUCTURE, 49) == "i"
    assert page_at(STRUCTURE, 50) == "1"
    assert page_at(STRUCTURE, 10_000) == "2"


def test_page_at_is_none_without_pages_or_before_the_first() -> None:
    assert page_at((), 5) is None
    assert page_at((StructureMark(10, PAGE, "7"),), 3) is None
    assert page_at((StructureMark(0, HEADING, "Intro", 1),), 3) is None


def test_section_path_nests_headings_by_level() -> None:
    assert section_path_at(STRUCTURE, 10) == ("Preface",)
    assert section_path_at(STRUCTURE, 100) == ("Chapter 1", "Arrivals")
    assert section_path_at(STRUCTURE, 135) == ("Chapter 2",)
    assert section_at(STRUCTURE, 150) == "Chapter 2 > Returns"
    assert section_at(STRUCTURE, 170) == "Chapter 2 > Returns > Late returns"
    # A heading closes the deeper ones before it.
    assert section_at(STRUCTURE, 195) == "Chapter 2 > Departures"


def test_section_is_empty_before_any_heading_and_without_structure() -> None:
    assert section_at((StructureMark(20, HEADING, "Intro", 1),), 5) == ""
    assert section_at((), 5) == ""


def test_a_skipped_level_still_nests() -> None:
    structure = (StructureMark(0, HEADING, "Book", 1), StructureMark(5, HEADING, "Deep", 3),
                 StructureMark(9, HEADING, "Middle", 2))
    assert section_at(structure, 6) == "Book > Deep"
    assert section_at(structure, 9) == "Book > Middle"


def test_sorted_structure_keeps_the_given_order_at_one_offset() -> None:
    marks = [StructureMark(9, HEADING, "B", 1), StructureMark(3, PAGE, "2"),
             StructureMark(3, HEADING, "A", 1)]
    assert [mark.label for mark in sorted_structure(marks)] == ["2", "A", "B"]


def test_the_place_leaves_out_a_top_heading_that_is_the_title() -> None:
    briefing = sorted_structure([
        StructureMark(0, HEADING, "Briefing Note:  Humanitarian Access", 1),
        StructureMark(40, HEADING, "Returnees", 2),
    ])
    assert place_text(briefing, 50, "Briefing Note: Humanitarian Access") == "Returnees"
    assert place_text(briefing, 10, "Briefing Note: Humanitarian Access") == ""
    assert place_text(briefing, 50) == "Briefing Note:  Humanitarian Access > Returnees"
    assert place_text(STRUCTURE, 150, "Preface") == "p. 2 · Chapter 2 > Returns"
