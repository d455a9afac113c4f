"""Ask the person: questions built from what still fails, plus the URLs that resume the flow.

The flow suspends on this step (resume form {answers: object}); the person's answers arrive
through the hub, which resumes the flow with them. The questions also go out at once as an
ASSISTANT_RESPONSE carrying `questions` and `resumeJobId`.
"""

from __future__ import annotations

import logging
import os
from typing import get_args

import f.openanalyst.lib.contracts as contracts
import f.openanalyst.lib.planning.person_terms as person_terms
import f.openanalyst.lib.windmill.hub_push as hub_push
import f.openanalyst.lib.windmill.rest as windmill_rest
from f.openanalyst.lib.log import bind, get_logger, log
from f.openanalyst.lib.planning.outcome import outcomes_of
from f.openanalyst.lib.platforms import Platform
from f.openanalyst.lib.protocol import AssistantResponsePayload, ClarificationQuestion, ResponseMetadata
from f.openanalyst.lib.users import validate_user_id
from f.openanalyst.lib.windmill.progress import report

_logger = get_logger(__name__)


# The question for each slot a plan may miss (`entities.<slot>` in a workflow's `requires`).
_SLOT_QUESTIONS = {
    "platform": ("platform", "Which platform is it for?", list(get_args(Platform))),
    "topic": ("topic", "What should the post be about?", []),
    "time": ("time", "When should it go out? (for example: tomorrow 9am)", []),
    "name": ("name", "What should I call it?", []),
    "url": ("url", "Which web address should it fetch?", []),
    "data": ("data", "Paste the data here (CSV or JSON), or attach the file.", []),
    "dataset": ("data", "Paste the data here (CSV or JSON), or attach the file.", []),
}


def questions_for(outcome: contracts.Outcome) -> list[ClarificationQuestion]:
    """Concrete questions for the slots that are missing; one open question with what failed, in
    the person's words, otherwise."""
    questions: dict[str, ClarificationQuestion] = {}
    for item in outcome.missing:
        slot = person_terms.slot_of(item)
        if slot in _SLOT_QUESTIONS:
            qid, text, choices = _SLOT_QUESTIONS[slot]
            questions[qid] = ClarificationQuestion(id=qid, question=text, choices=choices)
    failed = " ".join([*outcome.missing, *outcome.differences])
    if "in the past" in failed:  # a time that already passed: asked again (saying so), never moved
        questions["time"] = ClarificationQuestion(
            id="time",
            question="That time has already passed. When should it go out instead? (e.g. tomorrow 9am)",
        )
    if "characters; the limit is" in failed or "too long" in failed:
        questions["max_chars"] = ClarificationQuestion(
            id="max_chars", question="How long may it be, in characters?", choices=["140", "200", "280"]
        )
    if not questions:
        said = person_terms.reasons([*outcome.missing, *outcome.differences], outcome.plan, limit=2)
        problem = "; ".join(said) or "the result did not meet the checks"
        questions["details"] = ClarificationQuestion(
            id="details", question=f"I could not finish this ({problem}). What should I change or tell me?"
        )
    return list(questions.values())


@contracts.step
def main(
    user_id: str,
    session_id: str,
    message_id: str,
    attempts: list[dict],
) -> contracts.Clarification:
    """Ask the person what only they can say, and push the questions to their chat.

    Args:
        user_id: the person asking.
        session_id: the chat session the questions go to.
        message_id: the request's message id (the questions' correlation id).
        attempts: the attempts so far, latest last (what is missing or failing); non-outcomes are ignored.
    """
    validate_user_id(user_id)
    found = outcomes_of(attempts)
    if not found:
        raise ValueError("no attempt to ask about: clarify follows an attempt")
    outcome = found[-1]
    with bind(user_id=user_id, message_id=message_id):
        report(
            "clarify",
            80,
            "I need a detail from you",
            user_id=user_id,
            session_id=session_id,
            correlation_id=message_id,
        )
        questions = questions_for(outcome)
        # The job's own client (its server, token and workspace), not wmill's module-wide one.
        resume_urls = windmill_rest.windmill().get_resume_urls()
        # The flow job that waits is this step's own flow (the `ask` branch), not the root: Windmill
        # resumes only the flow whose current module is suspended (resume_suspended).
        flow_job = os.environ.get("WM_FLOW_JOB_ID") or os.environ.get("WM_ROOT_FLOW_JOB_ID")
        content = "Before I go on, I need a little more from you:\n" + "\n".join(
            f"- {q.question}" for q in questions
        )
        payload = AssistantResponsePayload(
            message_id=message_id,
            content=content,
            done=False,
            questions=questions,
            resume_job_id=flow_job,
            metadata=ResponseMetadata(
                skill=outcome.skill,
                attempts=outcome.attempt,
                model=outcome.model,
                windmill_jobs=outcome.jobs,
            ),
        )
        pushed = hub_push.push(
            user_id, session_id, "ASSISTANT_RESPONSE", payload.model_dump(mode="json"), message_id
        )
        log(
            _logger,
            logging.INFO,
            "asked",
            questions=[q.id for q in questions],
            delivered=pushed.get("delivered"),
        )
        return contracts.Clarification(
            outcome=outcome,
            questions=[q.model_dump(mode="json") for q in questions],
            resume_urls=resume_urls,
            resume_job_id=flow_job,
            content=content,
            delivered=bool(pushed.get("delivered")),
        )
