"""Patterns compiled on first use, so importing a module does not pay for them.

`regex` (grapheme clusters, reverse search, Unicode properties) takes about 10 ms to import,
a twentieth of the reader's start-up, and the first screen of a plain document needs none of
it; compiling even the stdlib's patterns at import added up to a few milliseconds more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable


class LazyPattern:
    """`regex.compile(pattern)` (or `re.compile`, with `stdlib=True`), done the first time one
    of its methods is used.

    After that the compiled pattern's methods are attributes of this object, so a call costs
    what a call on the compiled pattern costs; `search`, `match`, `fullmatch` and `finditer`
    also take a document's `SpooledText`, a window at a time (see reader.core.windowed_regex).
    """

    _METHODS = ("search", "match", "fullmatch", "finditer", "findall", "sub", "split")

    def __init__(self, pattern: str, flags: int = 0, *, stdlib: bool = False) -> None:
        self.pattern = pattern
        self._flags = flags
        self._stdlib = stdlib

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name not in self._METHODS:
            raise AttributeError(name)
        if self._stdlib:
            import re as engine
        else:
            import regex as engine  # type: ignore[import-untyped,unused-ignore,no-redef]
        compiled = engine.compile(self.pattern, self._flags)
        for method in self._METHODS:
            setattr(self, method, _taking_any_text(compiled, method))
        return getattr(self, name)  # type: ignore[no-any-return]


def _taking_any_text(compiled: Any, method: str) -> Callable[..., Any]:
    """The compiled pattern's `method`, or, for the methods a spooled text can be read by, one
    that hands a text which is not a str to reader.core.windowed_regex."""
    bound: Callable[..., Any] = getattr(compiled, method)
    if method not in _WINDOWED:
        return bound

    def call(string: Any, *args: Any, **options: Any) -> Any:
        if isinstance(string, str):
            return bound(string, *args, **options)
        from reader.core import windowed_regex

        return getattr(windowed_regex, method)(compiled, string, *args, **options)

    return call


_WINDOWED = frozenset({"search", "match", "fullmatch", "finditer"})
