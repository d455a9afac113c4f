"""worker.rs `mod suspend_resume` (commit 00ffa69e) on the dev runtime: a step that resumes (or
cancels) its own flow's approval, a second approval resumed from outside, and a cancel after a
suspend. The Deno step's signed-URL calls become `wmill.get_resume_urls` + httpx in Python."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from tests.devruntime.windmill_parity.model import EMPTY_SCHEMA, js, py, ret, with_
from tests.support.devruntime import DevRuntime

STEP_A = """
import httpx
import wmill

def main(n, op):
    urls = wmill.get_resume_urls("ruben")
    httpx.post(urls[op], json="from job", timeout=30)
    return n + 1
"""


def _flow() -> dict[str, Any]:
    once = {"required_events": 1, "timeout": 120}
    return {
        "summary": "worker.rs suspend_resume::flow",
        "value": {
            "modules": [
                with_(
                    py("a", STEP_A, n=js("flow_input.n"), op=js("flow_input.op ?? 'resume'")), suspend=once
                ),
                with_(
                    ret(
                        "b",
                        "{'n': n + 1, 'resume': resume, 'resumes': resumes}",
                        n=js("results.a"),
                        resume=js("resume"),
                        resumes=js("resumes"),
                    ),
                    suspend=once,
                ),
                ret(
                    "c",
                    "{'last': last, 'resume': resume, 'resumes': resumes}",
                    last=js("results.b"),
                    resume=js("resume"),
                    resumes=js("resumes"),
                ),
            ]
        },
        "schema": EMPTY_SCHEMA,
    }


def _second_approval_url(dev_runtime: DevRuntime, job_id: str, kind: str, approver: str | None) -> str:
    """Wait for step b to wait, then the signed URL for it (what the Rust test builds)."""
    deadline = time.monotonic() + 60
    while True:
        modules = dev_runtime.get_job(job_id)["flow_status"]["modules"]
        if modules[1].get("type") == "WaitingForEvents":
            break
        assert time.monotonic() < deadline, modules
        time.sleep(0.05)
    params = {"approver": approver} if approver else {}
    urls = dev_runtime.client.get(f"{dev_runtime.api}/jobs/resume_urls/{modules[1]['job']}/0", params=params)
    return str(urls.json()[kind])


def test_suspend_resume_test(dev_runtime: DevRuntime) -> None:
    """worker.rs suspend_resume::test"""
    dev_runtime.create_flow("u/admin/parity_suspend", _flow())
    job_id = dev_runtime.run_flow("u/admin/parity_suspend", {"n": 1})
    url = _second_approval_url(dev_runtime, job_id, "resume", "ruben")
    payload = base64.b64encode(json.dumps("from test").encode()).decode()
    sep = "&" if "?" in url else "?"
    r = dev_runtime.client.get(f"{url.replace(dev_runtime.base_url, '')}{sep}payload={payload}")
    assert r.status_code < 300, r.text
    assert dev_runtime.wait(job_id) == {
        "last": {"resume": "from job", "resumes": ["from job"], "n": 3},
        "resume": "from test",
        "resumes": ["from test"],
    }


def test_suspend_resume_cancel_from_job(dev_runtime: DevRuntime) -> None:
    """worker.rs suspend_resume::cancel_from_job"""
    dev_runtime.create_flow("u/admin/parity_suspend", _flow())
    job = dev_runtime.wait_job(dev_runtime.run_flow("u/admin/parity_suspend", {"n": 1, "op": "cancel"}))
    assert job["result"] == {
        "error": {
            "name": "Canceled",
            "reason": "approval request disapproved",
            "message": "Job canceled: approval request disapproved by ruben",
            "canceler": "ruben",
        }
    }


def test_suspend_resume_cancel_after_suspend(dev_runtime: DevRuntime) -> None:
    """worker.rs suspend_resume::cancel_after_suspend"""
    dev_runtime.create_flow("u/admin/parity_suspend", _flow())
    job_id = dev_runtime.run_flow("u/admin/parity_suspend", {"n": 1})
    url = _second_approval_url(dev_runtime, job_id, "cancel", None)
    r = dev_runtime.client.get(url.replace(dev_runtime.base_url, ""))
    assert r.status_code < 300, r.text
    assert dev_runtime.wait_job(job_id)["result"] == {
        "error": {
            "name": "Canceled",
            "reason": "approval request disapproved",
            "message": "Job canceled: approval request disapproved by unknown",
            "canceler": "unknown",
        }
    }
