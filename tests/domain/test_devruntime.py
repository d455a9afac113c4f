"""The domain scripts and the provisioning flow run as jobs on the dev runtime (each job in its
own process with a worker's WM_* environment, imports of f.openanalyst.lib resolved as on
Windmill). Model and hub are not configured there: offline mode, pushes skipped."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from f.openanalyst.lib.reports import Report
from tests.support.devruntime import DevRuntime, JobFailed

ANSCOMBE = (__import__("pathlib").Path(__file__).resolve().parents[1] / "data/anscombe.csv").read_text()


def exists(dev_runtime: DevRuntime, kind: str, path: str) -> bool:
    url = {
        "script": "scripts/exists/p",
        "flow": "flows/exists",
        "app": "apps/exists",
        "schedule": "schedules/exists",
        "resource": "resources/exists",
    }[kind]
    return dev_runtime.client.get(f"{dev_runtime.api}/{url}/{path}").json() is True


def get_schedule(dev_runtime: DevRuntime, path: str) -> dict:
    return dev_runtime.client.get(f"{dev_runtime.api}/schedules/get/{path}").json()


def fired_by(dev_runtime: DevRuntime, script_path: str, schedule_path: str) -> list[dict]:
    params = {"script_path_exact": script_path, "per_page": 100}
    jobs = dev_runtime.client.get(f"{dev_runtime.api}/jobs/list", params=params).json()
    return [j for j in jobs if j.get("schedule_path") == schedule_path]


def test_create_then_schedule_then_publish_a_post(dev_runtime: DevRuntime):
    post = dev_runtime.wait(
        dev_runtime.run_script(
            "f/openanalyst/social/create_post",
            {"user_id": "dana", "platform": "twitter", "topic": "AI trends"},
        )
    )
    assert post["mode"] == "offline" and post["chars"] <= 280 and post["hashtags"]
    sched = dev_runtime.wait(
        dev_runtime.run_script(
            "f/openanalyst/social/schedule_post",
            {
                "user_id": "dana",
                "platform": "twitter",
                "content": post["content"],
                "when": "tomorrow 9am",
                "timezone": "Europe/Paris",
            },
        )
    )
    stored = get_schedule(dev_runtime, sched["schedule_path"])
    assert stored["schedule"] == sched["cron"] and stored["timezone"] == "Europe/Paris"
    assert stored["script_path"] == "f/openanalyst/social/publish_post" and stored["enabled"] is True
    published = dev_runtime.wait(dev_runtime.run_script("f/openanalyst/social/publish_post", stored["args"]))
    assert published["status"] == "due" and exists(dev_runtime, "resource", published["outbox_path"])
    assert published["schedule_disabled"] is True and "schedule_note" not in published
    assert get_schedule(dev_runtime, sched["schedule_path"])["enabled"] is False


def test_a_one_shot_post_schedule_fires_once_then_is_disabled(dev_runtime: DevRuntime):
    """The runtime itself fires the schedule schedule_post made; publish_post then disables it."""
    api, client = dev_runtime.api, dev_runtime.client
    args = {"user_id": "dana", "platform": "twitter", "content": "Fires once #AI", "when": "in 2 hours"}
    made = dev_runtime.wait(dev_runtime.run_script("f/openanalyst/social/schedule_post", args))
    path = made["schedule_path"]
    stored = get_schedule(dev_runtime, path)
    # Bring the one-shot cron forward to a few seconds from now (same form: one date, seconds first).
    soon = datetime.now(UTC) + timedelta(seconds=4)
    cron = f"{soon.second} {soon.minute} {soon.hour} {soon.day} {soon.month} *"
    edit = {"schedule": cron, "timezone": "UTC", "args": stored["args"]}
    assert client.post(f"{api}/schedules/update/{path}", json=edit).status_code == 200
    deadline = time.monotonic() + 30
    while not fired_by(dev_runtime, "f/openanalyst/social/publish_post", path):
        assert time.monotonic() < deadline, "the enabled schedule never fired"
        time.sleep(0.2)
    (job,) = fired_by(dev_runtime, "f/openanalyst/social/publish_post", path)
    result = dev_runtime.wait(job["id"], timeout=120)
    assert result["status"] == "due" and result["schedule_disabled"] is True
    assert get_schedule(dev_runtime, path)["enabled"] is False
    # Disabled, it must not fire even on a cron that matches every second (an edit keeps it off).
    every_second = {"schedule": "* * * * * *", "timezone": "UTC", "args": stored["args"]}
    assert client.post(f"{api}/schedules/update/{path}", json=every_second).status_code == 200
    time.sleep(2)
    assert len(fired_by(dev_runtime, "f/openanalyst/social/publish_post", path)) == 1
    assert get_schedule(dev_runtime, path)["enabled"] is False


def test_report_and_hub_push_as_jobs(dev_runtime: DevRuntime):
    report = dev_runtime.wait(
        dev_runtime.run_script(
            "f/openanalyst/analytics/generate_report",
            {"user_id": "dana", "data": ANSCOMBE, "x": "x1", "y": ["y1"]},
        ),
        timeout=120,
    )
    read = Report.from_rendered(report)  # the job's result as Windmill renders it, read back
    assert read is not None and round(read.fits["y1"]["slope"], 3) == 0.5 and len(read.charts) == 1
    dev_runtime.set_variable("f/openanalyst/hub_url", "http://127.0.0.1:9")
    dev_runtime.set_variable("f/openanalyst/hub_push_secret", "k", is_secret=True)
    try:
        pushed = dev_runtime.wait(
            dev_runtime.run_script(
                "f/openanalyst/core/send_ws_message",
                {
                    "user_id": "dana",
                    "session_id": "s1",
                    "type": "ASSISTANT_TYPING",
                    "payload": {"typing": True},
                },
            )
        )
    finally:
        dev_runtime.set_variable("f/openanalyst/hub_url", "")
    assert pushed["delivered"] is False and "unreachable" in pushed["reason"]


def test_provisioning_flow_twice_gives_the_same_folder(dev_runtime: DevRuntime):
    first = dev_runtime.wait(
        dev_runtime.run_flow("f/openanalyst/provision_user", {"user_id": "erin"}), timeout=180
    )
    # a link under the instance's base URL (WM_BASE_URL: here the dev runtime's address)
    assert (
        len(first["created"]) == 6
        and first["dashboard"] == f"{dev_runtime.base_url}/apps/get/u/erin/apps/dashboard"
    )
    for path in first["created"]:
        kind = path.split("/")[2].removesuffix("s")
        assert exists(dev_runtime, kind, path), path
    second = dev_runtime.wait(
        dev_runtime.run_flow("f/openanalyst/provision_user", {"user_id": "erin"}), timeout=180
    )
    assert second["created"] == [] and sorted(second["unchanged"]) == sorted(first["created"])

    # The provisioned scripts run as the person's own jobs.
    post = dev_runtime.wait(
        dev_runtime.run_script("u/erin/scripts/social_post", {"topic": "AI"}), timeout=120
    )
    assert post["mode"] == "offline" and post["platform"] == "linkedin"
    args = {"user_id": "erin", "platform": "twitter", "content": "Hi #AI", "when": "in 2 hours"}
    dev_runtime.wait(dev_runtime.run_script("f/openanalyst/social/schedule_post", args))
    rows = dev_runtime.wait(dev_runtime.run_script("u/erin/scripts/scheduler", {}), timeout=120)
    assert [(r["platform"], r["post"], r["status"]) for r in rows] == [("twitter", "Hi #AI", "scheduled")]
    chart = dev_runtime.wait(dev_runtime.run_script("u/erin/scripts/dashboard_data", {}), timeout=120)
    assert chart == {"labels": ["twitter"], "data": [1]}


def test_path_attacks_fail_the_job_and_create_nothing(dev_runtime: DevRuntime):
    job = dev_runtime.run_script(
        "f/openanalyst/builder/create_script",
        {"user_id": "erin", "name": "../../f/openanalyst/evil", "content": "def main():\n    return 1\n"},
    )
    with pytest.raises(JobFailed, match="plain name inside your folder"):
        dev_runtime.wait(job)
    assert not exists(dev_runtime, "script", "f/openanalyst/evil")
    with pytest.raises(JobFailed, match="invalid user id"):
        dev_runtime.wait(dev_runtime.run_flow("f/openanalyst/provision_user", {"user_id": "../erin"}))


POSTS = "platform,posted_at,likes,comments,shares,impressions\ntwitter,2026-11-03T09:00:00Z,80,10,10,1000\n"


@pytest.mark.parametrize(
    ("script", "args", "check"),
    [
        (
            "f/openanalyst/analytics/fetch_metrics",
            {"user_id": "fay", "data": "a,b\n1,2\n3,4\n"},
            lambda r: r["summary"]["b"]["mean"] == 3,
        ),
        (
            "f/openanalyst/social/analyze_engagement",
            {"user_id": "fay", "data": POSTS},
            lambda r: r["engagement_rate"]["mean"] == 0.1,
        ),
        (
            "f/openanalyst/core/log_activity",
            {"user_id": "fay", "action": "report_built"},
            lambda r: r["logged"] is True,
        ),
        (
            "f/openanalyst/builder/create_schedule",
            {
                "user_id": "fay",
                "name": "mondays",
                "schedule": "0 0 9 * * 1",
                "script_path": "f/openanalyst/social/analyze_engagement",
                "args": {"user_id": "fay", "data": POSTS},
            },
            lambda r: r["path"] == "u/fay/schedules/mondays" and r["action"] == "created",
        ),
        (
            "f/openanalyst/builder/create_flow",
            {
                "user_id": "fay",
                "name": "digest",
                "value": {
                    "modules": [
                        {
                            "id": "log",
                            "value": {
                                "type": "script",
                                "path": "f/openanalyst/social/analyze_engagement",
                                "input_transforms": {
                                    "user_id": {"type": "static", "value": "fay"},
                                    "data": {"type": "static", "value": POSTS},
                                },
                            },
                        }
                    ]
                },
            },
            lambda r: r["path"] == "u/fay/flows/digest" and r["action"] == "created",
        ),
        (
            "f/openanalyst/builder/create_script",
            {"user_id": "fay", "name": "Word count", "description": "Count the words of a text"},
            lambda r: r["path"] == "u/fay/scripts/word_count" and r["mode"] == "starter",
        ),
        (
            "f/openanalyst/builder/create_app",
            {"user_id": "fay", "name": "board", "description": "My board"},
            lambda r: r["url_path"] == "/apps/get/u/fay/apps/board" and r["action"] == "created",
        ),
        (
            "f/openanalyst/builder/create_skill",
            {
                "user_id": "fay",
                "name": "digest",
                "description": "Weekly digest of my posts",
                "triggers": ["digest"],
            },
            lambda r: r["path"] == "u/fay/skills/digest",
        ),
    ],
)
def test_each_script_runs_as_a_job(dev_runtime: DevRuntime, script, args, check):
    assert check(dev_runtime.wait(dev_runtime.run_script(script, args), timeout=120))


def test_a_person_cancels_their_scheduled_posts_by_day_and_platform_and_no_one_elses(dev_runtime, people):
    """cancel_post, run as the person on their own token: several posts that fit are listed and none
    cancelled; naming the platform cancels that one (its schedule turned off, not deleted); "all"
    cancels every one that fits; another person's posts are neither listed nor touched."""

    def run(person, script: str, args: dict) -> dict:
        started = person.post(f"/jobs/run/p/f/openanalyst/social/{script}", json=args)
        assert started.status_code == 201, started.text
        return dev_runtime.wait(started.text.strip().strip('"'))

    def schedule(person, user: str, platform: str, content: str, when: str) -> str:
        args = {"user_id": user, "platform": platform, "content": content, "when": when, "timezone": "UTC"}
        return run(person, "schedule_post", args)["schedule_path"]

    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    linkedin = schedule(people.alice, "alice", "linkedin", "Our winter opening hours", "tomorrow 9am")
    tweet = schedule(people.alice, "alice", "twitter", "New espresso machine #coffee", "tomorrow 11am")
    later = schedule(people.alice, "alice", "twitter", "Weekend brunch is back", "in 3 days")
    bobs = schedule(people.bob, "bob", "linkedin", "Bob's own post", "tomorrow 9am")

    def enabled(path: str) -> bool:
        return get_schedule(dev_runtime, path)["enabled"] is True

    both = run(people.alice, "cancel_post", {"user_id": "alice", "day": tomorrow})
    assert both["cancelled"] == [] and both["matching"] == 2
    assert "Our winter opening hours" in both["message"] and "Bob" not in both["message"]
    assert "Say which one" in both["message"] and all(map(enabled, (linkedin, tweet, later, bobs)))

    one = run(people.alice, "cancel_post", {"user_id": "alice", "day": tomorrow, "platform": "linkedin"})
    assert one["cancelled"] == [linkedin] and one["message"].startswith("Cancelled 1 post: it will not be")
    assert not enabled(linkedin) and exists(dev_runtime, "schedule", linkedin)  # off, not deleted
    assert enabled(tweet) and enabled(later) and enabled(bobs)

    tweets = run(people.alice, "cancel_post", {"user_id": "alice", "platform": "twitter", "which": "all"})
    assert sorted(tweets["cancelled"]) == sorted([tweet, later]) and not enabled(tweet) and not enabled(later)

    # alice naming bob: her token lists none of his schedules, so nothing of his is touched
    theirs = run(people.alice, "cancel_post", {"user_id": "bob", "which": "all"})
    assert theirs["cancelled"] == [] and enabled(bobs)
    none_left = run(people.alice, "cancel_post", {"user_id": "alice"})
    assert none_left["message"] == "You have no posts scheduled, so there is nothing to cancel."
