"""Gather the attempts of a request into one conclusion: success, answer text, cost, history.

Runs after the eval loop and the recovery branches; its result feeds record_history and respond.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from f.openanalyst.lib import outcome
from f.openanalyst.lib.log import bind
from f.openanalyst.lib.progress import report
from f.openanalyst.lib.users import validate_user_id


def main(
    user_id: str,
    attempts: list,
    planned: dict | None = None,
    token_parts: list | None = None,
    session_id: str | None = None,
    message_id: str | None = None,
) -> dict[str, Any]:
    """Conclude from `attempts` (evaluate results, in order; other values are ignored).

    Args:
        user_id: the person asking.
        attempts: the eval loop's results followed by the recovery branches' results.
        planned: the first plan step's result (decides alone when no attempt ran: CORE or refused).
        token_parts: token usage of steps outside the attempts (analyze_intent, the first plan).
        session_id: the chat session, for progress events.
        message_id: the request's message id, for progress events.
    """
    validate_user_id(user_id)
    with bind(user_id=user_id, message_id=message_id):
        report(
            "conclude", 95, "Wrapping up", user_id=user_id, session_id=session_id, correlation_id=message_id
        )
        found = outcome.outcomes_of(attempts) or [outcome.from_plan(planned or {})]
        return outcome.conclude(found, [p for p in token_parts or [] if isinstance(p, dict)], _elapsed_ms())


def _elapsed_ms() -> int:
    """Milliseconds since the flow was created (Windmill's job record); 0 if unknown."""
    flow_job = os.environ.get("WM_ROOT_FLOW_JOB_ID") or os.environ.get("WM_FLOW_JOB_ID")
    if not flow_job or not (os.environ.get("BASE_INTERNAL_URL") or os.environ.get("WM_BASE_URL")):
        return 0
    try:
        import wmill

        created = wmill.get_job(flow_job).get("created_at")
        start = datetime.fromisoformat(str(created).replace("Z", "+00:00"))
        return max(0, int((datetime.now(UTC) - start).total_seconds() * 1000))
    except Exception:
        return 0
