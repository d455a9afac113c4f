"""Flow semantics on the dev runtime: every module kind, retries, stop_after_if, failures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.devruntime import DevRuntime, JobFailed


def test_every_module_kind_runs_to_the_right_result(dev_runtime: DevRuntime, tmp_path: Path) -> None:
    job_id = dev_runtime.run_flow("f/devtest/all_kinds", {"items": [1, 2, 3], "tmp": str(tmp_path)})
    result = dev_runtime.wait(job_id, timeout=120)
    # skip_failures: the failed iteration's result is its error, as Windmill lists every
    # iteration job's result (worker_flow.rs `retrieve_flow_jobs_results`).
    assert result["letters"][1]["error"]["message"] == "b is skipped"
    result["letters"][1] = None
    assert result == {
        "double": [2, 4, 6],
        "letters": ["0:A", None, "2:C"],
        "last_count": {"i": 3, "acc": 6},  # state carried through results.step_acc
        "iterations": 4,  # stop_after_if on the inner step ended the while loop at i == 3
        "route": "sum=6",
        "previous": "sum=6",  # identity, then a skipped step, pass the previous result on
        "attempts": {"constant": 3, "exponential": 2},
        "greeting": "hello skip-me",  # schema default applied to the missing input
    }
    status = dev_runtime.get_job(job_id)["flow_status"]
    by_id = {m["id"]: m for m in status["modules"]}
    assert all(m["type"] == "Success" for m in status["modules"])
    assert by_id["route"]["branch_chosen"] == {"type": "branch", "branch": 1}
    assert by_id["double"]["iterator"]["itered_len"] == 3
    assert len(by_id["double"]["flow_jobs"]) == 3
    assert by_id["letters"]["flow_jobs_success"] == [True, False, True]
    assert len(by_id["flaky"]["failed_retries"]) == 2
    assert status["retry"]["fail_count"] == 3
    assert by_id["skipped"].get("skipped") is True
    api, client = dev_runtime.api, dev_runtime.client
    assert client.get(f"{api}/jobs/result_by_id/{job_id}/route").json() == "sum=6"
    assert client.get(f"{api}/jobs/result_by_id/{job_id}/double").json() == [2, 4, 6]
    assert client.get(f"{api}/jobs/result_by_id/{job_id}/right").json() == "sum=6"  # inside a branch
    assert client.get(f"{api}/jobs/result_by_id/{job_id}/nope").status_code == 404
    assert client.get(f"{api}/jobs_u/get_args/{job_id}").json()["items"] == [1, 2, 3]
    all_logs = client.get(f"{api}/jobs_u/get_flow_all_logs/{job_id}").text
    assert "echo [1, 2, 3]" in all_logs and "attempt 1 fails on purpose" in all_logs
    # Each step is a job of its own, child of the flow, with the step id.
    step = dev_runtime.get_job(by_id["prep"]["job"])
    assert step["parent_job"] == job_id and step["script_path"] == "f/devtest/echo"


def test_stop_after_if_returns_the_stopping_result(dev_runtime: DevRuntime) -> None:
    stopped = dev_runtime.run_flow("f/devtest/stop_early", {"n": 11})
    assert dev_runtime.wait(stopped) == {"value": 11}
    assert dev_runtime.get_job(stopped)["flow_status"]["modules"][1]["type"] == "WaitingForPriorSteps"
    went_on = dev_runtime.run_flow("f/devtest/stop_early", {"n": 1})
    assert dev_runtime.wait(went_on) == {"value": "reached"}


def test_a_failing_step_fails_the_flow_with_its_error(dev_runtime: DevRuntime) -> None:
    flow = {
        "summary": "fails",
        "value": {
            "modules": [
                {
                    "id": "boom",
                    "value": {
                        "type": "script",
                        "path": "f/devtest/echo",
                        "input_transforms": {
                            "value": {"type": "static", "value": "x"},
                            "fail": {"type": "static", "value": True},
                        },
                    },
                },
                {"id": "never", "value": {"type": "identity"}},
            ]
        },
        "schema": {"type": "object", "properties": {}},
    }
    dev_runtime.create_flow("u/admin/fails_test", flow)
    job_id = dev_runtime.run_flow("u/admin/fails_test", {})
    with pytest.raises(JobFailed) as failed:
        dev_runtime.wait(job_id)
    error = failed.value.job["result"]["error"]
    assert error["name"] == "ValueError" and "asked to fail with 'x'" in error["message"]
    status = failed.value.job["flow_status"]["modules"]
    assert [m["type"] for m in status] == ["Failure", "WaitingForPriorSteps"]


def test_javascript_errors_name_the_expression(dev_runtime: DevRuntime) -> None:
    flow = {
        "summary": "bad expr",
        "value": {
            "modules": [
                {
                    "id": "a",
                    "value": {
                        "type": "script",
                        "path": "f/devtest/echo",
                        "input_transforms": {
                            "value": {"type": "javascript", "expr": "flow_input.nope.deeper"}
                        },
                    },
                }
            ]
        },
    }
    dev_runtime.create_flow("u/admin/bad_expr", flow)
    job = dev_runtime.wait_job(dev_runtime.run_flow("u/admin/bad_expr", {}))
    assert job["success"] is False
    assert "flow_input.nope.deeper" in job["result"]["error"]["message"]
    assert "TypeError" in job["result"]["error"]["message"]


def test_the_failure_module_runs_with_the_error(dev_runtime: DevRuntime) -> None:
    flow = {
        "summary": "failure handler",
        "value": {
            "modules": [
                {
                    "id": "boom",
                    "value": {
                        "type": "script",
                        "path": "f/devtest/echo",
                        "input_transforms": {
                            "value": {"type": "static", "value": "y"},
                            "fail": {"type": "static", "value": True},
                        },
                    },
                }
            ],
            "failure_module": {
                "id": "failure",
                "value": {
                    "type": "rawscript",
                    "language": "python3",
                    "content": "def main(message: str, step_id: str):\n    return f'{step_id}: {message}'\n",
                    "input_transforms": {
                        "message": {"type": "javascript", "expr": "error.message"},
                        "step_id": {"type": "javascript", "expr": "error.step_id"},
                    },
                },
            },
        },
    }
    dev_runtime.create_flow("u/admin/with_failure_module", flow)
    job = dev_runtime.wait_job(dev_runtime.run_flow("u/admin/with_failure_module", {}))
    # Windmill completes the flow with the failure module's result, as a failure unless that
    # result says `recover: true` (worker_flow.rs `result_has_recover_true`).
    assert job["success"] is False and job["result"] == "boom: asked to fail with 'y'"
    handler = job["flow_status"]["failure_module"]
    assert handler["type"] == "Success" and handler["parent_module"] == "boom"
    assert dev_runtime.wait(handler["job"]) == "boom: asked to fail with 'y'"


def test_results_of_an_empty_branch_throw_and_unknown_steps_read_null(dev_runtime: DevRuntime) -> None:
    """Windmill keeps the nil job for a branchone whose chosen branch is empty, so `results.<id>`
    throws (worker_flow.rs EmptyInnerFlows, js_eval_quickjs.rs results proxy); an id that never
    ran reads null; the previous result passes through the empty branch."""

    def step(mid: str, expr: str) -> dict[str, Any]:
        return {
            "id": mid,
            "value": {
                "type": "rawscript",
                "language": "python3",
                "content": "def main(v):\n    return v\n",
                "input_transforms": {"v": {"type": "javascript", "expr": expr}},
            },
        }

    empty = {"id": "b", "value": {"type": "branchone", "branches": [], "default": []}}
    passes = {
        "summary": "t",
        "value": {"modules": [step("a", "41"), empty, step("c", "[previous_result, results.nope]")]},
    }
    dev_runtime.create_flow("u/admin/empty_branch_ok", passes)
    assert dev_runtime.wait(dev_runtime.run_flow("u/admin/empty_branch_ok", {})) == [41, None]
    throws = {"summary": "t", "value": {"modules": [step("a", "41"), empty, step("c", "results.b")]}}
    dev_runtime.create_flow("u/admin/empty_branch_throws", throws)
    job = dev_runtime.wait_job(dev_runtime.run_flow("u/admin/empty_branch_throws", {}))
    assert job["success"] is False
    assert "Failed to fetch result for step 'b'" in job["result"]["error"]["message"]
