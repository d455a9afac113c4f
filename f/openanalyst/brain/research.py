"""Research after the eval loop failed: web search for what fixes the failures.

The researcher agent uses Anthropic's server-side web search (at most 3 searches) and answers
with cited learnings; the next plan applies them and record_history stores them. Offline (no
model configured) it returns no learnings and says why.
"""

from __future__ import annotations

import logging

import f.openanalyst.lib.ai.llm as llm
import f.openanalyst.lib.contracts as contracts
import f.openanalyst.lib.planning.findings as findings
from f.openanalyst.lib.log import bind, get_logger, log
from f.openanalyst.lib.users import validate_user_id
from f.openanalyst.lib.windmill.progress import report

_logger = get_logger(__name__)


@contracts.step
def main(
    user_id: str,
    request: str,
    outcome: contracts.Outcome,
    session_id: str | None = None,
    message_id: str | None = None,
) -> contracts.Research:
    """Search the web for how to fix what still fails after the eval loop.

    Args:
        user_id: the person asking.
        request: what they asked, in plain language.
        outcome: the last attempt's outcome: every difference so far drives the search.
        session_id: the chat session, for progress events.
        message_id: the request's message id, for progress events.
    """
    validate_user_id(user_id)
    with bind(user_id=user_id, message_id=message_id):
        report(
            "research",
            70,
            "Researching how to fix what went wrong",
            user_id=user_id,
            session_id=session_id,
            correlation_id=message_id,
        )
        differences = list(dict.fromkeys([*outcome.feedback, *outcome.differences]))
        usage = llm.Usage()
        config = llm.load_config()
        try:
            found = findings.research(config, request, outcome.skill, differences[:10], usage)
        except Exception as exc:  # research is a best effort: the flow goes on to ask the person
            log(_logger, logging.WARNING, "research failed", error=str(exc)[:300])
            found = {
                "query": findings.query_for(request, outcome.skill, differences),
                "learnings": [],
                "sources": [],
                "searched": False,
                "reason": f"research failed: {type(exc).__name__}",
            }
        log(
            _logger, logging.INFO, "researched", learnings=len(found["learnings"]), searched=found["searched"]
        )
        return contracts.Research(**found, tokens=usage.as_dict(), model=config.label("researcher"))
