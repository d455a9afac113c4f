"""Retries that change the plan: the differences of a failed attempt decide what the next one does.

Offline (no model to re-think the plan), rules read each difference (which step, what was expected,
what came back) and change the plan: a result over a length limit asks the step for a tighter
`max_chars` (a smaller step); a step that failed on one of its arguments runs without that
argument when it is optional (its default applies), or, when the argument is required, the person
is asked for it now instead of after two more identical attempts (an early question). A plan
equal to one already tried is never run again: the person is asked instead.

The plans already tried come in with the request's earlier attempts (each outcome carries its
plan), so nothing is kept on the side.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import f.openanalyst.lib.planning.rules as rules
import f.openanalyst.lib.shorter as shorter
from f.openanalyst.lib.contracts import Plan, Planned
from f.openanalyst.lib.log import get_logger, log

# A tighter limit than the one exceeded, so the next draft fits with room to spare.
SHRINK = 0.85
# A script argument that takes a list of points (create_post's `key_points`, at most 5).
POINTS, MAX_POINTS = "key_points", 5
_logger = get_logger(__name__)

_TOO_LONG = re.compile(
    r"^step '(?P<step>[^']+)': field '(?P<field>[^']+)' has (?P<n>\d+) characters; "
    r"the limit is (?P<limit>\d+)"
)
# "topic is 420 characters; keep it under 300": an argument over a script's own limit.
_ARG_TOO_LONG = re.compile(r"\b(?P<name>[a-z_]+) is (?P<n>\d+) characters; keep it under (?P<limit>\d+)")
_FAILED = re.compile(r"^step '(?P<step>[^']+)' \((?P<script>[^)]+)\) failed: (?P<error>.*)$", re.S)


@dataclass
class Revision:
    """What the rules made of the differences: a changed plan, or what to ask the person."""

    plan: Plan | None
    changes: list[str] = field(default_factory=list)
    ask: list[str] = field(default_factory=list)


def fingerprint(plan: Plan | Mapping[str, Any]) -> str:
    """The identity of a plan: its steps' scripts and arguments (ids and wording aside)."""
    model = plan if isinstance(plan, Plan) else Plan.model_validate(plan)
    body = [[step.script, step.args] for step in model.steps] + [model.answer]
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _schema_properties(schema: Mapping[str, Any] | None) -> tuple[dict[str, Any], set[str]]:
    schema = schema or {}
    return dict(schema.get("properties") or {}), set(schema.get("required") or [])


def _implicated(args: Mapping[str, Any], error: str) -> list[str]:
    """Arguments a step's error names, by name or by quoting their value."""
    lowered = error.lower()
    found = []
    for name, value in args.items():
        if name == "user_id":
            continue
        named = re.search(rf"\b{re.escape(name.lower())}\b", lowered) is not None
        quoted = isinstance(value, str) and len(value) >= 3 and value.lower() in lowered
        if named or quoted:
            found.append(name)
    return found


def _sentences(text: str) -> list[str]:
    return [s.strip().rstrip(".") for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s.strip(" .")]


def revise(
    plan: Plan,
    differences: Iterable[str],
    schemas: Mapping[str, Mapping[str, Any] | None],
) -> Revision:
    """The plan changed by what each difference says, or the questions to ask instead.

    `schemas`: each step script's argument schema (`rules.script_schema`), to know which arguments
    a script takes and which it requires."""
    revised = plan.model_copy(deep=True)
    steps = {step.id: step for step in revised.steps}
    changes: list[str] = []
    ask: list[str] = []
    for difference in differences:
        if match := _TOO_LONG.match(difference):
            step = steps.get(match["step"])
            props, _ = _schema_properties(schemas.get(step.script) if step else None)
            if step is not None and "max_chars" in props:
                limit = int(int(match["limit"]) * SHRINK)
                current = step.args.get("max_chars")
                if not isinstance(current, int) or current > limit:
                    step.args["max_chars"] = limit
                    changes.append(
                        f"step '{step.id}': max_chars {current} -> {limit} ({match['n']} > {match['limit']})"
                    )
            continue
        if match := _FAILED.match(difference):
            step = steps.get(match["step"])
            if step is None:
                continue
            props, required = _schema_properties(schemas.get(step.script))
            over = _ARG_TOO_LONG.search(match["error"])
            value = step.args.get(over["name"]) if over else None
            if over and isinstance(value, str) and len(value) > int(over["limit"]):
                # A smaller step: the argument cut to what the script takes.
                kept = shorter.to_sentences(value, int(over["limit"]) - 1)
                step.args[over["name"]] = kept
                changes.append(f"step '{step.id}': {over['name']} shortened to {len(kept)} characters")
                # What was cut is the person's own words: a script that takes points gets them.
                rest = _sentences(value[len(kept) :])
                if rest and POINTS in props and not step.args.get(POINTS) and over["name"] != POINTS:
                    step.args[POINTS] = rest[:MAX_POINTS]
                    changes.append(f"step '{step.id}': the rest as {len(step.args[POINTS])} {POINTS}")
                continue
            for name in _implicated(step.args, match["error"]):
                if name in required:
                    what = "time" if name in ("when", "time", "scheduled_for", "at") else name
                    ask.append(f"{what} (step '{step.id}': {match['error'][:200]})")
                elif name in props or not props:
                    step.args.pop(name, None)
                    changes.append(f"step '{step.id}': without {name} (its default applies)")
    if ask:
        return Revision(plan=None, changes=changes, ask=ask)
    return Revision(plan=revised if changes else None, changes=changes)


def next_attempt(
    planned: Planned,
    feedback: list[str],
    tried: list[Plan],
    allowed: list[str],
    user_id: str,
) -> Planned:
    """A re-plan made to differ from every plan already tried (`tried`, oldest first).

    A fresh plan that differs from them runs as it is. One that repeats an earlier plan is changed
    by the rules (from the last plan tried and its differences); when the rules change nothing new,
    the attempt is not run: the person is asked (`missing`, which the flow turns into questions)."""
    prints = {fingerprint(plan) for plan in tried}
    fresh = fingerprint(planned.plan) not in prints
    if fresh or not planned.plan.steps or planned.refused or planned.missing:
        return planned
    base = tried[-1]
    revision = revise(base, feedback, {step.script: rules.script_schema(step.script) for step in base.steps})
    if revision.plan is not None and fingerprint(revision.plan) not in prints:
        try:
            checked, problems = rules.check_plan(revision.plan, allowed, user_id)
        except rules.PlanRefused:
            checked, problems = None, []
        if checked is not None:
            log(_logger, 20, "plan changed by the differences", changes=revision.changes)
            return planned.model_copy(
                update={
                    "plan": checked,
                    "problems": [*planned.problems, *problems],
                    "revisions": revision.changes,
                }
            )
    shown = "; ".join(feedback[:2]) or "the same plan failed before"
    ask = revision.ask or [f"what to change: {shown}"]
    log(_logger, 20, "would repeat a plan already tried; asking instead", ask=ask)
    return planned.model_copy(update={"missing": ask, "revisions": revision.changes, "repeated": True})
