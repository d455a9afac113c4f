"""Windmill REST calls the domain scripts make: variables, resources, exists/create of items.

Uses the `wmill` client's authenticated httpx client (base URL, token and workspace come from
the job's WM_* environment), so the same code runs on a Windmill worker and on the dev runtime.
Errors become `WindmillError` with the status and Windmill's message, so a script can say what
went wrong instead of dumping a traceback.
"""

from __future__ import annotations

import os
import ssl
from typing import Any, Literal
from urllib.parse import quote

import httpx
import wmill
from wmill import client as wmill_client

ItemKind = Literal["script", "flow", "app", "schedule", "resource", "variable"]

# GET .../<exists endpoint>/<path> -> true | false (REST spec: */exists/*).
_EXISTS = {
    "script": "scripts/exists/p/{path}",
    "flow": "flows/exists/{path}",
    "app": "apps/exists/{path}",
    "schedule": "schedules/exists/{path}",
    "resource": "resources/exists/{path}",
    "variable": "variables/exists/{path}",
}
_CREATE = {
    "script": "scripts/create",
    "flow": "flows/create",
    "app": "apps/create",
    "schedule": "schedules/create",
    "resource": "resources/create",
    "variable": "variables/create",
}
_GET = {
    "script": "scripts/get/p/{path}",
    "flow": "flows/get/{path}",
    "app": "apps/get/p/{path}",
    "schedule": "schedules/get/{path}",
    "resource": "resources/get/{path}",
    "variable": "variables/get/{path}",
}


class WindmillError(RuntimeError):
    """A Windmill API call that failed; `status` is the HTTP status (0 when unreachable)."""

    def __init__(self, message: str, status: int = 0, detail: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail  # Windmill's answer (truncated), for a message in the caller's terms


def configured() -> bool:
    """True when the job environment names a Windmill server (a worker or the dev runtime)."""
    return bool(base_url())


def workspace() -> str:
    return os.environ.get("WM_WORKSPACE") or "openanalyst"


def _client() -> httpx.Client:
    if not configured():
        raise WindmillError("no Windmill server configured (BASE_INTERNAL_URL / WM_BASE_URL unset)")
    return windmill().client


# One client per server, token and workspace in a process, sharing one TLS context: each
# `wmill.Windmill()` builds an httpx client, and each httpx client loads the CA bundle again
# (10-30 ms, three times per job before), and opens a new connection.
_clients: dict[tuple[str | None, ...], wmill.Windmill] = {}
# The plain-http context is made at import, when OpenSSL initialises (1.4 ms the first time in a
# process, 0.15 ms after): every job calls Windmill, and a warm process that forks jobs (the dev
# runtime's fork server) pays it once for all of them.
_tls: dict[bool, ssl.SSLContext] = {False: ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)}


def base_url() -> str | None:
    """The server's URL as the wmill client picks it (the worker's internal URL first)."""
    return os.environ.get("BASE_INTERNAL_URL") or os.environ.get("WM_BASE_URL")


def job_scope() -> tuple[str | None, ...] | None:
    """The key of a value a job reads from Windmill once and keeps (a setting, who a member is):
    its job, server, token and workspace. None outside a job: read it every time."""
    job = os.environ.get("WM_JOB_ID")
    return (job, base_url(), os.environ.get("WM_TOKEN"), workspace()) if job else None


def public_url(route: str) -> str:
    """`route` of Windmill's web app ("/apps/get/u/alice/apps/board") as a link a person can open:
    under WM_BASE_URL, the instance's base URL that Windmill gives every job ("base url of this
    instance": https://github.com/windmill-labs/windmill/blob/main/backend/windmill-common/src/variables.rs),
    not the worker's internal address; the route alone when it is not set."""
    base = os.environ.get("WM_BASE_URL", "").rstrip("/")
    return f"{base}{route}" if base else route


def tls(url: str | None = None) -> ssl.SSLContext:
    """The process's TLS context for a client of `url`. An https URL (or none) gets httpx's default
    (certifi, SSL_CERT_FILE). A plain-http URL (a worker's BASE_INTERNAL_URL, the hub inside the
    stack's network) never uses TLS: its context verifies as strictly but trusts no certificate,
    so the CA bundle is not loaded (40-50 ms per job), and a redirect to https would fail
    verification rather than pass unchecked."""
    secure = url is None or not url.lower().startswith("http://")
    if secure not in _tls:
        _tls[secure] = httpx.create_ssl_context() if secure else ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    return _tls[secure]


def windmill() -> wmill.Windmill:
    """The job's `wmill.Windmill` client, made once per server, token and workspace. The first one
    also becomes the client of wmill's module functions (`wmill.get_variable`, `set_progress`),
    which would otherwise build a client of their own."""
    key = tuple(
        os.environ.get(name)
        for name in ("BASE_INTERNAL_URL", "WM_BASE_URL", "WM_TOKEN", "WM_WORKSPACE", "WM_MOCKED_API_FILE")
    )
    client = _clients.get(key)
    if client is None:
        client = _clients[key] = wmill.Windmill(verify=tls(base_url()))
        if wmill_client._client is None:
            wmill_client._client = client
    return client


def _p(path: str) -> str:
    # Windmill paths are '/'-separated and already validated; keep the slashes, quote the rest.
    return quote(path, safe="/")


def request(method: str, endpoint: str, **kwargs: Any) -> httpx.Response:
    """`method /api/w/{ws}/{endpoint}`; raises WindmillError on transport errors or status >= 400."""
    url = f"/w/{workspace()}/{endpoint.lstrip('/')}"
    try:
        resp = _client().request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise WindmillError(f"Windmill unreachable: {type(exc).__name__}: {exc}") from exc
    if resp.status_code >= 400:
        raise WindmillError(
            f"{method} {url} -> {resp.status_code}: {resp.text[:300]}",
            status=resp.status_code,
            detail=resp.text[:300],
        )
    return resp


def exists(kind: ItemKind, path: str) -> bool:
    resp = request("GET", _EXISTS[kind].format(path=_p(path)))
    return resp.json() is True


def get(kind: ItemKind, path: str) -> dict[str, Any] | None:
    """The item at `path`, or None when there is none (404)."""
    try:
        return request("GET", _GET[kind].format(path=_p(path))).json()
    except WindmillError as exc:
        if exc.status == 404:
            return None
        raise


def create(kind: ItemKind, body: dict[str, Any]) -> str:
    """Create an item; returns Windmill's text answer (path, hash or id)."""
    return request("POST", _CREATE[kind], json=body).text


def update_flow(path: str, body: dict[str, Any]) -> str:
    return request("POST", f"flows/update/{_p(path)}", json=body).text


def update_app(path: str, body: dict[str, Any]) -> str:
    return request("POST", f"apps/update/{_p(path)}", json=body).text


def update_schedule(path: str, body: dict[str, Any]) -> str:
    return request("POST", f"schedules/update/{_p(path)}", json=body).text


def update_resource(path: str, body: dict[str, Any]) -> str:
    return request("POST", f"resources/update/{_p(path)}", json=body).text


def set_schedule_enabled(path: str, enabled: bool) -> str:
    return request("POST", f"schedules/setenabled/{_p(path)}", json={"enabled": enabled}).text


def set_progress(percent: int, job_id: str | None = None) -> None:
    """Set the job's progress bar (0-99), as `wmill`'s `set_progress` does, minus the `get_job` it
    makes first to learn the job's parent: a worker gives a job its parent_job as WM_FLOW_JOB_ID
    (`get_reserved_variables(.., job.parent_job, ..)` in
    https://github.com/windmill-labs/windmill/blob/main/backend/windmill-worker/src/common.rs), and
    the job document of a flow step is the largest read of a report."""
    job_id = job_id or os.environ.get("WM_JOB_ID")
    if not job_id:
        raise WindmillError("no job to report progress on (WM_JOB_ID unset)")
    flow_job_id = os.environ.get("WM_FLOW_JOB_ID") or None
    request(
        "POST",
        f"job_metrics/set_progress/{_p(job_id)}",
        json={"percent": max(0, min(99, int(percent))), "flow_job_id": flow_job_id},
    )


def list_resources(resource_type: str | None = None, path_start: str | None = None) -> list[dict[str, Any]]:
    params = {k: v for k, v in {"resource_type": resource_type, "path_start": path_start}.items() if v}
    return request("GET", "resources/list", params=params).json()


def variable(path: str, default: str | None = None) -> str | None:
    """A variable's value, or `default` when it is unset, empty or Windmill is unreachable."""
    try:
        reachable = configured() or os.environ.get("WM_MOCKED_API_FILE")
        value = windmill().get_variable(path) if reachable else None
    except Exception:  # wmill raises a bare Exception for a missing variable (404)
        return default
    return value if value else default


def read_resource(path: str) -> Any:
    """A resource's value (interpolated); None when it is not defined (404) or when the job has
    no Windmill server and token. Raises WindmillError when it exists but cannot be read."""
    if os.environ.get("WM_MOCKED_API_FILE"):
        return windmill().get_resource(path, none_if_undefined=True)
    if not (configured() and os.environ.get("WM_TOKEN")):
        return None
    try:
        return request("GET", f"resources/get_value_interpolated/{_p(path)}").json()
    except WindmillError as exc:
        if exc.status == 404:
            return None
        raise


def resource(path: str) -> dict[str, Any] | None:
    """A resource's value (interpolated), or None when it does not exist or cannot be read."""
    try:
        value = read_resource(path)
    except Exception:
        return None
    return value if isinstance(value, dict) else None


class JobFailed(RuntimeError):
    """A child job that ended without success. Its message is the error's `message` (what the script
    raised, in its own words); `kind` is the error's `name` (the exception type). A Python job's
    error result is `{"error": {"message", "name", "stack"}}` (the worker's `handle_python_job`,
    https://github.com/windmill-labs/windmill/blob/main/backend/windmill-worker/src/python_executor.rs)."""

    def __init__(self, job_id: str, error: Any) -> None:
        detail = error if isinstance(error, dict) else {"message": str(error)}
        self.job_id = job_id
        self.kind = str(detail.get("name") or "")
        super().__init__(str(detail.get("message") or f"the job ended without a result ({job_id})"))


def run_script_and_wait(
    path: str, args: dict[str, Any], job_id: str, timeout_s: float, is_flow: bool = False
) -> Any:
    """Run the script (or, `is_flow`, the flow) `path` as a child of this job, with the id
    `job_id`, and return its result.

    One request that Windmill's server answers when the job ends: `run_wait_result` checks for the
    result every 50 ms for its first 2 s, then every 200 ms, and cancels the job if the caller goes
    away (`run_wait_result_internal` in
    https://github.com/windmill-labs/windmill/blob/main/backend/windmill-api-jobs/src/execution.rs).
    `wmill`'s `wait_job` sleeps 0.5 s between polls, at least half a second per child job.
    """
    params = {"job_id": job_id}
    if os.environ.get("WM_JOB_ID"):
        params["parent_job"] = os.environ["WM_JOB_ID"]
    url = f"/w/{workspace()}/jobs/run_wait_result/{'f' if is_flow else 'p'}/{_p(path)}"
    try:
        resp = _client().post(url, params=params, json=args, timeout=timeout_s)
    except httpx.HTTPError as exc:
        raise WindmillError(f"Windmill unreachable: {type(exc).__name__}: {exc}") from exc
    if resp.status_code < 400:
        return resp.json() if resp.content else None
    try:
        body = resp.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):  # not a job's error result: the call itself failed
        raise WindmillError(f"POST {url} -> {resp.status_code}: {resp.text[:300]}", resp.status_code)
    raise JobFailed(job_id, body.get("error") or body)
