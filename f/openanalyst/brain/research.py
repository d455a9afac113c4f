"""Research after the eval loop failed: web search for what fixes the failures (seed 7.3).

The researcher agent uses Anthropic's server-side web search (at most 3 searches) and answers
with cited learnings; the next plan applies them and record_history stores them. Offline (no
model configured) it returns no learnings and says why.
"""

from __future__ import annotations

from typing import Any

from f.openanalyst.lib import llm
from f.openanalyst.lib import research as researching
from f.openanalyst.lib.log import bind, get_logger, log
from f.openanalyst.lib.progress import report
from f.openanalyst.lib.users import validate_user_id

_logger = get_logger(__name__)


def main(
    user_id: str,
    request: str,
    outcomes: list[dict],
    skill: str | None = None,
    session_id: str | None = None,
    message_id: str | None = None,
) -> dict[str, Any]:
    """Search the web for how to fix the failures of `outcomes` (the eval loop's attempts).

    Args:
        user_id: the person asking.
        request: what they asked.
        outcomes: the evaluate results of the failed attempts (their differences drive the search).
        skill: the chosen skill's name (a tag on the learnings).
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
        differences = list(dict.fromkeys(d for o in outcomes or [] for d in o.get("differences") or []))
        usage = llm.Usage()
        config = llm.load_config()
        try:
            found = researching.research(config, request, skill, differences[:10], usage)
        except Exception as exc:  # research is a best effort: the flow goes on to ask the person
            log(_logger, 30, "research failed", error=str(exc)[:300])
            found = {
                "query": researching.query_for(request, skill, differences),
                "learnings": [],
                "sources": [],
                "searched": False,
                "reason": f"research failed: {type(exc).__name__}",
            }
        log(_logger, 20, "researched", learnings=len(found["learnings"]), searched=found["searched"])
        return {**found, "tokens": usage.as_dict(), "model": config.label("researcher")}
