"""The brain's request scenarios, shared by the flow tests and scripts/bench/brain.py.

Each scenario is a request plus a script of recorded Messages API bodies per role (planner,
writer, judge, researcher) for the loopback ModelServer.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from f.openanalyst.lib.protocol import AssistantResponsePayload
from tests.brain import anthropic_bodies as bodies

FLOW = "f/openanalyst/handle_request"
SEED = "Create a Twitter post about AI trends and schedule it for tomorrow"
CREATE = "f/openanalyst/social/create_post"
SCHEDULE = "f/openanalyst/social/schedule_post"
POST = (
    "AI trends to watch: small models running on phones, and agents that check their own work "
    "before you do. Which one changes your week first? #AI #MachineLearning"
)
TIMEOUT = 240


def run_request(
    rt, request: str, user: str = "alice", answers: dict | None = None, timezone: str | None = None
) -> tuple[str, str]:
    message_id = f"msg_{uuid.uuid4().hex[:12]}"
    args: dict[str, Any] = {
        "user_id": user,
        "session_id": "sess_1",
        "message_id": message_id,
        "request": request,
    }
    if answers:
        args["answers"] = answers
    if timezone:  # what the chat page sends: the browser's timezone
        args["timezone"] = timezone
    return rt.run_flow(FLOW, args), message_id


def finish(rt, job: str) -> dict[str, Any]:
    result = rt.wait(job, timeout=TIMEOUT)
    AssistantResponsePayload.model_validate(result)
    return result


def plan_body(
    criteria: str = "Engaging, about AI trends, no invented facts", **usage_kw: Any
) -> dict[str, Any]:
    return bodies.plan_message(
        [
            bodies.step(
                "draft",
                CREATE,
                {"platform": "twitter", "topic": "AI trends", "tone": "casual"},
                required=["content"],
                max_chars={"content": 280},
                criteria=criteria,
            ),
            bodies.step(
                "schedule",
                SCHEDULE,
                {
                    "platform": "twitter",
                    "content": "$steps.draft.content",
                    "when": "tomorrow 9am",
                    "timezone": "UTC",
                },
                required=["schedule_path", "cron"],
            ),
        ],
        **usage_kw,
    )


def script(judge: list[bool], research: bool = False) -> dict[str, list[dict[str, Any]]]:
    out = {
        # The first plan writes the cached prefix (instructions + skill context); re-plans read it.
        "planner": [plan_body(cache_write=1450), plan_body(cache_write=0, cache_read=1450)],
        # The writer's short system prompt is below the minimum cacheable length: no cache.
        "writer": [bodies.text_message(POST, input_tokens=180, output_tokens=52)],
        "judge": [
            bodies.judge_message(ok, [] if ok else ["The hook is generic; name one concrete trend first"])
            for ok in judge
        ],
    }
    if research:
        out["researcher"] = [
            bodies.web_search_message(
                [
                    "Lead with one concrete, named trend in the first 80 characters",
                    "Use one or two hashtags; more lowers engagement",
                ],
                [
                    ("https://business.x.com/en/basics/what-to-tweet", "What to Tweet - X Business"),
                    ("https://sproutsocial.com/insights/twitter-best-practices/", "Twitter best practices"),
                ],
            )
        ]
    return out


# ------------------------------------------------ a model that answers from what it is sent
# The planner names a concrete trend only once research (now, or remembered from an earlier
# request) said to lead with one; the writer writes what the plan asked; the judge passes a post
# that names a trend. So a request succeeds early only if the learning really reached the plan.

TREND = "small models running on phones"
GUIDANCE = "Lead with one concrete, named trend in the first 80 characters"
SOURCE = ("https://business.x.com/en/basics/what-to-tweet", "What to Tweet - X Business")
GENERIC = "AI is changing everything, and fast. What do you think comes next? #AI"
CONCRETE = f"AI trend to watch: {TREND}. Which one changes your week first? #AI"


def trend_planner(body: dict[str, Any]) -> dict[str, Any]:
    """Names a concrete trend only once research (now or remembered) said to lead with one."""
    topic = f"AI trends, leading with {TREND}" if GUIDANCE in sent(body) else "AI trends"
    return bodies.plan_message(
        [
            bodies.step(
                "draft",
                CREATE,
                {"platform": "twitter", "topic": topic, "tone": "casual"},
                required=["content"],
                criteria="Engaging, about AI trends, no invented facts",
            ),
            bodies.step(
                "schedule",
                SCHEDULE,
                {"platform": "twitter", "content": "$steps.draft.content", "when": "tomorrow 9am"},
                required=["schedule_path"],
            ),
        ]
    )


def trend_writer(body: dict[str, Any]) -> dict[str, Any]:
    return bodies.text_message(
        CONCRETE if TREND in sent(body) else GENERIC, input_tokens=180, output_tokens=40
    )


def trend_judge(body: dict[str, Any]) -> dict[str, Any]:
    if TREND in sent(body):
        return bodies.judge_message(True)
    return bodies.judge_message(False, ["The hook is generic; name one concrete trend first"])


def learning_model() -> dict[str, Any]:
    """The roles of a model whose answers depend on the request bodies (see above)."""
    return {
        "planner": trend_planner,
        "writer": trend_writer,
        "judge": trend_judge,
        "researcher": [bodies.web_search_message([GUIDANCE], [SOURCE])],
    }


def sent(body: dict[str, Any]) -> str:
    """Everything a request put before the model: system prompt and messages."""
    return json.dumps([body.get("system"), body.get("messages")])


def jobs_of(rt, root: str) -> list[dict[str, Any]]:
    """The flow job and every job started under it (steps, loop iterations, child jobs)."""
    jobs = rt.client.get(f"{rt.api}/jobs/list", params={"per_page": 1000}).json()
    family = {root}
    grew = True
    while grew:
        grew = False
        for job in jobs:
            if job["id"] not in family and (job.get("parent_job") in family or job.get("root_job") in family):
                family.add(job["id"])
                grew = True
    return [j for j in jobs if j["id"] in family]


def scripts_run(rt, root: str) -> list[str]:
    return [j.get("script_path") for j in jobs_of(rt, root) if j.get("job_kind") == "script"]


def steps_in_order(frames: list[dict[str, Any]]) -> list[str]:
    seen: list[str] = []
    for frame in frames:
        step = frame["payload"]["step"]
        if not seen or seen[-1] != step:
            seen.append(step)
    return seen


def answer_questions(
    rt, hub, job: str, message_id: str, answers: dict[str, Any], timeout: float = TIMEOUT, via: str = "url"
) -> dict:
    """Wait for the clarification push, then resume the suspended flow with `answers`: through the
    signed resume URL the clarify step returned (`via="url"`), or as the hub does, with an
    authenticated `resume_suspended` on the job the push named (`via="hub"`)."""
    deadline = time.monotonic() + timeout
    while not hub.of_type("ASSISTANT_RESPONSE", message_id):
        if time.monotonic() > deadline:
            raise TimeoutError("no questions were pushed")
        doc = rt.get_job(job)
        if doc.get("type") == "CompletedJob":
            raise AssertionError(f"the flow ended without asking: {doc.get('result')}")
        time.sleep(0.5)
    asked = hub.of_type("ASSISTANT_RESPONSE", message_id)[0]["payload"]
    if via == "hub":
        # The question is pushed while its step still runs; Windmill refuses a resume (400) until
        # the flow waits, so the hub holds an early answer until then (hub/answers.py): so does this.
        body = {"payload": {"answers": answers}, "approved": True}
        url = f"{rt.api}/jobs_u/flow/resume_suspended/{asked['resumeJobId']}"
        while (response := rt.client.post(url, json=body)).status_code == 400 and "not in a suspended" in (
            response.text
        ):
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        response.raise_for_status()
        return asked
    clarify = next(j for j in jobs_of(rt, job) if j.get("script_path") == "f/openanalyst/brain/clarify")
    urls = rt.wait(clarify["id"])["resume_urls"]
    rt.client.post(urls["resume"], json={"answers": answers}).raise_for_status()
    return asked


SCENARIOS: dict[str, dict[str, Any]] = {
    "success_first_attempt": {"request": SEED, "judge": [True]},
    "fail_twice_then_pass": {"request": SEED, "judge": [False, False, True]},
    "research_then_pass": {"request": SEED, "judge": [False, False, False, True], "research": True},
    "ask_then_pass": {
        "request": SEED,
        "judge": [False, False, False, False, True],
        "research": True,
        "answers": {"details": "Open with on-device models, keep it upbeat"},
    },
    "core_help": {"request": "help", "offline": True},
    # failing until research, then remembered: the second run needs one attempt and fewer calls
    "research_remembered": {"request": SEED, "model": learning_model, "user": "frank"},
}
