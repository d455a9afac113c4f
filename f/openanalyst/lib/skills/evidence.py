"""What a skill's SKILL.md says about when to use it, as texts for routing to score.

Near-neighbour skills (obra-superpowers' five process skills, `connect` vs `connect-apps`) share
most of their description words; what tells them apart is usually further down: the "When to Use"
section, the trigger phrases of a `USE WHEN` clause, the names of the scripts it runs. Routing
scores the description first and this body evidence below it; "When NOT to use" sections are kept
apart so they can count against the skill.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from f.openanalyst.lib.skills.loader import Skill, name_words

_HEADING_RE = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.M)
# Headings whose section says when the skill applies ("When to Use This Skill", "When to Offer
# This Workflow", "When To Apply", "When to Request Review", "Use this skill when ...").
_USE_RE = re.compile(
    r"^(when\s+(to\s+)?(use|offer|apply|request|create)\b|use (this|it)\b.*\bwhen\b|triggers?$|overview$)",
    re.I,
)
_AVOID_RE = re.compile(r"^(when\s+not\b|when\s+to\s+avoid\b|do\s+not\s+use\b|don'?t\s+use\b)", re.I)
_SCRIPT_RE = re.compile(r"\bscripts/([A-Za-z0-9_-]+)\.(?:py|sh|ts|js|mjs)\b")
_CODE_RE = re.compile(r"```.*?```", re.S)
OPENING_CHARS = 600
SECTION_CHARS = 1200  # a long section is mostly examples: its start carries the signal


@dataclass(frozen=True)
class SkillTexts:
    """description: name words, description and trigger phrases (what routing trusts most);
    body: "when to use" and "overview" sections, the body's opening and script names (weighted
    below the description);
    avoid: "when not to use" sections (evidence against)."""

    description: str
    body: str
    avoid: str


def sections(markdown: str, pattern: re.Pattern[str]) -> list[str]:
    """The text under every heading whose title matches `pattern`, up to the next heading of the
    same or a higher level (each capped at SECTION_CHARS)."""
    heads = list(_HEADING_RE.finditer(markdown))
    out = []
    for i, m in enumerate(heads):
        if not pattern.search(m[2].strip()):
            continue
        level, end = len(m[1]), len(markdown)
        for nxt in heads[i + 1 :]:
            if len(nxt[1]) <= level:
                end = nxt.start()
                break
        if text := markdown[m.end() : end].strip():
            out.append(text[:SECTION_CHARS])
    return out


def script_words(skill: Skill, body: str) -> list[str]:
    """Words of the skill's script names: `scripts/fetch_comments.py` -> "fetch comments", and the
    last segment of each allowed Windmill path (`f/openanalyst/social/create_post` -> "create post")."""
    names = [m[1] for m in _SCRIPT_RE.finditer(body)]
    names += [path.rsplit("/", 1)[-1] for path in skill.scripts]
    return [" ".join(name_words(n)) for n in dict.fromkeys(names)]


def skill_texts(skill: Skill) -> SkillTexts:
    try:
        body = skill.body or ""
    except OSError:
        body = ""  # the file went away after loading: route on the description alone
    description = " ".join([" ".join(name_words(skill.name)), skill.description, " ".join(skill.triggers)])
    use = sections(body, _USE_RE)
    avoid = sections(body, _AVOID_RE)
    opening = _CODE_RE.sub(" ", _HEADING_RE.sub(" ", body))[:OPENING_CHARS]
    evidence = [*use, opening, *script_words(skill, body)]
    return SkillTexts(description=description, body="\n".join(evidence), avoid="\n".join(avoid))
