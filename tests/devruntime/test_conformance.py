"""Every operation the dev runtime serves answers within the REST spec (strict mode records any
violation and the fixture fails the test), including the ones other tests do not reach."""

from __future__ import annotations

import base64
import json
import time

import httpx
import yaml

from scripts.devruntime.config import SPEC_PATH
from scripts.devruntime.routes import all_ops
from tests.support.devruntime import DevRuntime


def test_the_remaining_operations_answer_within_the_spec(dev_runtime: DevRuntime) -> None:
    api, client = dev_runtime.api, dev_runtime.client
    script_job = dev_runtime.run_script("f/devtest/echo", {"value": 1})
    dev_runtime.wait(script_job)
    flow_job = dev_runtime.run_flow("f/devtest/stop_early", {"n": 50})
    dev_runtime.wait(flow_job)
    calls = [
        ("GET", f"{api}/jobs/list", {"script_path_exact": "f/devtest/stop_early", "job_kinds": "flow"}),
        ("GET", f"{api}/jobs/list", {"running": "false", "success": "true", "per_page": "5"}),
        ("GET", f"{api}/jobs_u/completed/get/{script_job}", None),
        ("GET", f"{api}/jobs_u/completed/get_result/{flow_job}", None),
        ("GET", f"{api}/jobs_u/get_logs/{script_job}", None),
        ("GET", f"{api}/jobs_u/get/{flow_job}", {"no_logs": "true"}),
        ("GET", f"{api}/jobs_u/get_root_job_id/{script_job}", None),
        ("GET", f"{api}/job_metrics/get_progress/{script_job}", None),
        ("GET", f"{api}/jobs/resume_urls/{script_job}/7", {"approver": "alice"}),
        ("GET", f"{api}/jobs/flow/user_states/{flow_job}/nothing", None),
        ("GET", f"{api}/variables/list", {"path_start": "f/openanalyst/"}),
        ("GET", f"{api}/resources/list", None),
        ("GET", f"{api}/resources/type/list", None),
        ("GET", f"{api}/scripts/list", {"path_start": "f/devtest/"}),
        ("GET", f"{api}/scripts/get/p/f/devtest/echo", None),
        ("GET", f"{api}/flows/get/f/devtest/all_kinds", None),
        ("GET", f"{api}/flows/list", {"path_start": "f/devtest/"}),
        ("GET", f"{api}/apps/list", None),
        ("GET", f"{api}/schedules/list", None),
        ("GET", f"{api}/folders/list", None),
        ("GET", f"{api}/folders/get/openanalyst", None),
        ("GET", "/api/w/openanalyst/users/whoami", None),
        ("GET", "/api/version", None),
    ]
    for method, url, params in calls:
        r = client.request(method, url, params=params)
        assert r.status_code == 200, f"{url}: {r.status_code} {r.text}"
    r = client.post(f"{api}/jobs/run_wait_result/p/f/devtest/echo", json={"value": "sync"})
    assert r.status_code == 200 and r.json() == {"value": "sync"}
    r = client.post(f"{api}/jobs/run_wait_result/f/f/devtest/stop_early", json={"n": 12})
    assert r.status_code == 200 and r.json() == {"value": 12}
    r = client.post(f"{api}/jobs/flow/user_states/{flow_job}/k", json={"v": [1, 2]})
    assert r.status_code == 200
    assert client.get(f"{api}/jobs/flow/user_states/{flow_job}/k").json() == {"v": [1, 2]}
    assert client.post(f"{api}/jobs/flow/user_states/{script_job}/k", json=1).status_code == 404
    assert client.post(f"{api}/jobs_u/queue/cancel/{script_job}", json={"reason": "late"}).status_code == 200
    assert not dev_runtime.violations


def test_resume_by_get_with_a_base64_payload(dev_runtime: DevRuntime) -> None:
    job_id = dev_runtime.run_flow("f/devtest/approval", {"question": "q"})
    while (dev_runtime.get_job(job_id).get("flow_status") or {}).get("modules", [{}])[0].get(
        "type"
    ) != "WaitingForEvents":
        time.sleep(0.05)
    step = dev_runtime.get_job(job_id)["flow_status"]["modules"][0]["job"]
    urls = dev_runtime.get_job(step)["result"]["resume_urls"]
    payload = base64.urlsafe_b64encode(json.dumps({"answers": {"via": "get"}}).encode()).decode()
    assert httpx.get(urls["resume"], params={"payload": payload}).status_code == 201
    assert dev_runtime.wait(job_id)["answers"] == {"via": "get"}
    # a finished flow cannot be resumed again
    r = dev_runtime.client.post(
        f"{dev_runtime.api}/jobs_u/flow/resume_suspended/{job_id}", json={"payload": {}, "approved": True}
    )
    assert r.status_code == 400


def test_every_route_names_a_spec_operation() -> None:
    paths = yaml.safe_load(SPEC_PATH.read_text())["paths"]
    for op in all_ops():
        assert op.template in paths, op.template
        assert op.method.lower() in paths[op.template], f"{op.method} {op.template}"
