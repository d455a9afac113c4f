"""main() of execute_plan, evaluate, research, clarify, conclude and respond.

Windmill's REST API and the Anthropic Messages API are mocked at the HTTP level (respx) with the
bodies their specs give; everything else runs for real.
"""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
import yaml

import f.openanalyst.lib.planning.rules as plan_rules
import f.openanalyst.lib.signing as signing
from f.openanalyst.brain import clarify, conclude, evaluate, execute_plan, research, respond
from f.openanalyst.lib.contracts import Conclusion
from f.openanalyst.lib.protocol import AssistantResponsePayload
from tests.brain import anthropic_bodies as bodies
from tests.brain.conftest import MESSAGES_URL, REPO

WM = "http://windmill.test"
API = f"{WM}/api/w/openanalyst"
CREATE = "f/openanalyst/social/create_post"
SCHEDULE = "f/openanalyst/social/schedule_post"
POST = "AI trends this week: small models on phones, agents that check their own work. #AI #MachineLearning"


@pytest.fixture
def windmill(monkeypatch, no_windmill):
    monkeypatch.setenv("BASE_INTERNAL_URL", WM)
    monkeypatch.setenv("WM_TOKEN", "wm-test-token")
    monkeypatch.setenv("WM_WORKSPACE", "openanalyst")
    plan_rules.script_schema.cache_clear()
    yield
    plan_rules.script_schema.cache_clear()


def mock_scripts(respx_mock, *paths: str) -> None:
    for path in paths:
        meta = yaml.safe_load((REPO / f"{path}.script.yaml").read_text())
        respx_mock.get(f"{API}/scripts/get/p/{path}").mock(
            return_value=httpx.Response(
                200,
                json={
                    "path": path,
                    "hash": "0f2a",
                    "language": "python3",
                    "summary": meta["summary"],
                    "schema": meta["schema"],
                },
            )
        )


def planned(*steps: dict, **extra) -> dict:
    return {
        "skill": "SOCIAL_MEDIA",
        "plan": {"skill": "SOCIAL_MEDIA", "steps": list(steps), "mode": "model"},
        "refused": [],
        "missing": [],
        "problems": [],
        "extra_scripts": [],
        "mode": "model",
        "model": bodies.PLANNER_MODEL,
        "tokens": {"calls": 1, "input": 812, "output": 164, "cache_write": 1450},
        "phase": "loop",  # an attempt's own plan
        **extra,
    }


def route(*scripts: str) -> dict:
    """route_skill's result for SOCIAL_MEDIA allowed to run `scripts`."""
    return {"skill": "SOCIAL_MEDIA", "confidence": 0.9, "skill_context": {"scripts": list(scripts)}}


DRAFT = {
    "id": "draft",
    "script": CREATE,
    "args": {"user_id": "alice", "platform": "twitter", "topic": "AI trends"},
    "expected": {"required_fields": ["content"], "non_empty": ["content"]},
}
SCHEDULE_STEP = {
    "id": "schedule",
    "script": SCHEDULE,
    "args": {
        "user_id": "alice",
        "platform": "twitter",
        "content": "$steps.draft.content",
        "when": "2026-11-22T09:00:00+01:00",
        "timezone": "Europe/Paris",
    },
    "expected": {"required_fields": ["schedule_path"]},
}
SCHEDULE_RESULT = {
    "schedule_path": "u/alice/schedules/post_twitter_20261122_0900",
    "cron": "0 0 9 22 11 *",
    "timezone": "Europe/Paris",
    "next_run": "2026-11-22T09:00:00+01:00",
    "script_path": "f/openanalyst/social/publish_post",
}


def test_steps_run_as_child_jobs_passing_results_along(windmill, respx_mock, monkeypatch):
    monkeypatch.setenv("WM_JOB_ID", "01936f6e-0000-7000-8000-0000000000e0")
    mock_scripts(respx_mock, CREATE, SCHEDULE)
    # Windmill's run_wait_result answers with the job's result once it has ended.
    run = respx_mock.post(url__regex=rf"{API}/jobs/run_wait_result/p/f/openanalyst/social/.*").mock(
        side_effect=[
            httpx.Response(200, json={"content": POST, "platform": "twitter", "chars": len(POST)}),
            httpx.Response(200, json=SCHEDULE_RESULT),
        ]
    )
    out = execute_plan.main("alice", planned(DRAFT, SCHEDULE_STEP), route(CREATE, SCHEDULE))
    sent = [call.request.url.params for call in run.calls]
    assert out["jobs"] == [params["job_id"] for params in sent]
    assert len(set(out["jobs"])) == 2 and all(uuid.UUID(job) for job in out["jobs"])
    assert {params["parent_job"] for params in sent} == {"01936f6e-0000-7000-8000-0000000000e0"}
    assert [r["success"] for r in out["results"]] == [True, True]
    second = json.loads(run.calls[1].request.content)
    assert second["content"] == POST and second["user_id"] == "alice"
    assert run.calls[0].request.headers["authorization"] == "Bearer wm-test-token"


def test_a_failed_job_ends_the_attempt_with_its_error(windmill, respx_mock):
    mock_scripts(respx_mock, CREATE)
    # A failed job: Windmill answers 422 with the job's error result.
    run = respx_mock.post(f"{API}/jobs/run_wait_result/p/{CREATE}").mock(
        return_value=httpx.Response(422, json={"error": {"name": "ValueError", "message": "topic is empty"}})
    )
    out = execute_plan.main("alice", planned(DRAFT, SCHEDULE_STEP), route(CREATE, SCHEDULE))
    assert len(out["results"]) == 1 and out["jobs"] == [run.calls[0].request.url.params["job_id"]]
    assert out["results"][0]["success"] is False
    assert "topic is empty" in out["results"][0]["error"]


def test_an_injected_step_is_refused_before_anything_runs(windmill, respx_mock):
    steal = {"id": "steal", "script": "u/bob/scripts/export_contacts", "args": {}}
    out = execute_plan.main("alice", planned(DRAFT, steal), route(CREATE, SCHEDULE))
    assert out["jobs"] == [] and out["results"] == []
    assert out["refused"] == ["'u/bob/scripts/export_contacts' belongs to another person's folder"]
    assert respx_mock.calls.call_count == 0


def execution(*results: dict) -> dict:
    return {"attempt": 1, "results": list(results), "jobs": [r["job_id"] for r in results], "refused": []}


def step_result(step_id: str, script: str, result: dict, job: str) -> dict:
    return {"step_id": step_id, "script": script, "job_id": job, "success": True, "result": result}


def test_the_judge_scores_free_text_only_after_the_rules_pass(model_env, respx_mock):
    judged = {**DRAFT, "expected": {**DRAFT["expected"], "criteria": "About AI trends, engaging hook"}}
    sched = {**SCHEDULE_STEP, "expected": {**SCHEDULE_STEP["expected"], "criteria": "fires at 9am local"}}
    route = respx_mock.post(MESSAGES_URL).mock(
        return_value=httpx.Response(200, json=bodies.judge_message(False, ["The hook is generic"]))
    )
    out = evaluate.main(
        "alice",
        planned(judged, sched),
        execution(
            step_result("draft", CREATE, {"content": POST}, "j1"),
            step_result("schedule", SCHEDULE, SCHEDULE_RESULT, "j2"),
        ),
    )
    assert route.call_count == 1  # the schedule's output has no free text: no judge
    assert json.loads(route.calls[0].request.content)["model"] == bodies.JUDGE_MODEL
    assert out["success"] is False and out["judged_by"] == "model" and out["next"] == "retry"
    assert out["differences"] == ["step 'draft': The hook is generic"]
    assert out["tokens"]["calls"] == 2 and out["tokens"]["input"] == 812 + 420
    # attempt 1 runs the first plan as it is: its tokens count with the request's, not again here
    first = evaluate.main(
        "alice",
        planned(judged, sched, phase="initial"),
        execution(
            step_result("draft", CREATE, {"content": POST}, "j1"),
            step_result("schedule", SCHEDULE, SCHEDULE_RESULT, "j2"),
        ),
    )
    assert first["tokens"]["calls"] == 1 and first["tokens"]["input"] == 420 and first["phase"] == "loop"


def test_rules_failures_never_reach_the_judge(model_env, respx_mock):
    judged = {
        **DRAFT,
        "args": {**DRAFT["args"]},
        "expected": {"non_empty": ["content"], "criteria": "engaging"},
    }
    out = evaluate.main(
        "alice",
        planned(judged, attempt=3),
        execution(step_result("draft", CREATE, {"content": "x " * 150}, "j1")),
    )
    assert out["differences"] == ["step 'draft': field 'content' has 300 characters; the limit is 280"]
    assert out["next"] == "research" and out["judged_by"] == "rules"  # attempt 3 of 3 ends the loop


def test_offline_criteria_pass_unjudged_and_refusals_end_the_loop(offline_env):
    judged = {**DRAFT, "expected": {"non_empty": ["content"], "criteria": "engaging"}}
    ok = evaluate.main(
        "alice", planned(judged), execution(step_result("draft", CREATE, {"content": POST}, "j1"))
    )
    assert ok["success"] and ok["next"] == "conclude" and ok["jobs"] == ["j1"]
    refused = evaluate.main(
        "alice",
        planned(refused=["'u/bob/x' belongs to another person's folder"]),
        {"results": [], "jobs": [], "refused": []},
    )
    assert refused["refused"] and refused["next"] == "conclude" and not refused["success"]


def test_research_searches_the_web_and_returns_cited_learnings(model_env, respx_mock):
    route = respx_mock.post(MESSAGES_URL).mock(
        return_value=httpx.Response(
            200,
            json=bodies.web_search_message(
                ["Keep tweets to 240 characters so quotes and replies fit", "Use at most two hashtags"],
                [
                    ("https://help.x.com/en/using-x/how-to-post", "How to post on X"),
                    ("https://blog.hubspot.com/marketing/twitter-best-practices", "Twitter best practices"),
                ],
            ),
        )
    )
    outcome = {
        "kind": "outcome",
        "skill": "SOCIAL_MEDIA",
        "differences": ["step 'draft': field 'content' has 301 characters; the limit is 280"],
    }
    out = research.main("alice", "Create a Twitter post about AI trends", outcome)
    sent = json.loads(route.calls[0].request.content)
    assert sent["tools"][0]["type"] == "web_search_20250305" and sent["tools"][0]["max_uses"] == 3
    assert [item["content"] for item in out["learnings"]] == [
        "Keep tweets to 240 characters so quotes and replies fit",
        "Use at most two hashtags",
    ]
    assert {s["url"] for s in out["learnings"][0]["sources"]} == {
        "https://help.x.com/en/using-x/how-to-post",
        "https://blog.hubspot.com/marketing/twitter-best-practices",
    }
    assert out["searched"] and out["tokens"]["web_searches"] == 1 and out["tokens"]["input"] == 2310


def test_research_offline_says_why_it_found_nothing(offline_env):
    out = research.main("alice", "x", {"differences": ["boom"]})
    assert out["learnings"] == [] and not out["searched"] and "offline" in out["reason"]


def test_clarify_pushes_the_questions_and_returns_resume_urls(windmill, monkeypatch, respx_mock):
    monkeypatch.setenv("WM_JOB_ID", "step-job-7")
    monkeypatch.setenv("WM_ROOT_FLOW_JOB_ID", "flow-job-1")
    # the step runs in the `ask` branch's flow job, which is the one that waits (not the root)
    monkeypatch.setenv("WM_FLOW_JOB_ID", "ask-flow-2")
    monkeypatch.setenv("OPENANALYST_HUB_URL", "http://hub.test")
    monkeypatch.setenv("HUB_PUSH_SECRET", "push-secret")
    respx_mock.get(url__regex=rf"{API}/variables/get_value/.*").mock(
        return_value=httpx.Response(404, text="not found")
    )
    # set_progress names the step's flow job (WM_FLOW_JOB_ID), without reading the job first.
    progress = respx_mock.post(url__regex=rf"{API}/job_metrics/set_progress/.*").mock(
        return_value=httpx.Response(200, json={})
    )
    urls = {
        "approvalPage": f"{WM}/approve/x",
        "resume": f"{API}/jobs_u/resume/step-job-7/1/sig",
        "cancel": f"{API}/jobs_u/cancel/step-job-7/1/sig",
    }
    respx_mock.get(url__regex=rf"{API}/jobs/resume_urls/step-job-7/.*").mock(
        return_value=httpx.Response(200, json=urls)
    )
    hub = respx_mock.post("http://hub.test/internal/push").mock(
        return_value=httpx.Response(202, json={"ok": True})
    )
    outcome = {
        "kind": "outcome",
        "skill": "SOCIAL_MEDIA",
        "missing": ["entities.time"],
        "differences": [],
        "attempt": 1,
        "jobs": [],
    }
    out = clarify.main("alice", "sess_1", "msg_1", [outcome, {"user_id": "alice"}])
    assert out["resume_urls"] == urls and out["resume_job_id"] == "ask-flow-2"
    assert [q["id"] for q in out["questions"]] == ["time"]
    pushes = [json.loads(c.request.content) for c in hub.calls]
    answer = next(p for p in pushes if p["type"] == "ASSISTANT_RESPONSE")
    assert (
        answer["payload"]["questions"][0]["id"] == "time" and answer["payload"]["resumeJobId"] == "ask-flow-2"
    )
    assert answer["payload"]["done"] is False and answer["correlationId"] == "msg_1"
    request = hub.calls[-1].request
    signing.verify("push-secret", request.content, dict(request.headers))  # raises when unsigned
    assert json.loads(progress.calls.last.request.content)["flow_job_id"] == "ask-flow-2"


def outcome_of(phase: str, attempt: int, success: bool, **kw) -> dict:
    base = {
        "kind": "outcome",
        "phase": phase,
        "attempt": attempt,
        "success": success,
        "refused": False,
        "differences": []
        if success
        else ["step 'draft': field 'content' has 301 characters; the limit is 280"],
        "skill": "SOCIAL_MEDIA",
        "mode": "model",
        "model": bodies.PLANNER_MODEL,
        "jobs": [f"job-{attempt}"],
        "plan": {"skill": "SOCIAL_MEDIA", "steps": [DRAFT]},
        "results": [step_result("draft", CREATE, {"content": POST, "platform": "twitter"}, f"job-{attempt}")],
        "tokens": {"calls": 1, "input": 100, "output": 10},
        "research": None,
    }
    return {**base, **kw}


def test_conclude_and_respond_after_research_helped(no_windmill):
    learning = {
        "content": "Keep tweets to 240 characters",
        "sources": [{"url": "https://help.x.com", "title": "X"}],
    }
    attempts = [
        outcome_of("loop", 1, False),
        outcome_of("loop", 2, False),
        outcome_of("loop", 3, False),
        outcome_of("research", 4, True, research={"learnings": [learning], "query": "q"}),
        None,
    ]
    result = conclude.main("alice", planned(), attempts, [{"calls": 1, "input": 50}])
    assert result["success"] and result["attempts"] == 4 and result["research_applied"]
    assert result["learnings"] == [learning] and len(result["failures"]) == 3
    assert result["windmill_jobs"] == ["job-1", "job-2", "job-3", "job-4"]
    assert result["tokens"]["calls"] == 5 and result["tokens"]["input"] == 450
    payload = respond.answer(Conclusion.model_validate(result), "msg_1").model_dump(mode="json")
    AssistantResponsePayload.model_validate(payload)
    assert payload["done"] is True and POST in payload["content"]
    meta = payload["metadata"]
    assert meta["windmillJobs"] == result["windmill_jobs"] and meta["researchApplied"] is True
    assert meta["attempts"] == 4 and meta["model"] == bodies.PLANNER_MODEL and meta["tokens"]["input"] == 450


def test_conclude_answers_core_and_refusals_from_the_plan(no_windmill):
    help_plan = planned()
    help_plan["plan"] = {"skill": "CORE", "steps": [], "answer": "I can help with posts."}
    core = conclude.main("alice", help_plan, [None, None, None])
    assert core["success"] and core["content"] == "I can help with posts." and core["windmill_jobs"] == []
    refused = conclude.main("alice", planned(refused=["'u/bob/x' belongs to another person's folder"]), [])
    assert (
        not refused["success"] and "nothing was run" in refused["content"] and "u/bob/x" in refused["content"]
    )


def test_an_answer_with_a_chart_fits_the_history_with_its_caption_and_text_kept():
    """A report's chart (a data-URI image) made the answer too long for the history, and every
    analytics request failed at its last step; the history keeps the text and the caption."""
    from f.openanalyst.lib.inline_images import captioned
    from f.openanalyst.lib.store.models import MAX_ANSWER_CHARS

    def kept_answer(answer: str) -> str:  # what record_history stores as the answer
        return captioned(answer, MAX_ANSWER_CHARS)

    chart = "![bar chart of sales by region](data:image/png;base64," + "iVBORw0KGgo" * 4000 + ")"
    answer = f"**Report**\n\n- East sold the most: 51,900.\n\n{chart}\n*Sales by region*"
    kept = kept_answer(answer)
    assert kept is not None and len(kept) <= MAX_ANSWER_CHARS
    assert "East sold the most: 51,900." in kept and "*(chart: bar chart of sales by region)*" in kept
    assert kept_answer("short answer") == "short answer"  # what fits is kept whole
    endless = kept_answer("word " * 10_000)
    assert endless is not None and len(endless) <= MAX_ANSWER_CHARS and endless.endswith("too long to keep)*")
