"""Jobs and results live in SQLite: a restart loses no finished result."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from tests.support.devruntime import DevRuntime, start_dev_server


def _handle(server) -> DevRuntime:
    return DevRuntime(server)


def test_a_restart_keeps_finished_results_and_fails_interrupted_jobs(tmp_path: Path) -> None:
    first = start_dev_server(tmp_path, fork=False)  # also covers the plain one-interpreter-per-job mode
    try:
        rt = _handle(first)
        done = rt.run_flow("f/devtest/stop_early", {"n": 99})
        assert rt.wait(done) == {"value": 99}
        script = rt.run_script("f/devtest/echo", {"value": "kept"})
        rt.wait(script)
        slow = rt.run_script("f/devtest/echo", {"sleep_s": 30})
        deadline = time.monotonic() + 20
        while not rt.get_job(slow).get("running"):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        token = rt.token
        rt.client.close()
    finally:
        first.stop()
    assert first.violations == []

    second = start_dev_server(tmp_path)
    try:
        rt = _handle(second)
        assert rt.token != token  # a new token per start unless OPENANALYST_DEV_TOKEN is set
        assert (
            httpx.get(
                f"{rt.base_url}/api/users/whoami", headers={"Authorization": f"Bearer {token}"}
            ).status_code
            == 401
        )
        assert rt.client.get(f"{rt.api}/jobs_u/completed/get_result/{done}").json() == {"value": 99}
        job = rt.get_job(done)
        assert job["type"] == "CompletedJob" and job["success"] is True
        assert job["flow_status"]["modules"][0]["type"] == "Success"
        assert "echo 'kept'" in rt.get_job(script)["logs"]
        interrupted = rt.get_job(slow)
        assert interrupted["type"] == "CompletedJob" and interrupted["success"] is False
        assert interrupted["result"]["error"]["name"] in {"RuntimeStopped", "RuntimeRestarted"}
        rt.client.close()
    finally:
        second.stop()
    assert second.violations == []
