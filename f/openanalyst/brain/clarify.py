"""Ask the person: questions built from what still fails, plus the URLs that resume the flow.

The flow suspends on this step (resume form {answers: object}); the person's answers arrive
through the hub, which resumes the flow with them. The questions also go out at once as an
ASSISTANT_RESPONSE carrying `questions` and `resumeJobId`.
"""

from __future__ import annotations

import os
from typing import Any

from f.openanalyst.lib import hub_push
from f.openanalyst.lib.log import bind, get_logger, log
from f.openanalyst.lib.progress import report
from f.openanalyst.lib.protocol import AssistantResponsePayload, ClarificationQuestion, ResponseMetadata
from f.openanalyst.lib.users import validate_user_id

PLATFORMS = ["twitter", "linkedin", "instagram", "facebook"]
_logger = get_logger(__name__)


def questions_for(outcome: dict[str, Any]) -> list[ClarificationQuestion]:
    """Concrete questions for what is missing or failing; a general one otherwise."""
    questions: dict[str, ClarificationQuestion] = {}
    text = " ".join([*(outcome.get("missing") or []), *(outcome.get("differences") or [])]).lower()
    if "platform" in text:
        questions["platform"] = ClarificationQuestion(
            id="platform", question="Which platform is it for?", choices=PLATFORMS
        )
    if "topic" in text:
        questions["topic"] = ClarificationQuestion(id="topic", question="What should the post be about?")
    if "entities.time" in text or "time" in text.replace("times", "") or "when " in text:
        questions["time"] = ClarificationQuestion(
            id="time", question="When should it go out? (for example: tomorrow 9am)"
        )
    if "characters" in text or "too long" in text:
        questions["length"] = ClarificationQuestion(
            id="max_chars", question="How long may it be, in characters?", choices=["140", "200", "280"]
        )
    if not questions or not outcome.get("missing"):
        problems = "; ".join((outcome.get("differences") or [])[:3]) or "the result did not meet the checks"
        questions["details"] = ClarificationQuestion(
            id="details", question=f"I could not finish this ({problems}). What should I change or know?"
        )
    return list(questions.values())


def main(
    user_id: str,
    session_id: str,
    message_id: str,
    request: str,
    outcome: dict,
) -> dict[str, Any]:
    """Return {questions, resume_urls, content} and push the questions to the person.

    Args:
        user_id: the person asking.
        session_id: the chat session the questions go to.
        message_id: the request's message id (the questions' correlation id).
        request: what they asked.
        outcome: the latest evaluate result (what is missing or failing).
    """
    validate_user_id(user_id)
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
        import wmill

        resume_urls = wmill.get_resume_urls()
        flow_job = os.environ.get("WM_ROOT_FLOW_JOB_ID") or os.environ.get("WM_FLOW_JOB_ID")
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
                skill=outcome.get("skill"),
                attempts=int(outcome.get("attempt") or 0),
                model=str(outcome.get("model") or "offline"),
                windmill_jobs=list(outcome.get("jobs") or []),
            ),
        )
        pushed = hub_push.push(
            user_id, session_id, "ASSISTANT_RESPONSE", payload.model_dump(mode="json"), message_id
        )
        log(_logger, 20, "asked", questions=[q.id for q in questions], delivered=pushed.get("delivered"))
        return {
            "questions": [q.model_dump(mode="json") for q in questions],
            "resume_urls": resume_urls,
            "resume_job_id": flow_job,
            "content": content,
            "delivered": bool(pushed.get("delivered")),
        }
