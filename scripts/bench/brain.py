"""Benchmark of the brain: model calls and tokens per request, and the flow's own overhead.

    uv run scripts/bench/brain.py              # success on the first attempt + CORE help (< 60 s idle)
    uv run scripts/bench/brain.py --all        # the five scenarios of the brain's tests
    uv run scripts/bench/brain.py --only research_then_pass

Each scenario runs `f/openanalyst/handle_request` on an embedded dev runtime, with the Anthropic
API served by a loopback server from recorded bodies (their `usage` is what a real reply of that
shape reports) and a loopback hub receiving the progress pushes. For every request it prints:

- model calls and input / output / cache-read / cache-write tokens (the response metadata, which
  sums what every step reported), and the calls the mock actually served (they must agree);
- the flow's wall time, the sum of the run times of its step jobs, and the ratio between them:
  the baseline is the steps' own work measured in the same run, so ratio - 1 is what the flow
  machinery (scheduling, expression evaluation, loops, branches) adds.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # `uv run scripts/bench/brain.py` from anywhere

os.environ["AGNO_TELEMETRY"] = "false"

from tests.brain.loopback import HubStub, ModelServer
from tests.brain.scenarios import SCENARIOS, answer_questions, finish, jobs_of, run_request, script
from tests.support.devruntime import DevRuntime, start_dev_server

DEFAULT = ("success_first_attempt", "core_help")
SECRET = "bench-push-secret"


def _ms(job: dict[str, Any]) -> float:
    if job.get("duration_ms") is not None:
        return float(job["duration_ms"])
    started, ended = job.get("started_at"), job.get("completed_at") or job.get("created_at")
    if not started or not ended:
        return 0.0
    parse = lambda ts: datetime.fromisoformat(str(ts).replace("Z", "+00:00"))  # noqa: E731
    return (parse(ended) - parse(started)).total_seconds() * 1000


def run_scenario(rt: DevRuntime, hub: HubStub, name: str) -> dict[str, Any]:
    spec = SCENARIOS[name]
    server: ModelServer | None = None
    env_keys = ("ANTHROPIC_API_KEY", "OPENANALYST_ANTHROPIC_BASE_URL", "OPENANALYST_MODEL_MAX_RETRIES")
    saved = {k: os.environ.get(k) for k in env_keys}
    try:
        for key in env_keys:
            os.environ.pop(key, None)
        if not spec.get("offline"):
            server = ModelServer(script(spec["judge"], spec.get("research", False))).start()
            os.environ.update(
                {
                    "ANTHROPIC_API_KEY": "sk-ant-bench",
                    "OPENANALYST_ANTHROPIC_BASE_URL": server.url,
                    "OPENANALYST_MODEL_MAX_RETRIES": "0",
                }
            )
        started = time.monotonic()
        job, message_id = run_request(rt, spec["request"])
        if spec.get("answers"):
            answer_questions(rt, hub, job, message_id, spec["answers"])
        result = finish(rt, job)
        wall_ms = (time.monotonic() - started) * 1000
        family = jobs_of(rt, job)
        steps = [j for j in family if j.get("job_kind") == "script" and j.get("is_flow_step")]
        step_ms = sum(_ms(j) for j in steps)
        flow_ms = _ms(rt.get_job(job)) or wall_ms
        suspended_ms = _suspended_ms(family) if spec.get("answers") else 0.0
        served = len(server.requests) if server else 0
        meta = result["metadata"]
        return {
            "name": name,
            "calls": meta.get("calls", 0),
            "served": served,
            "tokens": meta["tokens"],
            "attempts": meta["attempts"],
            "flow_ms": flow_ms - suspended_ms,
            "steps_ms": step_ms,
            "steps": len(steps),
        }
    finally:
        if server:
            server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _suspended_ms(family: list[dict[str, Any]]) -> float:
    """Time the flow spent waiting for the person (clarify's end to the next step's start)."""
    clarify = [j for j in family if j.get("script_path") == "f/openanalyst/brain/clarify"]
    after = [j for j in family if j.get("flow_step_id") == "answers_plan"]
    if not clarify or not after or not after[0].get("started_at"):
        return 0.0
    parse = lambda ts: datetime.fromisoformat(str(ts).replace("Z", "+00:00"))  # noqa: E731
    end = clarify[0].get("completed_at") or clarify[0].get("started_at")
    return max(0.0, (parse(after[0]["started_at"]) - parse(end)).total_seconds() * 1000)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--all", action="store_true", help="run the five scenarios")
    parser.add_argument("--only", nargs="+", choices=sorted(SCENARIOS), help="run these scenarios")
    args = parser.parse_args()
    names = args.only or (list(SCENARIOS) if args.all else list(DEFAULT))
    tmp = Path(tempfile.mkdtemp(prefix="bench-brain-"))
    os.environ["OPENANALYST_SQLITE_PATH"] = str(tmp / "brain.sqlite3")
    server = start_dev_server(tmp)
    hub = HubStub(SECRET).start()
    rt = DevRuntime(server)
    rows = []
    try:
        rt.set_variable("f/openanalyst/hub_url", hub.url)
        rt.set_variable("f/openanalyst/hub_push_secret", SECRET, is_secret=True)
        for name in names:
            print(f"running {name} ...", file=sys.stderr, flush=True)
            rows.append(run_scenario(rt, hub, name))
    finally:
        hub.stop()
        server.stop()
    head = (
        f"{'scenario':<24}{'attempts':>9}{'calls':>7}{'served':>8}{'input':>8}{'output':>8}"
        f"{'c.read':>8}{'c.write':>9}{'flow s':>9}{'steps s':>9}{'n':>4}{'ratio':>7}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        t = r["tokens"]
        ratio = r["flow_ms"] / r["steps_ms"] if r["steps_ms"] else float("nan")
        print(
            f"{r['name']:<24}{r['attempts']:>9}{r['calls']:>7}{r['served']:>8}{t['input']:>8}{t['output']:>8}"
            f"{t['cacheRead']:>8}{t['cacheWrite']:>9}{r['flow_ms'] / 1000:>9.1f}{r['steps_ms'] / 1000:>9.1f}"
            f"{r['steps']:>4}{ratio:>7.2f}"
        )
    print(
        "\nratio = flow wall time (minus time suspended for the person) / sum of its step jobs' run "
        "times; steps run one after another, so ratio - 1 is the flow machinery's own overhead."
    )
    mismatched = [r["name"] for r in rows if r["served"] and r["served"] != r["calls"]]
    if mismatched:
        print(f"WARNING: metadata.calls differs from the calls served in {mismatched}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
