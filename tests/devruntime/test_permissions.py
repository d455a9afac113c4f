"""Windmill's permission model on the dev runtime: two people with their own non-admin tokens on one
workspace, person-written code running as its owner, and the platform's folder written by admins only.

Rules followed (cited in scripts/devruntime/acl.py): folder ACLs and `u/<user>` ownership
(windmill-api-auth/src/permissions.rs), job read access (backend/tests/jobs_read_auth.rs), schedules
run as their editor (schedule.rs), token scopes (windmill-api-auth/src/scopes.rs).
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from tests.support.devruntime import DevRuntime, People

SNOOP = """import os
import wmill

def main(victim_var: str, platform_secret: str):
    tried = {}
    for path in (victim_var, platform_secret):
        try:
            tried[path] = wmill.get_variable(path)
        except Exception as exc:
            tried[path] = 'refused: ' + type(exc).__name__
    wm = os.environ['BASE_INTERNAL_URL'] + '/api/w/' + os.environ['WM_WORKSPACE']
    headers = {'Authorization': 'Bearer ' + os.environ['WM_TOKEN']}
    import httpx
    jobs = httpx.get(wm + '/jobs/list', headers=headers).json()
    write = httpx.post(wm + '/scripts/create', headers=headers, json={
        'path': 'f/openanalyst/brain/respond', 'content': 'def main():\\n    return 1\\n',
        'language': 'python3', 'summary': '', 'description': ''})
    env = {k: v for k, v in os.environ.items()
           if k.startswith('OPENANALYST_DEV') or k in ('ANTHROPIC_API_KEY', 'HUB_PUSH_SECRET')}
    return {'tried': tried, 'job_paths': sorted({j.get('script_path') or '' for j in jobs}),
            'write_status': write.status_code, 'env': env, 'me': os.environ['WM_USERNAME'],
            'as': os.environ['WM_PERMISSIONED_AS']}
"""


def _flow(content: str, inputs: dict[str, Any] | None = None) -> dict[str, Any]:
    transforms = {k: {"type": "static", "value": v} for k, v in (inputs or {}).items()}
    step = {
        "id": "a",
        "value": {
            "type": "rawscript",
            "language": "python3",
            "content": content,
            "input_transforms": transforms,
        },
    }
    return {"summary": "person-written", "value": {"modules": [step]}}


def _create_flow(client: httpx.Client, path: str, flow: dict[str, Any]) -> None:
    if client.get(f"/flows/exists/{path}").json():
        r = client.post(f"/flows/update/{path}", json={"path": path, **flow})
    else:
        r = client.post("/flows/create", json={"path": path, **flow})
    assert r.status_code in (200, 201), r.text


def _wait(client: httpx.Client, job_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/jobs_u/get/{job_id}").json()
        if job.get("type") == "CompletedJob":
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.05)


def _alice_private_run(dev_runtime: DevRuntime, people: People) -> tuple[str, str]:
    """alice's own suspended flow and the id of the flow job that waits."""
    alice = people.alice
    ask = {
        "id": "ask",
        "value": {
            "type": "rawscript",
            "language": "python3",
            "content": "def main(note: str):\n    return {'asked': note}\n",
            "input_transforms": {"note": {"type": "javascript", "expr": "flow_input.note"}},
        },
        "suspend": {"required_events": 1, "timeout": 120},
    }
    _create_flow(alice, "u/alice/private_ask", {"summary": "ask", "value": {"modules": [ask]}})
    r = alice.post("/jobs/run/f/u/alice/private_ask", json={"note": "ALICE-PRIVATE-NOTE"})
    assert r.status_code == 201, r.text
    job_id = r.text
    deadline = time.monotonic() + 60
    while (alice.get(f"/jobs_u/get/{job_id}").json().get("flow_status") or {}).get("modules", [{}])[0].get(
        "type"
    ) != "WaitingForEvents":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return job_id, job_id


def test_neither_person_can_read_list_resume_or_cancel_the_others_runs(
    dev_runtime: DevRuntime, people: People
):
    alice, bob = people.alice, people.bob
    job_id, waiting = _alice_private_run(dev_runtime, people)
    job = alice.get(f"/jobs_u/get/{job_id}").json()
    assert job["permissioned_as"] == "u/alice" and job["created_by"] == "alice"
    step_job = job["flow_status"]["modules"][0]["job"]

    for path in (
        f"/jobs_u/get/{job_id}",
        f"/jobs_u/get/{step_job}",  # a step inherits its flow's visibility
        f"/jobs_u/get_args/{job_id}",
        f"/jobs_u/get_logs/{step_job}",
        f"/jobs_u/getupdate/{job_id}",
        f"/jobs_u/completed/get_result_maybe/{step_job}",
        f"/jobs_u/get_flow_all_logs/{job_id}",
        f"/jobs/resume_urls/{step_job}/0",
        f"/jobs/result_by_id/{job_id}/ask",
    ):
        r = bob.get(path)
        assert r.status_code == 403, (path, r.status_code, r.text)
        assert "ALICE-PRIVATE-NOTE" not in r.text and "share link" in r.text
    assert bob.get("/jobs_u/get/00000000-0000-4000-8000-000000000000").status_code == 404
    listed = bob.get("/jobs/list", params={"per_page": 100}).json()
    # Windmill lets whoever may read a runnable read its runs (jobs_read_auth.rs): alice's runs of
    # the shared scripts (another test may have made some) are listed; none of her own items' runs is
    theirs = [j for j in listed if j.get("permissioned_as") == "u/alice"]
    assert all(j["id"] not in (job_id, step_job) for j in listed)
    assert all(str(j.get("script_path") or "").startswith("f/openanalyst/") for j in theirs), theirs
    assert any(j["id"] == job_id for j in alice.get("/jobs/list", params={"per_page": 100}).json())

    r = bob.post(f"/jobs_u/queue/cancel/{job_id}", json={"reason": "bob"})
    assert r.status_code == 403
    # The waiting job's id is alice's to know; bob cannot learn it, and the owner's resume refuses him.
    r = bob.post(f"/jobs/flow/resume/{waiting}", json={"x": 1})
    assert r.status_code == 403
    assert alice.get(f"/jobs_u/get/{job_id}").json()["type"] == "QueuedJob"

    r = alice.post(f"/jobs_u/flow/resume_suspended/{waiting}", json={"payload": {"ok": 1}, "approved": True})
    assert r.status_code == 201, r.text
    done = _wait(alice, job_id)
    assert done["success"] is True and done["result"] == {"asked": "ALICE-PRIVATE-NOTE"}
    assert bob.get(f"/jobs_u/completed/get_result/{job_id}").status_code == 403


def test_neither_person_can_read_or_change_the_others_items(dev_runtime: DevRuntime, people: People):
    alice, bob = people.alice, people.bob
    secret = {"path": "u/alice/notes", "value": "ALICE-SECRET", "is_secret": True, "description": ""}
    if not alice.get("/variables/exists/u/alice/notes").json():
        assert alice.post("/variables/create", json=secret).status_code == 201
    assert alice.get("/variables/get_value/u/alice/notes").json() == "ALICE-SECRET"
    _create_flow(alice, "u/alice/own_flow", _flow("def main():\n    return 'alice'\n"))

    for path in (
        "/variables/get_value/u/alice/notes",
        "/variables/get/u/alice/notes",
        "/flows/get/u/alice/own_flow",
    ):
        r = bob.get(path)
        assert r.status_code == 403 and "ALICE-SECRET" not in r.text, (path, r.text)
    assert bob.get("/variables/exists/u/alice/notes").json() is False
    assert bob.get("/flows/exists/u/alice/own_flow").json() is False
    assert all(not v["path"].startswith("u/alice/") for v in bob.get("/variables/list").json())
    assert all(not f["path"].startswith("u/alice/") for f in bob.get("/flows/list").json())
    assert bob.post("/variables/update/u/alice/notes", json={"value": "pwned"}).status_code == 403
    assert bob.delete("/variables/delete/u/alice/notes").status_code == 403
    r = bob.post("/flows/create", json={"path": "u/alice/planted", **_flow("def main():\n    return 1\n")})
    assert r.status_code == 403
    # bob cannot run what he cannot read
    assert bob.post("/jobs/run/f/u/alice/own_flow", json={}).status_code == 403
    assert alice.get("/variables/get_value/u/alice/notes").json() == "ALICE-SECRET"


def test_only_an_admin_may_write_the_platform_folder(dev_runtime: DevRuntime, people: People):
    body = {
        "path": "f/openanalyst/brain/respond",
        "content": "def main():\n    return 'hijacked'\n",
        "language": "python3",
        "summary": "",
        "description": "",
    }
    r = people.bob.post("/scripts/create", json=body)
    assert r.status_code == 403 and "f/openanalyst" in r.text
    flow = {"path": "f/openanalyst/handle_request_x", **_flow("def main():\n    return 1\n")}
    assert people.bob.post("/flows/create", json=flow).status_code == 403
    assert people.bob.post("/flows/update/f/openanalyst/handle_request", json=flow).status_code == 403
    # the platform folder is admins' only: a member cannot even read it (and so none of its secrets)
    assert people.bob.get("/scripts/exists/p/f/openanalyst/brain/respond").json() is False
    assert people.bob.get("/variables/get_value/f/openanalyst/hub_push_secret").status_code == 403
    # the bundle file still answers for everyone (nothing was created over it)
    raw = dev_runtime.client.get(f"{dev_runtime.api}/scripts/raw/p/f/openanalyst/brain/respond.py")
    assert raw.status_code == 200 and "hijacked" not in raw.text


def test_bobs_flow_and_schedule_run_as_bob_and_get_nothing_of_alices_and_no_secret(
    dev_runtime: DevRuntime, people: People, monkeypatch
):
    alice, bob = people.alice, people.bob
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-operator-key")
    monkeypatch.setenv("OPENANALYST_DEV_TOKEN", dev_runtime.token)
    secret = {"path": "u/alice/key", "value": "ALICE-KEY", "is_secret": True, "description": ""}
    if not alice.get("/variables/exists/u/alice/key").json():
        assert alice.post("/variables/create", json=secret).status_code == 201
    dev_runtime.set_variable("f/openanalyst/hub_push_secret", "PUSH-SECRET", is_secret=True)
    alice_job, _ = _alice_private_run(dev_runtime, people)
    inputs = {"victim_var": "u/alice/key", "platform_secret": "f/openanalyst/hub_push_secret"}
    _create_flow(bob, "u/bob/flows/snoop", _flow(SNOOP, inputs))

    def check(out: dict[str, Any]) -> None:
        assert out["me"] == "bob" and out["as"] == "u/bob"
        assert all(v.startswith("refused") for v in out["tried"].values()), out["tried"]
        assert "u/alice/private_ask" not in out["job_paths"]
        assert out["write_status"] == 403
        assert out["env"] == {}, "no operator secret reaches a person's job"

    r = bob.post("/jobs/run/f/u/bob/flows/snoop", json={})
    assert r.status_code == 201, r.text
    job = _wait(bob, r.text)
    assert job["success"], job
    check(job["result"])

    # The same flow on bob's schedule: it runs as bob, not as the platform.
    schedule = {
        "path": "u/bob/schedules/snoop",
        "schedule": "* * * * * *",
        "timezone": "UTC",
        "script_path": "u/bob/flows/snoop",
        "is_flow": True,
        "args": {},
        "enabled": True,
    }
    if bob.get("/schedules/exists/u/bob/schedules/snoop").json():
        bob.post("/schedules/update/u/bob/schedules/snoop", json=schedule)
    else:
        assert bob.post("/schedules/create", json=schedule).status_code == 201
    assert bob.get("/schedules/get/u/bob/schedules/snoop").json()["permissioned_as"] == "u/bob"
    deadline = time.monotonic() + 30
    fired: list[dict[str, Any]] = []
    while not fired:
        assert time.monotonic() < deadline, "the schedule never fired"
        listed = bob.get(
            "/jobs/list", params={"script_path_exact": "u/bob/flows/snoop", "per_page": 100}
        ).json()
        fired = [j for j in listed if j.get("schedule_path") == "u/bob/schedules/snoop"]
        time.sleep(0.2)
    bob.post("/schedules/setenabled/u/bob/schedules/snoop", json={"enabled": False})
    scheduled = _wait(bob, fired[0]["id"])
    assert scheduled["permissioned_as"] == "u/bob" and scheduled["success"], scheduled
    check(scheduled["result"])
    assert alice.get(f"/jobs_u/get/{alice_job}").json()["type"] == "QueuedJob"
    dev_runtime.cancel(alice_job, "cleanup")


def test_a_persons_schedule_cannot_target_what_they_cannot_read(dev_runtime: DevRuntime, people: People):
    schedule = {
        "path": "u/bob/schedules/steal",
        "schedule": "0 0 0 1 1 *",
        "timezone": "UTC",
        "script_path": "u/alice/own_flow",
        "is_flow": True,
        "args": {},
        "enabled": True,
    }
    assert people.bob.post("/schedules/create", json=schedule).status_code == 403
    schedule["path"] = "u/alice/schedules/planted"
    assert people.bob.post("/schedules/create", json=schedule).status_code == 403


def test_a_job_token_acts_as_its_user_and_cannot_mint_tokens(dev_runtime: DevRuntime, people: People):
    code = (
        "import os, httpx\n\ndef main():\n"
        "    base = os.environ['BASE_INTERNAL_URL'] + '/api'\n"
        "    h = {'Authorization': 'Bearer ' + os.environ['WM_TOKEN']}\n"
        "    me = httpx.get(base + '/users/whoami', headers=h).json()\n"
        "    mint = httpx.post(base + '/users/tokens/create', headers=h, json={'label': 'x'})\n"
        "    imp = httpx.post(base + '/users/tokens/impersonate', headers=h,\n"
        "                     json={'impersonate_email': 'admin@openanalyst.dev'})\n"
        "    return {'me': me['username'], 'admin': me['is_admin'], 'mint': mint.status_code,\n"
        "            'impersonate': imp.status_code}\n"
    )
    _create_flow(people.bob, "u/bob/flows/whoami", _flow(code))
    r = people.bob.post("/jobs/run/f/u/bob/flows/whoami", json={})
    out = _wait(people.bob, r.text)["result"]
    assert out == {"me": "bob", "admin": False, "mint": 403, "impersonate": 403}


def test_scoped_tokens_reach_only_what_their_scopes_name(dev_runtime: DevRuntime, people: People):
    def token(scopes: list[str]) -> httpx.Client:
        t = people.alice.post(f"{dev_runtime.base_url}/api/users/tokens/create", json={"scopes": scopes}).text
        return httpx.Client(base_url=str(people.alice.base_url), headers={"Authorization": f"Bearer {t}"})

    _create_flow(people.alice, "u/alice/own_flow", _flow("def main():\n    return 'alice'\n"))
    with token(["jobs:read"]) as reader:
        assert reader.get("/jobs/list").status_code == 200
        r = reader.post("/jobs/run/f/u/alice/own_flow", json={})
        assert r.status_code == 403 and "jobs:run:flows" in r.text
        assert reader.get("/variables/list").status_code == 403
    with token(["jobs:run:flows:u/alice/own_flow"]) as runner:
        r = runner.post("/jobs/run/f/u/alice/own_flow", json={})
        assert r.status_code == 201, r.text
        assert runner.post("/jobs/run/p/f/devtest/echo", json={}).status_code == 403
        assert runner.post("/variables/create", json={"path": "u/alice/x", "value": "1"}).status_code == 403


def test_only_the_operator_adds_people_and_makes_their_tokens(dev_runtime: DevRuntime, people: People):
    body = {"email": "mallory@openanalyst.test", "username": "mallory", "is_admin": True, "operator": False}
    assert people.bob.post("/workspaces/add_user", json=body).status_code == 403
    r = people.bob.post(
        f"{dev_runtime.base_url}/api/users/tokens/impersonate",
        json={"impersonate_email": "alice@openanalyst.test"},
    )
    assert r.status_code == 403
    me = people.bob.get("/users/whoami").json()
    assert me["username"] == "bob" and me["is_admin"] is False


def test_a_runner_only_flow_hides_each_persons_runs_from_the_other_folder_readers(
    dev_runtime: DevRuntime, people: People
):
    """Windmill shows a run to everyone who may read its flow's folder, unless the flow is
    visible_to_runner_only (or the run invisible_to_owner): then only the runner and admins see it."""
    api = dev_runtime.api
    if not dev_runtime.client.get(f"{api}/folders/exists/shared").json():
        body = {"name": "shared", "owners": ["u/admin"], "extra_perms": {"u/admin": True, "g/all": False}}
        assert dev_runtime.client.post(f"{api}/folders/create", json=body).status_code == 200
    for path, runner_only in (("f/shared/plain", False), ("f/shared/runner_only", True)):
        flow = {
            **_flow("def main(x: str):\n    return x\n", {"x": "ALICE-DATA"}),
            "visible_to_runner_only": runner_only,
        }
        dev_runtime.create_flow(path, flow)
    plain = people.alice.post("/jobs/run/f/f/shared/plain", json={}).text
    hidden = people.alice.post("/jobs/run/f/f/shared/runner_only", json={}).text
    assert _wait(people.alice, hidden)["result"] == "ALICE-DATA"
    _wait(people.alice, plain)
    assert people.bob.get(f"/jobs_u/get/{plain}").status_code == 200  # a folder reader sees it
    r = people.bob.get(f"/jobs_u/completed/get_result/{hidden}")
    assert r.status_code == 403 and "ALICE-DATA" not in r.text
    step = people.alice.get(f"/jobs_u/get/{hidden}").json()["flow_status"]["modules"][0]["job"]
    assert people.bob.get(f"/jobs_u/get/{step}").status_code == 403  # its steps too
    assert hidden not in {j["id"] for j in people.bob.get("/jobs/list", params={"per_page": 100}).json()}
    # the platform's request flow is runner-only: a run the hub starts is nobody else's business
    job = dev_runtime.run_flow("f/openanalyst/handle_request", {"user_id": "alice"})
    assert people.bob.get(f"/jobs_u/get/{job}").status_code == 403
    dev_runtime.wait_job(job)


BUILT_SNOOP = """import os

import httpx
import wmill
from f.openanalyst.lib.store.connect import open_store


def main():
    tried = {}
    for path in ("u/alice/key", "f/openanalyst/hub_push_secret"):
        try:
            tried[path] = wmill.get_variable(path)
        except Exception as exc:
            tried[path] = "refused: " + type(exc).__name__
    wm = os.environ["BASE_INTERNAL_URL"] + "/api/w/" + os.environ["WM_WORKSPACE"]
    headers = {"Authorization": "Bearer " + os.environ["WM_TOKEN"]}
    jobs = httpx.get(wm + "/jobs/list", headers=headers, params={"per_page": 100}).json()
    body = {"content": "def main():\\n    return 'forged'\\n", "language": "python3"}
    body.update(summary="", description="")
    writes = {
        p: httpx.post(wm + "/scripts/create", headers=headers, json={"path": p, **body}).status_code
        for p in ("f/openanalyst/brain/respond", "u/alice/scripts/planted")
    }
    secret = ("ANTHROPIC_API_KEY", "HUB_PUSH_SECRET")
    env = sorted(k for k in os.environ if k in secret or k.startswith("OPENANALYST_DEV"))
    return {
        "me": os.environ["WM_USERNAME"],
        "as": os.environ["WM_PERMISSIONED_AS"],
        "tried": tried,
        "alice_jobs": [j["id"] for j in jobs if (j.get("script_path") or "").startswith("u/alice/")],
        "writes": writes,
        "alice_in_store": open_store().get_user("alice"),
        "env": env,
    }
"""


def test_what_the_builder_makes_for_bob_runs_as_bob_whoever_starts_it(
    dev_runtime: DevRuntime, people: People, monkeypatch, tmp_path
):
    """Issue 13, item 1: bob has the platform's builder create a flow of raw code and a schedule for
    it. Before, both were created with the platform's job token, so the schedule ran bob's code as
    the admin: operator secrets, alice's data and write access to f/openanalyst/. Now each item runs
    as bob (on_behalf_of / permissioned_as preserved by the admin that creates it), whether the
    schedule fires or the platform's own flow runs it."""
    from f.openanalyst.lib.store.connect import open_store

    alice = people.alice
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-operator-key")
    monkeypatch.setenv("OPENANALYST_DEV_TOKEN", dev_runtime.token)
    platform_store = tmp_path / "platform.sqlite3"
    monkeypatch.setenv("OPENANALYST_SQLITE_PATH", str(platform_store))
    store = open_store(None, sqlite_path=platform_store)
    store.register_user("alice", email="alice-private@example.com")
    store.close()
    if not alice.get("/variables/exists/u/alice/key").json():
        secret = {"path": "u/alice/key", "value": "ALICE-KEY", "is_secret": True, "description": ""}
        assert alice.post("/variables/create", json=secret).status_code == 201
    dev_runtime.set_variable("f/openanalyst/hub_push_secret", "PUSH-SECRET", is_secret=True)
    alice_job, _ = _alice_private_run(dev_runtime, people)

    # The platform's builder, as a plan step runs it: the operator's token, user_id bound to bob.
    step = {"type": "rawscript", "language": "python3", "content": BUILT_SNOOP, "input_transforms": {}}
    flow = {"modules": [{"id": "a", "value": step}]}
    made = dev_runtime.wait(
        dev_runtime.run_script(
            "f/openanalyst/builder/create_flow",
            {"user_id": "bob", "name": "built_snoop", "value": flow, "overwrite": True},
        )
    )
    assert made["path"] == "u/bob/flows/built_snoop"
    made = dev_runtime.wait(
        dev_runtime.run_script(
            "f/openanalyst/builder/create_schedule",
            {"user_id": "bob", "name": "built_snoop", "schedule": "* * * * * *", "overwrite": True,
             "script_path": "u/bob/flows/built_snoop", "is_flow": True},
        )
    )  # fmt: skip
    schedule = people.bob.get("/schedules/get/u/bob/schedules/built_snoop").json()
    assert schedule["permissioned_as"] == "u/bob", schedule

    def check(job: dict[str, Any]) -> None:
        assert job["permissioned_as"] == "u/bob" and job["success"], job
        out = job["result"]
        assert out["me"] == "bob" and out["as"] == "u/bob"
        assert all(v.startswith("refused") for v in out["tried"].values()), out["tried"]
        assert out["alice_jobs"] == [] and out["alice_in_store"] is None
        assert out["writes"] == {"f/openanalyst/brain/respond": 403, "u/alice/scripts/planted": 403}
        assert out["env"] == [], "no operator secret reaches a person's job"

    deadline = time.monotonic() + 30
    fired: list[dict[str, Any]] = []
    while not fired:
        assert time.monotonic() < deadline, "the schedule never fired"
        listed = people.bob.get(
            "/jobs/list", params={"script_path_exact": "u/bob/flows/built_snoop", "per_page": 100}
        ).json()
        fired = [j for j in listed if j.get("schedule_path") == "u/bob/schedules/built_snoop"]
        time.sleep(0.2)
    dev_runtime.client.post(
        f"{dev_runtime.api}/schedules/setenabled/u/bob/schedules/built_snoop", json={"enabled": False}
    )
    check(_wait(people.bob, fired[0]["id"]))
    # The platform itself running bob's flow (a plan step calling the person's own item): still bob.
    started = dev_runtime.run_flow("u/bob/flows/built_snoop", {})
    check(dev_runtime.wait_job(started))
    assert (
        dev_runtime.client.get(f"{dev_runtime.api}/scripts/exists/p/u/alice/scripts/planted").json() is False
    )
    raw = dev_runtime.client.get(f"{dev_runtime.api}/scripts/raw/p/f/openanalyst/brain/respond.py")
    assert "forged" not in raw.text
    dev_runtime.cancel(alice_job, "cleanup")


def test_a_person_may_call_the_shared_scripts_shared_with_them_and_nothing_else(
    dev_runtime: DevRuntime, people: People
):
    """The shared scripts a person's items call are shared read-only with every member (granular
    ACLs); the rest of the platform's folder stays admins' only."""
    bob = people.bob
    assert bob.get("/scripts/exists/p/f/openanalyst/social/create_post").json() is True
    assert bob.get("/scripts/exists/p/f/openanalyst/core/send_ws_message").json() is False
    assert bob.get("/acls/get/script/f/openanalyst/social/create_post").json() == {"g/all": False}
    r = bob.post(
        "/acls/add/script/f/openanalyst/core/send_ws_message", json={"owner": "u/bob", "write": True}
    )
    assert r.status_code == 403
    body = {"path": "f/openanalyst/social/create_post", "content": "def main():\n    return 1\n"}
    r = bob.post("/scripts/create", json={**body, "language": "python3", "summary": "", "description": ""})
    assert r.status_code == 403
    job = bob.post(
        "/jobs/run/p/f/openanalyst/social/create_post",
        json={"user_id": "bob", "platform": "twitter", "topic": "AI", "use_model": False},
    )
    assert job.status_code == 201, job.text
    done = _wait(bob, job.text, timeout=120)
    assert done["permissioned_as"] == "u/bob" and done["success"], done
    assert bob.post("/jobs/run/p/f/openanalyst/core/send_ws_message", json={}).status_code == 403


@pytest.mark.postgres
def test_a_persons_job_reads_their_own_database_resource_and_not_anothers(
    dev_runtime: DevRuntime, people: People, postgres_dsn: str, postgres_schema: str
):
    """fetch_metrics' database is a Windmill resource picker: the job gets the resource's value,
    resolved from `$res:<path>` with the rights of the person the job runs as. bob's job naming
    alice's resource fails before the script starts, and nothing of hers reaches it."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {postgres_schema}.daily (day date, visits int)")
        conn.execute(f"INSERT INTO {postgres_schema}.daily VALUES ('2026-11-01', 120), ('2026-11-02', 80)")
    info = conninfo_to_dict(postgres_dsn)
    value = {
        "host": info.get("host"),
        "port": int(info.get("port", 5432)),
        "user": info.get("user"),
        "password": info.get("password", ""),
        "dbname": info.get("dbname"),
        "sslmode": "disable",
    }
    path = "u/alice/shop_db"
    body = {"path": path, "value": value, "resource_type": "postgresql", "description": ""}
    if people.alice.get(f"/resources/exists/{path}").json():
        assert people.alice.post(f"/resources/update_value/{path}", json={"value": value}).status_code == 200
    else:
        assert people.alice.post("/resources/create", json=body).status_code == 201
    args = {
        "source": "postgresql",
        "database": f"$res:{path}",
        "query": f"SELECT day, visits FROM {postgres_schema}.daily ORDER BY day",
    }

    def run(client: httpx.Client, user: str) -> dict[str, Any]:
        r = client.post("/jobs/run/p/f/openanalyst/analytics/fetch_metrics", json={"user_id": user, **args})
        assert r.status_code == 201, r.text
        return _wait(client, r.text, timeout=120)

    mine = run(people.alice, "alice")
    assert mine["success"] and mine["permissioned_as"] == "u/alice", mine
    assert [r["visits"] for r in mine["result"]["rows"]] == [120, 80]
    theirs = run(people.bob, "bob")
    assert theirs["success"] is False and theirs["permissioned_as"] == "u/bob"
    assert theirs["result"]["error"]["message"] == f"resource {path} not found for `database`"
    assert "sslmode" not in json.dumps(theirs)  # no part of her resource reached his job
