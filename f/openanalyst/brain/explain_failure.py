"""The failure module of `f/openanalyst/handle_request`: what failed and what to do, in the person's terms.

Windmill runs it when a step still fails after its retries, with the failed step's error (its
`step_id`, `name`, `message`); the flow then ends failed with this step's result, which the hub
relays to the person as the request's error (a result without `recover: true` keeps the run
failed: `result_has_recover_true` in
https://github.com/windmill-labs/windmill/blob/main/backend/windmill-worker/src/worker_flow.rs).
The person reads which part of their request failed and what to do next, never the error itself;
the error stays in this job's log for whoever runs the workspace.
"""

from __future__ import annotations

import logging
from typing import Any

import f.openanalyst.lib.contracts as contracts
from f.openanalyst.lib.log import bind, get_logger, log

_logger = get_logger(__name__)

# What the person was waiting for at each step, in their words.
_WHAT = {
    "analyze_intent": (
        "I could not read what I remember about you or work out what you are asking for, so I did "
        "not start on your request."
    ),
    "route_skill": "I could not find which of my skills handles your request.",
    "plan": "I could not plan your request.",
    "research": "Something went wrong while I looked up how to fix a problem with your request.",
    "clarify": "I could not send you my questions about your request.",
    "respond": (
        "I finished working on your request but could not put the answer together, save it to "
        "your history and send it to you."
    ),
}
_ATTEMPT = "Something went wrong while I was carrying out your request."
_ACTION = (
    "Send your request again as a new message in a few minutes. If it keeps failing, tell the "
    "person who runs your OpenAnalyst workspace."
)


def explanation(step_id: str | None) -> str:
    """The sentence for a failed step (any attempt step reads the same)."""
    return _WHAT.get(step_id or "", _ATTEMPT)


@contracts.step
def main(
    error: dict,
    user_id: str | None = None,
    session_id: str | None = None,
    message_id: str | None = None,
) -> dict[str, Any]:
    """Tell the person what failed and what to do; the flow's result after a failed step.

    Args:
        error: the failed step's error as Windmill gives it ({name, message, step_id}).
        user_id: the person who asked.
        session_id: the chat session of the request.
        message_id: the request's message id.
    """
    step_id = error.get("step_id")
    with bind(user_id=user_id, session_id=session_id, message_id=message_id):
        log(
            _logger,
            logging.ERROR,
            "request failed",
            step=step_id,
            error=f"{error.get('name')}: {str(error.get('message'))[:1000]}",
        )
    return {"error": {"message": f"{explanation(step_id)} {_ACTION}"}}
