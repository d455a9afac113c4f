# extra_requirements:
# agno[anthropic]
"""What a request wants, read with what OpenAnalyst remembers about the person.

The first step of `f/openanalyst/handle_request`: the person's context (`load_context`: preferences,
timezone, recent tasks, learnings; a person seen for the first time is registered), then the
intent and entities by rules, refined by the model when one is configured and the rules are
unsure. Both in one job: the context is a few milliseconds of store reads, and a job of its own
would cost a process start on every request.

A person with no timezone stored gets the one their browser reports (the chat sends it): times
they write are read in it, and `respond` records it as theirs. One they set ("set my timezone to
Europe/Paris") always wins.
"""

from __future__ import annotations

import logging

import f.openanalyst.brain.load_context as load_context
import f.openanalyst.lib.ai.llm as llm
import f.openanalyst.lib.contracts as contracts
import f.openanalyst.lib.planning.follow_up as follow_up
import f.openanalyst.lib.planning.understanding as intents
import f.openanalyst.lib.timeparse as timeparse
from f.openanalyst.lib.contracts import Entities, Intent
from f.openanalyst.lib.log import bind, get_logger, log
from f.openanalyst.lib.protocol import Attachment, known_timezone
from f.openanalyst.lib.users import validate_user_id
from f.openanalyst.lib.windmill.progress import report

# Below this confidence the rules are unsure and the model (if any) refines them.
REFINE_BELOW = 0.6
_logger = get_logger(__name__)
LEARNINGS_SHOWN = 10  # learnings listed when the person asks what was learned
PERIOD_TASKS = 50  # tasks read for "what did I ask you this week?" (the answer lists the latest)


@contracts.step
def main(
    user_id: str,
    request: str,
    attachments: list[Attachment] | None = None,
    session_id: str | None = None,
    message_id: str | None = None,
    context: contracts.Context | None = None,
    browser_timezone: str | None = None,
) -> contracts.Understood:
    """Load the person's context, then extract the intent (create_post, create_and_schedule,
    analyze, build, help, status...) and entities (platform, topic, time resolved in the person's
    timezone, dataset) of `request`.

    Args:
        user_id: the person asking.
        request: what they asked, in plain language.
        attachments: files sent with the request; the first CSV/JSON/text one is the data to analyse.
        session_id: the chat session, for progress events.
        message_id: the request's message id, for progress events.
        context: what is remembered about the person, if the caller has it (else load_context reads it).
        browser_timezone: the IANA timezone their browser reports; used (and kept) when none is stored.
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
        if context is None:
            context = contracts.Context.model_validate(
                load_context.main(user_id, request, session_id=session_id)
            )
        context = with_browser_timezone(context, browser_timezone)
        timezone = context.timezone or context.preferences.get("timezone")
        attached = intents.attached_data(attachments or [])
        # "post it now" after a draft, "what was the average?" after a report: this conversation's
        # (a file sent with the request is the table it is about, not the earlier one)
        earlier = None if attached else context.data
        found = follow_up.read(
            intents.extract(request, timezone), request, context.drafts, timezone, data=earlier
        )
        if found.entities.extra.get("about") == intents.LEARNINGS:
            # "what have you learned?" names no subject to match learnings by: the newest ones
            newest = load_context.main(user_id, "", learnings_limit=LEARNINGS_SHOWN)["learnings"]
            context = context.model_copy(update={"learnings": newest})
        if period := found.entities.extra.get("period"):
            context = _with_tasks_of(str(period), user_id, context, found, timezone)
        if attached and "data" not in found.entities.extra:  # data pasted in the text comes first
            found.entities.extra.update(file=attached[0], data=attached[1])
            if found.name == "unknown":
                # "which region sold the most?" with a table attached: a question about that table
                found = found.model_copy(update={"name": "analyze", "confidence": 0.8})
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
        intent = found.model_copy(update={"tokens": usage.as_dict(), "model": config.label("judge")})
        return contracts.Understood(context=context, intent=intent)


def _with_tasks_of(
    period: str, user_id: str, context: contracts.Context, found: Intent, timezone: str | None
) -> contracts.Context:
    """ "What did I ask you yesterday?": `context` holding that day's tasks instead of the latest
    ones; when there were none the latest stay, and `found` says so (`period_empty`)."""
    span = timeparse.find_period(period, str(intents.timezone_of(timezone)))
    if span is None:
        return context
    days = load_context.main(user_id, "", recent_limit=PERIOD_TASKS, since=span.start, until=span.end)
    if not days["recent_tasks"]:
        found.entities.extra["period_empty"] = True
        return context
    return context.model_copy(update={"recent_tasks": days["recent_tasks"]})


def with_browser_timezone(context: contracts.Context, reported: str | None) -> contracts.Context:
    """`context` with the browser's timezone when the person has none stored and it is a real one
    (`timezone_source: browser`, which respond records); a stored one always wins. The store's
    default, UTC, is no one's choice (one chosen is saved as Etc/UTC)."""
    stored = context.timezone or context.preferences.get("timezone")
    if stored and stored != contracts.UNSET_TIMEZONE:
        return context
    zone = known_timezone(reported)
    if zone is None:
        return context
    log(_logger, logging.INFO, "timezone from the browser", timezone=zone)
    return context.model_copy(update={"timezone": zone, "timezone_source": "browser"})


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
