"""The final answer: the ASSISTANT_RESPONSE payload the hub sends to the person.

{content, done: true, metadata: {skill, duration, windmillJobs, attempts, researchApplied,
model, tokens}} (camelCase, protocol.AssistantResponsePayload). It is the flow's result; the hub
relays it, so this step only reports the last progress event.
"""

from __future__ import annotations

from typing import Any

from f.openanalyst.lib.log import bind
from f.openanalyst.lib.progress import report
from f.openanalyst.lib.protocol import AssistantResponsePayload, ResponseMetadata, TokenUsage
from f.openanalyst.lib.users import validate_user_id


def main(
    user_id: str,
    conclusion: dict,
    session_id: str | None = None,
    message_id: str | None = None,
    history: dict | None = None,
) -> dict[str, Any]:
    """Build the ASSISTANT_RESPONSE payload from conclude's result.

    Args:
        user_id: the person asking.
        conclusion: conclude's result.
        session_id: the chat session, for the last progress event.
        message_id: the request's message id (the answer's messageId).
        history: record_history's result (not needed for the answer; it orders this step last).
    """
    validate_user_id(user_id)
    with bind(user_id=user_id, message_id=message_id):
        tokens = conclusion.get("tokens") or {}
        payload = AssistantResponsePayload(
            message_id=message_id,
            content=str(conclusion.get("content") or "Done."),
            done=True,
            metadata=ResponseMetadata(
                skill=conclusion.get("skill"),
                duration=int(conclusion.get("duration_ms") or 0),
                windmill_jobs=list(conclusion.get("windmill_jobs") or []),
                attempts=int(conclusion.get("attempts") or 0),
                research_applied=bool(conclusion.get("research_applied")),
                model=str(conclusion.get("model") or "offline"),
                tokens=TokenUsage(
                    **{k: int(tokens.get(k) or 0) for k in ("input", "output", "cache_read", "cache_write")}
                ),
                mode=conclusion.get("mode") if conclusion.get("mode") in ("model", "offline") else None,
                calls=int(tokens.get("calls") or 0),
            ),
        )
        report(
            "respond",
            100,
            "Done" if conclusion.get("success") else "Finished with problems",
            user_id=user_id,
            session_id=session_id,
            correlation_id=message_id,
        )
        return payload.model_dump(mode="json")
