"""Suspend/resume through the resume URL and resume_suspended; cancel of suspended and running flows."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.support.devruntime import DevRuntime


def _wait_suspended(dev_runtime: DevRuntime, job_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = dev_runtime.get_job(job_id)
        modules = (job.get("flow_status") or {}).get("modules") or []
        if modules and modules[0]["type"] == "WaitingForEvents":
            return job
        assert job["type"] == "QueuedJob", job
        time.sleep(0.05)
    raise TimeoutError("the flow never suspended")


def _resume_urls(dev_runtime: DevRuntime, flow_job: dict[str, Any]) -> dict[str, str]:
    step_job = flow_job["flow_status"]["modules"][0]["job"]
    return dev_runtime.get_job(step_job)["result"]["resume_urls"]


def test_resume_url_resumes_with_the_payload(dev_runtime: DevRuntime) -> None:
    job_id = dev_runtime.run_flow("f/devtest/approval", {"question": "Which platform?"})
    flow_job = _wait_suspended(dev_runtime, job_id)
    assert flow_job["suspend"] == 1
    urls = _resume_urls(dev_runtime, flow_job)
    assert set(urls) == {"approvalPage", "resume", "cancel"}
    assert urls["resume"].startswith(f"{dev_runtime.base_url}/api/w/openanalyst/jobs_u/resume/")
    # The resume URL carries its own signature: no token needed, like Windmill's.
    r = httpx.post(urls["resume"], json={"answers": {"platform": "linkedin"}})
    assert r.status_code == 201, r.text
    assert dev_runtime.wait(job_id) == {"question": "Which platform?", "answers": {"platform": "linkedin"}}
    modules = dev_runtime.get_job(job_id)["flow_status"]["modules"]
    assert modules[0]["type"] == "Success" and modules[0]["approvers"][0]["approver"] == "anonymous"


def test_a_forged_resume_signature_is_refused(dev_runtime: DevRuntime) -> None:
    job_id = dev_runtime.run_flow("f/devtest/approval", {"question": "q"})
    urls = _resume_urls(dev_runtime, _wait_suspended(dev_runtime, job_id))
    forged = urls["resume"].rsplit("/", 1)[0] + "/" + "0" * 64
    assert httpx.post(forged, json={"answers": {}}).status_code == 401
    assert dev_runtime.get_job(job_id)["type"] == "QueuedJob"
    dev_runtime.cancel(job_id, "cleanup")


def test_resume_suspended_resumes_by_flow_job_id(dev_runtime: DevRuntime) -> None:
    job_id = dev_runtime.run_flow("f/devtest/approval", {"question": "When?"})
    _wait_suspended(dev_runtime, job_id)
    r = dev_runtime.client.post(
        f"{dev_runtime.api}/jobs_u/flow/resume_suspended/{job_id}",
        json={"payload": {"answers": {"when": "Tuesday 9am"}}, "approved": True},
    )
    assert r.status_code == 201, r.text
    assert dev_runtime.wait(job_id) == {"question": "When?", "answers": {"when": "Tuesday 9am"}}


def test_cancel_url_cancels_the_suspended_flow(dev_runtime: DevRuntime) -> None:
    job_id = dev_runtime.run_flow("f/devtest/approval", {"question": "q"})
    urls = _resume_urls(dev_runtime, _wait_suspended(dev_runtime, job_id))
    assert httpx.post(urls["cancel"], json={}).status_code == 201
    job = dev_runtime.wait_job(job_id)
    assert job["success"] is False and job["canceled"] is True
    assert job["result"]["error"]["name"] == "Canceled"


def test_cancel_reports_cancelled_and_kills_the_running_step(dev_runtime: DevRuntime) -> None:
    flow = {
        "summary": "slow",
        "value": {
            "modules": [
                {
                    "id": "slow",
                    "value": {
                        "type": "script",
                        "path": "f/devtest/echo",
                        "input_transforms": {"sleep_s": {"type": "static", "value": 30}},
                    },
                }
            ]
        },
    }
    dev_runtime.create_flow("u/admin/slow_test", flow)
    job_id = dev_runtime.run_flow("u/admin/slow_test", {})
    deadline = time.monotonic() + 30
    while not (dev_runtime.get_job(job_id).get("flow_status") or {}).get("modules", [{}])[0].get("job"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    step_job = dev_runtime.get_job(job_id)["flow_status"]["modules"][0]["job"]
    started = time.monotonic()
    dev_runtime.cancel(job_id, "user asked")
    job = dev_runtime.wait_job(job_id, timeout=10)
    assert time.monotonic() - started < 10  # the 30 s step was killed, not awaited
    assert job["canceled"] is True and job["success"] is False
    assert job["canceled_reason"] == "user asked"
    assert "user asked" in job["result"]["error"]["message"]
    step = dev_runtime.wait_job(step_job, timeout=10)
    assert step["canceled"] is True and step["success"] is False


def _nested_ask(dev_runtime: DevRuntime, path: str) -> tuple[str, str, dict[str, str]]:
    """Start a flow whose suspend sits inside a branch: (root id, the branch's flow job id, the
    step's signed resume URLs). The step reports the ids a Windmill worker gives it."""
    ask = {
        "id": "ask",
        "value": {
            "type": "rawscript",
            "language": "python3",
            "content": (
                "import os\nimport wmill\n\ndef main():\n"
                "    return {'urls': wmill.get_resume_urls(), 'flow': os.environ['WM_FLOW_JOB_ID'],\n"
                "            'root': os.environ['WM_ROOT_FLOW_JOB_ID']}\n"
            ),
            "input_transforms": {},
        },
        "suspend": {"required_events": 1, "timeout": 60},
    }
    use = {
        "id": "use",
        "value": {
            "type": "rawscript",
            "language": "python3",
            "content": "def main(answers: dict):\n    return answers\n",
            "input_transforms": {"answers": {"type": "javascript", "expr": "resume.answers"}},
        },
    }
    branch = {"type": "branchone", "branches": [{"expr": "true", "modules": [ask, use]}], "default": []}
    dev_runtime.create_flow(path, {"summary": "nested", "value": {"modules": [{"id": "b", "value": branch}]}})
    job_id = dev_runtime.run_flow(path, {})
    deadline = time.monotonic() + 60
    while (dev_runtime.get_job(job_id).get("suspend") or 0) == 0:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    module = dev_runtime.get_job(job_id)["flow_status"]["modules"][0]
    assert module["type"] == "InProgress" and module["branch_chosen"] == {"type": "branch", "branch": 0}
    sub = dev_runtime.get_job(module["job"])  # a branchone's sub-flow, listed while it runs
    assert sub["type"] == "QueuedJob" and sub["flow_status"]["modules"][0]["type"] == "WaitingForEvents"
    step = dev_runtime.get_job(sub["flow_status"]["modules"][0]["job"])["result"]
    assert step["flow"] == sub["id"] and step["root"] == job_id
    return job_id, sub["id"], step["urls"]


def test_a_suspend_inside_a_branch_is_resumed_by_the_branch_flow_not_the_root(
    dev_runtime: DevRuntime,
) -> None:
    """Windmill's resume_suspended needs the flow whose current module waits (get_suspended_flow_info):
    the root's current module is the branch, so resuming the root is refused."""
    job_id, waiting, _urls = _nested_ask(dev_runtime, "u/admin/nested_ask")
    body = {"payload": {"answers": {"why": "because"}}, "approved": True}
    r = dev_runtime.client.post(f"{dev_runtime.api}/jobs_u/flow/resume_suspended/{job_id}", json=body)
    assert r.status_code == 400 and "not in a suspended state" in r.text
    assert dev_runtime.get_job(job_id)["type"] == "QueuedJob"
    r = dev_runtime.client.post(f"{dev_runtime.api}/jobs_u/flow/resume_suspended/{waiting}", json=body)
    assert r.status_code == 201, r.text
    assert dev_runtime.wait(job_id) == {"why": "because"}
    # Once the flow went on, the same id is no longer waiting.
    r = dev_runtime.client.post(f"{dev_runtime.api}/jobs_u/flow/resume_suspended/{waiting}", json=body)
    assert r.status_code == 400


def test_the_steps_signed_resume_url_resumes_a_nested_suspend(dev_runtime: DevRuntime) -> None:
    job_id, _waiting, urls = _nested_ask(dev_runtime, "u/admin/nested_ask_signed")
    assert httpx.post(urls["resume"], json={"answers": {"why": "signed"}}).status_code == 201
    assert dev_runtime.wait(job_id) == {"why": "signed"}


def test_a_signed_url_for_a_finished_or_unrelated_job_is_refused(dev_runtime: DevRuntime) -> None:
    """get_flow_info_for_resume: the job's flow must still be in the queue."""
    job_id, _waiting, urls = _nested_ask(dev_runtime, "u/admin/nested_ask_done")
    assert httpx.post(urls["resume"], json={"answers": {"why": "once"}}).status_code == 201
    dev_runtime.wait(job_id)
    r = httpx.post(urls["resume"], json={"answers": {"why": "twice"}})
    assert r.status_code == 400 and "not in queue" in r.text


def test_only_an_owner_of_the_path_may_resume_as_owner(dev_runtime: DevRuntime, people) -> None:
    job_id, waiting, _urls = _nested_ask(dev_runtime, "u/admin/nested_ask_owner")
    r = people.alice.post(f"/jobs/flow/resume/{waiting}", json={"answers": {"why": "alice"}})
    assert r.status_code == 403 and "owner" in r.text
    r = dev_runtime.client.post(
        f"{dev_runtime.api}/jobs/flow/resume/{waiting}", json={"answers": {"why": "x"}}
    )
    assert r.status_code == 201, r.text
    assert dev_runtime.wait(job_id) == {"why": "x"}


def _waiting_flow(timeout_s: int, continue_on_timeout: bool) -> dict[str, Any]:
    suspend: dict[str, Any] = {"required_events": 1, "timeout": timeout_s}
    if continue_on_timeout:
        suspend["continue_on_disapprove_timeout"] = True
    return {
        "summary": "waits",
        "value": {
            "modules": [
                {
                    "id": "wait",
                    "value": {
                        "type": "script",
                        "path": "f/devtest/echo",
                        "input_transforms": {"value": {"type": "static", "value": "asked"}},
                    },
                    "suspend": suspend,
                },
                {"id": "after", "value": {"type": "identity"}},
            ]
        },
    }


def test_a_suspend_that_times_out_fails_the_flow_unless_told_to_continue(dev_runtime: DevRuntime) -> None:
    dev_runtime.create_flow("u/admin/times_out", _waiting_flow(1, continue_on_timeout=False))
    job = dev_runtime.wait_job(dev_runtime.run_flow("u/admin/times_out", {}), timeout=30)
    assert job["success"] is False and job["result"]["error"]["name"] == "SuspendedTimedOut"
    dev_runtime.create_flow("u/admin/times_out_ok", _waiting_flow(1, continue_on_timeout=True))
    assert dev_runtime.wait(dev_runtime.run_flow("u/admin/times_out_ok", {}), timeout=30) == {
        "value": "asked"
    }
