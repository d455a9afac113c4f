"""The final answer: the ASSISTANT_RESPONSE payload the hub sends to the person.

{content, done: true, metadata: {skill, duration, windmillJobs, attempts, researchApplied,
model, tokens}} (camelCase, protocol.AssistantResponsePayload). It is the flow's result; the hub
relays it, so this step only reports the last progress event.
"""

from __future__ import annotations

import f.openanalyst.lib.contracts as contracts
from f.openanalyst.lib.log import bind
from f.openanalyst.lib.protocol import AssistantResponsePayload, ResponseMetadata, TokenUsage
from f.openanalyst.lib.users import validate_user_id
from f.openanalyst.lib.windmill.progress import report


@contracts.step
def main(
    user_id: str,
    conclusion: contracts.Conclusion,
    session_id: str | None = None,
    message_id: str | None = None,
    history: dict | None = None,
) -> AssistantResponsePayload:
    """Build the ASSISTANT_RESPONSE payload the person reads from conclude's result.

    Args:
        user_id: the person asking.
        conclusion: conclude's result.
        session_id: the chat session, for the last progress event.
        message_id: the request's message id (the answer's messageId).
        history: record_history's result (not needed for the answer; it orders this step last).
    """
    validate_user_id(user_id)
    with bind(user_id=user_id, message_id=message_id):
        tokens = conclusion.tokens
        payload = AssistantResponsePayload(
            message_id=message_id,
            content=conclusion.content or "Done.",
            done=True,
            metadata=ResponseMetadata(
                skill=conclusion.skill,
                duration=conclusion.duration_ms,
                windmill_jobs=conclusion.windmill_jobs,
                attempts=conclusion.attempts,
                research_applied=conclusion.research_applied,
                model=conclusion.model,
                tokens=TokenUsage(
                    **{k: int(tokens.get(k) or 0) for k in ("input", "output", "cache_read", "cache_write")}
                ),
                mode=conclusion.mode,
                calls=int(tokens.get("calls") or 0),
            ),
        )
        report(
            "respond",
            100,
            "Done" if conclusion.success else "Finished with problems",
            user_id=user_id,
            session_id=session_id,
            correlation_id=message_id,
        )
        return payload
