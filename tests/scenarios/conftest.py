"""One scenario run per module: every case, offline and with the replayed model, concurrently.

Module scope, not session: the suite sets the job environment (embeddings off, no API key) in this
process while it runs, and a session-scoped suite kept that until the last test of the session,
so the routing tests after it ran without their embedding table."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.scenarios.cases import cases_for
from tests.scenarios.harness import MODES, Outcome, Suite, new_suite


@pytest.fixture(scope="module")
def scenario_suite() -> Iterator[Suite]:
    suite = new_suite()
    try:
        yield suite
    finally:
        suite.close()


@pytest.fixture(scope="module")
def outcomes(scenario_suite: Suite) -> dict[str, dict[str, Outcome]]:
    """{mode: {case id: Outcome}}, each mode run as one concurrent batch."""
    return {mode: scenario_suite.run(cases_for(mode), mode) for mode in MODES}
