"""Patterns of the `regex` module compiled on first use, so importing the core does not load it.

`regex` (grapheme clusters, reverse search, Unicode properties) takes about 10 ms to import,
a twentieth of the reader's start-up; the first screen of a plain document needs none of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable


class LazyPattern:
    """`regex.compile(pattern)`, done the first time one of its methods is used.

    After that the compiled pattern's methods are attributes of this object, so a call costs
    what a call on the compiled pattern costs.
    """

    _METHODS = ("search", "match", "fullmatch", "finditer", "findall", "sub", "split")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self._flags = flags

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name not in self._METHODS:
            raise AttributeError(name)
        import regex  # type: ignore[import-untyped,unused-ignore]

        compiled = regex.compile(self.pattern, self._flags)
        for method in self._METHODS:
            setattr(self, method, getattr(compiled, method))
        return getattr(compiled, name)  # type: ignore[no-any-return]
