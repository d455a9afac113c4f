"""Record how a request went, so OpenAnalyst learns from it (the seed's UOCS history).

A late step of `f/openanalyst/handle_request`: stores the task (Windmill job ids, status,
input, output, skill, attempts, duration, tokens), updates the session and conversation, and
records the success or the failures, the learnings and the research, all in one transaction.
Recording the same message id again (a retried step) replaces what was recorded for it.

Shapes of the list arguments:
  learnings: [{content, source?="eval", tags?=[], skill?}]
  failures:  [{error, attempt?=0, details?={}}]  (other keys are kept in details)
  research:  [{query, findings?=[], applied?=false}]
"""

from __future__ import annotations

import os
from typing import Any

from f.openanalyst.lib.log import bind, get_logger
from f.openanalyst.lib.store import open_store_from_windmill
from f.openanalyst.lib.store_models import InvalidInput, validate_entry
from f.openanalyst.lib.users import validate_user_id

log = get_logger("openanalyst.record_history")

_FAILURE_KEYS = ("error", "attempt", "details")


def _failure(item: Any) -> Any:
    """Keep unknown keys of a failure (e.g. the evaluation's differences) inside `details`."""
    if not isinstance(item, dict):
        return item
    extra = {k: v for k, v in item.items() if k not in _FAILURE_KEYS}
    details = item.get("details") or {}
    if not isinstance(details, dict):
        raise InvalidInput("failures[].details must be an object")
    return {**{k: item[k] for k in _FAILURE_KEYS if k in item}, "details": {**details, **extra}}


def main(
    user_id: str,
    session_id: str,
    message_id: str,
    request: str,
    skill: str | None,
    success: bool,
    result: dict,
    attempts: int = 0,
    research: list[dict] | None = None,
    learnings: list[dict] | None = None,
    failures: list[dict] | None = None,
    windmill_jobs: list[str] | None = None,
    tokens: dict | None = None,
    duration_ms: int = 0,
) -> dict[str, Any]:
    """Record one answered request in the person's history.

    Returns {task_id, status, replaced, failures, learnings, research, session_id, message_id,
    backend}.

    Args:
        user_id: the person (a Windmill username); must already be known (load_context registers).
        session_id: the websocket session (= conversation) id.
        message_id: the request's message id; recording it again replaces the earlier record.
        request: the request text.
        skill: the skill that handled it, if any.
        success: whether the evaluation accepted the result.
        result: the final answer payload (its `content` becomes the assistant message).
        attempts: how many plan/execute attempts were made.
        research: web research rounds.
        learnings: what was learned, recalled by later requests.
        failures: the failed attempts.
        windmill_jobs: ids of the Windmill jobs the plan ran.
        tokens: model token usage, e.g. {"input": 1200, "output": 300}.
        duration_ms: milliseconds from request to answer.
    """
    validate_user_id(user_id)
    entry = validate_entry(
        {
            "session_id": session_id,
            "message_id": message_id,
            "request": request,
            "skill": skill,
            "success": success,
            "result": result,
            "attempts": attempts,
            "research": research or [],
            "learnings": learnings or [],
            "failures": [_failure(f) for f in failures or []],
            "windmill_jobs": windmill_jobs or [],
            "windmill_job_id": os.environ.get("WM_ROOT_FLOW_JOB_ID") or os.environ.get("WM_FLOW_JOB_ID"),
            "tokens": tokens or {},
            "duration_ms": duration_ms,
        }
    )
    with (
        bind(user_id=user_id, session_id=session_id, message_id=message_id),
        open_store_from_windmill() as store,
    ):
        recorded = store.record_history(user_id, entry)
        log.info("history recorded", extra={"fields": {"backend": store.backend, **recorded}})
        return {**recorded, "backend": store.backend}
