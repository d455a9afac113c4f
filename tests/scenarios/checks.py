"""Checks on what a person saw: each returns None when it holds, else what went wrong (short)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

from tests.scenarios.harness import Outcome

Check = Callable[[Outcome], str | None]
LIMITS = {"twitter": 280, "x": 280, "linkedin": 3000, "instagram": 2200, "facebook": 63206}


def _short(text: str, n: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n] + "..."


def says(*words: str) -> Check:
    """The final answer contains every one of `words` (case-insensitive)."""

    def check(o: Outcome) -> str | None:
        missing = [w for w in words if w.lower() not in o.answer.lower()]
        return f"answer lacks {missing}: {_short(o.answer)!r}" if missing else None

    return check


def says_any(*words: str) -> Check:
    def check(o: Outcome) -> str | None:
        if any(w.lower() in o.answer.lower() for w in words):
            return None
        return f"answer has none of {list(words)}: {_short(o.answer)!r}"

    return check


def never_says(*words: str) -> Check:
    def check(o: Outcome) -> str | None:
        found = [w for w in words if w.lower() in o.answer.lower()]
        return f"answer says {found}: {_short(o.answer)!r}" if found else None

    return check


def last_progress(text: str) -> Check:
    """The last progress line the person saw is `text` (how the request ended, in a word)."""

    def check(o: Outcome) -> str | None:
        lines = [
            str((f.get("payload") or {}).get("message") or "")
            for f in o.frames
            if f.get("type") == "TASK_PROGRESS"
        ]
        shown = lines[-1] if lines else None
        return None if shown == text else f"last progress line {shown!r}, not {text!r}"

    return check


def matches(pattern: str) -> Check:
    def check(o: Outcome) -> str | None:
        if re.search(pattern, o.answer, re.I | re.S):
            return None
        return f"answer does not match /{pattern}/: {_short(o.answer)!r}"

    return check


def created(kind: str, count: int = 1) -> Check:
    """At least `count` new items of `kind` (scripts, flows, apps, schedules, skills, resources)
    in the person's folder, each named by its path in the answer."""

    def check(o: Outcome) -> str | None:
        prefix = f"u/{o.user}/{kind}/"
        made = [p for p in o.new_items if p.startswith(prefix)]
        if len(made) < count:
            return f"{len(made)} new {kind} in u/{o.user}/ (items: {o.new_items})"
        unnamed = [p for p in made if p not in o.answer]
        return f"the answer does not name {unnamed}" if unnamed else None

    return check


def creates_nothing(o: Outcome) -> str | None:
    return f"created {o.new_items}" if o.new_items else None


def no_question(o: Outcome) -> str | None:
    asked = [q.get("question") for q in o.questions]
    return f"asked {asked}" if asked else None


def asked(*slots: str) -> Check:
    """Exactly these questions (by id) were asked, nothing else."""

    def check(o: Outcome) -> str | None:
        ids = sorted({str(q.get("id")) for q in o.questions})
        return None if ids == sorted(slots) else f"asked {ids}, expected {sorted(slots)}: {o.questions}"

    return check


def asked_or_said(*words: str) -> Check:
    """A clarifying question, or an answer that explains what is needed (any of `words`)."""

    def check(o: Outcome) -> str | None:
        text = " ".join(o.messages).lower()
        if o.questions or any(w.lower() in text for w in words):
            return None
        return f"neither asked nor said any of {list(words)}: {_short(o.answer)!r}"

    return check


def post_fits(platform: str) -> Check:
    """The drafted post is shown with its length, within the platform's limit."""

    def check(o: Outcome) -> str | None:
        counts = [int(n) for n in re.findall(r"\((\d+) characters?\)", o.answer)]
        if not counts:
            return f"no post length shown: {_short(o.answer)!r}"
        over = [n for n in counts if n > LIMITS[platform]]
        return f"posts over {LIMITS[platform]} characters: {over}" if over else None

    return check


def post_within(chars: int) -> Check:
    """The post shown is at most `chars` long (a shorter version asked for is shorter)."""

    def check(o: Outcome) -> str | None:
        counts = [int(n) for n in re.findall(r"\((\d+) characters?\)", o.answer)]
        if not counts:
            return f"no post length shown: {_short(o.answer)!r}"
        return None if max(counts) <= chars else f"the post is {max(counts)} characters, not at most {chars}"

    return check


def image_shown(o: Outcome) -> str | None:
    """A chart is in the answer as an image the chat page renders, with numbers beside it."""
    if not re.search(r"!\[[^\]]*\]\((data:image/(png|svg\+xml)|https?://)[^)]+\)", o.answer):
        return f"no chart image in the answer: {_short(o.answer)!r}"
    text = re.sub(r"\(data:[^)]+\)", "", o.answer)
    return None if re.search(r"\d", text) else "no numbers beside the chart"


def short_answer(limit: int) -> Check:
    def check(o: Outcome) -> str | None:
        return None if 0 < len(o.answer) <= limit else f"answer is {len(o.answer)} characters (max {limit})"

    return check


def examples(n: int) -> Check:
    """At least `n` example requests, quoted."""

    def check(o: Outcome) -> str | None:
        quoted = re.findall(r"[\"“]([^\"”]{12,160})[\"”]", o.answer)
        return None if len(quoted) >= n else f"{len(quoted)} quoted examples (want {n}): {_short(o.answer)!r}"

    return check


def skill(name: str | None) -> Check:
    def check(o: Outcome) -> str | None:
        got = (o.final.get("metadata") or {}).get("skill")
        return None if got == name else f"skill {got!r}, expected {name!r}"

    return check


def waits_for_an_answer(o: Outcome) -> str | None:
    """The conversation ended at a question the person has not answered yet: the request waits for
    them (a question they can answer, no error, no silence)."""
    if o.error:
        return o.error
    kinds = [f.get("type") for f in o.frames]
    last = o.responses[-1] if o.responses else {}
    if "TASK_ERROR" in kinds or not last.get("questions") or not last.get("resumeJobId"):
        return f"did not end waiting at a question (frames {kinds}): {_short(o.answer)!r}"
    return None


def completed(o: Outcome) -> str | None:
    """The conversation ended with an answer (not a failed task or a timeout)."""
    if o.error:
        return o.error
    if not any(f.get("type") == "TASK_COMPLETE" for f in o.frames):
        kinds = [f.get("type") for f in o.frames]
        return f"no TASK_COMPLETE (frames {kinds}): {_short(o.answer)!r}"
    return None


def progress_forward(o: Outcome) -> str | None:
    """Progress only moves forward."""
    percents = [
        (f.get("payload") or {}).get("percent")
        for f in o.frames
        if f.get("type") == "TASK_PROGRESS" and (f.get("payload") or {}).get("percent") is not None
    ]
    backwards = [(a, b) for a, b in itertools.pairwise(percents) if b < a]
    return f"progress went back: {backwards}" if backwards else None


# ------------------------------------------------------------------ what a person must never see

INTERNALS = [
    (r"\bf/openanalyst/", "an internal script path"),
    (r"\b[\w/]+\.py\b", "a Python file"),
    (r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+", "a traceback"),
    (r"\$steps\b|\$entities\b|\$user_id\b|\$request\b|\$context\b", "a step reference"),
    (r"\bentities\.\w+", "an entity slot name"),
    (
        r"\b(KeyError|ValueError|TypeError|AttributeError|RuntimeError|NoneType|ValidationError|"
        r"IndexError|JSONDecodeError|Exception|APIStatusError|OverloadedError|InternalServerError|"
        r"PlanningFailed|NoWorkflow|ModelUnavailable|BuildError|PlanRefused)\b",
        "a Python error name",
    ),
    (
        r"is a required property|is not of type|Additional properties are not allowed|"
        r"validation errors? for|Field required|Input should be",
        "a schema error",
    ),
    (
        r"\b(skill_workflows|plan_rules|handle_request|execute_plan|analyze_intent|load_context|"
        r"route_skill|record_history|offline\.py|args_json|skill_context)\b",
        "an internal name",
    ),
    (r"\bno workflow for\b", "an internal message"),
]


def internals_in(text: str, allowed: str = "") -> list[str]:
    """What in `text` exposes internals (text the person wrote themselves, `allowed`, excepted)."""
    found = []
    for pattern, label in INTERNALS:
        for match in re.finditer(pattern, text):
            if match.group(0) not in allowed:
                found.append(f"{label}: {match.group(0)!r}")
    return found
