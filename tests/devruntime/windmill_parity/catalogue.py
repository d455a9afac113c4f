"""Every ported case, by Windmill test file, and the Windmill commit each file was read at."""

from __future__ import annotations

from tests.devruntime.windmill_parity import (
    cases_failure_module_subflows,
    cases_flow_engine_parity,
    cases_worker,
)
from tests.devruntime.windmill_parity.model import Case

# backend/tests/<file> -> the commit of windmill-labs/windmill it was read at.
COMMITS: dict[str, str] = {
    "flow_engine_parity.rs": "06a5d73bb825988fc21ad9be277445274ec15cf8",
    "worker.rs": "00ffa69ead4a6cae40bc9f1f20ae4f1ef756e562",
    "retry.rs": "114d487102db2ed2a0dd73498e9e24bbd54b01dc",
    "python_jobs.rs": "0b71930da33cf6b1ad00b60f56c2880d4612d393",
    "jobs_read_auth.rs": "0434f0cdb000974614c7bdc878801019773b7996",
    "folder_default_permissioned_as.rs": "1e6d8356036fc829887d4f50025c7d1dce9935c1",
    "error_handler.rs": "034e84f867bded355a07835c13359b0c5657b7a1",
}

ALL_CASES: list[Case] = [
    *cases_flow_engine_parity.CASES,
    *cases_worker.CASES,
    *cases_failure_module_subflows.CASES,
]
