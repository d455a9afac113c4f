"""Test script: exercises the unmodified wmill client against the dev runtime."""

import os

import wmill


def main(resource_path: str, variable_path: str) -> dict:
    wmill.set_progress(40)
    child = wmill.run_script_by_path("f/devtest/echo", args={"value": 7}, timeout=60)
    before = wmill.get_state()
    wmill.set_state({"runs": (before or {}).get("runs", 0) + 1})
    wmill.set_flow_user_state("seen", {"by": "client_calls"})
    return {
        "resource": wmill.get_resource(resource_path),
        "variable": wmill.get_variable(variable_path),
        "child": child,
        "state_before": before,
        "state_after": wmill.get_state(),
        "root_job_id": wmill.get_root_job_id(),
        "flow_job_id": os.environ.get("WM_FLOW_JOB_ID"),
        "user_state": wmill.get_flow_user_state("seen"),
        "progress": wmill.get_progress(),
        "whoami": wmill.whoami()["email"],
    }
