"""Fixtures for the skills tests: small skill sets."""

from __future__ import annotations

import pytest

from f.openanalyst.lib.skills.loader import Skill


def make_skill(name: str, description: str, scripts: list[str] | None = None, **kwargs: object) -> Skill:
    """A skill built in memory (as from a resource value), with every tier present."""
    value = {"name": name, "description": description, "scripts": scripts or [], **kwargs}
    return Skill.from_value(value)


@pytest.fixture
def small_skills() -> list[Skill]:
    return [
        make_skill(
            "social-posts",
            "Write and schedule social media posts for Twitter and LinkedIn.",
            triggers=["tweet", "linkedin post"],
        ),
        make_skill(
            "sales-report",
            "Analyse sales numbers and produce a report with charts.",
            triggers=["report", "chart"],
        ),
        make_skill(
            "release-notes", "Write release notes and changelogs from git commits.", triggers=["changelog"]
        ),
    ]
