"""Compare what a plan expected with what its steps returned: rules first, then (only if the
rules pass and a step carries a free-text criterion) the judge.

Deterministic checks spend no tokens: a failed job, missing or empty fields, character limits
(a tweet's 280), exact values, and paths that would leave the person's folder.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from f.openanalyst.lib.contracts import EvalResult, Expectation, Plan, StepResult
from f.openanalyst.lib.users import is_in_user_space

# Platform rules (characters): what a post must fit, whatever the planner asked for.
PLATFORM_LIMITS: dict[str, int] = {"twitter": 280, "linkedin": 3000, "instagram": 2200, "facebook": 63206}

MISSING = object()


def field_value(data: Any, dotted: str) -> Any:
    """`data["a"]["b"]` for "a.b" (list indexes allowed), or MISSING."""
    current = data
    for part in dotted.split("."):
        if isinstance(current, Mapping) and part in current:
            current = current[part]
        elif isinstance(current, Sequence) and not isinstance(current, str) and part.isdigit():
            index = int(part)
            if index >= len(current):
                return MISSING
            current = current[index]
        else:
            return MISSING
    return current


def _paths_outside(data: Any, user_id: str, prefix: str = "") -> list[str]:
    """Keys named *_path whose value points into another person's folder."""
    found: list[str] = []
    if isinstance(data, Mapping):
        for key, value in data.items():
            where = f"{prefix}{key}"
            if (
                isinstance(value, str)
                and str(key).endswith("path")
                and value.startswith("u/")
                and not is_in_user_space(value, user_id)
            ):
                found.append(f"{where}={value}")
            found.extend(_paths_outside(value, user_id, f"{where}."))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found.extend(_paths_outside(value, user_id, f"{prefix}{index}."))
    return found


def check_output(expected: Expectation, output: Any) -> tuple[list[str], int]:
    """Differences between `expected` and `output`, and how many checks ran."""
    differences: list[str] = []
    checks = 0
    for name in expected.required_fields:
        checks += 1
        if field_value(output, name) in (MISSING, None):
            differences.append(f"missing field '{name}'")
    for name in expected.non_empty:
        checks += 1
        value = field_value(output, name)
        if value in (MISSING, None) or (hasattr(value, "__len__") and len(value) == 0):
            differences.append(f"field '{name}' is empty")
    for name, limit in expected.max_chars.items():
        checks += 1
        value = field_value(output, name)
        if isinstance(value, str) and len(value) > limit:
            differences.append(f"field '{name}' has {len(value)} characters; the limit is {limit}")
    for name, want in expected.equals.items():
        checks += 1
        value = field_value(output, name)
        if value is MISSING or value != want:
            shown = "missing" if value is MISSING else repr(value)[:80]
            differences.append(f"field '{name}' is {shown}; expected {want!r}")
    return differences, checks


@dataclass
class JudgeItem:
    """A step whose free-text criterion only a model can decide."""

    step_id: str
    criteria: str
    output: Any


@dataclass
class RuleVerdict:
    result: EvalResult
    to_judge: list[JudgeItem] = field(default_factory=list)


def with_platform_limits(step_args: Mapping[str, Any], expected: Expectation) -> Expectation:
    """Add the platform's character limit on `content` when a step targets a platform."""
    platform = step_args.get("platform")
    limit = PLATFORM_LIMITS.get(platform) if isinstance(platform, str) else None
    if limit is None:
        return expected
    current = expected.max_chars.get("content")
    merged = {**expected.max_chars, "content": min(current, limit) if current else limit}
    return expected.model_copy(update={"max_chars": merged})


def check_attempt(plan: Plan, results: Sequence[StepResult], user_id: str) -> RuleVerdict:
    """Deterministic verdict on one executed plan; lists what still needs the judge."""
    differences: list[str] = []
    checks = 0
    to_judge: list[JudgeItem] = []
    by_id = {r.step_id: r for r in results}
    if plan.answer is not None and not plan.steps:
        ok = bool(plan.answer.strip())
        return RuleVerdict(
            EvalResult(success=ok, differences=[] if ok else ["empty answer"], score=float(ok))
        )
    if not plan.steps:
        return RuleVerdict(EvalResult(success=False, differences=["the plan has no steps"], score=0.0))
    for step in plan.steps:
        checks += 1
        result = by_id.get(step.id)
        if result is None:
            differences.append(f"step '{step.id}' ({step.script}) did not run")
            continue
        if not result.success:
            differences.append(f"step '{step.id}' ({step.script}) failed: {result.error or 'no result'}")
            continue
        expected = with_platform_limits(step.args, step.expected)
        step_differences, step_checks = check_output(expected, result.result)
        checks += step_checks
        differences.extend(f"step '{step.id}': {d}" for d in step_differences)
        checks += 1
        if outside := _paths_outside(result.result, user_id):
            differences.append(f"step '{step.id}': output points outside your folder: {', '.join(outside)}")
        if not step_differences and not outside and step.expected.criteria:
            to_judge.append(JudgeItem(step.id, step.expected.criteria, result.result))
    failed = len(differences)
    score = max(0.0, min(1.0, (checks - failed) / checks)) if checks else 0.0
    return RuleVerdict(EvalResult(success=not differences, differences=differences, score=score), to_judge)
