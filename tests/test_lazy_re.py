"""Patterns compiled on first use behave as `re.compile`'s."""

from __future__ import annotations

import re

import f.openanalyst.lib.lazy_re as lazy_re


def test_a_lazy_pattern_compiles_on_first_use_and_matches_as_re_does() -> None:
    lazy = lazy_re.compile(r"\b(?P<word>post|tweet)s?\b", re.I)
    assert lazy._compiled is None  # type: ignore[attr-defined]  # nothing compiled at import
    eager = re.compile(r"\b(?P<word>post|tweet)s?\b", re.I)
    text = "Two Tweets and a post"
    assert lazy.search(text).group("word") == eager.search(text).group("word") == "Tweet"
    assert lazy.findall(text) == eager.findall(text)
    assert lazy.sub("x", text) == eager.sub("x", text)
    assert lazy.pattern == eager.pattern and lazy.flags == eager.flags
    assert lazy.compiled() is lazy.compiled()  # compiled once
