"""Load what OpenAnalyst remembers about a person before it plans their request.

What `f/openanalyst/handle_request`'s first step (analyze_intent) reads before anything else, and
a script of its own to run from the Windmill UI: preferences, custom instructions and timezone,
the person's recent tasks, the learnings most relevant to this request and skill, the
skill's success rate for them, and the posts and the table this conversation last wrote and
analysed (what "post it now" and "what was the average?" refer to). A person seen for the first
time is registered (the hub has already authenticated them) and gets empty defaults.

Storage: the PostgreSQL of resource `f/openanalyst/db` when it is defined, else SQLite at
OPENANALYST_SQLITE_PATH (default var/openanalyst.sqlite3).
"""

from __future__ import annotations

import logging
from datetime import datetime

import f.openanalyst.lib.contracts as contracts
import f.openanalyst.lib.planning.follow_up as follow_up
from f.openanalyst.lib.log import bind, get_logger, log
from f.openanalyst.lib.store.connect import open_store_from_windmill
from f.openanalyst.lib.store.models import UnknownUser
from f.openanalyst.lib.users import validate_user_id

_logger = get_logger(__name__)


@contracts.step
def main(
    user_id: str,
    request: str = "",
    skill: str | None = None,
    recent_limit: int = 5,
    learnings_limit: int = 5,
    session_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> contracts.Context:
    """Load the person's preferences, recent tasks and relevant learnings for planning.

    Args:
        user_id: the person (a Windmill username).
        request: the request text; its words select the relevant learnings.
        skill: the routed skill, if known; adds its learnings and success rate.
        recent_limit: how many recent tasks to include (0-1000).
        learnings_limit: how many learnings to include (0-1000).
        session_id: the conversation; the posts its latest post request wrote are included.
        since: only tasks asked at or after this time (ISO 8601 with offset).
        until: only tasks asked before this time (ISO 8601 with offset).
    """
    validate_user_id(user_id)
    with bind(user_id=user_id), open_store_from_windmill() as store:
        new_user = False
        try:
            context = store.load_context(
                user_id, request, skill, recent_limit, learnings_limit, session_id, since, until
            )
        except UnknownUser:
            store.register_user(user_id)
            new_user = True
            context = store.load_context(
                user_id, request, skill, recent_limit, learnings_limit, session_id, since, until
            )
        results = context.pop("session_results", [])
        drafts, data = follow_up.drafts_in(results), follow_up.data_in(results)
        log(
            _logger,
            logging.INFO,
            "context loaded",
            backend=store.backend,
            new_user=new_user,
            recent_tasks=len(context["recent_tasks"]),
            learnings=len(context["learnings"]),
            drafts=len(drafts),
        )
        zone = context.get("timezone")
        source = "stored" if zone and zone != contracts.UNSET_TIMEZONE else None  # UTC: never chosen
        return contracts.Context(
            **context,
            drafts=drafts,
            data=data,
            timezone_source=source,
            new_user=new_user,
            backend=store.backend,
        )
