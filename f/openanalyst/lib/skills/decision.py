"""Skill or no skill: a calibrated decision from several signals, not one score.

A general-knowledge question ("how tall is Everest") can share a word or two with some skill and
score as high as a vague but real request. What separates them is the pattern of signals: how far
the best skill leads the runner-up, how much of the request the skill's own words explain, and
whether the request reads like a task on the person's own things at all. A logistic model over
those features gives P(the best skill is right); `scripts/skills.py calibrate` fits the weights
and the threshold with cross-validation on tests/data/routing (README section `skills`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

FEATURES = ("score", "margin", "coverage", "question", "own_things", "short")

# Fitted by `uv run scripts/skills.py calibrate --write` on the 333 dev requests (its 5-fold
# cross-validation reports the figures a fit has not seen: README section `skills`). Order = FEATURES.
WEIGHTS = (8.259, 8.521, 2.904, -1.124, 0.474, 0.339)
BIAS = -4.117
# P(right) at or above THRESHOLD: the skill; below: no skill. Between GREY_LOW and GREY_HIGH a
# configured model may settle it (f.openanalyst.lib.skills.judge); elsewhere the score stands. The
# band holds 28 of the 333 dev requests (8 %) and 10 of the 21 the scores alone get wrong.
THRESHOLD = 0.400
GREY_LOW = 0.2
GREY_HIGH = 0.6

_POLITE = re.compile(
    r"^(please|pls|hey|hi|ok|okay|so|now|also|and)\b[\s,]*|^(can|could|would|will) you\s+(please\s+)?",
    re.I,
)
_ASKS_ACTION = re.compile(r"^(can|could|would|will) you\b|\b(help me|i need|i want|let'?s|let us)\b", re.I)
_QUESTION = re.compile(
    r"^(what|what's|whats|who|who's|whom|whose|when|where|which|why|how|is|are|was|were|does|do|did"
    r"|should|tell me)\b",
    re.I,
)
_OWN = re.compile(
    r"\b(my|our|we|we're|we've|i'm|i've|i'd|mine|ours|this|these|that|those|here's|attached)\b", re.I
)


@dataclass(frozen=True)
class Signals:
    """The features of one request against its best-scoring skill."""

    score: float  # the hybrid score of the best skill (0..~1.1)
    margin: float  # best minus runner-up
    coverage: float  # share of the request's content words found in the best skill's texts
    question: bool  # reads as a question about the world ("what is", "how tall", "who won")
    own_things: bool  # refers to the person's own things ("my", "our", "this", "these")
    short: bool  # two content words or fewer: little to go on

    def vector(self) -> list[float]:
        return [
            self.score,
            self.margin,
            self.coverage,
            float(self.question),
            float(self.own_things),
            float(self.short),
        ]


def request_form(request: str) -> tuple[bool, bool]:
    """(question, own_things) of a request. "Can you ..." and "help me ..." ask for an action, so
    they are not questions about the world."""
    text = request.strip()
    asks_action = bool(_ASKS_ACTION.search(text))
    while (stripped := _POLITE.sub("", text, count=1)) != text:
        text = stripped
    question = bool(_QUESTION.match(text)) and not asks_action
    return question, bool(_OWN.search(request))


def probability(signals: Signals, weights: tuple[float, ...] = WEIGHTS, bias: float = BIAS) -> float:
    """P(the best skill is the right one), by the fitted logistic model."""
    z = bias + sum(w * x for w, x in zip(weights, signals.vector(), strict=True))
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))
