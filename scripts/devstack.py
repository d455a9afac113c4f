"""The local stack in one command (run through `scripts/dev`).

scripts/dev                     start the dev runtime (+ the hub when hub/ exists) and say where to connect
scripts/dev start [--port N]    the same
scripts/dev token <user>        print a hub JWT for <user> (hub.auth.issue_dev_token)
scripts/dev demo ["request"]    run f/openanalyst/handle_request once on an embedded dev runtime,
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
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import httpx  # noqa: E402

from scripts.devruntime.config import Settings  # noqa: E402
from scripts.devruntime.server import DevServer  # noqa: E402

SEED_REQUEST = "Create a Twitter post about AI trends and schedule it for tomorrow"  # seed 4.1
HUB_PORT = int(os.environ.get("HUB_PORT") or 8002)


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


def _api(server: DevServer) -> httpx.Client:
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


def start(args: argparse.Namespace) -> int:
    # One token for the runtime and the hub (its local backend reads OPENANALYST_DEV_TOKEN).
    os.environ.setdefault("OPENANALYST_DEV_TOKEN", secrets.token_urlsafe(24))
    os.environ.setdefault("HUB_PUSH_SECRET", secrets.token_urlsafe(32))
    settings = Settings.from_env()
    if args.port is not None:
        settings.port = args.port
    try:
        server = DevServer(settings).start()
    except OSError as exc:
        print(
            f"scripts/dev: cannot listen on {settings.host}:{settings.port} ({exc.strerror}); "
            "stop what uses it or pick another port (--port or OPENANALYST_DEV_PORT)",
            file=sys.stderr,
        )
        return 1
    hub: subprocess.Popen[bytes] | None = None
    try:
        with _api(server) as client:
            hub_url = f"http://127.0.0.1:{HUB_PORT}"
            _set_if_empty(client, "f/openanalyst/hub_url", hub_url, False)
            _set_if_empty(client, "f/openanalyst/hub_push_secret", os.environ["HUB_PUSH_SECRET"], True)
        _say(f"dev runtime   {server.base_url}/api   workspace {settings.workspace}")
        _say(f"  token       {settings.token}")
        _say(f"  jobs        {settings.db_path}")
        if (REPO_ROOT / "hub" / "__main__.py").exists() and not args.no_hub:
            env = {**os.environ, "HUB_BACKEND": os.environ.get("HUB_BACKEND", "local")}
            env.setdefault("WINDMILL_URL", server.base_url)
            hub = subprocess.Popen(
                [sys.executable, "-m", "hub", "--port", str(HUB_PORT)], cwd=REPO_ROOT, env=env
            )
            _say(f"hub           ws://127.0.0.1:{HUB_PORT}/ws   chat page http://127.0.0.1:{HUB_PORT}/")
            _say("  a token     scripts/dev token <user>")
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
        server.stop()
    return 0


def token(args: argparse.Namespace) -> int:
    from hub.auth import issue_dev_token

    try:
        print(issue_dev_token(args.user, ttl_s=args.ttl))
    except ValueError as exc:
        print(f"scripts/dev token: {exc}", file=sys.stderr)
        return 2
    return 0


def _questions(client: httpx.Client, flow_status: dict[str, Any]) -> list[Any]:
    """The questions a suspended clarification step returned, wherever it sits in the flow."""
    for module in flow_status.get("modules") or []:
        if module.get("type") == "WaitingForEvents" and module.get("job"):
            result = client.get(f"/jobs_u/completed/get_result/{module['job']}").json()
            return (result or {}).get("questions") or [result]
        for sub in module.get("flow_jobs") or []:
            status = client.get(f"/jobs_u/get/{sub}").json().get("flow_status") or {}
            found = _questions(client, status)
            if found:
                return found
    return []


def demo(args: argparse.Namespace) -> int:
    import tempfile

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
            _say(f"request: {args.request!r} (user {args.user}, dev runtime {server.base_url})")
            r = client.post("/jobs/run/f/f/openanalyst/handle_request", json=body)
            if r.status_code != 201:
                _say(f"could not start the flow: {r.status_code} {r.text}")
                return 1
            job_id = r.text
            return _follow(client, job_id)


def _follow(client: httpx.Client, job_id: str) -> int:
    """Print each step as it starts and ends, progress, and the final answer (getupdate_sse)."""
    seen: dict[str, str] = {}
    state: dict[str, Any] = {}
    asked = False
    while True:
        with client.stream("GET", f"/jobs_u/getupdate_sse/{job_id}", params={"no_logs": "true"}) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data: "):
                    continue
                event = json.loads(line[6:])
                if event.get("type") != "update":
                    continue
                state.update(event)
                for module in (state.get("flow_status") or {}).get("modules") or []:
                    key, kind = module.get("id", "?"), module.get("type", "")
                    progress = module.get("progress")
                    label = kind + (f" {progress}%" if progress is not None and kind == "InProgress" else "")
                    if seen.get(key) != label and kind != "WaitingForPriorSteps":
                        seen[key] = label
                        _say(f"  [{kind:>16}] {key}" + label[len(kind) :])
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
    """Ask the person the flow's questions (on a terminal) and resume the flow with the answers."""
    questions = _questions(client, flow_status)
    _say("  the flow asks:")
    answers: dict[str, str] = {}
    for n, q in enumerate(questions):
        text = q.get("question", q) if isinstance(q, dict) else q
        key = str(q.get("id", n)) if isinstance(q, dict) else str(n)
        _say(f"    - {text}")
        answers[key] = input("      > ") if sys.stdin.isatty() else ""
    payload = {"answers": answers}
    client.post(f"/jobs_u/flow/resume_suspended/{job_id}", json={"payload": payload, "approved": True})


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
