"""Tag colours: the palette first, then generated colours that stay distinct and readable."""

from __future__ import annotations

import math

from reader.core.codebook import PALETTE, colour_distance, next_colour, oklab, valid_colour


def colours_for(count: int, used: tuple[str, ...] = ()) -> list[str]:
    """The colours `count` new tags get, one after another."""
    chosen = list(used)
    for _ in range(count):
        chosen.append(next_colour(chosen))
    return chosen[len(used) :]


def test_the_first_ten_tags_get_the_palette_in_order() -> None:
    assert colours_for(10) == list(PALETTE)


def test_a_palette_colour_set_free_is_given_again_first() -> None:
    used = [*colours_for(14)]
    used.remove(PALETTE[3])
    assert next_colour(used) == PALETTE[3]


def test_tags_beyond_the_palette_get_colours_of_their_own() -> None:
    colours = colours_for(200)
    assert len(set(colours)) == 200
    assert all(valid_colour(colour) == colour for colour in colours)


def test_each_new_colour_is_far_from_every_colour_in_use() -> None:
    # Up to 40 tags, every new colour differs from all before it at least as clearly as the
    # palette's own closest pair (0.076 in OKLab) or nearly; 0.02 is barely visible.
    colours = colours_for(40)
    for index in range(10, 40):
        nearest = min(colour_distance(colours[index], other) for other in colours[:index])
        assert nearest > (0.09 if index < 20 else 0.05), (index, colours[index], nearest)


def test_generated_colours_read_on_dark_and_light_themes() -> None:
    for colour in colours_for(100)[10:]:
        lightness, a, b = oklab(colour)
        assert 0.55 <= lightness <= 0.8, colour  # neither lost on black nor on white
        assert math.hypot(a, b) >= 0.07, colour  # a colour, not a grey


def test_colours_in_use_that_are_not_ours_are_kept_apart_too() -> None:
    # A user's own colours (and a hand-edited, malformed one) count as in use.
    used = (*PALETTE, "#ff0000", "#00ff00", "#0000ff", "not a colour")
    colour = next_colour(used)
    assert colour not in used
    assert min(colour_distance(colour, other) for other in used[:-1]) > 0.09


def test_the_choice_depends_only_on_the_colours_in_use() -> None:
    assert colours_for(30) == colours_for(30)
    assert next_colour(reversed(colours_for(20))) == next_colour(colours_for(20))
