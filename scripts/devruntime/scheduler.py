"""Fire enabled schedules, as Windmill does: 6-field cron (seconds first) in the schedule's
timezone. A schedule fires from the moment the runtime sees it; missed runs are not caught up."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from croniter import croniter

if TYPE_CHECKING:
    from scripts.devruntime.jobs import Runtime

log = logging.getLogger("devruntime.scheduler")
TICK_S = 0.5


def next_fire(schedule: dict[str, Any], after: datetime) -> datetime:
    zone = ZoneInfo(schedule.get("timezone") or "UTC")
    it = croniter(schedule["schedule"], after.astimezone(zone), second_at_beginning=True)
    return it.get_next(datetime).astimezone(UTC)


class Scheduler:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._next: dict[str, tuple[str, datetime]] = {}

    async def run(self) -> None:
        while True:
            try:
                self.tick(datetime.now(UTC))
            except Exception:  # one broken schedule must not stop the others
                log.exception("scheduler tick failed")
            await asyncio.sleep(TICK_S)

    def tick(self, now: datetime) -> None:
        seen = set()
        for schedule in self.runtime.store.list("schedule"):
            path = schedule.get("path", "")
            seen.add(path)
            if not schedule.get("enabled") or _paused(schedule, now):
                self._next.pop(path, None)
                continue
            signature = f"{schedule.get('schedule')}|{schedule.get('timezone')}|{schedule.get('edited_at')}"
            entry = self._next.get(path)
            try:
                if entry is None or entry[0] != signature:
                    self._next[path] = (signature, next_fire(schedule, now))
                    continue
                if entry[1] <= now:
                    self._fire(schedule)
                    self._next[path] = (signature, next_fire(schedule, entry[1]))
            except (ValueError, KeyError) as exc:
                log.warning("schedule %s skipped: %s", path, exc)
                self._next.pop(path, None)
        for path in set(self._next) - seen:
            del self._next[path]

    def _fire(self, schedule: dict[str, Any]) -> None:
        rt = self.runtime
        run = rt.run_flow_job if schedule.get("is_flow") else rt.run_script_job
        try:
            # It runs as the schedule's owner (Windmill: the schedule's permissioned_as), never as
            # the platform: https://github.com/windmill-labs/windmill/blob/main/backend/windmill-queue/src/schedule.rs
            owner = str(schedule.get("permissioned_as") or f"u/{rt.settings.username}").removeprefix("u/")
            live = run(schedule["script_path"], dict(schedule.get("args") or {}), as_user=owner)
        except Exception as exc:  # e.g. the target script was deleted
            log.warning(
                "schedule %s could not start %s: %s", schedule["path"], schedule.get("script_path"), exc
            )
            return
        live.doc["schedule_path"] = schedule["path"]
        rt.touch(live)


def _paused(schedule: dict[str, Any], now: datetime) -> bool:
    until = schedule.get("paused_until")
    if not until:
        return False
    try:
        return datetime.fromisoformat(str(until).replace("Z", "+00:00")) > now
    except ValueError:
        return False
