"""The bundle's failure module where Windmill runs it: at the root, and inside the sub-flow of a
loop iteration or a branch whose step failed (cases_failure_module_subflows.py, worker_flow.rs).

handle_request's `failure_module` (f/openanalyst/brain/explain_failure) is taken from the flow
file as it ships and attached to small flows whose step fails at each of those places; whatever
the place, the flow's result is the person's message (what failed, what to do), never a
validation error or a traceback from the failure module itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.devruntime.windmill_parity.model import branchone, py, whileloop
from tests.support.devruntime import DevRuntime

FLOW = Path(__file__).resolve().parents[3] / "f/openanalyst/handle_request__flow/flow.yaml"
BOOM = "def main():\n    raise Exception('boom')"

PLACES: dict[str, list[dict[str, Any]]] = {
    "root step": [py("plan", BOOM)],
    "branchone branch": [branchone("recover", [("true", [py("research", BOOM)])], [])],
    "whileloop iteration": [whileloop("eval_loop", [py("execute_plan", BOOM)], skip_failures=False)],
}


@pytest.mark.parametrize("place", list(PLACES))
def test_the_failure_module_answers_in_the_persons_terms_wherever_the_step_failed(
    dev_runtime: DevRuntime, place: str
) -> None:
    shipped = yaml.safe_load(FLOW.read_text())["value"]["failure_module"]
    inputs = {"user_id": "alice", "session_id": "s1", "message_id": "m1"}
    schema = {"type": "object", "properties": {k: {"type": "string"} for k in inputs}}
    path = f"u/admin/bundle_failure_{place.split()[0]}"
    modules = PLACES[place]
    dev_runtime.create_flow(
        path, {"summary": place, "value": {"modules": modules, "failure_module": shipped}, "schema": schema}
    )
    job = dev_runtime.wait_job(dev_runtime.run_flow(path, inputs), timeout=180)
    assert job["success"] is False
    message = str((job["result"] or {}).get("error", {}).get("message", ""))
    assert "Send your request again" in message, job["result"]
    assert "ValidationError" not in str(job["result"]) and "Traceback" not in str(job["result"])
