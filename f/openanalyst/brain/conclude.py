"""Gather the attempts of a request into one conclusion: success, answer text, cost, history.

The first part of handle_request's `respond` step, after the attempts and the recovery branches
(its result is what respond records and answers from); a script of its own to run from the UI.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import f.openanalyst.lib.contracts as contracts
import f.openanalyst.lib.planning.outcome as outcome
import f.openanalyst.lib.windmill.rest as windmill_rest
from f.openanalyst.lib.log import bind
from f.openanalyst.lib.users import validate_user_id
from f.openanalyst.lib.windmill.progress import report


@contracts.step
def main(
    user_id: str,
    planned: contracts.Planned,
    attempts: list[dict | None],
    token_parts: list[dict] | None = None,
    session_id: str | None = None,
    message_id: str | None = None,
) -> contracts.Conclusion:
    """Conclude a request from its attempts: the deciding one, the answer text, cost and history.

    Args:
        user_id: the person asking.
        planned: the first plan (decides alone when no attempt ran: CORE or refused).
        attempts: the attempt steps' results in order; what is not an outcome is ignored.
        token_parts: token usage of steps outside the attempts (analyze_intent, the first plan).
        session_id: the chat session, for progress events.
        message_id: the request's message id, for progress events.
    """
    validate_user_id(user_id)
    with bind(user_id=user_id, message_id=message_id):
        report(
            "conclude", 95, "Wrapping up", user_id=user_id, session_id=session_id, correlation_id=message_id
        )
        found = outcome.outcomes_of(attempts) or [outcome.from_plan(planned)]
        return outcome.conclude(found, [p for p in token_parts or [] if isinstance(p, dict)], _elapsed_ms())


def _elapsed_ms() -> int:
    """Milliseconds since the flow was created (Windmill's job record); 0 if unknown."""
    flow_job = os.environ.get("WM_ROOT_FLOW_JOB_ID") or os.environ.get("WM_FLOW_JOB_ID")
    if not flow_job or not windmill_rest.configured():
        return 0
    try:
        created = windmill_rest.windmill().get_job(flow_job).get("created_at")
        start = datetime.fromisoformat(str(created).replace("Z", "+00:00"))
        return max(0, int((datetime.now(UTC) - start).total_seconds() * 1000))
    except Exception:
        return 0
