"""Windmill's own engine tests (backend/tests/*.rs), case by case, on the dev runtime.

Each case runs its flow on the dev runtime and checks what Windmill's test asserts. A case whose
feature the dev runtime does not implement must be refused: the run fails with an error that
names the feature (never a silently different result).
"""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

from tests.devruntime.windmill_parity.attempt_server import AttemptServer
from tests.devruntime.windmill_parity.catalogue import ALL_CASES
from tests.devruntime.windmill_parity.model import EMPTY_SCHEMA, Case
from tests.support.devruntime import DevRuntime


def run_case(dev_runtime: DevRuntime, case: Case, args: dict[str, Any]) -> dict[str, Any]:
    for path, value in case.subflows.items():
        dev_runtime.create_flow(path, {"summary": path, "value": value, "schema": EMPTY_SCHEMA})
    path = f"u/admin/parity_{case.name}"
    dev_runtime.create_flow(path, case.flow())
    return dev_runtime.wait_job(dev_runtime.run_flow(path, args), timeout=180)


@pytest.mark.parametrize("case", ALL_CASES, ids=[c.name for c in ALL_CASES])
def test_windmill_case(dev_runtime: DevRuntime, case: Case) -> None:
    server = AttemptServer([answer for _, answer in case.server]) if case.server else None
    with server or contextlib.nullcontext():
        args = {**case.args, **({"port": server.port} if server else {})}
        job = run_case(dev_runtime, case, args)
    result = job.get("result")
    if case.not_implemented:
        assert not job["success"], f"{case.name}: an unimplemented feature must be refused, got {result!r}"
        message = str((result or {}).get("error", {}).get("message", ""))
        assert "not supported by the dev runtime" in message and case.not_implemented in message, message
        return
    if server is not None:
        assert server.received == [attempt for attempt, _ in case.server or []]
    assert job["success"] is case.success, f"{case.name}: success={job['success']} result={result!r}"
    if case.check is not None:
        case.check(result)
    elif case.success or case.result is not None:
        assert result == case.result
    if case.status_check is not None:
        case.status_check(job["flow_status"])


def test_every_case_names_the_windmill_file_and_commit_it_was_read_at() -> None:
    from tests.devruntime.windmill_parity.catalogue import COMMITS

    for case in ALL_CASES:
        file, function = case.src
        assert function, case.name
        # worker_flow.rs rules have no Windmill test; every test file has its commit
        assert file == "worker_flow.rs" or len(COMMITS.get(file, "")) == 40, case.name
