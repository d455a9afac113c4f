"""A person's first request sets up their own folder `u/<user>/` from the templates.

A step of `f/openanalyst/handle_request` that runs only for a person seen for the first time
(`analyze_intent`'s context says `new_user`). One job for every item (the operators'
`f/openanalyst/provision_user` flow does the same with a job per item); what the person already has
is kept. A failure here never blocks their request (the flow continues); the operators' flow, or
a schedule that names a starting item, sets the folder up later.
"""

from __future__ import annotations

import logging

import f.openanalyst.lib.contracts as contracts
from f.openanalyst.lib.builder.create import ensure
from f.openanalyst.lib.builder.starting_folder import items as starting_items
from f.openanalyst.lib.log import bind, get_logger, log
from f.openanalyst.lib.users import user_folder, validate_user_id
from f.openanalyst.lib.windmill.progress import report

_logger = get_logger(__name__)


@contracts.step
def main(user_id: str, session_id: str | None = None, message_id: str | None = None) -> contracts.Provisioned:
    """Create the person's starting scripts, flow and dashboard app in u/<user_id>/ where missing.

    Args:
        user_id: the person seen for the first time.
        session_id: the chat session, for progress events.
        message_id: the request's message id, for progress events.
    """
    validate_user_id(user_id)
    with bind(user_id=user_id, message_id=message_id):
        report(
            "provision",
            12,
            "Setting up your own folder",
            user_id=user_id,
            session_id=session_id,
            correlation_id=message_id,
        )
        done = [ensure(item["kind"], item["body"], keep_existing=True) for item in starting_items(user_id)]
        created = [d["path"] for d in done if d["action"] == "created"]
        log(_logger, logging.INFO, "provisioned", created=len(created), items=len(done))
        return contracts.Provisioned(folder=user_folder(user_id), created=created)
