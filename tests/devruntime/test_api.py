"""The REST surface: auth, spec validation of requests and responses, ids, updates, items."""

from __future__ import annotations

import json
import time
import uuid

import httpx

from tests.support.devruntime import DevRuntime


def test_requests_without_a_valid_token_get_401(dev_runtime: DevRuntime) -> None:
    url = f"{dev_runtime.base_url}{dev_runtime.api}/variables/list"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert httpx.get(url, params={"token": dev_runtime.token}).status_code == 200  # ?token= like Windmill


def test_a_request_breaking_the_spec_gets_400_naming_the_field(dev_runtime: DevRuntime) -> None:
    api, client = dev_runtime.api, dev_runtime.client
    job_id = dev_runtime.run_script("f/devtest/echo", {"value": 1})
    r = client.post(f"{api}/job_metrics/set_progress/{job_id}", json={"percent": "half"})
    assert r.status_code == 400 and "percent" in r.text and "integer" in r.text
    r = client.post(f"{api}/jobs/run/f/f/devtest/stop_early", params={"job_id": "not-a-uuid"}, json={})
    assert r.status_code == 400 and "job_id" in r.text
    r = client.post(f"{api}/variables/create", json={"path": "f/devtest/x", "value": "v"})
    assert r.status_code == 400 and "is_secret" in r.text
    r = client.get(f"{api}/jobs_u/getupdate/{job_id}", params={"log_offset": "ten"})
    assert r.status_code == 400 and "log_offset" in r.text
    dev_runtime.wait(job_id)


def test_bad_input_never_crashes_the_server(dev_runtime: DevRuntime) -> None:
    api, client = dev_runtime.api, dev_runtime.client
    garbage = client.post(
        f"{api}/jobs/run/p/f/devtest/echo", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert garbage.status_code == 400
    assert client.get(f"{api}/jobs_u/get/{uuid.uuid4()}").status_code == 404
    assert client.post(f"{api}/jobs/run/p/f/devtest/does_not_exist", json={}).status_code == 404
    assert client.post(f"{api}/jobs/run/p/../../etc/passwd", json={}).status_code in (400, 404)
    assert client.get("/api/w/other_workspace/variables/list").status_code == 404
    assert client.get("/api/not/a/route").status_code == 404
    bad_path = {"path": "../../etc/x", "summary": "s", "content": "def main(): pass", "language": "python3"}
    r = client.post(f"{api}/scripts/create", json=bad_path)
    assert r.status_code == 400 and "invalid path" in r.text
    r = client.post(
        f"{api}/variables/create", json={"path": "nope", "value": "", "is_secret": False, "description": ""}
    )
    assert r.status_code == 400
    assert client.get(f"{api}/users/whoami").status_code == 200  # still serving


def test_caller_chosen_job_id_is_an_idempotency_key(dev_runtime: DevRuntime) -> None:
    job_id = str(uuid.uuid4())
    assert dev_runtime.run_flow("f/devtest/stop_early", {"n": 20}, job_id=job_id) == job_id
    r = dev_runtime.client.post(
        f"{dev_runtime.api}/jobs/run/f/f/devtest/stop_early", params={"job_id": job_id}, json={"n": 1}
    )
    assert r.status_code == 400 and "already exists" in r.text
    assert dev_runtime.wait(job_id) == {"value": 20}


def test_getupdate_reports_logs_from_an_offset(dev_runtime: DevRuntime) -> None:
    job_id = dev_runtime.run_script("f/devtest/echo", {"value": "abc"})
    dev_runtime.wait(job_id)
    url = f"{dev_runtime.api}/jobs_u/getupdate/{job_id}"
    full = dev_runtime.client.get(url, params={"log_offset": 0}).json()
    assert full["completed"] is True and full["running"] is False
    assert "echo 'abc'" in full["new_logs"] and full["log_offset"] == len(full["new_logs"])
    rest = dev_runtime.client.get(url, params={"log_offset": full["log_offset"]}).json()
    assert rest["new_logs"] == "" and rest["log_offset"] == full["log_offset"]


def test_getupdate_sse_streams_updates_then_the_finished_job(dev_runtime: DevRuntime) -> None:
    job_id = dev_runtime.run_flow("f/devtest/stop_early", {"n": 3})
    events = []
    url = f"{dev_runtime.api}/jobs_u/getupdate_sse/{job_id}"
    with dev_runtime.client.stream("GET", url, params={"log_offset": 0, "get_progress": "true"}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        assert r.headers["x-accel-buffering"] == "no"
        for line in r.iter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line[6:]))
            else:
                assert line == "", line  # only bare data lines, no `event:` field
    assert events and all(e["type"] in {"update", "ping"} for e in events)
    last = events[-1]
    assert last["completed"] is True and last["job"]["type"] == "CompletedJob"
    assert last["job"]["result"] == {"value": "reached"}
    assert any("flow_status" in e for e in events)
    nf = dev_runtime.client.get(f"{dev_runtime.api}/jobs_u/getupdate_sse/{uuid.uuid4()}")
    assert "notfound" in nf.text


def test_getupdate_sse_sends_each_flow_status_change(dev_runtime: DevRuntime) -> None:
    job_id = dev_runtime.run_flow("f/devtest/approval", {"question": "q"})
    while (dev_runtime.get_job(job_id).get("flow_status") or {}).get("modules", [{}])[0].get(
        "type"
    ) != "WaitingForEvents":
        time.sleep(0.05)
    types = []
    url = f"{dev_runtime.api}/jobs_u/getupdate_sse/{job_id}"
    with dev_runtime.client.stream("GET", url, params={"no_logs": "true"}) as r:
        for line in r.iter_lines():
            if not line.startswith("data: "):
                continue
            event = json.loads(line[6:])
            if "flow_status" in event:
                types.append(event["flow_status"]["modules"][0]["type"])
                if types == ["WaitingForEvents"]:
                    resume = {"payload": {"answers": {"a": 1}}, "approved": True}
                    path = f"{dev_runtime.api}/jobs_u/flow/resume_suspended/{job_id}"
                    assert dev_runtime.client.post(path, json=resume).status_code == 201
            if event.get("completed"):
                break
    assert types[0] == "WaitingForEvents" and types[-1] == "Success"


def test_resources_and_variables(dev_runtime: DevRuntime) -> None:
    api, client = dev_runtime.api, dev_runtime.client
    dev_runtime.set_variable("u/admin/token_var", "tv")
    dev_runtime.set_resource(
        "u/admin/llm", {"api_key": "$var:u/admin/token_var", "model": "m"}, "openanalyst_llm"
    )
    dev_runtime.set_resource("u/admin/other", {"x": 1}, "any")
    assert client.get(f"{api}/resources/get_value/u/admin/llm").json()["api_key"] == "$var:u/admin/token_var"
    assert client.get(f"{api}/resources/get_value_interpolated/u/admin/llm").json() == {
        "api_key": "tv",
        "model": "m",
    }
    listed = client.get(f"{api}/resources/list", params={"resource_type": "openanalyst_llm"}).json()
    assert [r["path"] for r in listed if r["path"].startswith("u/admin/")] == ["u/admin/llm"]
    # As Windmill's list_resources: no values (`null::JSONB as value`), each row's edit time.
    mine = [r for r in listed if r["path"] == "u/admin/llm"]
    assert mine[0]["value"] is None and mine[0]["edited_at"].endswith("Z")
    before = mine[0]["edited_at"]
    time.sleep(0.002)
    dev_runtime.set_resource("u/admin/llm", {"api_key": "k", "model": "m"}, "openanalyst_llm")
    relisted = client.get(f"{api}/resources/list", params={"resource_type": "openanalyst_llm"}).json()
    assert next(r for r in relisted if r["path"] == "u/admin/llm")["edited_at"] > before
    dev_runtime.set_resource(
        "u/admin/llm", {"api_key": "$var:u/admin/token_var", "model": "m"}, "openanalyst_llm"
    )
    by_prefix = client.get(f"{api}/resources/list", params={"path_start": "u/admin/o"}).json()
    assert [r["path"] for r in by_prefix] == ["u/admin/other"]
    dev_runtime.set_variable("u/admin/token_var", "tv2")
    assert client.get(f"{api}/variables/get_value/u/admin/token_var").json() == "tv2"
    assert client.get(f"{api}/resources/get/u/admin/missing").status_code == 404
    assert client.get(f"{api}/resources/exists/u/admin/missing").json() is False


def test_bundle_resources_types_and_folders_are_deployed(dev_runtime: DevRuntime) -> None:
    api, client = dev_runtime.api, dev_runtime.client
    folders = client.get(f"{api}/folders/list").json()
    assert "openanalyst" in [f["name"] for f in folders]
    assert client.get(f"{api}/folders/exists/openanalyst").json() is True
    types = client.get(f"{api}/resources/type/list").json()
    assert all("name" in t for t in types)


def test_builder_items_create_get_list_exists(dev_runtime: DevRuntime) -> None:
    api, client = dev_runtime.api, dev_runtime.client
    suffix = uuid.uuid4().hex[:8]
    script_path = f"u/admin/gen_{suffix}"
    code = "def main(x: int = 2):\n    return x + 1\n"
    r = client.post(
        f"{api}/scripts/create",
        json={"path": script_path, "summary": "generated", "content": code, "language": "python3"},
    )
    assert r.status_code == 201, r.text
    assert client.get(f"{api}/scripts/exists/p/{script_path}").json() is True
    assert client.get(f"{api}/scripts/get/p/{script_path}").json()["content"] == code
    assert client.get(f"{api}/scripts/raw/p/{script_path}.py").text == code
    assert script_path in [
        s["path"] for s in client.get(f"{api}/scripts/list", params={"path_start": "u/admin/"}).json()
    ]
    assert dev_runtime.wait(dev_runtime.run_script(script_path, {"x": 41})) == 42

    flow_path = f"u/admin/flow_{suffix}"
    dev_runtime.create_flow(
        flow_path,
        {
            "summary": "generated flow",
            "value": {
                "modules": [
                    {
                        "id": "a",
                        "value": {
                            "type": "script",
                            "path": script_path,
                            "input_transforms": {"x": {"type": "javascript", "expr": "flow_input.x * 2"}},
                        },
                    }
                ]
            },
            "schema": {"type": "object", "properties": {"x": {"type": "integer"}}},
        },
    )
    assert client.get(f"{api}/flows/get/{flow_path}").json()["summary"] == "generated flow"
    assert flow_path in [f["path"] for f in client.get(f"{api}/flows/list").json()]
    assert dev_runtime.wait(dev_runtime.run_flow(flow_path, {"x": 5})) == 11

    app = {"path": f"u/admin/app_{suffix}", "summary": "dash", "value": {"grid": []}, "policy": {}}
    assert client.post(f"{api}/apps/create", json=app).status_code == 201
    assert client.get(f"{api}/apps/exists/{app['path']}").json() is True
    assert client.get(f"{api}/apps/get/p/{app['path']}").json()["value"] == {"grid": []}
    assert app["path"] in [a["path"] for a in client.get(f"{api}/apps/list").json()]

    schedule = {
        "path": f"u/admin/sched_{suffix}",
        "schedule": "0 0 9 * * 2",
        "timezone": "Europe/Paris",
        "script_path": script_path,
        "is_flow": False,
        "args": {"x": 1},
        "enabled": True,
    }
    assert client.post(f"{api}/schedules/create", json=schedule).status_code == 201
    assert client.get(f"{api}/schedules/get/{schedule['path']}").json()["schedule"] == "0 0 9 * * 2"
    assert client.get(f"{api}/schedules/exists/{schedule['path']}").json() is True
    listed = client.get(f"{api}/schedules/list", params={"path_start": "u/admin/"}).json()
    assert schedule["path"] in [s["path"] for s in listed]
    r = client.post(f"{api}/schedules/setenabled/{schedule['path']}", json={"enabled": False})
    assert r.status_code == 200, r.text
    assert client.get(f"{api}/schedules/get/{schedule['path']}").json()["enabled"] is False

    assert client.delete(f"{api}/schedules/delete/{schedule['path']}").status_code == 200
    assert client.get(f"{api}/schedules/exists/{schedule['path']}").json() is False
    assert client.delete(f"{api}/flows/delete/{flow_path}").status_code == 200
    assert client.get(f"{api}/flows/exists/{flow_path}").json() is False
    assert client.post(f"{api}/scripts/delete/p/{script_path}").status_code == 200
    assert client.post(f"{api}/scripts/delete/p/f/devtest/echo").status_code == 400  # bundle file
    assert client.delete(f"{api}/apps/delete/{app['path']}").status_code == 200

    folder = f"f_{suffix}"
    assert client.post(f"{api}/folders/create", json={"name": folder}).status_code == 200
    assert client.get(f"{api}/folders/get/{folder}").json()["name"] == folder


def test_whoami_and_tokens(dev_runtime: DevRuntime) -> None:
    me = dev_runtime.client.get("/api/users/whoami").json()
    assert me["email"] == "admin@openanalyst.dev" and me["username"] == "admin"
    r = dev_runtime.client.post("/api/users/tokens/create", json={"label": "hub"})
    assert r.status_code == 201
    other = httpx.get(
        f"{dev_runtime.base_url}/api/users/whoami", headers={"Authorization": f"Bearer {r.text}"}
    )
    assert other.status_code == 200


def test_scripts_created_through_the_api_import_each_other(dev_runtime: DevRuntime) -> None:
    api, client = dev_runtime.api, dev_runtime.client
    suffix = uuid.uuid4().hex[:8]
    lib = {
        "path": f"u/admin/lib_{suffix}",
        "summary": "lib",
        "language": "python3",
        "content": "def double(x: int) -> int:\n    return 2 * x\n",
    }
    user = {
        "path": f"u/admin/use_{suffix}",
        "summary": "uses lib",
        "language": "python3",
        "content": f"from u.admin.lib_{suffix} import double\n\ndef main(x: int):\n    return double(x)\n",
    }
    for script in (lib, user):
        assert client.post(f"{api}/scripts/create", json=script).status_code == 201
    assert dev_runtime.wait(dev_runtime.run_script(user["path"], {"x": 21})) == 42
    missing = {
        "path": f"u/admin/broken_{suffix}",
        "summary": "broken",
        "language": "python3",
        "content": "from u.admin.nothing_here import x\n\ndef main():\n    return x\n",
    }
    assert client.post(f"{api}/scripts/create", json=missing).status_code == 201
    job = dev_runtime.wait_job(dev_runtime.run_script(missing["path"], {}))
    assert job["success"] is False and "nothing_here" in job["result"]["error"]["message"]


def test_lists_page_like_windmill(dev_runtime: DevRuntime) -> None:
    api, client = dev_runtime.api, dev_runtime.client
    prefix = f"u/admin/page_{uuid.uuid4().hex[:6]}_"
    for i in range(35):
        dev_runtime.set_variable(f"{prefix}{i:02d}", str(i))
    first = client.get(f"{api}/variables/list", params={"path_start": prefix}).json()
    second = client.get(f"{api}/variables/list", params={"path_start": prefix, "page": 2}).json()
    assert len(first) == 30 and len(second) == 5  # default page size 30
    assert {v["path"] for v in first + second} == {f"{prefix}{i:02d}" for i in range(35)}
    everything = client.get(f"{api}/variables/list", params={"path_start": prefix, "per_page": 100}).json()
    assert len(everything) == 35


def test_scheduled_in_secs_delays_the_start(dev_runtime: DevRuntime) -> None:
    r = dev_runtime.client.post(
        f"{dev_runtime.api}/jobs/run/p/f/devtest/echo",
        params={"scheduled_in_secs": 2},
        json={"value": "later"},
    )
    assert r.status_code == 201
    job = dev_runtime.get_job(r.text)
    assert job["type"] == "QueuedJob" and job["running"] is False and "scheduled_for" in job
    time.sleep(1)
    assert dev_runtime.get_job(r.text)["type"] == "QueuedJob"  # still waiting
    assert dev_runtime.wait(r.text) == {"value": "later"}
