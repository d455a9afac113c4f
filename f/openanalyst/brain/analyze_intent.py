"""Intent and entities of a request: rules first, refined by the model when one is configured."""

from __future__ import annotations

import logging

import f.openanalyst.lib.ai.llm as llm
import f.openanalyst.lib.contracts as contracts
import f.openanalyst.lib.planning.understanding as intents
from f.openanalyst.lib.contracts import Entities, Intent
from f.openanalyst.lib.log import bind, get_logger, log
from f.openanalyst.lib.protocol import Attachment
from f.openanalyst.lib.users import validate_user_id
from f.openanalyst.lib.windmill.progress import report

# Below this confidence the rules are unsure and the model (if any) refines them.
REFINE_BELOW = 0.6
_logger = get_logger(__name__)


@contracts.step
def main(
    user_id: str,
    request: str,
    context: contracts.Context | None = None,
    attachments: list[Attachment] | None = None,
    session_id: str | None = None,
    message_id: str | None = None,
) -> contracts.Intent:
    """Extract the intent (create_post, create_and_schedule, analyze, build, help, status...) and
    entities (platform, topic, time resolved in the person's timezone, dataset) of `request`.

    Args:
        user_id: the person asking.
        request: what they asked, in plain language.
        context: load_context's result (its `timezone` resolves "tomorrow 9am").
        attachments: files sent with the request; the first CSV/JSON/text one is the data to analyse.
        session_id: the chat session, for progress events.
        message_id: the request's message id, for progress events.
    """
    validate_user_id(user_id)
    with bind(user_id=user_id, message_id=message_id):
        report(
            "analyze_intent",
            10,
            "Understanding your request",
            user_id=user_id,
            session_id=session_id,
            correlation_id=message_id,
        )
        timezone = context.timezone or context.preferences.get("timezone") if context else None
        found = intents.extract(request, timezone)
        attached = intents.attached_data(attachments or [])
        if attached and "data" not in found.entities.extra:  # data pasted in the text comes first
            found.entities.extra.update(file=attached[0], data=attached[1])
        usage = llm.Usage()
        config = llm.load_config()
        if config.online and found.confidence < REFINE_BELOW:
            found = _refine(config, request, found, timezone, usage)
        log(
            _logger,
            logging.INFO,
            "intent",
            intent=found.name,
            confidence=found.confidence,
            source=found.source,
        )
        return found.model_copy(update={"tokens": usage.as_dict(), "model": config.label("judge")})


def _refine(
    config: llm.ModelConfig, request: str, found: Intent, timezone: str | None, usage: llm.Usage
) -> Intent:
    import f.openanalyst.lib.ai.agents as agents

    try:
        refined = agents.run_checked(agents.intent_refiner(config), request, usage, agents.RefinedIntent)
    except agents.AgentFailed as exc:  # the rules' answer stands
        log(_logger, logging.WARNING, "intent refinement failed", error=str(exc)[:200])
        return found
    when = (
        intents.resolve_time(refined.entities.time_phrase, timezone) if refined.entities.time_phrase else None
    )
    model_intent = Intent(
        name=refined.name,
        entities=Entities(
            platform=refined.entities.platform,
            topic=refined.entities.topic,
            time=when.isoformat() if when else None,
            dataset=refined.entities.dataset,
        ),
        confidence=max(0.0, min(1.0, refined.confidence)),
        source="model",
    )
    return intents.merge(found, model_intent)
