"""A clarification answered over the websocket across a dev runtime restart (issue 12): a `python -m
hub` process and a `python -m scripts.devruntime` process run the real handle_request; its question
waits while the runtime is stopped and started again on the same database, and the person's answer,
given once it is back or while it is down, resumes the same run: they get their answer, no error."""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.hub.conftest import JWT_SECRET, PUSH_SECRET, REPO, done_for, free_port, hub_process

REQUEST = "Write a tweet about our summer sale and schedule it"


@contextmanager
def runtime_process(env: dict[str, str], port: int, log: Path) -> Iterator[str]:
    """`python -m scripts.devruntime` on `port`; yields its base URL once it answers."""
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "scripts.devruntime"], cwd=REPO, env=env, stdout=out, stderr=out
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                assert proc.poll() is None, log.read_text()[-2000:]
                try:
                    # ready when the workspace answers: /api/version answers while the runtime is
                    # still syncing the bundle, which under load is a while
                    ready = httpx.get(
                        f"{base}/api/w/openanalyst/flows/exists/f/openanalyst/handle_request",
                        headers={"Authorization": f"Bearer {env['OPENANALYST_DEV_TOKEN']}"},
                        timeout=0.5,
                    )
                    if ready.status_code == 200 and ready.json() is True:
                        break
                    raise httpx.TransportError("not ready")
                except httpx.TransportError:
                    assert time.monotonic() < deadline, log.read_text()[-2000:]
                    time.sleep(0.2)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.mark.parametrize("answered", ["after the restart", "while the runtime is down"])
def test_an_answer_across_a_runtime_restart_resumes_the_waiting_request(
    tmp_path: Path, answered: str
) -> None:
    token = secrets.token_urlsafe(24)  # one operator token for both runtimes and the hub, as scripts/dev does
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("ANTHROPIC_API_KEY", "OPENANALYST_ANTHROPIC_BASE_URL")
    }
    env |= {
        "OPENANALYST_DEV_DB": str(tmp_path / "runtime.sqlite3"),
        "OPENANALYST_DEV_PORT": str(port),
        "OPENANALYST_DEV_TOKEN": token,
        "OPENANALYST_SQLITE_PATH": str(tmp_path / "store.sqlite3"),
        "OPENANALYST_EMBEDDINGS": os.environ.get("OPENANALYST_EMBEDDINGS", "off"),
    }
    hub_env = {
        "HUB_BACKEND": "local",
        "WINDMILL_URL": f"http://127.0.0.1:{port}",
        "WINDMILL_TOKEN": token,
        "HUB_JWT_SECRET": JWT_SECRET,
        "HUB_PUSH_SECRET": PUSH_SECRET,
        "HUB_POLL_INTERVAL_S": "0.2",
        "HUB_STORE": str(tmp_path / "hub.sqlite3"),
    }
    api = f"http://127.0.0.1:{port}/api/w/openanalyst"
    headers = {"Authorization": f"Bearer {token}"}

    def set_variable(path: str, value: str, secret: bool = False) -> None:
        body = {"path": path, "value": value, "is_secret": secret, "description": ""}
        if httpx.get(f"{api}/variables/exists/{path}", headers=headers).json():
            r = httpx.post(f"{api}/variables/update/{path}", headers=headers, json={"value": value})
        else:
            r = httpx.post(f"{api}/variables/create", headers=headers, json=body)
        assert r.status_code in (200, 201), r.text

    def job(job_id: str) -> dict[str, Any]:
        return httpx.get(f"{api}/jobs_u/get/{job_id}", headers=headers).json()

    log = tmp_path / "runtime.log"
    # The first runtime stops mid-scenario; each stack closes once, or not at all if never entered.
    first, second = ExitStack(), ExitStack()
    with hub_process(hub_env, tmp_path / "hub.log") as hub, first, second:
        first.enter_context(runtime_process(env, port, log))
        set_variable("f/openanalyst/hub_url", hub.http)
        set_variable("f/openanalyst/hub_push_secret", PUSH_SECRET, secret=True)

        async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
            # The person's chat stays open through the restart.
            client = await hub.connect("alice")
            await client.request(REQUEST, "msg_sale", session_id="sess_sale")
            asked = await client.until(
                lambda f: f["type"] == "ASSISTANT_RESPONSE" and bool(f["payload"].get("questions")), 120
            )
            await asyncio.to_thread(first.close)
            await asyncio.sleep(2.0)  # the hub, following the run, finds the runtime gone
            if answered == "after the restart":
                await asyncio.to_thread(second.enter_context, runtime_process(env, port, log))
            question = asked[-1]
            await client.send(
                {
                    "type": "USER_REQUEST",
                    "sessionId": "sess_sale",
                    "messageId": "msg_sale_answer",
                    "correlationId": question.get("messageId") or question["payload"]["messageId"],
                    "payload": {"content": "tomorrow at 10am", "answers": {"time": "tomorrow at 10am"}},
                }
            )
            if answered == "while the runtime is down":
                await asyncio.sleep(2.0)  # the hub keeps the answer and retries
                await asyncio.to_thread(second.enter_context, runtime_process(env, port, log))
            frames = await client.until(done_for("msg_sale"), 180)
            await client.close()
            return asked, frames

        asked, frames = asyncio.run(scenario())
        question = asked[-1]["payload"]
        assert [q["id"] for q in question["questions"]] == ["time"]
        errors = [f for f in asked + frames if f["type"] == "TASK_ERROR"]
        assert errors == [] and frames[-1]["type"] == "TASK_COMPLETE", (errors, frames[-3:])
        root = job(frames[-1]["payload"]["jobId"])
        assert root["type"] == "CompletedJob" and root["success"] is True, root
        # the run that waited through the restart is the one that went on
        waited = job(question["resumeJobId"])
        assert waited["type"] == "CompletedJob" and waited["success"] is True, waited

    reply = [f for f in frames if f["type"] == "ASSISTANT_RESPONSE"][-1]["payload"]["content"]
    assert "summer sale" in reply.lower() and "10:00" in reply, reply
    assert not reply.startswith("I could not"), reply
