"""backend/tests/jobs_read_auth.rs (`test_single_job_read_authorization`) on the dev runtime.

Windmill's test reads one workspace's jobs with the tokens of an owner, a viewer with no ACL on
the owner's runnables but read access to folder `shared`, an admin, and a token scoped to run
one flow. The same world is built here through the API: the owner's private script run (the
"victim", whose args, logs and result hold secrets), a flow in the shared folder whose step runs
the owner's private script, and a private top flow calling a shared sub-flow. Each test below
is one block of Windmill's test, named after it; the blocks whose feature the dev runtime does not
have (share links, app embed tokens, tag-scoped tokens, force cancel, anonymous jobs) are checked
to be refused with an error naming the feature. Read at catalogue.COMMITS["jobs_read_auth.rs"].
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from scripts.devruntime.server import DevServer
from tests.support.devruntime import DevRuntime

RESULT_SECRET = "RESULT_SECRET"
ARGS_SECRET = "LEAK_TEST_ARGS"
LOGS_SECRET = "LEAK_TEST_LOGS"
SECRETS = (RESULT_SECRET, ARGS_SECRET, LOGS_SECRET)

OWNER, VIEWER = "jra_owner", "jra_viewer"
SHARED = "jra_shared"


def _step(mid: str, value: dict[str, Any]) -> dict[str, Any]:
    return {"id": mid, "value": value}


def _script(path: str) -> dict[str, Any]:
    return {"type": "script", "path": path, "input_transforms": {}}


def _raw(code: str) -> dict[str, Any]:
    return {"type": "rawscript", "language": "python3", "content": code, "input_transforms": {}}


@dataclass
class World:
    rt: DevRuntime
    admin: httpx.Client
    owner: httpx.Client
    viewer: httpx.Client
    run_scoped: httpx.Client
    victim: str
    flow_job: str
    step_job: str
    top_flow: str
    deep_leaf: str

    def close(self) -> None:
        for client in (self.admin, self.owner, self.viewer, self.run_scoped):
            client.close()


def _ok(response: httpx.Response) -> httpx.Response:
    assert response.status_code < 400, f"{response.request.url} -> {response.status_code}: {response.text}"
    return response


def _wait(client: httpx.Client, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while True:
        job = _ok(client.get(f"/jobs_u/get/{job_id}")).json()
        if job.get("type") == "CompletedJob":
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.1)


def _flow_jobs(client: httpx.Client, flow_id: str) -> list[str]:
    status = _ok(client.get(f"/jobs_u/get/{flow_id}")).json()["flow_status"]
    return [m["job"] for m in status["modules"] if m.get("job")]


@pytest.fixture(scope="module")
def world(_dev_runtime_server: DevServer) -> Iterator[World]:
    rt = DevRuntime(_dev_runtime_server)
    admin = httpx.Client(base_url=f"{rt.base_url}{rt.api}", headers={"Authorization": f"Bearer {rt.token}"})
    owner = rt.add_person(OWNER)
    viewer = rt.add_person(VIEWER)
    if not _ok(admin.get(f"/folders/exists/{SHARED}")).json():
        perms = {f"u/{OWNER}": True, f"u/{VIEWER}": False}
        _ok(admin.post("/folders/create", json={"name": SHARED, "extra_perms": perms}))

    def script(client: httpx.Client, path: str, code: str) -> None:
        if not _ok(client.get(f"/scripts/exists/p/{path}")).json():
            body = {"path": path, "content": code, "language": "python3", "summary": "", "description": ""}
            _ok(client.post("/scripts/create", json=body))

    def flow(client: httpx.Client, path: str, modules: list[dict[str, Any]]) -> None:
        body = {"path": path, "summary": path, "value": {"modules": modules}, "schema": {}}
        if _ok(client.get(f"/flows/exists/{path}")).json():
            _ok(client.post(f"/flows/update/{path}", json=body))
        else:
            _ok(client.post("/flows/create", json=body))

    secret_script = f"u/{OWNER}/secret_script"
    script(
        owner, secret_script, f"def main(secret):\n    print('{LOGS_SECRET}')\n    return '{RESULT_SECRET}'\n"
    )
    script(owner, f"u/{OWNER}/inner_secret", "def main():\n    return 'STEP_RESULT_INHERITED'\n")
    script(owner, f"u/{OWNER}/inner_deep", "def main():\n    return 'DEEP_STEP_INHERITED'\n")
    flow(
        owner,
        f"f/{SHARED}/flow1",
        [
            _step("a", _script(f"u/{OWNER}/inner_secret")),
            _step("b", _raw("def main():\n    return {'flow': 'done'}\n")),
        ],
    )
    flow(owner, f"f/{SHARED}/mid", [_step("leaf", _script(f"u/{OWNER}/inner_deep"))])
    flow(
        owner,
        f"u/{OWNER}/top_secret_flow",
        [_step("mid", {"type": "flow", "path": f"f/{SHARED}/mid", "input_transforms": {}})],
    )
    victim = _ok(owner.post(f"/jobs/run/p/{secret_script}", json={"secret": ARGS_SECRET})).text
    flow_job = _ok(owner.post(f"/jobs/run/f/f/{SHARED}/flow1", json={})).text
    top_flow = _ok(owner.post(f"/jobs/run/f/u/{OWNER}/top_secret_flow", json={})).text
    for job in (victim, flow_job, top_flow):
        assert _wait(owner, job)["success"], job
    step_job = _flow_jobs(owner, flow_job)[0]
    (mid_job,) = _flow_jobs(owner, top_flow)
    (deep_leaf,) = _flow_jobs(owner, mid_job)
    token = _ok(
        owner.post(
            f"{rt.base_url}/api/users/tokens/create",
            json={"label": "run flow1", "scopes": [f"jobs:run:flows:f/{SHARED}/flow1"]},
        )
    ).text
    run_scoped = httpx.Client(base_url=f"{rt.base_url}{rt.api}", headers={"Authorization": f"Bearer {token}"})
    made = World(rt, admin, owner, viewer, run_scoped, victim, flow_job, step_job, top_flow, deep_leaf)
    try:
        yield made
    finally:
        made.close()
        rt.client.close()


ENDPOINTS = [
    "get/{id}",
    "completed/get/{id}",
    "completed/get_result/{id}",
    "completed/get_result_maybe/{id}",
    "get_args/{id}",
    "get_logs/{id}",
    "get_flow_all_logs/{id}",
    "getupdate/{id}?only_result=true",
]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_core_regression_a_viewer_is_denied_every_endpoint_and_no_secret_leaks(
    world: World, endpoint: str
) -> None:
    r = world.viewer.get("/jobs_u/" + endpoint.format(id=world.victim))
    assert r.status_code == 403, r.text
    assert not any(secret in r.text for secret in SECRETS), r.text


def test_the_403_guides_to_a_share_link_and_a_missing_job_is_404(world: World) -> None:
    r = world.viewer.get(f"/jobs_u/completed/get_result/{world.victim}")
    assert r.status_code == 403 and "share" in r.text.lower()
    missing = world.viewer.get("/jobs_u/completed/get_result/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404


def test_no_over_blocking_the_owner_and_an_admin_read_it(world: World) -> None:
    for client in (world.owner, world.admin):
        r = client.get(f"/jobs_u/completed/get_result/{world.victim}")
        assert r.status_code == 200 and RESULT_SECRET in r.text, r.text


def test_result_by_id_is_gated_the_same(world: World) -> None:
    r = world.viewer.get(f"/jobs/result_by_id/{world.victim}/somenode")
    assert r.status_code == 403 and RESULT_SECRET not in r.text


def test_flow_visibility_inheritance_a_step_is_readable_as_its_flow(world: World) -> None:
    flow = world.viewer.get(f"/jobs_u/completed/get_result/{world.flow_job}")
    assert flow.status_code == 200, flow.text
    step = world.viewer.get(f"/jobs_u/completed/get_result/{world.step_job}")
    assert step.status_code == 200 and "STEP_RESULT_INHERITED" in step.text, step.text


def test_deep_nesting_a_leaf_is_readable_through_a_visible_middle_flow(world: World) -> None:
    leaf = world.viewer.get(f"/jobs_u/completed/get_result/{world.deep_leaf}")
    assert leaf.status_code == 200 and "DEEP_STEP_INHERITED" in leaf.text, leaf.text
    top = world.viewer.get(f"/jobs_u/completed/get_result/{world.top_flow}")
    assert top.status_code == 403, top.text


def test_path_scoped_run_token_reads_its_own_flow_run_and_its_steps(world: World) -> None:
    for job, expected in ((world.flow_job, '"flow":"done"'), (world.step_job, "STEP_RESULT_INHERITED")):
        r = world.run_scoped.get(f"/jobs_u/completed/get_result/{job}")
        assert r.status_code == 200 and expected in r.text.replace(" ", ""), r.text


@pytest.mark.parametrize(
    "endpoint",
    ["completed/get_result/{id}", "get_args/{id}", "get_logs/{id}", "getupdate/{id}?only_result=true"],
)
def test_path_scoped_run_token_does_not_read_another_runnables_job(world: World, endpoint: str) -> None:
    r = world.run_scoped.get("/jobs_u/" + endpoint.format(id=world.victim))
    assert r.status_code == 404, r.text
    assert not any(secret in r.text for secret in SECRETS), r.text


def test_a_run_grant_is_not_an_enumeration_grant(world: World) -> None:
    assert world.run_scoped.get("/jobs/list").status_code == 403


def test_unauthenticated_a_non_anonymous_job_is_rejected_with_400(world: World) -> None:
    r = httpx.get(f"{world.rt.base_url}{world.rt.api}/jobs_u/completed/get_result/{world.victim}")
    assert r.status_code == 400 and RESULT_SECRET not in r.text
    assert "anonymous jobs" in r.text and "not supported by the dev runtime" in r.text


def test_get_result_maybe_get_started_and_cancel_are_gated_by_the_same_access(world: World) -> None:
    path = f"u/{OWNER}/slow"
    if not _ok(world.owner.get(f"/scripts/exists/p/{path}")).json():
        body = {
            "path": path,
            "content": "import time\n\ndef main():\n    time.sleep(60)\n",
            "language": "python3",
        }
        _ok(world.owner.post("/scripts/create", json={**body, "summary": "", "description": ""}))
    running = _ok(world.owner.post(f"/jobs/run/p/{path}", json={})).text
    try:
        deadline = time.monotonic() + 30
        while not world.owner.get(f"/jobs_u/completed/get_result_maybe/{running}").json()["started"]:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        denied = world.viewer.get(f"/jobs_u/completed/get_result_maybe/{running}?get_started=true")
        assert denied.status_code == 403 and '"started"' not in denied.text
        owner = world.owner.get(f"/jobs_u/completed/get_result_maybe/{running}?get_started=true")
        assert owner.status_code == 200 and owner.json()["started"] is True
        assert world.viewer.post(f"/jobs_u/queue/cancel/{running}", json={}).status_code == 403
    finally:
        assert world.owner.post(f"/jobs_u/queue/cancel/{running}", json={}).status_code == 200


# ---- blocks whose feature the dev runtime does not have: refused, naming the feature

NOT_IMPLEMENTED = [
    # (Windmill block, request, what the refusal names). Routes the dev runtime does not serve
    # answer 404 "... is not served by the dev runtime"; a share link on a served route, 501.
    ("SHARE READ LINK (job_view_token)", "GET", "/jobs/job_view_token/{victim}", "job_view_token"),
    (
        "SHARE READ LINK used",
        "GET",
        "/jobs_u/completed/get_result/{victim}?view_token={victim}.x",
        "job share links",
    ),
    ("PUBLIC SHARE READ LINK", "GET", "/jobs/job_public_view_token/{victim}", "job_public_view_token"),
    ("CANCEL / FORCE_CANCEL: force_cancel", "POST", "/jobs_u/queue/force_cancel/{victim}", "force_cancel"),
    ("get_otel_traces", "GET", "/jobs/get_otel_traces/{victim}", "get_otel_traces"),
    ("get_completed_logs_tail", "GET", "/jobs_u/get_completed_logs_tail/{victim}", "get_completed_logs_tail"),
    ("get_flow_all_logs_structured", "GET", "/jobs_u/get_flow_all_logs_structured/{victim}", "structured"),
    ("completed/get_timing", "GET", "/jobs_u/completed/get_timing/{victim}", "get_timing"),
]


@pytest.mark.parametrize("block", NOT_IMPLEMENTED, ids=[b[0] for b in NOT_IMPLEMENTED])
def test_not_implemented_blocks_are_refused_naming_the_feature(
    world: World, block: tuple[str, str, str, str]
) -> None:
    _name, method, template, feature = block
    r = world.viewer.request(
        method, template.format(victim=world.victim), json={} if method == "POST" else None
    )
    refused = (r.status_code == 404 and "is not served by the dev runtime" in r.text) or (
        r.status_code == 501 and "not supported by the dev runtime" in r.text
    )
    assert refused and feature in r.text, (r.status_code, r.text)
    assert not any(secret in r.text for secret in SECRETS)


@pytest.mark.parametrize(
    ("scope", "feature"),
    [("if_jobs:filter_tags:deno", "tag-filter scopes"), ("apps:run:u/x/dash", "app run scopes")],
)
def test_token_scopes_the_dev_runtime_does_not_enforce_are_refused(
    world: World, scope: str, feature: str
) -> None:
    """Windmill's SCOPED_DENO_TOKEN and APP_RUNNER_TOKEN blocks: minting such a token is refused."""
    r = world.owner.post(
        f"{world.rt.base_url}/api/users/tokens/create", json={"label": "scoped", "scopes": [scope]}
    )
    assert r.status_code == 501 and feature in r.text and "not supported by the dev runtime" in r.text, r.text
