"""`getupdate_sse` follows a running flow: each step change and each module's progress arrive as
they happen, not only the final result (the hub shows them to the person while the flow runs)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from scripts.devruntime.routes.jobs import sse_poll_delay_s
from tests.support.devruntime import DevRuntime

# Each step reports its progress, then holds until the test opens its gate. The test opens a gate
# only after the SSE stream showed that step running with its progress, so a follower that sends
# just the final result leaves the flow held and the stream ends on its timeout.
GATED_STEP = """\
import time
from pathlib import Path

import wmill


def main(gate: str, percent: int) -> int:
    wmill.set_progress(percent)
    deadline = time.monotonic() + 30
    while not Path(gate).exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"the test never opened {gate}")
        time.sleep(0.05)
    return percent
"""


def _step(step_id: str, gate: str, percent: int) -> dict[str, Any]:
    return {
        "id": step_id,
        "value": {
            "type": "rawscript",
            "language": "python3",
            "content": GATED_STEP,
            "input_transforms": {
                "gate": {"type": "javascript", "expr": f"flow_input.{gate}"},
                "percent": {"type": "static", "value": percent},
            },
        },
    }


def _shape(status: dict[str, Any]) -> tuple[Any, ...]:
    """The current step and each module's (type, progress)."""
    return (status["step"], *((m["type"], m.get("progress")) for m in status["modules"]))


FIRST_RUNNING = (0, ("InProgress", 30), ("WaitingForPriorSteps", None))
SECOND_RUNNING = (1, ("Success", 30), ("InProgress", 70))


def test_sse_streams_step_changes_and_module_progress_while_the_flow_runs(
    dev_runtime: DevRuntime, tmp_path: Path
) -> None:
    flow = {
        "summary": "two gated steps",
        "value": {"modules": [_step("first", "first_gate", 30), _step("second", "second_gate", 70)]},
        "schema": {},
    }
    dev_runtime.create_flow("u/admin/sse_gated", flow)
    gates = {"first_gate": tmp_path / "first", "second_gate": tmp_path / "second"}
    job_id = dev_runtime.run_flow("u/admin/sse_gated", {k: str(v) for k, v in gates.items()})

    shapes: list[tuple[Any, ...]] = []  # the flow_status of each update before completion, in order
    final: dict[str, Any] = {}
    url = f"{dev_runtime.api}/jobs_u/getupdate_sse/{job_id}"
    try:
        with dev_runtime.client.stream("GET", url, params={"no_logs": "true", "fast": "true"}) as r:
            assert r.status_code == 200
            for line in r.iter_lines():
                if not line.startswith("data: "):
                    continue
                event = json.loads(line[6:])
                if event["type"] != "update":
                    assert event["type"] == "ping", f"stream ended before the flow did: {event}"
                    continue
                if event.get("completed"):
                    final = event
                    break
                status = event.get("flow_status")
                if status is None:
                    continue
                shapes.append(_shape(status))
                if shapes[-1] == FIRST_RUNNING:
                    gates["first_gate"].touch()
                elif shapes[-1] == SECOND_RUNNING:
                    gates["second_gate"].touch()
    finally:  # never leave the flow held, whatever the stream did
        for gate in gates.values():
            gate.touch()
        dev_runtime.wait_job(job_id)

    assert FIRST_RUNNING in shapes and SECOND_RUNNING in shapes, shapes
    assert shapes.index(FIRST_RUNNING) < shapes.index(SECOND_RUNNING)
    assert final["job"]["success"] is True and final["job"]["result"] == 70
    assert [m["type"] for m in final["job"]["flow_status"]["modules"]] == ["Success", "Success"]


def test_the_stream_looks_at_the_job_as_often_as_windmill_does() -> None:
    # Windmill's getupdate_sse: every 3 s, or with fast=true 100 ms for ten looks, 500 ms up to the
    # hundredth, then 3 s (a follower that leaves out `fast` hears of a short job seconds late).
    assert [sse_poll_delay_s(i, fast=True) for i in (1, 10, 11, 100, 101)] == [0.1, 0.1, 0.5, 0.5, 3.0]
    assert {sse_poll_delay_s(i, fast=False) for i in (1, 11, 101)} == {3.0}


@pytest.mark.parametrize(("fast", "at_least", "at_most"), [(True, 0.0, 1.5), (False, 2.5, 10.0)])
def test_a_follower_hears_of_the_end_when_windmill_would_tell_it(
    dev_runtime: DevRuntime, tmp_path: Path, fast: bool, at_least: float, at_most: float
) -> None:
    gate = tmp_path / "gate"
    flow = {"summary": "one gated step", "value": {"modules": [_step("only", "gate", 10)]}, "schema": {}}
    dev_runtime.create_flow("u/admin/sse_pace", flow)
    job_id = dev_runtime.run_flow("u/admin/sse_pace", {"gate": str(gate)})
    url = f"{dev_runtime.api}/jobs_u/getupdate_sse/{job_id}"
    params = {"no_logs": "true", **({"fast": "true"} if fast else {})}
    opened = waited = 0.0
    try:
        with dev_runtime.client.stream("GET", url, params=params) as r:
            for line in r.iter_lines():
                if not line.startswith("data: "):
                    continue
                event = json.loads(line[6:])
                if event["type"] != "update":
                    continue
                if not gate.exists():  # the first update: let the job finish now
                    gate.touch()
                    opened = time.monotonic()
                elif event.get("completed"):
                    waited = time.monotonic() - opened
                    break
    finally:
        gate.touch()
        dev_runtime.wait_job(job_id)
    assert waited and at_least <= waited <= at_most, waited
