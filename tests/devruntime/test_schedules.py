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


def test_setenabled_turns_a_schedule_back_on_and_rejects_bad_calls(dev_runtime: DevRuntime) -> None:
    api, client = dev_runtime.api, dev_runtime.client
    path = f"u/admin/off_at_first_{uuid.uuid4().hex[:6]}"
    body = {
        "path": path,
        "schedule": "* * * * * *",
        "timezone": "UTC",
        "script_path": "f/devtest/echo",
        "is_flow": False,
        "args": {"value": path},
        "enabled": False,
    }
    assert client.post(f"{api}/schedules/create", json=body).status_code == 201

    def fired() -> list[dict]:
        jobs = client.get(
            f"{api}/jobs/list", params={"script_path_exact": "f/devtest/echo", "per_page": 100}
        ).json()
        return [j for j in jobs if j.get("schedule_path") == path]

    time.sleep(2)
    assert fired() == []  # created disabled: never fires
    r = client.post(f"{api}/schedules/setenabled/{path}", json={"enabled": True})
    assert r.status_code == 200, r.text
    assert client.get(f"{api}/schedules/get/{path}").json()["enabled"] is True
    deadline = time.monotonic() + 20
    while not fired():
        assert time.monotonic() < deadline, "the re-enabled schedule never fired"
        time.sleep(0.2)
    assert client.post(f"{api}/schedules/setenabled/{path}", json={"enabled": False}).status_code == 200
    for job in fired():
        dev_runtime.wait(job["id"])

    missing = client.post(f"{api}/schedules/setenabled/u/admin/no_such_schedule", json={"enabled": True})
    assert missing.status_code == 404 and "no_such_schedule" in missing.text
    for bad in ({}, {"enabled": "yes"}):
        r = client.post(f"{api}/schedules/setenabled/{path}", json=bad)
        assert r.status_code == 400 and "enabled" in r.text, r.text
    assert client.get(f"{api}/schedules/get/{path}").json()["enabled"] is False
