"""The end of a request: conclude, record it in the history, and answer the person.

The last step of `f/openanalyst/handle_request`, one job for what were three: `conclude` (the
deciding attempt, the answer text, cost), `record_history` (the person's history, learnings,
research) and the ASSISTANT_RESPONSE payload the hub sends to the person,
{content, done: true, metadata: {skill, duration, windmillJobs, attempts, researchApplied,
model, tokens}} (camelCase, protocol.AssistantResponsePayload). Each part keeps its typed hand-off
(`contracts.Conclusion` in, the history's record out); conclude and record_history stay scripts of
their own, to run from the Windmill UI. The payload is the flow's result; the hub relays it, so
this step only reports the last progress event.

A timezone the person's browser reported (none stored: analyze_intent's context says
`timezone_source: browser`) is recorded as theirs with the history, unless the request set one
itself; an answer that scheduled something in it says so.
"""

from __future__ import annotations

import f.openanalyst.brain.conclude as conclude
import f.openanalyst.brain.record_history as record_history
import f.openanalyst.lib.contracts as contracts
from f.openanalyst.lib.log import bind
from f.openanalyst.lib.planning.outcome import OFFLINE_NOTE
from f.openanalyst.lib.protocol import AssistantResponsePayload, ResponseMetadata, TokenUsage
from f.openanalyst.lib.users import validate_user_id
from f.openanalyst.lib.windmill.progress import report


@contracts.step
def main(
    user_id: str,
    request: str,
    planned: contracts.Planned,
    attempts: list[dict | None],
    session_id: str,
    message_id: str,
    token_parts: list[dict] | None = None,
    context: contracts.Context | None = None,
) -> AssistantResponsePayload:
    """Conclude the request from its attempts, record it in the person's history, and build the
    ASSISTANT_RESPONSE payload the person reads.

    Args:
        user_id: the person asking.
        request: what they asked (the history keeps it).
        planned: the first plan (decides alone when no attempt ran: CORE or refused).
        attempts: the attempt steps' results in order; what is not an outcome is ignored.
        session_id: the chat session (= the history's conversation), for progress events.
        message_id: the request's message id (the answer's messageId); a second record replaces the first.
        token_parts: token usage of steps outside the attempts (analyze_intent, the first plan).
        context: analyze_intent's context; a timezone from the person's browser is recorded as theirs.
    """
    validate_user_id(user_id)
    with bind(user_id=user_id, message_id=message_id):
        conclusion = contracts.Conclusion.model_validate(
            conclude.main(user_id, planned, attempts, token_parts, session_id, message_id)
        )
        conclusion = with_browser_timezone(conclusion, context)
        record_history.main(user_id, session_id, message_id, request, conclusion)
        payload = answer(conclusion, message_id)
        report(
            "respond",
            100,
            # a request that ends asking for the person's data did not fail: it waits for them
            "Done"
            if conclusion.success
            else "Needs something from you"
            if conclusion.stopped
            else "Finished with problems",
            user_id=user_id,
            session_id=session_id,
            correlation_id=message_id,
        )
        return payload


def with_browser_timezone(
    conclusion: contracts.Conclusion, context: contracts.Context | None
) -> contracts.Conclusion:
    """`conclusion` recording the browser's timezone as the person's (its `context_update`), when
    they had none stored and did not set one in this request; an answer that scheduled something
    in that timezone says where it came from."""
    if context is None or context.timezone_source != "browser" or not context.timezone:
        return conclusion
    update = dict(conclusion.context_update or {})
    if update.get("timezone"):  # "set my timezone to ...": what the person says wins
        return conclusion
    zone = context.timezone
    update["timezone"] = zone
    content = conclusion.content
    outputs = (conclusion.result or {}).get("outputs") or {}
    scheduled = any(isinstance(out, dict) and out.get("timezone") == zone for out in outputs.values())
    if content and scheduled:
        note = (
            f"Times are in {zone}, the timezone your browser reports; I will use it from now on. "
            'To change it, say so, e.g. "set my timezone to Europe/London".'
        )
        body, offline, tail = content.rpartition(OFFLINE_NOTE)
        content = f"{body.rstrip()}\n\n{note}\n\n{offline}{tail}" if offline else f"{content}\n\n{note}"
    return conclusion.model_copy(update={"context_update": update, "content": content})


def answer(conclusion: contracts.Conclusion, message_id: str | None) -> AssistantResponsePayload:
    """The ASSISTANT_RESPONSE payload of a conclusion."""
    tokens = conclusion.tokens
    return AssistantResponsePayload(
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
