"""A dev runtime restart loses nothing that waits: suspended flows resume under the same job ids (by
id or signed URL), finished steps are not run again, queued jobs still start at their scheduled_for.
Also what the runtime keeps on disk: 0600 files, secret variables encrypted, the token never printed."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from scripts.devruntime.config import REPO_ROOT
from tests.support.devruntime import DevRuntime, start_dev_server


def _asking_flow(marker: Path) -> dict[str, Any]:
    """A branch whose first step leaves a mark (to count its runs) and waits for a resume."""
    ask = {
        "id": "ask",
        "value": {
            "type": "rawscript",
            "language": "python3",
            "content": (
                "import os\nimport wmill\n\ndef main(marker: str):\n"
                "    with open(marker, 'a') as fh:\n        fh.write('ran\\n')\n"
                "    return {'urls': wmill.get_resume_urls(), 'waiting': os.environ['WM_FLOW_JOB_ID']}\n"
            ),
            "input_transforms": {"marker": {"type": "static", "value": str(marker)}},
        },
        "suspend": {"required_events": 1, "timeout": 300},
    }
    use = {
        "id": "use",
        "value": {
            "type": "rawscript",
            "language": "python3",
            "content": "def main(answer: dict):\n    return answer\n",
            "input_transforms": {"answer": {"type": "javascript", "expr": "resume"}},
        },
    }
    branch = {"type": "branchone", "branches": [{"expr": "true", "modules": [ask, use]}], "default": []}
    return {"summary": "asks", "value": {"modules": [{"id": "b", "value": branch}]}}


def _wait_asked(rt: DevRuntime, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while (rt.get_job(job_id).get("suspend") or 0) == 0:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    sub = rt.get_job(rt.get_job(job_id)["flow_status"]["modules"][0]["job"])  # the branchone sub-flow
    return rt.get_job(sub["flow_status"]["modules"][0]["job"])["result"]


LATER = 4  # seconds a job is scheduled in, across the restart


def test_a_waiting_flow_survives_a_restart_and_resumes_by_id_or_signed_url(tmp_path: Path) -> None:
    marks = [tmp_path / "by_id.txt", tmp_path / "by_url.txt"]
    first = start_dev_server(tmp_path)
    try:
        rt = DevRuntime(first)
        jobs, asked = [], []
        for i, mark in enumerate(marks):
            rt.create_flow(f"u/admin/asks_{i}", _asking_flow(mark))
            jobs.append(rt.run_flow(f"u/admin/asks_{i}", {}))
            asked.append(_wait_asked(rt, jobs[-1]))
        queued = rt.client.post(
            f"{rt.api}/jobs/run/p/f/devtest/echo",
            json={"value": "later"},
            params={"scheduled_in_secs": LATER},
        ).text
        rt.client.close()
    finally:
        first.stop()

    second = start_dev_server(tmp_path)
    try:
        rt = DevRuntime(second)
        for job_id, waited in zip(jobs, asked, strict=True):
            job = rt.get_job(job_id)
            assert job["type"] == "QueuedJob", job  # not failed by the restart
            assert _wait_asked(rt, job_id)["waiting"] == waited["waiting"]  # the same waiting job
        r = rt.client.post(
            f"{rt.api}/jobs_u/flow/resume_suspended/{asked[0]['waiting']}",
            json={"payload": {"by": "id"}, "approved": True},
        )
        assert r.status_code == 201, r.text
        assert rt.wait(jobs[0]) == {"by": "id"}
        # a URL signed before the restart still resumes (the signing key is kept); the test's
        # runtimes listen on free ports, so only the address changes
        url = rt.base_url + "/api/" + asked[1]["urls"]["resume"].split("/api/", 1)[1]
        assert httpx.post(url, json={"by": "url"}).status_code == 201
        assert rt.wait(jobs[1]) == {"by": "url"}
        # the step that had finished before the restart was not run again
        assert [m.read_text() for m in marks] == ["ran\n", "ran\n"]
        # the job scheduled for later survived the restart and ran at its time, not before (asserting
        # it still waits at some moment would depend on how fast this machine restarts)
        assert rt.wait(queued, timeout=30) == {"value": "later"}
        ran = rt.get_job(queued)
        assert (_when(ran["started_at"]) - _when(ran["created_at"])).total_seconds() >= LATER - 0.01, ran
        rt.client.close()
    finally:
        second.stop()
    assert second.violations == []


def test_cancelling_a_job_scheduled_for_later_stops_it_before_it_starts(dev_runtime: DevRuntime) -> None:
    r = dev_runtime.client.post(
        f"{dev_runtime.api}/jobs/run/p/f/devtest/echo",
        json={"value": "never"},
        params={"scheduled_in_secs": 30},
    )
    job_id = r.text
    queued = dev_runtime.get_job(job_id)
    assert queued["running"] is False and queued["scheduled_for"] > queued["created_at"]
    dev_runtime.cancel(job_id, "changed my mind")
    job = dev_runtime.wait_job(job_id, timeout=5)
    assert job["canceled"] is True and job["success"] is False and "started_at" in job
    assert not job.get("logs")  # it never ran


def test_secrets_at_rest_are_encrypted_and_private(tmp_path: Path) -> None:
    server = start_dev_server(tmp_path)
    try:
        rt = DevRuntime(server)
        rt.set_variable("u/admin/api_key", "PLAINTEXT-SECRET-VALUE", is_secret=True)
        assert (
            rt.client.get(f"{rt.api}/variables/get_value/u/admin/api_key").json() == "PLAINTEXT-SECRET-VALUE"
        )
        token_file = server.settings.token_file
        assert token_file.read_text().strip() == rt.token
        rt.client.close()
    finally:
        server.stop()
    db = server.settings.db_path
    for path in (db, token_file, Path(f"{db}.key")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    raw = b"".join(p.read_bytes() for p in db.parent.iterdir() if p.name.startswith(db.name))
    assert b"PLAINTEXT-SECRET-VALUE" not in raw


def test_the_operator_token_is_written_to_a_file_not_printed(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "OPENANALYST_DEV_TOKEN"}
    env |= {"OPENANALYST_DEV_DB": str(tmp_path / "rt.sqlite3"), "OPENANALYST_DEV_PORT": "0"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "scripts.devruntime"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    token_file = tmp_path / "rt.sqlite3.token"
    try:
        deadline = time.monotonic() + 60
        while not (token_file.exists() and token_file.read_text().strip()):
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        token = token_file.read_text().strip()
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0].decode()
    assert str(token_file) in output and token not in output


def _when(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
