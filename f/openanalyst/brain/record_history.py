"""Record how a request went, so OpenAnalyst learns from it (its history of tasks, outcomes and learnings).

Called by `f/openanalyst/handle_request`'s last step (respond), and a script of its own to run
from the Windmill UI: stores the task (Windmill job ids, status,
input, output, skill, attempts, duration, tokens), updates the session and conversation, and
records the success or the failures, the learnings and the research, all in one transaction.
Recording the same message id again (a retried step) replaces what was recorded for it.

The conclusion's lists as the store takes them:
  learnings: [{content, source?="eval", tags?=[], skill?, sources?=[{url, title}]}]
  failures:  [{error, attempt?=0, details?={}}]; an attempt's {attempt, phase, differences}
             also works (error = the differences; other keys are kept in details)
  research:  [{query, findings?=[], applied?=false}]; the research step's result
             {query, learnings, sources, ...} also works (kept whole as findings)
"""

from __future__ import annotations

import logging
import os
from typing import Any

import f.openanalyst.lib.contracts as contracts
from f.openanalyst.lib.inline_images import captioned, without_images
from f.openanalyst.lib.log import bind, get_logger, log
from f.openanalyst.lib.store.connect import open_store_from_windmill
from f.openanalyst.lib.store.models import MAX_ANSWER_CHARS, InvalidInput, validate_entry
from f.openanalyst.lib.users import validate_user_id

_logger = get_logger(__name__)

_FAILURE_KEYS = ("error", "attempt", "details")
_MAX_ERROR_CHARS = 4_000


def _failure(item: Any) -> Any:
    """A failure as the store takes it. The eval loop's {attempt, phase, differences} is accepted:
    the error is the differences joined, and keys the store has no column for go into details.
    """
    if not isinstance(item, dict):
        return item
    details = item.get("details") or {}
    if not isinstance(details, dict):
        raise InvalidInput("failures[].details must be an object")
    extra = {k: v for k, v in item.items() if k not in _FAILURE_KEYS}
    differences = item.get("differences")
    error = item.get("error") or (
        "; ".join(str(d) for d in differences) if isinstance(differences, list) and differences else ""
    )
    attempt = item.get("attempt") or 0
    return {
        "error": str(error or f"attempt {attempt} failed")[:_MAX_ERROR_CHARS],
        "attempt": attempt,
        "details": {**details, **extra},
    }


def _research(item: Any) -> Any:
    """A research round as the store takes it: {query, findings, applied}. The research step's
    result ({query, learnings, sources, searched, reason}) is kept whole as its findings.
    """
    if not isinstance(item, dict) or "findings" in item:
        return item
    rest = {k: v for k, v in item.items() if k not in ("query", "applied")}
    return {
        "query": item.get("query"),
        "findings": [rest] if rest else [],
        "applied": bool(item.get("applied")),
    }


@contracts.step
def main(
    user_id: str,
    session_id: str,
    message_id: str,
    request: str,
    conclusion: contracts.Conclusion,
) -> dict[str, Any]:
    """Record one answered request in the person's history.

    Returns {task_id, status, replaced, context_updated, failures, learnings, research,
    session_id, message_id, backend}.

    Args:
        user_id: the person (a Windmill username); must already be known (load_context registers).
        session_id: the websocket session (= conversation) id.
        message_id: the request's message id; recording it again replaces the earlier record.
        request: the request text.
        conclusion: conclude's result: success, answer, attempts, failures, research, learnings, cost.
    """
    validate_user_id(user_id)
    entry = validate_entry(
        {
            "session_id": session_id,
            "message_id": message_id,
            "request": request,
            "skill": conclusion.skill,
            "success": conclusion.success,
            "result": without_images(conclusion.result),  # the charts were shown, not kept
            "attempts": conclusion.attempts,
            "research": [_research(r) for r in conclusion.research],
            "learnings": conclusion.learnings,
            "failures": [_failure(f) for f in conclusion.failures],
            "windmill_jobs": conclusion.windmill_jobs,
            "windmill_job_id": os.environ.get("WM_ROOT_FLOW_JOB_ID") or os.environ.get("WM_FLOW_JOB_ID"),
            "tokens": conclusion.tokens,
            "duration_ms": conclusion.duration_ms,
            # The person saw the charts; the history keeps their captions.
            "answer": None if conclusion.content is None else captioned(conclusion.content, MAX_ANSWER_CHARS),
            "context_update": conclusion.context_update,
        }
    )
    with (
        bind(user_id=user_id, session_id=session_id, message_id=message_id),
        open_store_from_windmill() as store,
    ):
        recorded = store.record_history(user_id, entry)
        log(_logger, logging.INFO, "history recorded", backend=store.backend, **recorded)
        return {**recorded, "backend": store.backend}
