"""The `dev_runtime` fixture: a real dev runtime (Windmill stand-in) on a loopback port.

Register with `pytest_plugins = ["tests.support.devruntime"]` in a conftest. One server per test
session (temporary SQLite, the repo's bundle plus tests/devruntime/flows as an extra script root,
strict mode on); each test gets a handle, and the test fails if any response the server sent
during it broke the REST spec.

    def test_x(dev_runtime):
        job = dev_runtime.run_flow("f/openanalyst/handle_request", {"user_id": "alice", ...})
        result = dev_runtime.wait(job)             # raises JobFailed with the error and logs
        dev_runtime.client.get("/api/w/openanalyst/jobs_u/get/" + job).json()
        dev_runtime.set_variable("f/openanalyst/hub_url", "http://127.0.0.1:9")
        with dev_runtime.use_env(monkeypatch): main(...)   # wmill in-process talks to it

Jobs run in their own processes: respx mocks in the test process do not reach them. Each job
gets the test process's OPENANALYST_* and ANTHROPIC_API_KEY as they are when it starts, so
`monkeypatch.setenv("OPENANALYST_...", ...)` reaches the jobs a test starts. The server is shared
by the session: variables/resources a test sets stay set for later tests.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from scripts.devruntime.config import REPO_ROOT, Settings
from scripts.devruntime.server import DevServer

TEST_FLOWS_ROOT = REPO_ROOT / "tests" / "devruntime" / "flows"


class JobFailed(AssertionError):
    """A job ended without success; carries the job document."""

    def __init__(self, job: dict[str, Any]) -> None:
        self.job = job
        error = job.get("result")
        super().__init__(
            f"job {job.get('id')} ({job.get('script_path')}) failed: {error}\nlogs:\n{job.get('logs', '')}"
        )


class DevRuntime:
    """A handle on a running dev runtime, shaped as CONTRACTS.md describes."""

    def __init__(self, server: DevServer) -> None:
        self.server = server
        self.runtime = server.runtime
        self.base_url: str = server.base_url
        self.token: str = server.settings.token
        self.workspace: str = server.settings.workspace
        self.client = httpx.Client(
            base_url=self.base_url, headers={"Authorization": f"Bearer {self.token}"}, timeout=60.0
        )

    @property
    def api(self) -> str:
        return f"/api/w/{self.workspace}"

    @property
    def env(self) -> dict[str, str]:
        """What a worker gives a job, for calling a script's main() in-process against this runtime."""
        return {
            "BASE_INTERNAL_URL": self.base_url,
            "WM_BASE_URL": self.base_url,
            "WM_TOKEN": self.token,
            "WM_WORKSPACE": self.workspace,
            "WM_EMAIL": self.server.settings.email,
            "WM_USERNAME": self.server.settings.username,
            "WM_STATE_PATH_NEW": "u/admin/test_state",
            "WM_STATE_PATH": "u/admin/test_state",
        }

    def use_env(self, monkeypatch: pytest.MonkeyPatch) -> DevRuntime:
        """Set `env` in os.environ and reset wmill's cached global client."""
        import wmill.client

        for key, value in self.env.items():
            monkeypatch.setenv(key, value)
        monkeypatch.setattr(wmill.client, "_client", None)
        return self

    def _check(self, response: httpx.Response) -> httpx.Response:
        if response.status_code >= 400:
            raise AssertionError(
                f"{response.request.method} {response.request.url} -> {response.status_code}: {response.text}"
            )
        return response

    def run_flow(self, path: str, args: dict[str, Any] | None = None, job_id: str | None = None) -> str:
        params = {"job_id": job_id} if job_id else {}
        r = self.client.post(f"{self.api}/jobs/run/f/{path}", json=args or {}, params=params)
        return self._check(r).text

    def run_script(self, path: str, args: dict[str, Any] | None = None, job_id: str | None = None) -> str:
        params = {"job_id": job_id} if job_id else {}
        r = self.client.post(f"{self.api}/jobs/run/p/{path}", json=args or {}, params=params)
        return self._check(r).text

    def get_job(self, job_id: str) -> dict[str, Any]:
        return self._check(self.client.get(f"{self.api}/jobs_u/get/{job_id}")).json()

    def wait_job(self, job_id: str, timeout: float = 60) -> dict[str, Any]:
        """Poll until the job completes; the CompletedJob document, whatever its outcome."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.get_job(job_id)
            if job.get("type") == "CompletedJob":
                return job
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"job {job_id} did not complete within {timeout} s: {job.get('flow_status')}"
                )
            time.sleep(0.05)

    def wait(self, job_id: str, timeout: float = 60) -> Any:
        """The job's result; raises JobFailed (with error and logs) when it did not succeed."""
        job = self.wait_job(job_id, timeout)
        if not job.get("success"):
            raise JobFailed(job)
        return job.get("result")

    def set_variable(self, path: str, value: str, is_secret: bool = False, description: str = "") -> None:
        r = self.client.get(f"{self.api}/variables/exists/{path}")
        if self._check(r).json():
            self._check(self.client.post(f"{self.api}/variables/update/{path}", json={"value": value}))
        else:
            body = {"path": path, "value": value, "is_secret": is_secret, "description": description}
            self._check(self.client.post(f"{self.api}/variables/create", json=body))

    def set_resource(self, path: str, value: Any, resource_type: str = "any", description: str = "") -> None:
        r = self.client.get(f"{self.api}/resources/exists/{path}")
        if self._check(r).json():
            self._check(self.client.post(f"{self.api}/resources/update_value/{path}", json={"value": value}))
        else:
            body = {"path": path, "value": value, "resource_type": resource_type, "description": description}
            self._check(self.client.post(f"{self.api}/resources/create", json=body))

    def add_person(self, username: str, is_admin: bool = False) -> httpx.Client:
        """A workspace member (created once) and a client acting as them: their own token, made
        by the operator through Windmill's `users/tokens/impersonate`. Base URL: the workspace API."""
        email = f"{username}@openanalyst.test"
        r = self.client.post(
            f"{self.api}/workspaces/add_user",
            json={"email": email, "username": username, "is_admin": is_admin, "operator": False},
        )
        if r.status_code != 200 and "already exists" not in r.text:
            self._check(r)
        token = self._check(
            self.client.post("/api/users/tokens/impersonate", json={"impersonate_email": email})
        ).text
        return httpx.Client(
            base_url=f"{self.base_url}{self.api}", headers={"Authorization": f"Bearer {token}"}, timeout=60.0
        )

    def create_flow(self, path: str, flow: dict[str, Any]) -> None:
        """Deploy a flow ({summary, value, schema?}) at `path`, replacing one created before."""
        exists = self._check(self.client.get(f"{self.api}/flows/exists/{path}")).json()
        url = f"{self.api}/flows/update/{path}" if exists else f"{self.api}/flows/create"
        self._check(self.client.post(url, json={"path": path, **flow}))

    def cancel(self, job_id: str, reason: str = "cancelled by test") -> None:
        self._check(self.client.post(f"{self.api}/jobs_u/queue/cancel/{job_id}", json={"reason": reason}))

    def new_job_id(self) -> str:
        return str(uuid.uuid4())

    @property
    def violations(self) -> list[str]:
        return self.server.violations


def start_dev_server(
    tmp: Path, extra_roots: list[Path] | None = None, bundle_root: Path | None = None, fork: bool = True
) -> DevServer:
    """A strict dev runtime on a free port with its SQLite under `tmp` (for tests that need their own).

    fork=False starts every job as a fresh interpreter instead of forking a warm one."""
    settings = Settings(
        port=0,
        bundle_root=bundle_root or REPO_ROOT,
        extra_roots=[TEST_FLOWS_ROOT, *(extra_roots or [])],
        db_path=tmp / "devruntime.sqlite3",
        strict=True,
        sse_timeout_s=10.0,
        fork=fork,
    )
    return DevServer(settings).start()


@pytest.fixture(scope="session")
def _dev_runtime_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevServer]:
    server = start_dev_server(tmp_path_factory.mktemp("devruntime"))
    try:
        yield server
    finally:
        server.stop()


class People:
    """Two non-admin members of the workspace, each with a client on their own token."""

    def __init__(self, dev_runtime: DevRuntime) -> None:
        self.alice = dev_runtime.add_person("alice")
        self.bob = dev_runtime.add_person("bob")

    def close(self) -> None:
        self.alice.close()
        self.bob.close()


@pytest.fixture
def people(dev_runtime: DevRuntime) -> Iterator[People]:
    """alice and bob: non-admin members acting through their own tokens."""
    both = People(dev_runtime)
    try:
        yield both
    finally:
        both.close()


@pytest.fixture
def dev_runtime(_dev_runtime_server: DevServer) -> Iterator[DevRuntime]:
    """A running dev runtime; the test fails on any spec violation in the server's responses."""
    server = _dev_runtime_server
    server.violations.clear()
    handle = DevRuntime(server)
    try:
        yield handle
    finally:
        handle.client.close()
    violations = list(server.violations)
    server.violations.clear()
    if violations:
        pytest.fail("dev runtime responses broke the Windmill REST spec:\n" + "\n".join(violations))
