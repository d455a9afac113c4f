"""What failed, in the person's words.

The eval loop's differences are written for the planner ("step 'fetch' (f/openanalyst/...)
failed: ...", "missing information: entities.extra.name"): precise, and full of names a person
never sees. Here they become what the person reads in an answer or a question: the step by what
it does (the plan's description), the reason in the script's own words, a missing slot by what it
means. One place, so the answer (`outcome.answer_text`) and the questions (`brain/clarify`) agree.
"""

from __future__ import annotations

import re

from f.openanalyst.lib.contracts import Plan

# The shapes `checks` and `evaluate` write differences in.
_STEP = re.compile(r"^step '(?P<id>[a-z][a-z0-9_]*)'(?: \((?P<script>[^)]*)\))?(?P<rest>.*)$", re.DOTALL)
_ENTITY = re.compile(r"\bentities\.(?:extra\.)?(?P<slot>[a-z_]+)\b")
_PREFIXES = ("missing information: ", "what to change: ")

# A missing slot, as a person would name it.
SLOT_WORDS = {
    "platform": "which platform",
    "topic": "what it is about",
    "time": "when",
    "name": "what to call it",
    "value": "what it should hold",
    "url": "which web address",
    "data": "the data (CSV or JSON)",
    "dataset": "the data (CSV or JSON)",
    "cron": "how often it should run",
    "schedule": "how often it should run",
}


def slot_of(item: str) -> str | None:
    """The slot a missing item names (`entities.extra.name` -> `name`, `topic` -> `topic`)."""
    text = item.removeprefix("missing information: ")
    found = _ENTITY.search(text)
    if found:
        return found["slot"]
    return text if re.fullmatch(r"[a-z_]+", text) else None


def _step_words(step_id: str, plan: Plan | None) -> str:
    described = {s.id: s.description for s in plan.steps} if plan else {}
    words = (described.get(step_id) or "").strip().rstrip(".")
    return words or "One step"


def reason(difference: str, plan: Plan | None = None) -> str | None:
    """One difference as the person reads it; None when it adds nothing they can act on (a step
    that did not run because an earlier one failed)."""
    if difference.startswith("missing information: ") and (slot := slot_of(difference)):
        return f"I still need to know {SLOT_WORDS.get(slot, slot.replace('_', ' '))}"
    text = difference
    for prefix in _PREFIXES:
        text = text.removeprefix(prefix)
    step = _STEP.match(text)
    if step:
        rest = step["rest"].strip()
        if rest == "did not run":
            return None
        rest = rest.removeprefix("failed:").removeprefix(":").strip()
        text = f"{_step_words(step['id'], plan)}: {rest or 'it failed'}"
    text = _ENTITY.sub(lambda m: SLOT_WORDS.get(m["slot"], m["slot"].replace("_", " ")), text)
    return re.sub(r"\bf/openanalyst/[\w/]+", "a step", text)


def reasons(differences: list[str], plan: Plan | None = None, limit: int = 6) -> list[str]:
    """The differences a person can act on, in their words, each once."""
    # "what to change: A; B" (revise joins the latest differences) holds several.
    parts = [part for d in differences for part in re.split(r"; (?=step ')", d)]
    said = [r for r in (reason(p, plan) for p in parts) if r]
    return list(dict.fromkeys(said))[:limit]


def skill_words(skill: str | None) -> str:
    """A skill's name as a person reads it: SOCIAL_MEDIA -> social media."""
    return (skill or "chosen").replace("_", " ").lower()
