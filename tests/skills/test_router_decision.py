"""Skill or no skill: the calibrated decision, its features and its cross-validated figures."""

from __future__ import annotations

import pytest

import f.openanalyst.lib.skills.decision as route_decision
from f.openanalyst.lib.skills.decision import Signals, probability, request_form
from f.openanalyst.lib.skills.router import SkillRegistry
from scripts import skills_eval
from tests.skills.conftest import make_skill


@pytest.mark.parametrize(
    ("request_text", "question", "own"),
    [
        ("how tall is Mount Everest", True, False),
        ("what's the capital of Peru", True, False),
        ("can you draft a tweet about our launch", False, True),
        ("please make a chart of my sales", False, True),
        ("help me write the RFC", False, False),
        ("what are the big ideas in this article I missed", True, True),
        ("tell me a joke about cats", True, False),
    ],
)
def test_request_form(request_text: str, question: bool, own: bool) -> None:
    assert request_form(request_text) == (question, own)


def test_probability_rises_with_margin_and_coverage_and_falls_for_world_questions() -> None:
    base = Signals(score=0.35, margin=0.03, coverage=0.3, question=False, own_things=True, short=False)
    p = probability(base)
    assert probability(base.__class__(**{**base.__dict__, "margin": 0.15})) > p
    assert probability(base.__class__(**{**base.__dict__, "coverage": 0.8})) > p
    assert probability(base.__class__(**{**base.__dict__, "question": True})) < p
    assert 0.0 < p < 1.0


def test_general_knowledge_gets_no_skill_even_when_a_word_matches() -> None:
    reg = SkillRegistry(
        [
            make_skill("travel-desk", "Book flights and hotels for company business trips."),
            make_skill("sales-report", "Analyse sales numbers and produce a report with charts."),
        ]
    )
    assert reg.route("book a business trip to Berlin for the sales offsite").skill == "travel-desk"
    for question in ("how tall is Mount Everest", "who won the football match yesterday"):
        match = reg.route(question)
        assert match.skill is None, (question, match)
        assert "below threshold" in match.reason


def test_near_neighbours_are_told_apart_by_their_when_to_use_sections() -> None:
    """Two skills with the same description; only the body says which requests each one takes."""
    desc = "Helps with code review on a pull request."
    giving = make_skill(
        "giving-review",
        desc,
        body="# Giving\n\n## When to Use\n\nBefore merging, ask a reviewer to check the diff.\n",
    )
    taking = make_skill(
        "taking-review",
        desc,
        body="# Taking\n\n## When to Use\n\nThe reviewer left feedback and comments you are unsure about.\n",
    )
    reg = SkillRegistry([giving, taking])
    assert (
        reg.route("the reviewer left feedback I'm unsure about on my pull request").skill == "taking-review"
    )
    assert reg.route("ask a reviewer to check my pull request before merging").skill == "giving-review"


def test_cross_validated_figures_meet_the_targets() -> None:
    """Each fold is decided by weights and a threshold fitted on the other folds only."""
    rows = skills_eval.collect()
    figures = skills_eval.by_set(rows, skills_eval.cross_validate(rows))
    corpora = figures["five corpora"]
    assert corpora["top1"] >= 0.92, corpora
    assert corpora["none_recall"] >= 0.90, corpora
    assert figures["all"]["top3"] >= 0.95, figures["all"]


def test_shipped_constants_are_the_fit_on_the_dev_set() -> None:
    """`calibrate --write` output is what the router uses (a stale constant would drift)."""
    weights, bias, threshold = skills_eval.fit(skills_eval.collect())
    assert weights == pytest.approx(route_decision.WEIGHTS, abs=0.01)
    assert bias == pytest.approx(route_decision.BIAS, abs=0.01)
    assert threshold == pytest.approx(route_decision.THRESHOLD, abs=0.002)
