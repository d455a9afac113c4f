"""Enabled schedules fire (6-field cron, seconds first, in their timezone); disabled ones do not."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

from scripts.devruntime.scheduler import next_fire
from tests.support.devruntime import DevRuntime


def test_next_fire_reads_seconds_first_in_the_schedule_timezone() -> None:
    tuesday_9am_paris = {"schedule": "0 0 9 * * 2", "timezone": "Europe/Paris"}
    fire = next_fire(tuesday_9am_paris, datetime(2026, 11, 21, 6, 0, tzinfo=UTC))
    assert fire == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # 09:00 CET


def test_an_enabled_schedule_runs_its_script_until_disabled(dev_runtime: DevRuntime) -> None:
    api, client = dev_runtime.api, dev_runtime.client
    path = f"u/admin/every_second_{uuid.uuid4().hex[:6]}"
    marker = uuid.uuid4().hex
    body = {
        "path": path,
        "schedule": "* * * * * *",
        "timezone": "UTC",
        "script_path": "f/devtest/echo",
        "is_flow": False,
        "args": {"value": marker},
        "enabled": True,
    }
    assert client.post(f"{api}/schedules/create", json=body).status_code == 201

    def fired() -> list[dict]:
        jobs = client.get(
            f"{api}/jobs/list", params={"script_path_exact": "f/devtest/echo", "per_page": 100}
        ).json()
        return [j for j in jobs if j.get("schedule_path") == path]

    deadline = time.monotonic() + 20
    while not fired():
        assert time.monotonic() < deadline, "the schedule never fired"
        time.sleep(0.2)
    job = fired()[0]
    assert job["args"] == {"value": marker}
    dev_runtime.wait(job["id"])
    assert client.post(f"{api}/schedules/setenabled/{path}", json={"enabled": False}).status_code == 200
    time.sleep(1.5)  # let an in-flight tick finish
    count = len(fired())
    time.sleep(2)
    assert len(fired()) == count  # disabled: no more runs
