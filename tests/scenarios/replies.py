"""Recorded Claude replies for the scenarios, in the Messages API's real shapes.

The planner answers with structured output (one JSON text block), the writer with plain text, the
judge with a verdict; a refusal is `stop_reason: "refusal"`; an overloaded API is HTTP 529 with an
`overloaded_error` body.
"""

from __future__ import annotations

import json
from typing import Any

from tests.brain import anthropic_bodies as bodies

Reply = tuple[int, dict[str, Any]]
SOCIAL = "f/openanalyst/social"
ANALYTICS = "f/openanalyst/analytics"
BUILDER = "f/openanalyst/builder"
PASS = [(200, bodies.judge_message(True))]


def ok(body: dict[str, Any]) -> Reply:
    return 200, body


def plan(*steps: dict[str, Any], rationale: str = "from the request") -> list[Reply]:
    return [ok(bodies.plan_message(list(steps), rationale=rationale))]


def post(
    platform: str,
    topic: str,
    text: str,
    tone: str = "professional",
    when: str | None = None,
    tz: str = "UTC",
    publish: bool = False,
    args: dict[str, Any] | None = None,
    approved: bool = False,
) -> dict[str, list[Reply]]:
    """Draft (and schedule, or publish now) a post: the planner's plan, the writer's text, the
    judge's pass. `args`: more of create_post's arguments; `approved`: `text` is a draft the person
    read earlier in the conversation, passed on as it is (the writer is not asked)."""
    draft_args = {"platform": platform, "topic": topic, "tone": tone, **(args or {})}
    if approved:
        draft_args |= {"text": text, "text_from": "draft"}
    steps = [
        bodies.step(
            "draft",
            f"{SOCIAL}/create_post",
            draft_args,
            required=["content"],
            criteria=f"About {topic}, in a {tone} tone",
        )
    ]
    if when:
        steps.append(
            bodies.step(
                "schedule",
                f"{SOCIAL}/schedule_post",
                {"platform": platform, "content": "$steps.draft.content", "when": when, "timezone": tz},
                required=["schedule_path", "cron"],
            )
        )
    if publish:
        steps.append(
            bodies.step(
                "publish",
                f"{SOCIAL}/publish_post",
                {"platform": platform, "content": "$steps.draft.content"},
                required=["platform"],
            )
        )
    written = [] if approved else [ok(bodies.text_message(text, input_tokens=190, output_tokens=60))]
    return {"planner": plan(*steps), "writer": written, "judge": PASS}


def each_platform(topic: str, texts: dict[str, str], publish: bool = False) -> dict[str, list[Reply]]:
    """One post per platform about `topic` (the writer's `texts`), or, with `publish`, those drafts
    approved in the conversation and published as they are (the writer is not asked)."""
    steps = []
    for platform, text in texts.items():
        args = {"platform": platform, "topic": topic, "tone": "professional"}
        if publish:
            args |= {"text": text, "text_from": "draft"}
        steps.append(bodies.step(f"draft_{platform}", f"{SOCIAL}/create_post", args, required=["content"]))
        if publish:
            content = f"$steps.draft_{platform}.content"
            publish_args = {"platform": platform, "content": content}
            steps.append(
                bodies.step(
                    f"publish_{platform}", f"{SOCIAL}/publish_post", publish_args, required=["platform"]
                )
            )
    written = (
        []
        if publish
        else [ok(bodies.text_message(t, input_tokens=190, output_tokens=50)) for t in texts.values()]
    )
    return {"planner": plan(*steps), "writer": written, "judge": PASS}


def several(platform: str, topic: str, texts: list[str]) -> dict[str, list[Reply]]:
    """ "Draft 3 tweets about ...": one step asking for `len(texts)` drafts, the writer's each."""
    out = post(platform, topic, texts[0], args={"count": len(texts)})
    return out | {"writer": [ok(bodies.text_message(t, input_tokens=190, output_tokens=40)) for t in texts]}


def conversation(*turns: dict[str, list[Reply]]) -> dict[str, list[Reply]]:
    """The replies of one conversation's requests, each role's in the order the requests ask."""
    out: dict[str, list[Reply]] = {}
    for turn in turns:
        for role, replies in turn.items():
            out[role] = out.get(role, []) + replies
    return out


def report(data: str, title: str, question: str, chart: str = "auto") -> dict[str, list[Reply]]:
    steps = [
        bodies.step(
            "fetch", f"{ANALYTICS}/fetch_metrics", {"source": "upload", "data": data}, required=["rows"]
        ),
        bodies.step(
            "report",
            f"{ANALYTICS}/generate_report",
            {"dataset": "$steps.fetch", "title": title, "question": question, "chart": chart},
            required=["markdown", "charts"],
            criteria="Answers the question with numbers from the data and a chart",
        ),
    ]
    return {"planner": plan(*steps), "judge": PASS}


def history_report(title: str, question: str) -> dict[str, list[Reply]]:
    steps = [
        bodies.step("fetch", f"{ANALYTICS}/fetch_metrics", {"source": "history"}, required=["rows"]),
        bodies.step(
            "report",
            f"{ANALYTICS}/generate_report",
            {"dataset": "$steps.fetch", "title": title, "question": question},
            required=["markdown"],
        ),
    ]
    return {"planner": plan(*steps), "judge": PASS}


def engagement(data: str) -> dict[str, list[Reply]]:
    steps = [
        bodies.step(
            "engagement",
            f"{SOCIAL}/analyze_engagement",
            {"data": data, "platform": "all"},
            required=["engagement_rate", "top_posts"],
        )
    ]
    return {"planner": plan(*steps), "judge": PASS}


def build(script: str, args: dict[str, Any], code: str | None = None) -> dict[str, list[Reply]]:
    steps = [bodies.step("build", f"{BUILDER}/{script}", args, required=["path"])]
    out: dict[str, list[Reply]] = {"planner": plan(*steps), "judge": PASS}
    if code:
        out["writer"] = [ok(bodies.text_message(f"```python\n{code}\n```", output_tokens=240))]
    return out


def steps(
    *planned: tuple[str, str, dict[str, Any]],
    writer: str | None = None,
    required: tuple[str, ...] = ("path",),
) -> dict[str, list[Reply]]:
    """A plan of several steps given as (id, script path, args), each expected to return `required`
    (the builder's scripts return the `path` they created)."""
    out: dict[str, list[Reply]] = {
        "planner": plan(*(bodies.step(i, s, a, required=list(required)) for i, s, a in planned)),
        "judge": PASS,
    }
    if writer:
        out["writer"] = [ok(bodies.text_message(writer, output_tokens=240))]
    return out


def cancel(**args: Any) -> dict[str, list[Reply]]:
    """Cancel scheduled posts: one cancel_post step (day, platform, which), judged by its message."""
    step = bodies.step("cancel", f"{SOCIAL}/cancel_post", args, required=["message"])
    return {"planner": plan(step, rationale="cancel the scheduled post"), "judge": PASS}


def answer(text: str) -> dict[str, list[Reply]]:
    """The planner answers directly (no steps)."""
    return {
        "planner": [ok(bodies.json_message({"steps": [], "rationale": "a direct answer", "answer": text}))]
    }


def refusal(partial: str = "") -> dict[str, list[Reply]]:
    """Claude declines: stop_reason "refusal" (the text so far, often empty)."""
    content = [{"type": "text", "text": partial}] if partial else []
    return {"planner": [ok(bodies.message(content, stop_reason="refusal", output_tokens=4))]}


def overloaded(fallback: dict[str, list[Reply]] | None = None) -> dict[str, list[Reply]]:
    """The API is overloaded (HTTP 529) for every call: the request still gets an answer."""
    busy = (529, bodies.error_body("overloaded_error", "Overloaded"))
    out = {role: [busy] for role in ("planner", "writer", "judge", "intent", "researcher", "coordinator")}
    return out | (fallback or {})


def tool_use_then(final: dict[str, list[Reply]], member: str, task: str) -> dict[str, list[Reply]]:
    """The coordinator delegates with a tool_use block, then the member plans."""
    return final | {
        "coordinator": [ok(bodies.delegate_message(member, task)), *final["planner"]],
    }


def code_block(code: str) -> str:
    return json.dumps(code)
