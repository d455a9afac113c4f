"""Regular expressions compiled on their first use instead of at import.

Every step is a process of its own, so a module's patterns are compiled again in each one. The
rules that read a request (`planning/understanding`, `planning/building`) hold about eighty; the
intent step uses about two thirds of them and the planner a handful, so compiling them all at
import cost each of those processes 10-20 ms for nothing.
"""

from __future__ import annotations

import re
from typing import Any


class LazyPattern:
    """A `re.Pattern` compiled when one of its methods or attributes is first used."""

    __slots__ = ("_compiled", "_flags", "_pattern")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._pattern = pattern
        self._flags = flags
        self._compiled: re.Pattern[str] | None = None

    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self._pattern, self._flags)
        return self._compiled

    def __getattr__(self, name: str) -> Any:
        return getattr(self.compiled(), name)

    def __repr__(self) -> str:
        return f"lazy_re.compile({self._pattern!r}, {self._flags})"


def compile(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """`re.compile(pattern, flags)`, deferred to the first use. Use the pattern's own methods
    (`search`, `sub`, `pattern`...); a function of `re` that takes a pattern needs `re.compile`."""
    return LazyPattern(pattern, flags)  # type: ignore[return-value]
