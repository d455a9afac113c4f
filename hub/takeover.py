"""Keep this hub's leases on the jobs it follows and the answers it delivers; take over those whose
hub is gone."""

from __future__ import annotations

import asyncio

from f.openanalyst.lib.log import get_logger, log
from hub.core import Hub
from hub.relay import Relay

logger = get_logger("hub.takeover")


async def keep_following(hub: Hub) -> None:
    """Every third of a lease: renew ours, then claim and follow the jobs whose lease ran out."""
    relay = Relay(hub)
    interval = hub.settings.follow_lease_s / 3
    while True:
        await asyncio.sleep(interval)
        try:
            await hub.follows.renew(hub.following)
            await hub.answers.renew(hub.delivering)
            for job in await hub.follows.orphans():
                log(logger, 20, "taking over a job whose hub is gone", job_id=job.job_id, user_id=job.user_id)
                hub.spawn(relay.follow(job, claimed=True), name=f"takeover-{job.job_id}")
            for pending in await hub.answers.orphans():
                log(logger, 20, "delivering an answer whose hub is gone", user_id=pending.user_id)
                hub.spawn(relay.deliver(pending), name=f"deliver-{pending.question_id}")
        except Exception as exc:  # Redis away for a moment: try again next round
            log(logger, 30, "could not renew or take over followed jobs", error=str(exc))
