"""The local stack in one command (run through `scripts/dev`).

scripts/dev                     start the dev runtime (+ the hub when hub/ exists) and say where to connect
scripts/dev start [--port N]    the same
scripts/dev token <user>        print a hub JWT for <user> (hub.auth.issue_dev_token)
scripts/dev demo ["request"] [--trace]
                                run f/openanalyst/handle_request once on an embedded dev runtime,
                                printing progress as it streams, then the final answer
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

# The first line is printed before the slower imports: the demo shows life from its first second.
STARTED = time.monotonic()
REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

if TYPE_CHECKING:
    import httpx

    from scripts.devruntime.config import Settings
    from scripts.devruntime.server import DevServer

SEED_REQUEST = "Create a Twitter post about AI trends and schedule it for tomorrow"
HUB_PORT = int(os.environ.get("HUB_PORT") or 8002)
DEMO_USER = "demo"
OPERATOR_TOKEN_FILE = REPO_ROOT / "var" / "dev_operator_token"


def load_dotenv(path: Path = REPO_ROOT / ".env") -> None:
    """KEY=VALUE lines of .env, for settings not already in the environment."""
    if not path.is_file():
        return
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        if value:
            os.environ.setdefault(key.strip(), value)


def _say(message: str) -> None:
    print(message, flush=True)


def _step(message: str) -> None:
    """A progress line with the seconds since the command started."""
    _say(f"[{time.monotonic() - STARTED:5.1f}s] {message}")


def _api(server: DevServer) -> httpx.Client:
    import httpx

    s = server.settings
    return httpx.Client(
        base_url=f"{server.base_url}/api/w/{s.workspace}",
        headers={"Authorization": f"Bearer {s.token}"},
        timeout=60,
    )


def _set_if_empty(client: httpx.Client, path: str, value: str, is_secret: bool) -> None:
    """Give a bundle variable a local value unless someone already set one."""
    r = client.get(f"/variables/get/{path}")
    if r.status_code == 200 and r.json().get("value"):
        return
    if r.status_code == 404:
        body = {"path": path, "value": value, "is_secret": is_secret, "description": "set by scripts/dev"}
        client.post("/variables/create", json=body).raise_for_status()
    else:
        client.post(f"/variables/update/{path}", json={"value": value}).raise_for_status()


def _write_private(path: Path, text: str) -> None:
    """`text` in a file only this account can read (0600), replacing what was there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text + "\n")
    path.chmod(0o600)


def _jobs_sqlite_path(settings: Settings) -> Path:
    """The SQLite store the dev runtime's jobs write (the environment a job gets names it), for
    the hub's history."""
    from scripts.devruntime.executor import job_env

    path = Path(job_env(settings, {})["OPENANALYST_SQLITE_PATH"])
    return path if path.is_absolute() else REPO_ROOT / path


def _start_hub(settings: Settings) -> subprocess.Popen[bytes]:
    """The hub, in a process of its own, on the local backend of this dev runtime."""
    env = {**os.environ, "HUB_BACKEND": os.environ.get("HUB_BACKEND", "local")}
    env.setdefault("WINDMILL_URL", settings.base_url)
    env.setdefault("HUB_STORE", str(_jobs_sqlite_path(settings)))  # conversations the chat page lists
    return subprocess.Popen([sys.executable, "-m", "hub", "--port", str(HUB_PORT)], cwd=REPO_ROOT, env=env)


def _wait_for_hub(hub: subprocess.Popen[bytes], timeout: float = 20.0) -> bool:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and hub.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{HUB_PORT}/health", timeout=1).status_code < 500:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    return False


def start(args: argparse.Namespace) -> int:
    with_hub = (REPO_ROOT / "hub" / "__main__.py").exists() and not args.no_hub
    _step("starting the dev runtime (a stand-in for Windmill)" + (" and the hub…" if with_hub else "…"))
    from scripts.devruntime.config import Settings
    from scripts.devruntime.server import bind

    # One token for the runtime and the hub (its local backend reads OPENANALYST_DEV_TOKEN).
    os.environ.setdefault("OPENANALYST_DEV_TOKEN", secrets.token_urlsafe(24))
    os.environ.setdefault("HUB_PUSH_SECRET", secrets.token_urlsafe(32))
    settings = Settings.from_env()
    if args.port is not None:
        settings.port = args.port
    try:
        sock = bind(settings)
    except OSError as exc:
        print(
            f"scripts/dev: cannot listen on {settings.host}:{settings.port} ({exc.strerror}); "
            "stop what uses it or pick another port (--port or OPENANALYST_DEV_PORT)",
            file=sys.stderr,
        )
        return 1
    # The hub starts now, beside the dev runtime (it calls the runtime only for a request): the
    # two start-ups overlap instead of adding up.
    hub = _start_hub(settings) if with_hub else None
    server: DevServer | None = None
    try:
        from scripts.devruntime.server import DevServer

        server = DevServer(settings, sock=sock).start()
        with _api(server) as client:
            hub_url = f"http://127.0.0.1:{HUB_PORT}"
            _set_if_empty(client, "f/openanalyst/hub_url", hub_url, False)
            _set_if_empty(client, "f/openanalyst/hub_push_secret", os.environ["HUB_PUSH_SECRET"], True)
        # The operator token opens the whole workspace: a private file, never the banner (it is
        # not a chat token, and pasted into the chat page it is refused).
        _write_private(OPERATOR_TOKEN_FILE, settings.token)
        _step(f"dev runtime ready: {server.base_url}/api, workspace {settings.workspace}")
        where = OPERATOR_TOKEN_FILE.relative_to(REPO_ROOT)
        _say(f"         operator API token in {where} (for REST calls; not a chat token)")
        chat_line = ""
        if hub is not None:
            if not _wait_for_hub(hub):
                _say(f"the hub did not come up on port {HUB_PORT}; its log is above")
            else:
                from hub.auth import issue_dev_token

                token = issue_dev_token(DEMO_USER, ttl_s=12 * 3600)
                chat_line = f"http://127.0.0.1:{HUB_PORT}/#token={token}"
                _step(f"hub ready: ws://127.0.0.1:{HUB_PORT}/ws")
        _say("")
        if chat_line:
            _say(f"Open the chat (signed in as '{DEMO_USER}' for 12 h):")
            _say(f"  {chat_line}")
            _say("Another person: ./scripts/dev token <user>, then paste it on the page's sign-in form.")
        _say("Ctrl-C stops everything.")
        stop = False

        def _stop(*_: Any) -> None:
            nonlocal stop
            stop = True

        signal.signal(signal.SIGTERM, _stop)
        while not stop:
            if hub is not None and hub.poll() is not None:
                _say(f"the hub exited with code {hub.returncode}; the dev runtime keeps running")
                hub = None
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        if hub is not None and hub.poll() is None:
            hub.terminate()
            try:
                hub.wait(10)
            except subprocess.TimeoutExpired:
                hub.kill()
        if server is not None:
            server.stop()
        else:
            sock.close()
    return 0


def token(args: argparse.Namespace) -> int:
    from hub.auth import issue_dev_token

    try:
        print(issue_dev_token(args.user, ttl_s=args.ttl))
    except ValueError as exc:
        print(f"scripts/dev token: {exc}", file=sys.stderr)
        return 2
    return 0


# Windmill completes a branch that took an empty branch with the nil job id (`EmptyInnerFlows` in
# https://github.com/windmill-labs/windmill/blob/main/backend/windmill-worker/src/worker_flow.rs).
NIL_JOB = str(uuid.UUID(int=0))


def _waiting(client: httpx.Client, flow_id: str, flow_status: dict[str, Any]) -> tuple[str, list[Any]] | None:
    """(the flow job whose step waits, its questions), wherever the suspended step sits.

    Windmill resumes only the flow job whose current module is suspended, never its root
    (`get_suspended_flow_info` in
    https://github.com/windmill-labs/windmill/blob/main/backend/windmill-api-jobs/src/jobs.rs).
    """
    for module in flow_status.get("modules") or []:
        if module.get("type") == "WaitingForEvents" and module.get("job"):
            result = client.get(f"/jobs_u/completed/get_result/{module['job']}").json()
            return flow_id, (result or {}).get("questions") or [result]
        # A branchone's sub-flow is its `job` (Windmill sets no flow_jobs on it); loops and
        # branchall list theirs in `flow_jobs`.
        subs = list(module.get("flow_jobs") or [])
        if module.get("branch_chosen") and module.get("job") and module["job"] != NIL_JOB:
            subs.append(module["job"])
        for sub in subs:
            status = client.get(f"/jobs_u/get/{sub}").json().get("flow_status") or {}
            found = _waiting(client, sub, status)
            if found:
                return found
    return None


def demo(args: argparse.Namespace) -> int:
    import tempfile

    _step("starting an embedded dev runtime (a stand-in for Windmill)…")
    from scripts.devruntime.config import Settings
    from scripts.devruntime.server import DevServer

    with tempfile.TemporaryDirectory(prefix="openanalyst-demo-") as tmp:
        settings = Settings.from_env()
        settings.port = 0
        settings.db_path = Path(tmp) / "devruntime.sqlite3"
        os.environ.setdefault("OPENANALYST_SQLITE_PATH", str(Path(tmp) / "openanalyst.sqlite3"))
        with DevServer(settings) as server, _api(server) as client:
            body = {
                "user_id": args.user,
                "session_id": f"demo-{uuid.uuid4().hex[:8]}",
                "message_id": uuid.uuid4().hex,
                "request": args.request,
            }
            _step(f"request from '{args.user}': {args.request!r}")
            r = client.post("/jobs/run/f/f/openanalyst/handle_request", json=body)
            if r.status_code != 201:
                _say(f"could not start the flow: {r.status_code} {r.text}")
                return 1
            job_id = r.text
            code = _follow(client, job_id)
            if args.trace:
                _say("\nwhat each step returned:")
                _trace(client, job_id, 1)
            return code


def _trace(client: httpx.Client, job_id: str, depth: int) -> None:
    """Each step of a finished flow with its result (sub-flows indented): for debugging a request."""
    job = client.get(f"/jobs_u/get/{job_id}", params={"no_logs": "true"}).json()
    for module in (job.get("flow_status") or {}).get("modules") or []:
        if not ran(module):
            continue
        subs = list(module.get("flow_jobs") or [])
        child = module.get("job")
        detail = client.get(f"/jobs_u/get/{child}", params={"no_logs": "true"}).json() if child else {}
        if detail.get("job_kind") == "flow" or detail.get("raw_flow"):
            subs.append(child)
        result = json.dumps(detail.get("result"), default=str)
        pad = "  " * depth
        _say(f"{pad}{module.get('id', '?')} [{module.get('type')}]: {result[:600]}")
        for sub in subs:
            _trace(client, sub, depth + 1)


def ran(module: dict[str, Any]) -> bool:
    """Whether a flow step did any work: a skipped step or a branch that took its empty default did not."""
    if module.get("skipped"):
        return False
    job = module.get("job")
    return bool((job and job != NIL_JOB) or module.get("flow_jobs"))


def _follow(client: httpx.Client, job_id: str) -> int:
    """Print each step that runs as it starts and ends, its progress, and the final answer."""
    seen: dict[str, str] = {}
    state: dict[str, Any] = {}
    asked = False
    while True:
        # fast: the job was just started (Windmill polls it every 3 s otherwise)
        params = {"no_logs": "true", "fast": "true"}
        with client.stream("GET", f"/jobs_u/getupdate_sse/{job_id}", params=params) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data: "):
                    continue
                event = json.loads(line[6:])
                if event.get("type") != "update":
                    continue
                state.update(event)
                for module in (state.get("flow_status") or {}).get("modules") or []:
                    key, kind = module.get("id", "?"), module.get("type", "")
                    if kind in ("WaitingForPriorSteps", "WaitingForExecutor") or not ran(module):
                        continue
                    progress = module.get("progress")
                    word = {
                        "InProgress": "running",
                        "Success": "done",
                        "Failure": "failed",
                        "WaitingForEvents": "waiting for your answers",
                    }.get(kind, kind)
                    if kind == "InProgress" and progress is not None:
                        word += f" {progress}%"
                    if seen.get(key) != word:
                        seen[key] = word
                        _step(f"  {key:<16} {word}")
                # A suspended step may sit in a branch or loop: the flow job's `suspend` tells.
                waiting = "flow_status" in event and not event.get("completed") and not asked
                if waiting and _suspended(client, job_id):
                    asked = True
                    _answer(client, job_id, state["flow_status"])
                if event.get("completed"):
                    job = event.get("job") or {}
                    _say("")
                    if job.get("success"):
                        result = job.get("result") or {}
                        _say(
                            result.get("content")
                            if isinstance(result, dict) and result.get("content")
                            else json.dumps(result, indent=2)
                        )
                        return 0
                    _say(f"the flow failed: {json.dumps(job.get('result'), indent=2)}")
                    return 1
        # the stream timed out (TIMEOUT_SSE_STREAM): reconnect and go on


def _suspended(client: httpx.Client, job_id: str) -> bool:
    job = client.get(f"/jobs_u/get/{job_id}", params={"no_logs": "true"}).json()
    return (job.get("suspend") or 0) > 0


def _answer(client: httpx.Client, job_id: str, flow_status: dict[str, Any]) -> None:
    """Ask the person the flow's questions (on a terminal) and resume the waiting flow with the answers."""
    found = _waiting(client, job_id, flow_status)
    if found is None:
        return
    waiting_job, questions = found
    _say("  the flow asks:")
    answers: dict[str, str] = {}
    for n, q in enumerate(questions):
        text = q.get("question", q) if isinstance(q, dict) else q
        key = str(q.get("id", n)) if isinstance(q, dict) else str(n)
        _say(f"    - {text}")
        answers[key] = input("      > ") if sys.stdin.isatty() else ""
    payload = {"answers": answers}
    client.post(f"/jobs_u/flow/resume_suspended/{waiting_job}", json={"payload": payload, "approved": True})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/dev", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command")
    p_start = sub.add_parser("start", help="dev runtime + hub (the default)")
    p_start.add_argument("--port", type=int, help="dev runtime port (OPENANALYST_DEV_PORT, default 8000)")
    p_start.add_argument("--no-hub", action="store_true", help="start the dev runtime only")
    p_token = sub.add_parser("token", help="print a hub JWT for a user")
    p_token.add_argument("user")
    p_token.add_argument("--ttl", type=int, default=3600, help="seconds the token is valid (default 3600)")
    p_demo = sub.add_parser("demo", help="run handle_request once and print the answer")
    p_demo.add_argument("request", nargs="?", default=SEED_REQUEST)
    p_demo.add_argument("--user", default="demo")
    p_demo.add_argument("--trace", action="store_true", help="then print what each step returned")
    args = parser.parse_args(argv)
    load_dotenv()
    if args.command in (None, "start"):
        if args.command is None:
            args.port, args.no_hub = None, False
        return start(args)
    if args.command == "token":
        return token(args)
    return demo(args)


if __name__ == "__main__":
    sys.exit(main())
