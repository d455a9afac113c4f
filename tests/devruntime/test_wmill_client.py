"""The unmodified `wmill` client inside a job talks to the dev runtime."""

from __future__ import annotations

from tests.support.devruntime import DevRuntime


def test_wmill_client_calls_work_inside_a_flow_step(dev_runtime: DevRuntime) -> None:
    dev_runtime.set_variable("f/devtest/greeting", "hi there")
    dev_runtime.set_variable("f/devtest/api_key", "sk-test-123", is_secret=True)
    dev_runtime.set_resource(
        "f/devtest/service", {"url": "http://example.invalid", "key": "$var:f/devtest/api_key"}, "any"
    )
    job_id = dev_runtime.run_flow(
        "f/devtest/client", {"resource_path": "f/devtest/service", "variable_path": "f/devtest/greeting"}
    )
    result = dev_runtime.wait(job_id, timeout=120)
    assert result["resource"] == {"url": "http://example.invalid", "key": "sk-test-123"}  # interpolated
    assert result["variable"] == "hi there"
    assert result["child"] == {"value": 7}  # run_script_by_path waited for a child job
    assert result["state_after"] == {"runs": (result["state_before"] or {}).get("runs", 0) + 1}
    assert result["root_job_id"] == job_id
    assert result["flow_job_id"] == job_id
    assert result["user_state"] == {"by": "client_calls"}
    assert result["progress"] == 40
    assert result["whoami"] == "admin@openanalyst.dev"
    job = dev_runtime.get_job(job_id)
    assert job["flow_status"]["modules"][0]["progress"] == 40  # set_progress reached the flow status
    assert job["flow_status"]["user_states"] == {"seen": {"by": "client_calls"}}
    # The child job run_script_by_path started hangs under the step and the flow.
    step_job = job["flow_status"]["modules"][0]["job"]
    api = dev_runtime.api
    children = dev_runtime.client.get(f"{api}/jobs/list", params={"parent_job": step_job}).json()
    assert [c["script_path"] for c in children] == ["f/devtest/echo"]
    root = dev_runtime.client.get(f"{api}/jobs_u/get_root_job_id/{children[0]['id']}").json()
    assert root == job_id


def test_state_persists_between_runs_of_the_same_step(dev_runtime: DevRuntime) -> None:
    args = {"resource_path": "f/devtest/service", "variable_path": "f/devtest/greeting"}
    dev_runtime.set_variable("f/devtest/greeting", "hello")
    dev_runtime.set_resource("f/devtest/service", {"url": "u"}, "any")
    first = dev_runtime.wait(dev_runtime.run_flow("f/devtest/client", args), timeout=120)
    second = dev_runtime.wait(dev_runtime.run_flow("f/devtest/client", args), timeout=120)
    assert second["state_before"] == first["state_after"]


def test_main_in_process_uses_the_runtime_through_env(dev_runtime: DevRuntime, monkeypatch) -> None:
    import wmill

    dev_runtime.use_env(monkeypatch)
    dev_runtime.set_variable("f/devtest/in_process", "value-1")
    assert wmill.get_variable("f/devtest/in_process") == "value-1"
    wmill.set_variable("f/devtest/in_process", "value-2")
    assert wmill.get_variable("f/devtest/in_process") == "value-2"
    assert wmill.run_script_by_path("f/devtest/echo", args={"value": "x"}, timeout=60) == {"value": "x"}


def test_jobs_get_the_worker_env_and_the_passthrough_settings(dev_runtime: DevRuntime, monkeypatch) -> None:
    monkeypatch.setenv("OPENANALYST_LOG_LEVEL", "from-the-test")
    monkeypatch.setenv("UNRELATED_SECRET", "must-not-leak")
    # OPENANALYST_* is an allow-list: the operator token and other runtime settings stay out.
    monkeypatch.setenv("OPENANALYST_DEV_TOKEN", "operator-secret")
    monkeypatch.setenv("OPENANALYST_SOMETHING_NEW", "not-listed")
    code = (
        "import os\n\ndef main():\n"
        "    keys = ['OPENANALYST_LOG_LEVEL', 'UNRELATED_SECRET', 'OPENANALYST_DEV_TOKEN',\n"
        "            'OPENANALYST_SOMETHING_NEW', 'WM_WORKSPACE',\n"
        "            'WM_JOB_PATH', 'WM_FLOW_STEP_ID']\n"
        "    return {k: os.environ.get(k) for k in keys} | {'token': bool(os.environ.get('WM_TOKEN'))}\n"
    )
    flow = {
        "summary": "env",
        "value": {
            "modules": [
                {
                    "id": "show_env",
                    "value": {
                        "type": "rawscript",
                        "language": "python3",
                        "content": code,
                        "input_transforms": {},
                    },
                }
            ]
        },
    }
    dev_runtime.create_flow("u/admin/env_check", flow)
    env = dev_runtime.wait(dev_runtime.run_flow("u/admin/env_check", {}))
    assert env == {
        "OPENANALYST_LOG_LEVEL": "from-the-test",
        "UNRELATED_SECRET": None,
        "OPENANALYST_DEV_TOKEN": None,
        "OPENANALYST_SOMETHING_NEW": None,
        "WM_WORKSPACE": "openanalyst",
        "WM_JOB_PATH": "u/admin/env_check/show_env",
        "WM_FLOW_STEP_ID": "show_env",
        "token": True,
    }
